#!/usr/bin/env python3
"""Peers of `carecircle route solve` on one Solomon file: PyVRP and VROOM (pyvroom), from PyPI.

    python route_peers.py FILE SECONDS SEED

Prints one JSON object: for each peer its routes (customer numbers as in the file), the time it
took and its version. Distances are not trusted from the peers: both take integer matrices, so
coordinates are scaled by 1000 and rounded; the Rust side recomputes every route's exact
double-precision Euclidean length and checks every window and capacity itself.
"""
import json
import math
import sys
import time

SCALE = 1000


def read(path):
    lines = [l.split() for l in open(path) if l.strip()]
    name = lines[0][0]
    k, q = int(lines[3][0]), int(lines[3][1])
    rows = [list(map(float, l)) for l in lines[6:]]
    return name, k, q, rows


def scaled_matrix(rows):
    n = len(rows)
    return [[round(math.hypot(rows[i][1] - rows[j][1], rows[i][2] - rows[j][2]) * SCALE) for j in range(n)] for i in range(n)]


def pyvrp_solve(path, seconds, seed):
    import pyvrp
    from pyvrp.stop import MaxRuntime
    name, k, q, rows = read(path)
    dist = scaled_matrix(rows)
    m = pyvrp.Model()
    depot_row = rows[0]
    locs = [m.add_location(x=int(r[1]), y=int(r[2])) for r in rows]
    depot = m.add_depot(locs[0])
    m.add_vehicle_type(num_available=k, capacity=int(q), start_depot=depot, end_depot=depot, tw_early=int(depot_row[4] * SCALE), tw_late=int(depot_row[5] * SCALE))
    for i, r in enumerate(rows[1:], start=1):
        m.add_client(locs[i], delivery=int(r[3]), service_duration=int(r[6] * SCALE), tw_early=int(r[4] * SCALE), tw_late=int(r[5] * SCALE))
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            if i != j:
                m.add_edge(a, b, distance=dist[i][j], duration=dist[i][j])
    t = time.perf_counter()
    res = m.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    elapsed = time.perf_counter() - t
    def is_client(a):
        f = a.is_client
        return f() if callable(f) else f
    # Clients are numbered 0..n-1 among clients (the depot apart): row idx + 1 of the file.
    routes = [[int(rows[a.idx + 1][0]) for a in r if is_client(a)] for r in res.best.routes()]
    return {"routes": routes, "seconds": elapsed, "feasible": res.best.is_feasible(), "version": __import__("importlib.metadata").metadata.version("pyvrp")}


def vroom_solve(path, seconds, seed):
    import vroom
    name, k, q, rows = read(path)
    dist = scaled_matrix(rows)
    p = vroom.Input()
    p.set_durations_matrix(profile="car", matrix_input=dist)
    d = rows[0]
    for v in range(k):
        p.add_vehicle(vroom.Vehicle(id=v + 1, start=0, end=0, capacity=[int(q)], time_window=vroom.TimeWindow(int(d[4] * SCALE), int(d[5] * SCALE))))
    for i, r in enumerate(rows[1:], start=1):
        p.add_job(vroom.Job(id=i, location=i, default_service=int(r[6] * SCALE), delivery=[int(r[3])], time_windows=[vroom.TimeWindow(int(r[4] * SCALE), int(r[5] * SCALE))]))
    t = time.perf_counter()
    sol = p.solve(exploration_level=5, nb_threads=1)
    elapsed = time.perf_counter() - t
    routes = []
    df = sol.routes
    for vid in sorted(set(df["vehicle_id"])):
        part = df[(df["vehicle_id"] == vid) & (df["type"] == "job")]
        routes.append([int(rows[int(j)][0]) for j in part["id"]])
    unassigned = len(rows) - 1 - sum(len(r) for r in routes)
    return {"routes": routes, "seconds": elapsed, "unassigned": unassigned, "version": __import__("importlib.metadata").metadata.version("pyvroom")}


if __name__ == "__main__":
    path, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    out = {}
    for name, f in [("pyvrp", pyvrp_solve), ("vroom", vroom_solve)]:
        try:
            out[name] = f(path, seconds, seed)
        except Exception as e:  # a peer that fails is reported, not fatal
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out))
