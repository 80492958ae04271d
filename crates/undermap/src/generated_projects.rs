//! Generated archive projects, for benchmarks and load tests (`undermap demo-data --projects N`):
//! plausible codes, names, categories, construction units (valid credit codes) and sites
//! scattered over a 20 km square around a centre, all registered. Deterministic for a seed.

use chrono::{Duration, NaiveDate};
use geo::{coord, Geometry, Rect};
use undermap_store::{ArchiveStore, NewProject, StoreError};

const ROADS: &[&str] = &[
    "中和街道",
    "渝秀大道",
    "凤鸣路",
    "花灯大道",
    "梅江路",
    "平阳路",
    "钟灵路",
    "官庄路",
    "清溪路",
    "石耶路",
];
const WORKS: &[(&str, &str)] = &[
    ("给水管网改造", "municipal_pipeline"),
    ("雨污分流改造", "municipal_pipeline"),
    ("电力排管新建", "municipal_pipeline"),
    ("燃气中压管道新建", "municipal_pipeline"),
    ("通信管道扩容", "municipal_pipeline"),
    ("道路改造", "road"),
    ("人行天桥新建", "bridge"),
    ("安置房建设", "building"),
];
/// Construction units the projects are spread over.
const UNITS: u64 = 300;

/// SplitMix64: enough randomness for plausible data, with no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    #[allow(clippy::cast_precision_loss)]
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The unified social credit code of generated unit `n`, with its check character.
fn credit_code(n: u64) -> undermap_archive::CreditCode {
    let first = format!("91500241{n:09}");
    let check = undermap_archive::credit_code::check_character(&first).unwrap_or('0');
    format!("{first}{check}")
        .parse()
        .expect("digits with their check character are a credit code")
}

/// `n` projects for `seed`, sited around `centre` (x, y in the deployment CRS, metres).
///
/// # Panics
///
/// Beyond 999,999 projects: a project code's serial has six digits.
#[must_use]
pub fn generated_projects(seed: u64, n: usize, centre: (f64, f64)) -> Vec<NewProject> {
    let mut rng = Rng(seed);
    let epoch = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
    (0..n)
        .map(|i| {
            let road = ROADS[rng.below(ROADS.len() as u64) as usize];
            let (work, category) = WORKS[rng.below(WORKS.len() as u64) as usize];
            let unit = rng.below(UNITS);
            let permit = epoch + Duration::days(rng.below(7 * 365) as i64);
            let start = permit + Duration::days(10 + rng.below(60) as i64);
            let year = permit.format("%Y");
            let (w, h) = (30.0 + rng.unit() * 270.0, 30.0 + rng.unit() * 270.0);
            let x = centre.0 + (rng.unit() - 0.5) * 20_000.0;
            let y = centre.1 + (rng.unit() - 0.5) * 20_000.0;
            NewProject {
                code: format!("{year}-500241-48-01-{:06}", i + 1)
                    .parse()
                    .expect("a generated project code is valid"),
                name: format!("{road}{work}第{}标段", i % 7 + 1),
                category: category.to_owned(),
                unit_name: format!("秀山县第{}建设工程有限公司", unit + 1),
                unit_code: credit_code(unit + 1),
                location: Geometry::Polygon(
                    Rect::new(coord! { x: x, y: y }, coord! { x: x + w, y: y + h }).to_polygon(),
                ),
                permit_date: Some(permit),
                planned_start: Some(start),
                planned_end: Some(start + Duration::days(90 + rng.below(600) as i64)),
                source: "archivist".into(),
                registered_by: Some("demo-data".into()),
                // When the permit was given: repeatable for a seed.
                registered_at: permit.and_time(chrono::NaiveTime::MIN).and_utc(),
            }
        })
        .collect()
}

/// Registers `projects` in `store`, five thousand per transaction; those registered already are
/// left alone. Returns how many were new.
pub async fn register_generated(
    store: &dyn ArchiveStore,
    projects: &[NewProject],
) -> Result<usize, StoreError> {
    let mut added = 0;
    for chunk in projects.chunks(5_000) {
        added += store.add_projects(chunk).await?;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_projects_are_valid_distinct_and_repeatable() {
        let a = generated_projects(7, 2_000, (597_000.0, 3_149_000.0));
        let b = generated_projects(7, 2_000, (597_000.0, 3_149_000.0));
        assert_eq!(a, b);
        let codes: std::collections::HashSet<_> = a.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes.len(), 2_000);
        assert!(a.iter().all(|p| p.planned_start > p.permit_date));
        let units: std::collections::HashSet<_> = a.iter().map(|p| p.unit_code.as_str()).collect();
        assert!(units.len() > 250, "{} units", units.len());
    }
}
