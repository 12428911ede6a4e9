#!/usr/bin/env python3
"""Binding overhead, Python side: the operations of bench_bindings.c through
the patron package (ctypes). Usage:
    PATRON_LIBRARY=build/libpatron.so.1 python3 bench/bench_bindings.py [customers]"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bindings" / "python"))
import numpy as np  # noqa: E402

import patron  # noqa: E402
from patron import ffi  # noqa: E402


def median3(f):
    return sorted(f() for _ in range(3))[1]


def per_call(fn, calls):
    def run():
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - t0) / calls
    return median3(run)


n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
raw = ffi._c_patron_version
print(f"python trivial_call_ns {per_call(raw, 1_000_000) * 1e9:.1f} (raw ctypes function)")
print(f"python trivial_call_wrapped_ns {per_call(ffi.patron_version, 1_000_000) * 1e9:.1f} (generated wrapper)")

at = 1768435200
with patron.Db.open(":memory:") as db:
    m = db.profile_add({"name": "Ada Lovelace", "email": "ada@example.com", "consent": "email"}, at)
    db.ledger_earn({"key": "order-1", "member_id": m, "points": 120, "at": at})
    print(f"python balance_lookup_us {per_call(lambda: db.ledger_balance(m, at + 60), 100_000) * 1e6:.3f}")

i = np.arange(n)
x = (i % 13).astype(np.float64)
T = 39.0 - (i % 27) * 0.5
tx = np.where(x > 0, T * (i % 7) / 7.0, 0.0)
model = patron.clv.BetaGeo(params={"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
out = None


def predict():
    global out
    t0 = time.perf_counter()
    out = model.predict(39.0, x, tx, T)
    return time.perf_counter() - t0


ms = median3(predict) * 1e3
print(f"python clv_predict_ms {ms:.2f} n={n} checksum={out.sum():.6f} (BetaGeo.predict, output allocated)")
del os
