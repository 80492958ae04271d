//! A department's schema mapping: which source fields become which model fields, code lists,
//! units, and the layer's own checks. One `Department` value per department crate; the shared
//! rules (aliases every archive uses, units, dates, geometry repair) live here.

use std::collections::HashMap;
use std::sync::LazyLock;

use geo_types::{Geometry, LineString, Polygon};
use serde_json::{Map, Number, Value};
use undermap_core::attribute::ATTRIBUTES;
use undermap_core::FeatureKind;

use crate::properties::{self, FieldError};
use crate::source::SourceRecord;
pub(crate) use undermap_departments::Department;

/// Field names Chinese pipeline archives use whatever the department (CJJ 61 tables, GB/T
/// pinyin abbreviations as in `GXBH`, English exports).
///
/// The attributes' own names come from the core's table (`undermap_core::attribute`), between
/// the id, kind and layer names and the rest.
pub static COMMON_ALIASES: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    ALIASES_BEFORE
        .iter()
        .copied()
        .chain(
            ATTRIBUTES
                .iter()
                .flat_map(|a| a.aliases.iter().map(|alias| (*alias, a.model))),
        )
        .chain(ALIASES_AFTER.iter().copied())
        .collect()
});

/// Names of the id, the kind and the layer.
const ALIASES_BEFORE: &[(&str, &str)] = &[
    ("编号", "id"),
    ("管线编号", "id"),
    ("管点编号", "id"),
    ("要素编号", "id"),
    ("GXBH", "id"),
    ("ID", "id"),
    ("类型", "kind"),
    ("department", "layer"),
    ("图层", "layer"),
    ("专业", "layer"),
    ("管线种类", "layer"),
    ("要素类型", "kind"),
    ("附属物", "kind"),
    ("FSW", "kind"),
];

/// Names of what is not a column attribute: sensitivity, resistance parameters, network facts.
const ALIASES_AFTER: &[(&str, &str)] = &[
    ("密级", "sensitivity"),
    ("保密等级", "sensitivity"),
    // Positional quality levels (ASCE 38, DT-DICT, CJJ 61): undermap_core::QualityLevel reads
    // the values.
    ("质量等级", "quality_level"),
    ("定位质量等级", "quality_level"),
    ("位置质量等级", "quality_level"),
    ("精度等级", "quality_level"),
    ("平面精度等级", "quality_level"),
    ("定位方式", "quality_level"),
    ("ql", "quality_level"),
    ("utility_quality_level", "quality_level"),
    ("classe_precision", "quality_level"),
    ("classe", "quality_level"),
    // Disaster-resistance parameters (the resilience database, issue 8).
    ("设计重现期", "design_return_period_years"),
    ("重现期", "design_return_period_years"),
    ("防洪标准", "design_return_period_years"),
    ("抗震设防烈度", "seismic_intensity"),
    ("设防烈度", "seismic_intensity"),
    ("抗震烈度", "seismic_intensity"),
    ("设计压力", "design_pressure_mpa"),
    ("建设年代", "install_year"),
    ("建设年份", "install_year"),
    ("敷设年代", "install_year"),
    ("埋设年代", "install_year"),
    ("建成年份", "install_year"),
    ("状况等级", "condition"),
    ("健康等级", "condition"),
    ("评估等级", "condition"),
    ("结构等级", "condition"),
    ("管道状况", "condition"),
    // Network facts the graph reads: who a service feeds, whether a valve works, sources.
    ("用户类型", "consumer_class"),
    ("用户类别", "consumer_class"),
    ("用户性质", "consumer_class"),
    ("是否可操作", "operable"),
    ("可操作", "operable"),
    ("启闭可用", "operable"),
    ("是否源点", "source"),
    ("供应源", "source"),
    ("所在管线", "on_pipe"),
    ("所在管段", "on_pipe"),
    ("所属管段", "on_pipe"),
    ("所属管线", "on_pipe"),
    // Survey tables (CJJ 61): what the reader computed depths from, kept under these names.
    ("地面高程", "ground_elevation_m"),
    ("地面标高", "ground_elevation_m"),
    ("管顶高程", "top_elevation_m"),
    ("管顶标高", "top_elevation_m"),
    ("管底高程", "invert_elevation_m"),
    ("管内底高程", "invert_elevation_m"),
    ("管底标高", "invert_elevation_m"),
    ("起点点号", "start_point"),
    ("起始点号", "start_point"),
    ("终点点号", "end_point"),
    ("连接点号", "end_point"),
];

/// Names kept in a feature's department attributes on purpose, though no alias leads to them:
/// what readers add (a survey segment's end depths, a CAD layer) and what the graph reads.
const KNOWN_EXTRAS: &[&str] = &[
    "depth_start_m",
    "depth_end_m",
    "on_pipe",
    "cad_layer",
    "cad_block",
];

/// Code lists every department shares.
pub const COMMON_CODES: &[(&str, &str, &str)] = &[
    ("sensitivity", "公开", "normal"),
    ("sensitivity", "内部", "normal"),
    ("sensitivity", "秘密", "restricted"),
    ("sensitivity", "机密", "secret"),
    ("sensitivity", "绝密", "secret"),
    ("status", "在用", "in_service"),
    ("status", "运行", "in_service"),
    ("status", "废弃", "abandoned"),
    ("status", "停用", "abandoned"),
    ("status", "规划", "planned"),
    ("status", "设计", "planned"),
    ("status", "在建", "under_construction"),
    ("status", "施工", "under_construction"),
    ("depth_method", "实测", "measured"),
    ("depth_method", "开挖", "measured"),
    ("depth_method", "探测", "detected"),
    ("depth_method", "物探", "detected"),
    ("depth_method", "设计", "design"),
    ("depth_method", "竣工", "design"),
    ("depth_method", "估计", "estimated"),
    ("depth_method", "推测", "estimated"),
    ("material", "球墨铸铁", "DI"),
    ("material", "球墨铸铁管", "DI"),
    ("material", "铸铁", "CI"),
    ("material", "灰口铸铁", "CI"),
    ("material", "钢", "ST"),
    ("material", "钢管", "ST"),
    ("material", "镀锌钢管", "GS"),
    ("material", "聚乙烯", "PE"),
    ("material", "PE管", "PE"),
    ("material", "聚氯乙烯", "PVC"),
    ("material", "UPVC", "PVC"),
    ("material", "混凝土", "RC"),
    ("material", "钢筋混凝土", "RC"),
    ("material", "砼", "RC"),
    ("material", "砖", "BR"),
    ("material", "砖石", "BR"),
    ("material", "铜", "CU"),
    ("material", "光纤", "FO"),
    ("condition", "Ⅰ", "good"),
    ("condition", "Ⅰ级", "good"),
    ("condition", "I", "good"),
    ("condition", "一级", "good"),
    ("condition", "良好", "good"),
    ("condition", "完好", "good"),
    ("condition", "Ⅱ", "fair"),
    ("condition", "Ⅱ级", "fair"),
    ("condition", "II", "fair"),
    ("condition", "二级", "fair"),
    ("condition", "一般", "fair"),
    ("condition", "Ⅲ", "poor"),
    ("condition", "Ⅲ级", "poor"),
    ("condition", "III", "poor"),
    ("condition", "三级", "poor"),
    ("condition", "较差", "poor"),
    ("condition", "Ⅳ", "critical"),
    ("condition", "Ⅳ级", "critical"),
    ("condition", "IV", "critical"),
    ("condition", "四级", "critical"),
    ("condition", "差", "critical"),
    ("condition", "危险", "critical"),
    ("consumer_class", "医院", "hospital"),
    ("consumer_class", "卫生院", "hospital"),
    ("consumer_class", "学校", "school"),
    ("consumer_class", "幼儿园", "school"),
    ("consumer_class", "养老院", "care_home"),
    ("consumer_class", "福利院", "care_home"),
    ("consumer_class", "消防", "fire_station"),
    ("consumer_class", "政府", "government"),
    ("consumer_class", "机关", "government"),
    ("consumer_class", "居民", "residential"),
    ("consumer_class", "住宅", "residential"),
    ("consumer_class", "商业", "commercial"),
    ("consumer_class", "工业", "industry"),
    ("consumer_class", "工厂", "industry"),
];

/// Yes/no fields and the ways archives write them.
const BOOLEAN: &[&str] = &["operable", "source"];
const TRUE_WORDS: &[&str] = &[
    "是",
    "有",
    "可",
    "可用",
    "可操作",
    "正常",
    "完好",
    "true",
    "yes",
    "y",
    "1",
];
const FALSE_WORDS: &[&str] = &[
    "否",
    "无",
    "不可",
    "不可用",
    "不可操作",
    "失效",
    "损坏",
    "锈死",
    "false",
    "no",
    "n",
    "0",
];

const NUMERIC: &[&str] = &[
    // Invert elevations decide a drain's flow direction (undermap-network).
    "invert_start_m",
    "invert_end_m",
    "diameter_mm",
    "voltage_kv",
    "depth_top_m",
    "depth_bottom_m",
    "accuracy_h_m",
    "accuracy_v_m",
    "design_return_period_years",
    "seismic_intensity",
    "design_pressure_mpa",
    "install_year",
    "ground_elevation_m",
    "top_elevation_m",
    "invert_elevation_m",
    "duration_h",
    "affected_households",
    "capacity",
];
const CODED: &[&str] = &[
    "kind",
    "material",
    "pressure_class",
    "status",
    "depth_method",
    "sensitivity",
    "condition",
    "consumer_class",
    "incident_type",
    "resource_type",
    "requirement",
];
/// Dates, written every way archives write them.
const DATES: &[&str] = &["survey_date", "occurred_on"];

/// A record mapped onto the model, with the way back to source field names for messages
/// (borrowed from the record: kept for every record, read only for rejected ones).
pub(crate) struct Mapped<'r> {
    pub id: Option<String>,
    pub properties: Map<String, Value>,
    origin: Vec<(&'static str, &'r str)>,
    /// A field that holds text the map cannot keep (a control character): the record is
    /// rejected for it, with its id.
    pub refused: Option<FieldError>,
    /// Source fields that mapped to no model field, kept as free attributes under their own
    /// names: the delivery report lists them, since a misspelt `accuracy_m` silently leaves
    /// the accuracy unknown.
    pub unmapped: Vec<&'r str>,
}

impl Mapped<'_> {
    /// The source field a model field came from (for rejections the archivist can act on).
    pub(crate) fn source_field(&self, model: &str) -> String {
        self.origin
            .iter()
            .rev()
            .find(|(m, _)| *m == model)
            .map_or_else(|| model.to_owned(), |(_, source)| (*source).to_owned())
    }
}

/// Refuses a field whose name or text (at any depth of a JSON value) holds a control character
/// other than tab and line breaks: a NUL cannot be stored, and the rest hide what the text says.
fn plain_field(name: &str, value: &Value) -> Result<(), FieldError> {
    let refuse = |e: undermap_core::CoreError| FieldError::new(name, e.to_string());
    undermap_core::text::plain("field name", name).map_err(refuse)?;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => undermap_core::text::multiline(name, s).map_err(refuse)?,
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (k, v) in map {
                    undermap_core::text::plain(name, k).map_err(refuse)?;
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Words a record may use for its layer (`layer`, `department`, 图层, 专业): the layer they
/// name. A record naming another layer than its delivery's is refused, not loaded into the
/// wrong one.
const LAYER_WORDS: &[(&str, &str)] = &[
    ("water", "water"),
    ("给水", "water"),
    ("供水", "water"),
    ("上水", "water"),
    ("gas", "gas"),
    ("燃气", "gas"),
    ("天然气", "gas"),
    ("power", "power"),
    ("电力", "power"),
    ("供电", "power"),
    ("drainage", "drainage"),
    ("排水", "drainage"),
    ("雨水", "drainage"),
    ("污水", "drainage"),
    ("storm", "drainage"),
    ("sewer", "drainage"),
    ("telecom", "telecom"),
    ("通信", "telecom"),
    ("电信", "telecom"),
    ("planning", "planning"),
    ("规划", "planning"),
    ("incidents", "incidents"),
    ("resources", "resources"),
    ("streets", "streets"),
];

/// The other layer `named` stands for, when it names a known layer that is not `layer`.
#[must_use]
pub(crate) fn other_layer(named: &str, layer: &str) -> Option<&'static str> {
    let word = named.trim();
    LAYER_WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|(_, l)| *l)
        .filter(|l| *l != layer)
}

fn lookup<'a>(table: &'a [(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    let key = key.trim();
    table
        .iter()
        .find(|(k, _)| *k == key)
        .or_else(|| table.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
        .map(|(_, v)| *v)
}

/// The model field of that exact name, as the model's own `'static` name.
fn model_field(name: &str) -> Option<&'static str> {
    properties::MODEL_FIELDS
        .iter()
        .chain(properties::NETWORK_FACTS)
        .chain(undermap_core::resilience::keys::ALL)
        .copied()
        .find(|m| *m == name)
}

/// "DN300", "Φ300", "300mm", "10kV", "1.2m", "1.2 米" → the number.
fn strip_units(text: &str) -> Option<f64> {
    let t = text.trim();
    let t = ["DN", "dn", "De", "de", "Φ", "φ", "Ø", "d"]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .unwrap_or(t)
        .trim();
    // "7度(0.15g)": the intensity is the number before 度.
    let t = t.split_once('度').map_or(t, |(n, _)| n).trim();
    let t = [
        "mm",
        "MM",
        "毫米",
        "kV",
        "KV",
        "kv",
        "千伏",
        "MPa",
        "mpa",
        "兆帕",
        "年一遇",
        "年",
        "小时",
        "h",
        "户",
        "m",
        "M",
        "米",
    ]
    .iter()
    .find_map(|s| t.strip_suffix(s))
    .unwrap_or(t)
    .trim();
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// "2021/11/06", "2021.11.6", "20211106", "2021年11月6日" → "2021-11-06"; else as given.
fn normalise_date(text: &str) -> String {
    let t = text.trim();
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let parts: Vec<&str> = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d, ..] if y.len() == 4 => ((*y).to_owned(), (*m).to_owned(), (*d).to_owned()),
        [one] if digits.len() == 8 => (
            one[..4].to_owned(),
            one[4..6].to_owned(),
            one[6..8].to_owned(),
        ),
        _ => return t.to_owned(),
    };
    match (m.parse::<u32>(), d.parse::<u32>()) {
        (Ok(m), Ok(d)) => format!("{y}-{m:02}-{d:02}"),
        _ => t.to_owned(),
    }
}

/// How a department's tables are applied to a record: the rules every department shares,
/// over the tables each declares.
pub(crate) trait Mapping {
    /// The model field a source field name stands for: an alias (matched exactly, then ignoring
    /// ASCII case), a model field of that name, or a name kept on purpose ([`Self::known`]).
    /// `None`: an unmapped field. Resolved once per name and thread: a delivery repeats the
    /// same dozen names on every record, and each lookup scans several tables.
    fn target(&self, field: &str) -> Option<&'static str>;

    /// A name this department keeps on purpose though it is not a model field: an alias's
    /// target, a normalised fact, or one of [`KNOWN_EXTRAS`].
    fn known(&self, name: &str) -> Option<&'static str>;

    /// The model field or alias an unmapped source field name is close to, for a "did you mean"
    /// hint: `accuracy_m` → `accuracy_h_m`, `平面精度m` → `平面精度 (accuracy_h_m)`.
    #[must_use]
    fn did_you_mean(&self, field: &str) -> Option<String>;

    fn code(&self, model_field: &str, value: &str) -> Option<&'static str>;

    /// Maps a record's fields onto the model's names, values and units.
    fn map<'r>(&self, record: &'r SourceRecord) -> Result<Mapped<'r>, FieldError>;

    fn normalise<'r>(
        &self,
        target: &str,
        value: &Value,
        properties: &mut Map<String, Value>,
        origin: &mut Vec<(&'static str, &'r str)>,
        source_name: &'r str,
    ) -> Value;

    /// The kind a record gets when it does not name one.
    fn default_kind(&self, geometry: &Geometry<f64>) -> Option<FeatureKind>;
}

impl Mapping for Department {
    /// The model field a source field name stands for: an alias (matched exactly, then ignoring
    /// ASCII case), a model field of that name, or a name kept on purpose ([`Self::known`]).
    /// `None`: an unmapped field. Resolved once per name and thread: a delivery repeats the
    /// same dozen names on every record, and each lookup scans several tables.
    fn target(&self, field: &str) -> Option<&'static str> {
        type Resolved = HashMap<&'static str, HashMap<String, Option<&'static str>>>;
        thread_local! {
            static RESOLVED: std::cell::RefCell<Resolved> = std::cell::RefCell::new(HashMap::new());
        }
        RESOLVED.with(|cell| {
            let mut resolved = cell.borrow_mut();
            let names = resolved.entry(self.name).or_default();
            if let Some(hit) = names.get(field) {
                return *hit;
            }
            let found = lookup(self.aliases, field)
                .or_else(|| lookup(&COMMON_ALIASES, field))
                .or_else(|| model_field(field))
                .or_else(|| self.known(field));
            // Bounded: a file with thousands of distinct column names just skips the cache.
            if names.len() < 4096 {
                names.insert(field.to_owned(), found);
            }
            found
        })
    }

    /// A name this department keeps on purpose though it is not a model field: an alias's
    /// target, a normalised fact, or one of [`KNOWN_EXTRAS`].
    fn known(&self, name: &str) -> Option<&'static str> {
        NUMERIC
            .iter()
            .chain(CODED)
            .chain(DATES)
            .chain(BOOLEAN)
            .chain(KNOWN_EXTRAS)
            .copied()
            .chain(self.aliases.iter().map(|(_, target)| *target))
            .chain(COMMON_ALIASES.iter().map(|(_, target)| *target))
            .find(|k| *k == name)
    }

    /// The model field or alias an unmapped source field name is close to, for a "did you mean"
    /// hint: `accuracy_m` → `accuracy_h_m`, `平面精度m` → `平面精度 (accuracy_h_m)`.
    fn did_you_mean(&self, field: &str) -> Option<String> {
        let name = field.trim().to_lowercase();
        if name.is_empty() {
            return None;
        }
        let targets = properties::MODEL_FIELDS
            .iter()
            .chain(properties::NETWORK_FACTS)
            .chain(undermap_core::resilience::keys::ALL)
            .chain(KNOWN_EXTRAS)
            .map(|t| ((*t).to_owned(), (*t).to_owned()));
        let sources = self
            .aliases
            .iter()
            .chain(COMMON_ALIASES.iter())
            .map(|(source, target)| ((*source).to_owned(), format!("{source} ({target})")));
        targets
            .chain(sources)
            .filter(|(candidate, _)| !matches!(candidate.as_str(), "id" | "ID" | "layer"))
            .map(|(candidate, shown)| {
                let c = candidate.to_lowercase();
                let mut score = strsim::normalized_damerau_levenshtein(&name, &c);
                // "diameter" for "diameter_mm", "depth_top" for "depth_top_m".
                if c.starts_with(&name) && name.chars().count() >= 4 {
                    score = score.max(0.75);
                }
                (score, shown)
            })
            .filter(|(score, _)| *score >= 0.7)
            // The first of equals: the model's own order (`accuracy_h_m` before `accuracy_v_m`).
            .fold(None, |best: Option<(f64, String)>, c| match &best {
                Some((s, _)) if *s >= c.0 => best,
                _ => Some(c),
            })
            .map(|(_, shown)| shown)
    }

    fn code(&self, model_field: &str, value: &str) -> Option<&'static str> {
        let value = value.trim();
        let find = |table: &'static [(&'static str, &'static str, &'static str)]| {
            table
                .iter()
                .find(|(f, s, _)| *f == model_field && *s == value)
                .or_else(|| {
                    table
                        .iter()
                        .find(|(f, s, _)| *f == model_field && s.eq_ignore_ascii_case(value))
                })
                .map(|(_, _, m)| *m)
        };
        find(self.codes).or_else(|| find(COMMON_CODES))
    }

    /// Maps a record's fields onto the model's names, values and units.
    fn map<'r>(&self, record: &'r SourceRecord) -> Result<Mapped<'r>, FieldError> {
        let mut properties = Map::new();
        let mut origin = Vec::with_capacity(record.fields.len());
        let mut refused = None;
        let mut unmapped = Vec::new();
        for (name, value) in &record.fields {
            if let Err(e) = plain_field(name, value) {
                // Read on, so that the rejection can name the record's id.
                refused.get_or_insert(e);
                continue;
            }
            let Some(target) = self.target(name) else {
                unmapped.push(name.as_str());
                properties
                    .entry(name.clone())
                    .or_insert_with(|| value.clone());
                continue;
            };
            if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
                continue;
            }
            if properties.get(target).is_some_and(|v| !v.is_null()) {
                // Two source fields for one model field: the first filled one counts; keep the
                // other under its own name rather than lose it.
                properties.insert(name.clone(), value.clone());
                continue;
            }
            let value = self.normalise(target, value, &mut properties, &mut origin, name);
            origin.push((target, name.as_str()));
            properties.insert(target.to_owned(), value);
        }
        properties.retain(|_, v| !v.is_null());
        let id = properties
            .remove("id")
            .or_else(|| properties.remove("feature_id"))
            .and_then(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .or_else(|| record.native_id.clone());
        Ok(Mapped {
            id,
            properties,
            origin,
            refused,
            unmapped,
        })
    }

    fn normalise<'r>(
        &self,
        target: &str,
        value: &Value,
        properties: &mut Map<String, Value>,
        origin: &mut Vec<(&'static str, &'r str)>,
        source_name: &'r str,
    ) -> Value {
        let Value::String(text) = value else {
            // A yes/no column exported as 0/1.
            if let (true, Some(n)) = (BOOLEAN.contains(&target), value.as_f64()) {
                let one = (n - 1.0).abs() < f64::EPSILON;
                if one || n.abs() < f64::EPSILON {
                    return Value::Bool(one);
                }
            }
            return value.clone();
        };
        if NUMERIC.contains(&target) {
            // A box section written in the diameter column: "1200×800".
            if target == "diameter_mm" && text.contains(['×', 'x', 'X', '*']) {
                properties.insert("section".into(), Value::String(text.trim().to_owned()));
                origin.push(("section", source_name));
                return Value::Null;
            }
            return strip_units(text)
                .and_then(Number::from_f64)
                .map_or_else(|| value.clone(), Value::Number);
        }
        if CODED.contains(&target) {
            return Value::String(
                self.code(target, text)
                    .map_or_else(|| text.trim().to_owned(), str::to_owned),
            );
        }
        if DATES.contains(&target) {
            return Value::String(normalise_date(text));
        }
        if BOOLEAN.contains(&target) {
            let t = text.trim();
            let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(t));
            if is(TRUE_WORDS) {
                return Value::Bool(true);
            }
            if is(FALSE_WORDS) {
                return Value::Bool(false);
            }
        }
        value.clone()
    }

    /// The kind a record gets when it does not name one.
    fn default_kind(&self, geometry: &Geometry<f64>) -> Option<FeatureKind> {
        let slot = match geometry {
            Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => 0,
            Geometry::Point(_) | Geometry::MultiPoint(_) => 1,
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) => 2,
            _ => return None,
        };
        self.default_kinds[slot]
    }
}

/// A closed line drawn for an area (CAD polylines, survey outlines) becomes a polygon; an open
/// one is refused with the gap, never closed silently.
pub(crate) fn area_from_line(geometry: Geometry<f64>) -> Result<Geometry<f64>, String> {
    let close = |line: LineString<f64>| -> Result<Polygon<f64>, String> {
        match (line.0.first(), line.0.last()) {
            (Some(a), Some(b)) if line.0.len() >= 4 && a == b => Ok(Polygon::new(line, vec![])),
            (Some(a), Some(b)) => Err(format!(
                "the outline is not closed: its ends are {:.2} m apart",
                ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
            )),
            _ => Err("the outline is empty".into()),
        }
    };
    match geometry {
        Geometry::LineString(l) => close(l).map(Geometry::Polygon),
        Geometry::MultiLineString(m) => {
            m.0.into_iter()
                .map(close)
                .collect::<Result<Vec<_>, _>>()
                .map(|p| Geometry::MultiPolygon(geo_types::MultiPolygon(p)))
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_dates() {
        assert_eq!(strip_units("DN300"), Some(300.0));
        assert_eq!(strip_units("Φ 600"), Some(600.0));
        assert_eq!(strip_units("10kV"), Some(10.0));
        assert_eq!(strip_units("1.25 米"), Some(1.25));
        assert_eq!(strip_units("深"), None);
        assert_eq!(strip_units("7度(0.15g)"), Some(7.0));
        assert_eq!(strip_units("50年一遇"), Some(50.0));
        assert_eq!(strip_units("1998年"), Some(1998.0));
        assert_eq!(strip_units("0.4MPa"), Some(0.4));
        assert_eq!(normalise_date("2021/11/6"), "2021-11-06");
        assert_eq!(normalise_date("20211106"), "2021-11-06");
        assert_eq!(normalise_date("2021年11月6日"), "2021-11-06");
        assert_eq!(normalise_date("soon"), "soon");
    }

    #[test]
    fn open_outlines_are_refused_with_the_gap() {
        let open = Geometry::LineString(LineString::from(vec![
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 9.0),
        ]));
        assert!(area_from_line(open).unwrap_err().contains("9.00 m apart"));
        let closed = Geometry::LineString(LineString::from(vec![
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 0.0),
        ]));
        assert!(matches!(area_from_line(closed), Ok(Geometry::Polygon(_))));
    }
}
