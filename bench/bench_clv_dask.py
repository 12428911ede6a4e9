#!/usr/bin/env python3
"""patron.dask: a BG/NBD fit of N customers (default 10,000,000, exact
times, simulated at CDNOW's BG/NBD estimate) over P partitions (default 8)
on a LocalCluster of W worker processes (default 2, one thread each), next
to the single-process fit of the same rows (patron.clv.BetaGeo, 1 thread).

Usage: PATRON_LIBRARY=build-rel/libpatron.so.1 PYTHONPATH=bindings/python \\
       /usr/bin/python3 bench/bench_clv_dask.py [N] [P] [W]
Prints wall seconds, the CPU seconds of this process and of the workers
(summed, from each worker's own resource usage), the Newton steps and the
largest relative parameter difference between the two fits."""
import ctypes
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
import dask.dataframe as dd
import distributed

import patron
import patron.clv
import patron.dask


def simulate(n):
    o = patron.ffi.PATRON_SIM_OPTIONS_INIT()
    o.model = patron.ffi.PATRON_SIM_BGNBD
    o.r, o.alpha, o.a, o.b = 0.243, 4.414, 0.793, 2.426
    o.customers, o.periods, o.period_seconds, o.seed = n, 39 * 7, 86400, 2026
    o.cohort_periods = 12 * 7
    o.customer_summary = 1
    with patron.ffi.patron_sim_run(o) as sim:
        cols = {}
        for name, fn in (("frequency", patron.ffi.patron_sim_x), ("recency", patron.ffi.patron_sim_t_x),
                         ("T", patron.ffi.patron_sim_T)):
            cols[name] = np.ctypeslib.as_array((ctypes.c_double * n).from_address(fn(sim))).copy()
    return pd.DataFrame(cols)


def worker_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    parts = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    t0 = time.time()
    df = simulate(n)
    print(f"simulated {n} customers in {time.time() - t0:.1f} s; load {os.getloadavg()}")

    c0, w0 = time.process_time(), time.time()
    single = patron.clv.BetaGeo(threads=1).fit(df)
    c1, w1 = time.process_time(), time.time()
    print(f"single process (1 thread): {c1 - c0:.2f} s CPU, {w1 - w0:.2f} s wall, "
          f"LL {single.log_likelihood:.6f}")

    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    client = distributed.Client(cluster)
    s = dd.from_pandas(df, npartitions=parts).persist()
    distributed.wait(s)
    base = sum(client.run(worker_cpu).values())
    c0, w0 = time.process_time(), time.time()
    dist = patron.dask.fit(patron.clv.BetaGeo(), s)
    c1, w1 = time.process_time(), time.time()
    wcpu = sum(client.run(worker_cpu).values()) - base
    rel = max(abs(dist.params[k] - v) / abs(v) for k, v in single.params.items())
    print(f"patron.dask, {parts} partitions, {workers} workers: {w1 - w0:.2f} s wall, "
          f"driver {c1 - c0:.2f} s CPU, workers {wcpu:.2f} s CPU, {dist.result.iterations} Newton steps, "
          f"LL {dist.log_likelihood:.6f}, max relative parameter difference {rel:.2e}")
    print(f"load after: {os.getloadavg()}")
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
