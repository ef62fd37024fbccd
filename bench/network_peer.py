"""Peers of CareCircle's walking network on the same graph: networkx's Dijkstra and pandana
(contraction hierarchies). Called by `network-bench` (bench/src/bin/network-bench.rs) with a
directory holding nodes.csv (id,lon,lat), edges.csv (a,b,metres), walks.csv (a,b),
isochrones.csv (node) and pois.csv (node); writes one JSON object of timings (seconds) and
answers to result.json there (pandana's C++ part prints its progress on stdout). Either peer is skipped (and said so) if it cannot be imported.
"""

import csv
import json
import os
import sys
import time


def read(path, types):
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        return [tuple(t(v) for t, v in zip(types, row)) for row in r]


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None


def main(d):
    nodes = read(os.path.join(d, "nodes.csv"), (int, float, float))
    edges = read(os.path.join(d, "edges.csv"), (int, int, float))
    walks = read(os.path.join(d, "walks.csv"), (int, int))
    isos = [n for (n,) in read(os.path.join(d, "isochrones.csv"), (int,))]
    pois = [n for (n,) in read(os.path.join(d, "pois.csv"), (int,))]
    budget = float(os.environ.get("ISO_METRES", "900"))
    out = {"nodes": len(nodes), "edges": len(edges)}

    try:
        import networkx as nx
    except ImportError as e:
        out["networkx"] = {"skipped": str(e)}
    else:
        g = nx.Graph()
        g.add_nodes_from(n for n, _, _ in nodes)
        for a, b, m in edges:
            g.add_edge(a, b, length=m)
        res = {"version": nx.__version__}
        times, answers = [], []
        for a, b in walks:
            t = time.perf_counter()
            try:
                m = nx.dijkstra_path_length(g, a, b, weight="length")
            except nx.NetworkXNoPath:
                m = None
            times.append(time.perf_counter() - t)
            answers.append(m)
        res["walk_median_s"] = median(times)
        res["walk_answers"] = answers
        times, reached = [], []
        for s in isos:
            t = time.perf_counter()
            r = nx.single_source_dijkstra_path_length(g, s, cutoff=budget, weight="length")
            times.append(time.perf_counter() - t)
            reached.append(len(r))
        res["isochrone_median_s"] = median(times)
        res["isochrone_reached"] = reached
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            dist = nx.multi_source_dijkstra_path_length(g, set(pois), weight="length")
            runs.append(time.perf_counter() - t)
        res["coverage_s"] = min(runs)
        res["coverage_sample"] = {str(n): dist.get(n) for n, _, _ in nodes[:: max(1, len(nodes) // 500)]}
        out["networkx"] = res

    try:
        import numpy as np
        import pandas as pd
        import pandana as pdna
    except ImportError as e:
        out["pandana"] = {"skipped": str(e)}
    else:
        ids = np.array([n for n, _, _ in nodes], dtype=np.int64)
        x = pd.Series([lon for _, lon, _ in nodes], index=ids)
        y = pd.Series([lat for _, _, lat in nodes], index=ids)
        ea = pd.Series([a for a, _, _ in edges])
        eb = pd.Series([b for _, b, _ in edges])
        w = pd.DataFrame({"length": [m for _, _, m in edges]})
        res = {"version": getattr(pdna, "__version__", "?")}
        t = time.perf_counter()
        net = pdna.Network(x, y, ea, eb, w, twoway=True)
        res["preprocess_s"] = time.perf_counter() - t
        times, answers = [], []
        for a, b in walks:
            t = time.perf_counter()
            m = net.shortest_path_length(a, b, imp_name="length")
            times.append(time.perf_counter() - t)
            # pandana answers 4294967.295 (2^32 - 1 millimetres) where there is no path.
            answers.append(None if m is None or m >= 4294967.0 else float(m))
        res["walk_median_s"] = median(times)
        res["walk_answers"] = answers
        # The batched call, per pair: pandana's fastest way to ask many walks.
        origs = np.array([a for a, _ in walks], dtype=np.int64)
        dests = np.array([b for _, b in walks], dtype=np.int64)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            net.shortest_path_lengths(origs, dests, imp_name="length")
            runs.append((time.perf_counter() - t) / len(walks))
        res["walk_batched_per_query_s"] = min(runs)
        far = 1e7
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            net.set_pois("service", far, 1, x.loc[pois], y.loc[pois])
            near = net.nearest_pois(far, "service", num_pois=1)
            runs.append(time.perf_counter() - t)
        res["coverage_s"] = min(runs)
        col = near.columns[0]
        res["coverage_sample"] = {str(n): (None if near.at[n, col] >= far else float(near.at[n, col])) for n, _, _ in nodes[:: max(1, len(nodes) // 500)]}
        out["pandana"] = res

    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1])
