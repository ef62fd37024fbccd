#!/usr/bin/env python3
"""Solomon-format VRPTW instances for `carecircle route solve` and scripts/route-bench.sh.

- RC208.txt: the real Solomon instance RC208 (100 customers), converted from the VRPLIB file
  `tests/data/RC208.vrp` of the pyvrp 0.14.1 source distribution on PyPI (kept here as
  RC208.vrplib). Coordinates, demands, windows and the service time (10) are unchanged.
- C1S, C2S, R1S, R2S, RC1S: SYNTHETIC instances in the style of Solomon's classes (100 customers
  on a 100 x 100 square; clustered, random, mixed; short horizon with small vehicles, long
  horizon with large ones), made below with a fixed seed. No other real Solomon instance ships
  in a PyPI package we found, and nothing may be fetched from elsewhere, so these stand in for
  them; they are not Solomon's instances and have no published best-known solutions.

Deterministic (random.Random with fixed seeds, only .random()); run from the repository root:
    python3 data/solomon/generate.py
"""
import math
import random
from pathlib import Path

HERE = Path(__file__).parent


def write(name, vehicles, capacity, rows):
    lines = [name, "", "VEHICLE", "NUMBER     CAPACITY", f"{vehicles:>5}{capacity:>12}", "", "CUSTOMER",
             "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME", ""]
    for r in rows:
        lines.append("{:>5}{:>9}{:>11}{:>11}{:>11}{:>11}{:>11}".format(*r))
    (HERE / f"{name}.txt").write_text("\n".join(lines) + "\n")


def convert_rc208():
    text = (HERE / "RC208.vrplib").read_text().splitlines()
    sections, current = {}, None
    header = {}
    for line in text:
        s = line.strip()
        if not s or s == "EOF":
            continue
        if s.endswith("_SECTION"):
            current = s
            sections[current] = []
            continue
        if current is None:
            k, v = [p.strip() for p in s.split(":", 1)]
            header[k] = v
        else:
            sections[current].append(s.split())
    coords = {int(r[0]): (int(r[1]), int(r[2])) for r in sections["NODE_COORD_SECTION"]}
    demand = {int(r[0]): int(r[1]) for r in sections["DEMAND_SECTION"]}
    tw = {int(r[0]): (int(r[1]), int(r[2])) for r in sections["TIME_WINDOW_SECTION"]}
    service = int(header["SERVICE_TIME"])
    rows = []
    for i in sorted(coords):
        x, y = coords[i]
        rows.append((i - 1, x, y, demand[i], tw[i][0], tw[i][1], 0 if i == 1 else service))
    write("RC208", int(header["VEHICLES"]), int(header["CAPACITY"]), rows)


def synthetic(name, seed, kind, horizon, capacity, service, half_width, density):
    rng = random.Random(seed)
    depot = (40, 50) if kind != "R" else (35, 35)
    points = []
    centres = [(rng.random() * 80 + 10, rng.random() * 80 + 10) for _ in range(10)]
    n_clustered = {"C": 100, "R": 0, "RC": 50}[kind]
    for i in range(100):
        if i < n_clustered:
            cx, cy = centres[i % len(centres)]
            a, r = rng.random() * 2 * math.pi, rng.random() * 8
            x, y = cx + r * math.cos(a), cy + r * math.sin(a)
        else:
            x, y = rng.random() * 100, rng.random() * 100
        points.append((min(100, max(0, round(x))), min(100, max(0, round(y)))))
    rows = [(0, depot[0], depot[1], 0, 0, horizon, 0)]
    for i, (x, y) in enumerate(points, start=1):
        d0 = math.hypot(x - depot[0], y - depot[1])
        demand = 10 * (1 + int(rng.random() * 4)) if kind == "C" else 1 + int(rng.random() * 40)
        earliest, latest = math.ceil(d0), math.floor(horizon - service - d0)
        if rng.random() < density:
            centre = earliest + rng.random() * (latest - earliest)
            w = half_width * (0.5 + rng.random())
            ready, due = max(earliest, int(centre - w)), min(latest, int(centre + w))
        else:
            ready, due = 0, latest
        rows.append((i, x, y, demand, ready, due, service))
    write(name, 25, capacity, rows)


if __name__ == "__main__":
    convert_rc208()
    synthetic("C1S", 17001, "C", 1236, 200, 90, 30, 1.0)
    synthetic("C2S", 17002, "C", 3390, 700, 90, 80, 1.0)
    synthetic("R1S", 17003, "R", 230, 200, 10, 10, 0.75)
    synthetic("R2S", 17004, "R", 1000, 1000, 10, 60, 0.75)
    synthetic("RC1S", 17005, "RC", 240, 200, 10, 15, 0.75)
