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
    resilience(layers)
    precautions(layers)
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


def precautions(layers):
    """Precaution zones (issue 19): a strip 3 m either side of the first gas main and of the
    first power duct bank, each with its owner's requirement. Uses no random numbers, so the
    other layers come out as before."""
    def strip(line, half):
        (x0, y0), (x1, y1) = line["coordinates"]
        dx, dy = x1 - x0, y1 - y0
        n = (dx * dx + dy * dy) ** 0.5
        ox, oy = -dy / n * half, dx / n * half
        ring = [(x0 + ox, y0 + oy), (x1 + ox, y1 + oy), (x1 - ox, y1 - oy), (x0 - ox, y0 - oy)]
        ring = [[round(x, 3), round(y, 3)] for x, y in ring]
        return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}
    gas = next(f for f in layers["gas"] if f["properties"]["kind"] == "pipe")
    power = next(f for f in layers["power"] if f["properties"]["kind"] == "duct")
    layers["gas_precautions"] = [thematic(
        "GP-1", "precaution_zone", strip(gas["geometry"], 3.0),
        owner=(gas["properties"]["owner"], "023-7666-3000"),
        requirement="hand_dig", within_m=1, note=f"{gas['id']} 中压燃气管，1 米内人工开挖")]
    layers["power_precautions"] = [thematic(
        "PP-1", "precaution_zone", strip(power["geometry"], 3.0),
        owner=(power["properties"]["owner"], "95598"),
        requirement="owner_present", note=f"{power['id']} 10 kV 电缆排管，开挖时供电公司派员监护")]


STREET_NAMES = {"E": ["中和街", "凤凰路", "渝秀大道", "花灯街"], "N": ["东风路", "西街", "新华路", "民族路"]}
EMERGENCY = ("秀山县应急管理局 (demo)", "023-7666-0119")


def thematic(fid, kind, geometry, owner=EMERGENCY, **props):
    p = {"kind": kind, "owner": owner[0], "owner_contact": owner[1]}
    p.update({k: v for k, v in props.items() if v is not None})
    return {"type": "Feature", "id": fid, "properties": p, "geometry": geometry}


def resilience(layers):
    """The resilience thematic layers (street centrelines, emergency resources, past incidents)
    and disaster-resistance parameters on the water and drainage pipes. A random stream of its
    own, so the other layers stay as they were."""
    r = random.Random(8)
    for f in layers["water"] + layers["drainage"]:
        p = f["properties"]
        if p["kind"] != "pipe":
            continue
        p["install_year"] = r.choice([1978, 1985, 1992, 1998, 2004, 2010, 2016])
        p["condition"] = r.choice(["good", "good", "fair", "fair", "poor"])
        if f["id"] in ("WS-E10", "DR-ST-E21"):
            p["install_year"], p["condition"] = 1978, "critical"
        if p.get("network") == "storm":
            p["design_return_period_years"] = r.choice([1, 2, 3])
        p["seismic_intensity"] = 6
        if f["id"].startswith("WS-"):
            p["design_pressure_mpa"] = 0.6
    segs, _ = streets()
    layers["streets"] = [
        thematic(f"ST-{name}", "road", {"type": "LineString", "coordinates": [xy(*a), xy(*b)]},
                 owner=("秀山县住房和城乡建设委员会 (demo)", "023-7666-7007"),
                 name=STREET_NAMES[name[0]][int(name[1])] + " (demo)",
                 road_class="trunk" if name[1] == "2" else "local")
        for name, a, b in segs
    ]
    pt = lambda u, v: {"type": "Point", "coordinates": xy(u, v)}
    water = ("秀山县自来水有限公司 (demo)", "023-7666-1001")
    gas = ("秀山县燃气有限公司 (demo)", "023-7666-3003")
    power = ("国网秀山供电公司 (demo)", "023-7666-2002")
    shelter = [xy(u, v) for u, v in [(174, 334), (306, 334), (306, 466), (174, 466), (174, 334)]]
    layers["resources"] = [
        thematic("RS-PUMP-1", "resource", pt(470, 250), resource_type="pump",
                 name="城东排涝泵车 (demo)", capacity=300, capacity_unit="m³/h"),
        thematic("RS-PUMP-2", "resource", pt(20, 90), resource_type="pump",
                 name="西街抽水泵 (demo)", capacity=150, capacity_unit="m³/h"),
        thematic("RS-PUMP-3", "resource", pt(1900, 100), resource_type="pump",
                 name="清溪排涝泵站 (demo, outside the town)", capacity=1200, capacity_unit="m³/h"),
        thematic("RS-GEN-1", "resource", pt(250, 10), owner=power, resource_type="generator",
                 name="应急电源车 (demo)", capacity=200, capacity_unit="kW"),
        thematic("RS-DEPOT-1", "resource", pt(330, 400), resource_type="depot",
                 name="防汛物资仓库 (demo)", capacity=5000, capacity_unit="sandbags"),
        thematic("RS-TEAM-1", "resource", pt(170, 250), owner=water, resource_type="repair_team",
                 name="供水抢修一队 (demo)", capacity=8, capacity_unit="persons"),
        thematic("RS-TEAM-2", "resource", pt(400, 170), owner=gas, resource_type="repair_team",
                 name="燃气抢修队 (demo)", capacity=6, capacity_unit="persons"),
        thematic("RS-SHELTER-1", "resource", {"type": "Polygon", "coordinates": [shelter]},
                 resource_type="shelter", name="中和广场应急避难场所 (demo)", capacity=2000,
                 capacity_unit="persons"),
        thematic("RS-TANKER-1", "resource", pt(90, 330), owner=water, resource_type="water_tanker",
                 name="供水车 (demo)", capacity=8, capacity_unit="m³"),
    ]
    slide = [xy(u, v) for u, v in [(-60, 400), (-20, 400), (-20, 470), (-60, 470), (-60, 400)]]
    rows = [
        ("IN-2012-01", "burst", "2012-05-30", pt(160 - 8, 240), "WS-N11", "接口松脱 (joint failure)", None, 4, 120),
        ("IN-2012-02", "flood", "2012-07-05", pt(80, 157), None, "暴雨内涝 (rainstorm)", "路面积水 0.3 m", 3, None),
        ("IN-2014-01", "burst", "2014-03-02", pt(60, 152), "WS-E10", "管道腐蚀 (corrosion)", "路面隆起 20 m²", 7, 260),
        ("IN-2015-01", "fire", "2015-12-24", pt(400, 486.5), None, "燃气泄漏引燃 (leak ignited)", "一辆车烧毁", 2, 60),
        ("IN-2016-01", "flood", "2016-07-01", pt(240, 317), None, "暴雨内涝 92 mm/h (rainstorm)", "积水 0.6 m，12 家商铺进水", 6, None),
        ("IN-2017-01", "landslide", "2017-09-05", {"type": "Polygon", "coordinates": [slide]}, None,
         "连续降雨 (prolonged rain)", "挡土墙坍塌 (retaining wall collapsed)", 48, None),
        ("IN-2018-01", "burst", "2018-11-20", pt(100, 152), "WS-E10", "冬季冻胀 (frost heave)", None, 5, 180),
        ("IN-2019-01", "outage", "2019-08-15", pt(400, 489), "PW-E31", "电缆故障 (cable fault)", None, 2.5, 500),
        ("IN-2020-01", "flood", "2020-06-22", pt(236, 322), None, "暴雨内涝 (rainstorm)", "积水 0.4 m", 8, None),
        ("IN-2021-01", "leak", "2021-06-03", pt(326.5, 80), "GS-N20", "接口泄漏 (joint leak)", None, 3, 40),
        ("IN-2022-01", "strike", "2022-04-11", pt(169, 60), "PW-N10", "施工挖断电缆 (cut by excavation)", "10 kV 电缆断裂", 6, 800),
        ("IN-2023-01", "burst", "2023-01-14", pt(130, 152), "WS-E10", "管道老化 (old pipe)", "停水 310 户", 9, 310),
        ("IN-2024-01", "flood", "2024-07-09", pt(245, 318), None, "暴雨内涝 (rainstorm)", "积水 0.5 m", 4, None),
        ("IN-2025-01", "subsidence", "2025-03-18", pt(100, 320), None, "地下水流失 (groundwater loss)", "路面塌陷 3 m²", 30, None),
    ]
    layers["incidents"] = [
        thematic(fid, "incident", geom, incident_type=t, occurred_on=d, asset_ref=asset, cause=cause,
                 damage=damage, duration_h=hours, affected_households=households)
        for fid, t, d, geom, asset, cause, damage, hours, households in rows
    ]


if __name__ == "__main__":
    main()
