#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into fuzz/corpus/<target>/seed-*.

Small valid and invalid inputs, taken from the tests and from data/. The fuzzer grows each
corpus from them; `cargo fuzz cmin` keeps it small. Run from anywhere: python3 fuzz/seeds.py
"""
import json
import os

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
CORPUS = os.path.join(FUZZ, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def head(text, lines):
    return "".join(text.splitlines(keepends=True)[:lines])


# The callers of fuzz/src/lib.rs ACCOUNTS, by index.
ACTORS = ["district", "operator:ST1", "operator:ST2", "senior:S1", "senior:S2", "family:F1", "family:F2",
          "caregiver:C1", "caregiver:C2", "caregiver:C4", "system"]
HOME = (29.9609, 121.7180)
NOW = "2026-11-23T01:45:00Z"  # fuzz/src/lib.rs NOW, 09:45 Shanghai


def compact(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


# ----- import_geojson -----

canteens = json.loads(read("data", "samples", "canteens-gcj02.geojson"))
canteens["features"] = canteens["features"][:3]
write("import_geojson", "canteens-gcj02", compact(canteens))
facilities = json.loads(read("data", "zhenhai-facilities.geojson"))
facilities["features"] = facilities["features"][:3]
write("import_geojson", "facilities-3", compact(facilities))
divisions = json.loads(read("data", "zhenhai-divisions.geojson"))
divisions["features"] = divisions["features"][:3]
for f in divisions["features"]:
    g = f.get("geometry") or {}
    if g.get("type") == "Polygon":
        g["coordinates"] = [ring[:6] for ring in g["coordinates"]]
write("import_geojson", "divisions-3", compact(divisions))
write("import_geojson", "one-canteen", compact({
    "type": "FeatureCollection", "coordinate_system": "wgs84",
    "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.71, 29.955]},
                  "properties": {"id": "CT-1", "name": "骆驼食堂", "kind": "canteen", "services": ["meals"],
                                 "hours": "daily 10:30-13:00", "capacity": 40, "division": "330211001001"}}]}))
write("import_geojson", "one-division", compact({
    "type": "FeatureCollection",
    "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[121.70, 29.95], [121.72, 29.95], [121.72, 29.97], [121.70, 29.95]]]},
                  "properties": {"code": "330211001001", "name": "泰河社区", "level": "community", "parent": "330211001"}}]}))
write("import_geojson", "not-json", "{not json")
write("import_geojson", "a-feature", '{"type":"Feature"}')
write("import_geojson", "bad-rows", compact({
    "type": "FeatureCollection",
    "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": ["x", 95]}, "properties": {"id": "A", "kind": "hospital_x", "services": "meals;spa", "capacity": -1}},
                 {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}, "properties": None},
                 {"type": "Thing"}]}))

# ----- import_csv -----

for name in ["bad-facilities.csv", "homes-small.csv", "stations.csv"]:
    write("import_csv", name[:-4], head(read("data", "samples", name), 8))
write("import_csv", "caregivers-4", head(read("data", "zhenhai-caregivers.csv"), 5))
write("import_csv", "homes-4", head(read("data", "zhenhai-homes.csv"), 5))
write("import_csv", "facilities-gcj02", "# demo\n# coordinate_system: gcj02\nid,name,kind,lat,lon,services,hours\nA,好站,community_station,29.95,121.71,cleaning;meals,mon-fri 08:00-17:00\n")
write("import_csv", "bad-rows",
      "id,name,kind,lat,lon\nA,好站,community_station,29.95,121.71\nB,,canteen,29.95,121.71\nC,坏点,canteen,NaN,121.71\n"
      "D,远点,canteen,95,121.71\nE,医院,hospital_x,29.95,121.71\nA,重复,canteen,29.95,121.71\n")
write("import_csv", "header-only", "name,kind\nx,canteen\n")
write("import_csv", "quoted", 'id,name,kind,lat,lon,hours\n"Q,1","名 ""引""",canteen,29.9,121.7,"mon,wed 08:00-12:00; sat 09:00-11:00"\n')

# ----- sync_push: byte 0 is the caller, the rest the body -----


def entry(key, actor, command, at=NOW):
    return {"key": key, "actor": actor, "at": at, "command": command}


def push(name, who, entries):
    write("sync_push", name, bytes([ACTORS.index(who)]) + compact({"entries": entries}).encode())


request = {"op": "request_booking", "booking_id": "B-NEW", "senior_id": "S1", "service": "cleaning",
           "start": "2026-11-25T02:00:00Z", "duration_minutes": 45, "note": "请按门铃"}
push("family-request", "family:F1", [entry("k1", "family:F1", request)])
push("family-cancel", "family:F1", [entry("k2", "family:F1", {"op": "cancel_booking", "booking_id": "B-REQ", "reason": "不需要了"})])
push("caregiver-accept-decline", "caregiver:C1", [
    entry("k3", "caregiver:C1", {"op": "accept_booking", "booking_id": "B-REQ"}),
    entry("k4", "caregiver:C1", {"op": "decline_booking", "booking_id": "B-REQ", "reason": "太远"})])
push("caregiver-check-in", "caregiver:C1", [entry("k5", "caregiver:C1", {"op": "check_in", "booking_id": "B-ACC", "lat": HOME[0], "lon": HOME[1]}, "2026-11-23T01:40:00Z")])
push("caregiver-check-out", "caregiver:C2", [entry("k6", "caregiver:C2", {"op": "check_out", "booking_id": "B-IN", "lat": HOME[0] + 0.01, "lon": HOME[1]})])
push("operator-review", "operator:ST1", [entry("k7", "operator:ST1", {"op": "review_visit", "booking_id": "B-DONE", "review": "approved"})])
push("senior-link", "senior:S1", [
    entry("k8", "senior:S1", {"op": "put_family_member", "member": {"id": "F3", "name": "新家属", "phone": "123"}}),
    entry("k9", "senior:S1", {"op": "link_family", "link": {"senior_id": "S1", "family_id": "F3", "relation": "儿子",
                                                            "permissions": {"can_book": True, "can_see_visits": False, "receives_alerts": True}}})])
push("district-request", "district", [entry("k10", "district", dict(request, booking_id="B-D", senior_id="S2", start="2026-11-26T02:00:00Z"))])
push("wrong-actor", "family:F2", [entry("k11", "family:F1", {"op": "accept_booking", "booking_id": "x"})])
push("bad-key-nul", "family:F1", [entry("", "family:F1", request), entry("k12", "family:F1", dict(request, note="x\u0000"))])
push("old-time", "caregiver:C2", [entry("k13", "caregiver:C2", {"op": "check_out", "booking_id": "B-IN", "lat": 0.0, "lon": 0.0}, "2020-01-01T00:00:00Z")])
push("empty", "system", [])
write("sync_push", "not-json", b"\x05{\"entries\":[{")

# ----- api_bodies: byte 0 the route, byte 1 the caller, byte 2 the booking or station, then the body -----

ROUTES = ["login", "accounts", "push", "pull", "bookings", "decline", "cancel", "check-in", "check-out", "review", "plan"]
BOOKINGS = ["B-REQ", "B-ACC", "B-IN", "B-DONE"]
LOGINS = ["district", "operator", "operator2", "senior", "senior2", "family", "family2", "caregiver1", "caregiver2", "caregiver4", "system"]


def api(name, route, login, target, body):
    raw = body if isinstance(body, bytes) else compact(body).encode()
    write("api_bodies", name, bytes([ROUTES.index(route), LOGINS.index(login), target]) + raw)


api("login", "login", "family", 0, {"login": "family", "password": "correct horse"})
api("login-long", "login", "family", 0, {"login": "x" * 65, "password": ""})
api("account", "accounts", "district", 0, {"login": "new1", "password": "a long password", "actor": "family:F2"})
api("account-bad-actor", "accounts", "district", 0, {"login": "new2", "password": "a long password", "actor": "ghost:1"})
api("push", "push", "family", 0, {"entries": [entry("a1", "family:F1", request)]})
api("pull", "pull", "senior", 0, {})
api("pull-refresh", "pull", "family2", 0, {"cursor": "", "limit": 10, "refresh": [{"entity": "family_link", "id": "S1|F2"}, {"entity": "booking", "id": "B-REQ"}]})
api("pull-bad-cursor", "pull", "district", 0, {"cursor": "garbage"})
api("booking", "bookings", "family", 0, {"senior_id": "S1", "service": "cleaning", "start": "2026-11-25T02:00:00Z", "duration_minutes": 15})
api("booking-id", "bookings", "district", 0, {"id": "B-X", "senior_id": "S2", "service": "bathing", "start": "2026-11-25T10:00:00+08:00", "note": "line\nbreak"})
api("booking-nul", "bookings", "family", 0, {"senior_id": "S1", "service": "cleaning", "start": "2026-11-25T02:00:00Z", "note": "a\u0000b"})
api("decline", "decline", "caregiver1", 0, {"reason": "太远"})
api("cancel", "cancel", "family", 0, {"reason": "不需要了"})
api("check-in", "check-in", "caregiver1", 1, {"lat": HOME[0], "lon": HOME[1]})
api("check-in-gcj", "check-in", "caregiver1", 1, {"lat": HOME[0], "lon": HOME[1], "crs": "gcj02"})
api("check-out", "check-out", "caregiver2", 2, {"lat": HOME[0], "lon": HOME[1], "crs": "bd09"})
api("review", "review", "senior", 3, {"review": "approved"})
api("review-operator", "review", "operator", 3, {"review": "rejected"})
api("plan", "plan", "operator", 0, {"date": "2026-11-24"})
api("plan-bad-date", "plan", "district", 1, {"date": "99999-01-01"})
api("not-json", "bookings", "family", 0, b"{\"senior_id\": ")
api("empty", "decline", "caregiver2", 0, b"")
