#!/usr/bin/env python3
"""Writes the sample deliveries in data/samples/<department>/ (run from anywhere; needs GDAL's
ogr2ogr). Each sample holds good records and a few bad ones whose rejection the tests expect.
Coordinates are metres in EPSG:4545 around Xiushan's county town (596,973 E, 3,148,711 N), then
written in the CRS each department really delivers in."""

import csv
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
E0, N0 = 596_973.0, 3_148_711.0
CRS_4545 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}}


def out(dept, name):
    d = os.path.join(HERE, dept)
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


def fc(features, crs=CRS_4545):
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = crs
    return doc


def feature(props, geom, fid=None):
    f = {"type": "Feature", "properties": props, "geometry": geom}
    if fid is not None:
        f["id"] = fid
    return f


def line(*pts):
    return {"type": "LineString", "coordinates": [[E0 + x, N0 + y] for x, y in pts]}


def point(x, y):
    return {"type": "Point", "coordinates": [E0 + x, N0 + y]}


def ogr(*args):
    subprocess.run(["ogr2ogr", *args], check=True)


def water(tmp):
    # Shapefile from the water company's GIS: GBK attributes (.cpg says so), .prj in ESRI WKT.
    mains = []
    for i in range(6):
        mains.append(feature({
            "管线编号": f"JS-{i + 1:03d}", "材质": "球墨铸铁", "管径": "DN300",
            "埋深": 1.2 + 0.1 * i, "权属单位": "秀山县自来水公司", "联系电话": "023-76662110",
            "探测日期": "2023/06/0" + str(i + 1), "探测方法": "物探",
        }, line((i * 40, 0), (i * 40 + 40, 0))))
    # Bad: no diameter (a water main needs one); depth out of range.
    mains.append(feature({"管线编号": "JS-007", "材质": "PE", "管径": None, "埋深": 1.0,
                          "权属单位": "秀山县自来水公司"}, line((0, 20), (40, 20))))
    mains.append(feature({"管线编号": "JS-008", "材质": "PE", "管径": "DN110", "埋深": 45,
                          "权属单位": "秀山县自来水公司"}, line((0, 30), (40, 30))))
    src = os.path.join(tmp, "water.geojson")
    json.dump(fc(mains), open(src, "w", encoding="utf-8"), ensure_ascii=False)
    dst = out("water", "water_mains.shp")
    for ext in ("shp", "shx", "dbf", "prj", "cpg"):
        p = dst[:-3] + ext
        if os.path.exists(p):
            os.remove(p)
    ogr("-f", "ESRI Shapefile", "-lco", "ENCODING=GBK", dst, src)
    # Valves and hydrants as GeoJSON in CRS84 (what a field app exports).
    fittings = [
        feature({"编号": "FM-001", "类型": "阀门", "权属单位": "秀山县自来水公司"}, point(40, 0)),
        feature({"编号": "XF-001", "类型": "消火栓", "权属单位": "秀山县自来水公司"}, point(80, 2)),
        feature({"编号": "SB-001", "类型": "水表"}, point(120, 2)),
        # Bad: a kind that belongs to another layer.
        feature({"编号": "TY-001", "类型": "调压箱"}, point(160, 2)),
    ]
    src = os.path.join(tmp, "fittings.geojson")
    json.dump(fc(fittings), open(src, "w", encoding="utf-8"), ensure_ascii=False)
    dst = out("water", "water_fittings.geojson")
    if os.path.exists(dst):
        os.remove(dst)
    ogr("-f", "GeoJSON", "-t_srs", "OGC:CRS84", "-lco", "COORDINATE_PRECISION=8", dst, src)


def gas(tmp):
    # GeoPackage in CGCS2000 geographic (EPSG:4490), as the gas company's GIS writes it.
    feats = []
    for i, p in enumerate(["中压A", "中压B", "低压", "次高压B"]):
        feats.append(feature({"GXBH": f"RQ-{i + 1:03d}", "压力": p, "管径": 160 + 40 * i,
                              "材质": "PE", "埋深": 0.9, "权属单位": "秀山县燃气有限公司"},
                             line((0, -20 - 10 * i), (60, -20 - 10 * i))))
    feats.append(feature({"GXBH": "TY-001", "类型": "调压箱", "权属单位": "秀山县燃气有限公司"}, point(60, -20)))
    # Bad: a gas main without its pressure class; a valve far outside the deployment area.
    feats.append(feature({"GXBH": "RQ-005", "管径": 110, "材质": "PE"}, line((0, -70), (60, -70))))
    far = {"type": "Point", "coordinates": [E0 + 3_000_000, N0]}
    feats.append(feature({"GXBH": "FM-009", "类型": "阀门"}, far))
    src = os.path.join(tmp, "gas.geojson")
    json.dump(fc(feats), open(src, "w", encoding="utf-8"), ensure_ascii=False)
    dst = out("gas", "gas.gpkg")
    if os.path.exists(dst):
        os.remove(dst)
    ogr("-f", "GPKG", "-t_srs", "EPSG:4490", "-nln", "燃气管线", dst, src)


def survey(dept, points, segments, encoding):
    with open(out(dept, f"{dept}_points.csv"), "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        for row in points:
            w.writerow(row)
    with open(out(dept, f"{dept}_segments.csv"), "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        for row in segments:
            w.writerow(row)


def power():
    # CJJ 61 survey tables from a detection contractor, GBK, X = northing, Y = easting.
    pts = [["点号", "X", "Y", "地面高程", "埋深", "特征", "附属物"]]
    for i in range(5):
        pts.append([f"DL{i + 1}", f"{N0 - 100:.3f}", f"{E0 + 30 * i:.3f}", "352.10", f"{0.8 + 0.05 * i:.2f}",
                    "直线点", "电缆井" if i in (0, 4) else ""])
    segs = [["起点点号", "连接点号", "材质", "电压", "埋设方式", "电缆条数", "权属单位"]]
    for i in range(4):
        segs.append([f"DL{i + 1}", f"DL{i + 2}", "铜", "10kV", "排管", "3", "国网秀山县供电公司"])
    # Bad: a segment to a point that is not in the point table; one without its voltage.
    segs.append(["DL5", "DL9", "铜", "10kV", "直埋", "1", "国网秀山县供电公司"])
    segs.append(["DL1", "DL3", "铜", "", "直埋", "1", "国网秀山县供电公司"])
    survey("power", pts, segs, "gbk")


def drainage(tmp):
    # CJJ 61 tables, UTF-8, invert elevations instead of depths (usual for sewers).
    pts = [["点号", "X", "Y", "地面高程", "管底高程", "特征", "附属物"]]
    for i in range(4):
        pts.append([f"WS{i + 1}", f"{N0 + 60:.3f}", f"{E0 + 50 * i:.3f}", "351.80", f"{349.9 - 0.1 * i:.2f}",
                    "", "检查井"])
    segs = [["起点点号", "终点点号", "材质", "管径", "排水类型", "权属单位"]]
    for i in range(3):
        segs.append([f"WS{i + 1}", f"WS{i + 2}", "钢筋混凝土", "600", "污水", "秀山县排水公司"])
    segs.append(["WS4", "WS1", "砖", "1200×800", "雨水", "秀山县排水公司"])
    survey("drainage", pts, segs, "utf-8")
    # A GeoJSON sequence (one feature a line, CRS84) of inlets from a mobile survey.
    seq = out("drainage", "inlets.geojsonl")
    tmp_src = os.path.join(tmp, "inlets.geojson")
    feats = [feature({"编号": f"YSK-{i + 1:03d}", "类型": "雨水口"}, point(10 + 50 * i, 66)) for i in range(5)]
    json.dump(fc(feats), open(tmp_src, "w", encoding="utf-8"), ensure_ascii=False)
    if os.path.exists(seq):
        os.remove(seq)
    ogr("-f", "GeoJSONSeq", "-t_srs", "OGC:CRS84", "-lco", "RS=NO", seq, tmp_src)
    with open(seq, "a", encoding="utf-8") as f:
        f.write('{"type": "Feature", "properties": {"编号": "YSK-BAD"}, "geometry": {"type": "Point"\n')


def planning(tmp):
    # A CAD drawing from the planning bureau: red lines as closed polylines on layer 道路红线,
    # plots on 地块 (land use in the mapping), and a water main on JS (for the water department).
    feats = [
        feature({"Layer": "道路红线"}, line((-20, -20), (220, -20), (220, 20), (-20, 20), (-20, -20))),
        feature({"Layer": "地块"}, line((0, 30), (80, 30), (80, 90), (0, 90), (0, 30))),
        # Bad: a plot drawn as a hatch (GDAL writes polygons as HATCH), which cannot be read.
        feature({"Layer": "地块"}, {"type": "Polygon", "coordinates": [[[E0 + 100, N0 + 30], [E0 + 180, N0 + 30], [E0 + 180, N0 + 90], [E0 + 100, N0 + 30]]]}),
        # Bad: a red line drawn as an open polyline.
        feature({"Layer": "道路红线"}, line((-20, 120), (220, 120), (220, 160))),
        feature({"Layer": "JS"}, line((0, 10), (200, 10))),
        feature({"Layer": "标注"}, point(5, 5)),
    ]
    src = os.path.join(tmp, "plan.geojson")
    json.dump(fc(feats), open(src, "w", encoding="utf-8"), ensure_ascii=False)
    dst = out("planning", "red_lines.dxf")
    if os.path.exists(dst):
        os.remove(dst)
    ogr("-f", "DXF", dst, src)


def telecom():
    feats = [feature({"kind": "duct", "孔数": 6, "运营商": "中国电信", "埋深": 0.8}, line((0, -5), (200, -5)), f"TX-{1}")]
    feats.append(feature({"kind": "manhole"}, point(0, -5), "TX-MH-1"))
    json.dump(fc(feats), open(out("telecom", "telecom.geojson"), "w", encoding="utf-8"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    tmp = tempfile.mkdtemp()
    try:
        water(tmp)
        gas(tmp)
        power()
        drainage(tmp)
        planning(tmp)
        telecom()
    finally:
        shutil.rmtree(tmp)
