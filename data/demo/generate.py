#!/usr/bin/env python3
"""Writes the demo data set: a few made-up streets of Xiushan's county town with their utilities.

Deterministic (seeded). Coordinates are EPSG:4545 (CGCS2000 3-degree Gauss-Krueger CM 108E),
easting first as GDAL writes GeoJSON, declared in each file's `crs` member. Run from anywhere:
    python3 data/demo/generate.py
See data/README.md for what the offsets and depths are based on.
"""
import json
import math
import os
import random

OUT = os.path.dirname(os.path.abspath(__file__))
ORIGIN = (596_700.0, 3_148_500.0)  # near 108.99 E, 28.45 N
ROTATION = math.radians(12.0)  # the town grid is not aligned with grid north
SPACING = 160.0  # metres between parallel streets
N_STREETS = 4  # per direction
RED_LINE_HALF_WIDTH = 12.0  # 24 m red line
rng = random.Random(42)

OWNERS = {
    "water": ("秀山县自来水有限公司 (demo)", "023-7666-1001"),
    "power": ("国网秀山供电公司 (demo)", "023-7666-2002"),
    "gas": ("秀山县燃气有限公司 (demo)", "023-7666-3003"),
    "drainage": ("秀山县市政排水管理所 (demo)", "023-7666-4004"),
    "planning": ("秀山县规划和自然资源局 (demo)", "023-7666-5005"),
}

# Offset from the street centreline (m, + = left of the street direction) and typical top depth (m).
# Power and gas on opposite sidewalks, water under the other sidewalk, sewer and storm in the
# carriageway: the usual order of a Chinese urban street cross-section (CJJ 37, GB 50289).
UTILITIES = {
    "power": dict(offset=9.0, depth=(0.7, 1.0), kind="duct"),
    "gas": dict(offset=6.5, depth=(0.9, 1.3), kind="pipe"),
    "water": dict(offset=-8.0, depth=(1.0, 1.4), kind="pipe"),
    "storm": dict(offset=-3.0, depth=(1.5, 2.2), kind="pipe"),
    "sewer": dict(offset=2.5, depth=(2.0, 3.2), kind="pipe"),
}


def xy(u, v):
    """Street-grid coordinates (u along x-streets, v across) to EPSG:4545 easting, northing."""
    c, s = math.cos(ROTATION), math.sin(ROTATION)
    return [round(ORIGIN[0] + u * c - v * s, 3), round(ORIGIN[1] + u * s + v * c, 3)]


def accuracy():
    return rng.choice([0.1, 0.1, 0.3, 0.3, 0.5, 1.5, None])


def survey_date():
    return f"{rng.randint(2008, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def feature(fid, layer, kind, geometry, **props):
    name, contact = OWNERS[layer]
    p = {"kind": kind, "owner": name, "owner_contact": contact, "status": "in_service"}
    p.update({k: v for k, v in props.items() if v is not None})
    return {"type": "Feature", "id": fid, "properties": p, "geometry": geometry}


def depth_props(lo, hi, size_m):
    if rng.random() < 0.1:  # about a tenth of old records have no depth
        return {"depth_method": None}
    top = round(rng.uniform(lo, hi), 2)
    return {
        "depth_top_m": top,
        "depth_bottom_m": round(top + size_m, 2),
        "depth_method": rng.choice(["detected", "detected", "measured", "design"]),
        "accuracy_v_m": rng.choice([0.05, 0.1, 0.2, 0.3, None]),
    }


def streets():
    """(name, start uv, end uv, direction) of every street: N_STREETS each way, each split
    into blocks between intersections."""
    extent = SPACING * (N_STREETS - 1)
    out = []
    for i in range(N_STREETS):
        c = i * SPACING
        for j in range(N_STREETS - 1):
            a, b = j * SPACING, (j + 1) * SPACING
            out.append((f"E{i}{j}", (a, c), (b, c)))  # along u
            out.append((f"N{i}{j}", (c, a), (c, b)))  # along v
    return out, extent


def offset(p, q, d):
    (u1, v1), (u2, v2) = p, q
    L = math.hypot(u2 - u1, v2 - v1)
    nu, nv = -(v2 - v1) / L * d, (u2 - u1) / L * d
    return (u1 + nu, v1 + nv), (u2 + nu, v2 + nv)


def main():
    layers = {k: [] for k in ["water", "power", "gas", "drainage", "planning"]}
    segs, extent = streets()
    year = lambda: survey_date()
    for name, a, b in segs:
        for util, spec in UTILITIES.items():
            p, q = offset(a, b, spec["offset"])
            # stop short of the crossing street's pipes, leaving a node at each end
            geom = {"type": "LineString", "coordinates": [xy(*p), xy(*q)]}
            ref = f"CJ-{rng.randint(2008, 2024)}-{rng.randint(1, 999):03d}"
            if util == "water":
                d = rng.choice([150, 200, 300, 400])
                layers["water"].append(feature(
                    f"WS-{name}", "water", "pipe", geom, material=rng.choice(["DI", "DI", "PE", "CI"]),
                    diameter_mm=d, accuracy_h_m=accuracy(), survey_date=year(), archive_ref=ref,
                    **depth_props(*spec["depth"], d / 1000)))
            elif util == "gas":
                d = rng.choice([110, 160, 200])
                layers["gas"].append(feature(
                    f"GS-{name}", "gas", "pipe", geom, material=rng.choice(["PE", "PE", "steel"]),
                    diameter_mm=d, pressure_class=rng.choice(["medium_a", "medium_b", "low"]),
                    accuracy_h_m=accuracy(), survey_date=year(), archive_ref=ref,
                    **depth_props(*spec["depth"], d / 1000)))
            elif util == "power":
                layers["power"].append(feature(
                    f"PW-{name}", "power", "duct", geom, material="PVC duct bank",
                    section="800x400", voltage_kv=rng.choice([10, 10, 0.4]),
                    accuracy_h_m=accuracy(), survey_date=year(), archive_ref=ref,
                    extra_cables=rng.randint(2, 8),
                    **depth_props(*spec["depth"], 0.4)))
            else:
                d = rng.choice([400, 500, 600, 800]) if util == "storm" else rng.choice([300, 400, 500])
                layers["drainage"].append(feature(
                    f"DR-{util[:2].upper()}-{name}", "drainage", "pipe", geom,
                    material=rng.choice(["RC", "HDPE", "RC"]), diameter_mm=d,
                    accuracy_h_m=accuracy(), survey_date=year(), archive_ref=ref,
                    network=util, **depth_props(*spec["depth"], d / 1000)))
    # facilities at intersections
    for i in range(N_STREETS):
        for j in range(N_STREETS):
            u, v = i * SPACING, j * SPACING
            at = lambda du, dv: {"type": "Point", "coordinates": xy(u + du, v + dv)}
            layers["water"].append(feature(f"WV-{i}{j}", "water", "valve", at(-8.0, -8.0),
                                           diameter_mm=200, operable=rng.random() > 0.1,
                                           accuracy_h_m=0.1, depth_top_m=1.0, accuracy_v_m=0.1,
                                           survey_date=year()))
            layers["gas"].append(feature(f"GV-{i}{j}", "gas", "valve", at(6.5, 6.5),
                                         accuracy_h_m=0.1, depth_top_m=0.9, accuracy_v_m=0.1,
                                         survey_date=year()))
            for util, off in (("storm", -3.0), ("sewer", 2.5)):
                layers["drainage"].append(feature(
                    f"MH-{util[:2].upper()}-{i}{j}", "drainage", "manhole", at(off, off),
                    depth_top_m=0.0, depth_bottom_m=round(rng.uniform(2.0, 3.8), 2),
                    accuracy_h_m=0.1, accuracy_v_m=0.05, survey_date=year(), network=util))
            if (i + j) % 2 == 0:
                layers["water"].append(feature(f"HY-{i}{j}", "water", "hydrant", at(-9.5, 20.0),
                                               accuracy_h_m=0.3, depth_top_m=0.0, survey_date=year()))
            if (i * N_STREETS + j) % 3 == 0:
                layers["power"].append(feature(f"TR-{i}{j}", "power", "transformer", at(10.5, 25.0),
                                               voltage_kv=10, accuracy_h_m=0.3, depth_top_m=0.0,
                                               survey_date=year()))
    # planning: a red line per street, and land-use zones in the blocks
    for i in range(N_STREETS):
        c = i * SPACING
        for along in ("E", "N"):
            w = RED_LINE_HALF_WIDTH
            if along == "E":
                ring = [(-w, c - w), (extent + w, c - w), (extent + w, c + w), (-w, c + w)]
            else:
                ring = [(c - w, -w), (c + w, -w), (c + w, extent + w), (c - w, extent + w)]
            coords = [xy(*p) for p in ring] + [xy(*ring[0])]
            layers["planning"].append(feature(f"RL-{along}{i}", "planning", "red_line",
                                              {"type": "Polygon", "coordinates": [coords]},
                                              width_m=24, archive_ref=f"GH-2019-{i:03d}"))
    for i in range(N_STREETS - 1):
        for j in range(N_STREETS - 1):
            u0, v0 = i * SPACING + 14, j * SPACING + 14
            u1, v1 = (i + 1) * SPACING - 14, (j + 1) * SPACING - 14
            ring = [(u0, v0), (u1, v0), (u1, v1), (u0, v1), (u0, v0)]
            layers["planning"].append(feature(
                f"ZN-{i}{j}", "planning", "zone",
                {"type": "Polygon", "coordinates": [[xy(*p) for p in ring]]},
                land_use=rng.choice(["residential (R2)", "commercial (B1)", "school (A33)", "green (G1)"])))
    for layer, feats in layers.items():
        doc = {
            "type": "FeatureCollection",
            "name": layer,
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
            "features": feats,
        }
        with open(os.path.join(OUT, f"{layer}.geojson"), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=None, separators=(",", ":"))
            f.write("\n")
        print(layer, len(feats))


if __name__ == "__main__":
    main()
