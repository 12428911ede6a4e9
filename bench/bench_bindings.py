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
    """Best of 7 runs: the machine is shared, the minimum is the least noisy estimate."""
    return min(f() for _ in range(7))


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
print(f"python clv_predict_alloc_ms {ms:.2f} n={n} checksum={out.sum():.6f} (BetaGeo.predict, allocates the output)")

# the low layer with a preallocated output, as the C baseline does
from patron.clv import _Data  # noqa: E402
data = _Data(x, tx, T)
params = model._params
out2 = np.empty(n)


cpu = []


def predict_low():
    t0, c0 = time.perf_counter(), time.thread_time()
    ffi.patron_clv_expected_purchases(out2, params, data.c, 39.0)
    cpu.append(time.thread_time() - c0)
    return time.perf_counter() - t0


predict_low()
cpu.clear()
ms = median3(predict_low) * 1e3
print(f"python clv_predict_ms {ms:.2f} cpu_ms {min(cpu) * 1e3:.2f} n={n} checksum={out2.sum():.6f} "
      "(patron.ffi, output preallocated)")
del os
