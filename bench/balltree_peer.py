#!/usr/bin/env python3
"""BallTree peer for carecircle-bench (run by the bench binary, not by hand).

Reads the facilities (N x 3: lat, lon, kind) and the queries (Q x 3: lat, lon, kind) as
.npy files written by the Rust binary, builds one scikit-learn BallTree with the haversine
metric per facility kind (the same partitioning as CareCircle's index, so the nearest
query is filtered by kind the same way) and one over all facilities (for within-radius),
and times:

  * nearest, single: one `query(x, k)` call per query point, as an app would ask;
  * nearest, batched: one `query(X, k)` call per kind with all its query points (the
    fastest of three runs);
  * within, single and batched: `query_radius` with r = radius / Earth radius.

Prints one JSON object on stdout. Times are in microseconds (builds in seconds).
"""

import argparse
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.neighbors import BallTree

EARTH_RADIUS_M = 6_371_008.8  # the mean radius CareCircle uses
KINDS = 6


def stats(ns):
    us = np.sort(np.asarray(ns, dtype=np.float64)) / 1000.0
    n = len(us)
    return {"median": float(us[n // 2]), "p99": float(us[(n * 99) // 100]), "mean": float(us.mean()), "n": n}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--facilities", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--radius-m", type=float, default=1000.0)
    ap.add_argument("--check", type=int, default=200, help="report results of the first CHECK queries")
    ap.add_argument("--single", type=int, default=0, help="time at most this many single queries (0 = all)")
    args = ap.parse_args()

    fac = np.load(args.facilities)
    qs = np.load(args.queries)
    X = np.radians(fac[:, :2])
    kinds = fac[:, 2].astype(np.int64)
    Q = np.ascontiguousarray(np.radians(qs[:, :2]))
    qk = qs[:, 2].astype(np.int64)
    k = args.k
    r = args.radius_m / EARTH_RADIUS_M
    nq = len(Q) if args.single <= 0 else min(args.single, len(Q))

    # One tree per kind (the indices map back to facility numbers), and one over all.
    t0 = time.perf_counter()
    trees, members = [], []
    for kind in range(KINDS):
        sel = np.nonzero(kinds == kind)[0]
        members.append(sel)
        trees.append(BallTree(X[sel], metric="haversine"))
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    all_tree = BallTree(X, metric="haversine")
    build_all_s = time.perf_counter() - t0

    # Warm up (imports, first-call paths).
    for i in range(min(200, nq)):
        trees[qk[i]].query(Q[i : i + 1], k=k)
        all_tree.query_radius(Q[i : i + 1], r=r)

    check_nearest, check_within = [], []
    clock = time.perf_counter_ns
    ns = np.empty(nq, dtype=np.int64)
    for i in range(nq):
        tree = trees[qk[i]]
        x = Q[i : i + 1]
        t = clock()
        _, ind = tree.query(x, k=k)
        ns[i] = clock() - t
        if i < args.check:
            check_nearest.append([int(members[qk[i]][j]) for j in ind[0]])
    nearest_single = stats(ns)

    for i in range(nq):
        x = Q[i : i + 1]
        t = clock()
        ind, dist = all_tree.query_radius(x, r=r, return_distance=True, sort_results=True)
        ns[i] = clock() - t
        if i < args.check:
            check_within.append([int(j) for j in ind[0]])
    within_single = stats(ns)

    # Batched: all the queries of a kind in one call (the fastest way to use BallTree);
    # the fastest of three runs, as one preemption on a shared machine can slow a run.
    by_kind = [np.ascontiguousarray(Q[qk == kind]) for kind in range(KINDS)]
    nearest_batch = within_batch = float("inf")
    for _ in range(3):
        t = clock()
        for kind in range(KINDS):
            if len(by_kind[kind]):
                trees[kind].query(by_kind[kind], k=k)
        nearest_batch = min(nearest_batch, (clock() - t) / 1000.0 / len(Q))
        t = clock()
        all_tree.query_radius(Q, r=r)
        within_batch = min(within_batch, (clock() - t) / 1000.0 / len(Q))

    json.dump(
        {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "leaf_size": 40,
            "build_s": build_s,
            "build_all_s": build_all_s,
            "nearest_single_us": nearest_single,
            "nearest_batch_us": nearest_batch,
            "within_single_us": within_single,
            "within_batch_us": within_batch,
            "check_nearest": check_nearest,
            "check_within": check_within,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
