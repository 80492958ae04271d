//! The area budget of bounded roles: how much distinct map area one account is served per day
//! across items, tiles, nearest and features by id. A contractor looks at the ground around
//! its sites; one who pages across the county runs out within minutes.
//!
//! Area is counted in square cells of [`CELL_M`] in the deployment CRS (metres): a request
//! spends the cells its footprint touches that the account has not been served yet today
//! (UTC), so looking at the same place again is free. In memory, per process, like the rate
//! limits (docs/security.md).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::AuthError;

/// Side of a budget cell, metres: 100 m, so a cell is 0.01 km².
pub const CELL_M: f64 = 100.0;

/// Accounts tracked before yesterday's are swept out.
const SWEEP_AT: usize = 10_000;

/// Cells of the deployment CRS served to each account today.
#[derive(Debug, Default)]
pub struct AreaBudget {
    spent: Mutex<HashMap<String, Spent>>,
}

#[derive(Debug)]
struct Spent {
    day: NaiveDate,
    cells: HashSet<(i64, i64)>,
}

impl AreaBudget {
    /// Spends the cells `footprint` (`[min_x, min_y, max_x, max_y]` in the deployment CRS,
    /// metres) touches for `account`, within `daily_m2` a day; past it, `AreaBudget` with
    /// the time until midnight UTC, and nothing is spent.
    pub fn spend(
        &self,
        account: &str,
        daily_m2: u64,
        footprint: [f64; 4],
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let [x0, y0, x1, y1] = footprint;
        if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) || x1 < x0 || y1 < y0 {
            return Ok(());
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let limit = (daily_m2 as f64 / (CELL_M * CELL_M)).floor() as usize;
        #[allow(clippy::cast_possible_truncation)]
        let (cx0, cy0, cx1, cy1) = (
            (x0 / CELL_M).floor() as i64,
            (y0 / CELL_M).floor() as i64,
            (x1 / CELL_M).floor() as i64,
            (y1 / CELL_M).floor() as i64,
        );
        let today = now.date_naive();
        let refuse = |served: usize| {
            let midnight = today
                .succ_opt()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map_or(now, |t| t.and_utc());
            AuthError::AreaBudget {
                daily_m2,
                served_m2: served_as_m2(served),
                reset_at: midnight,
                retry_after: (midnight - now).to_std().unwrap_or(Duration::from_secs(1)),
            }
        };
        // A footprint larger than the whole budget can never fit: no need to list its cells.
        let width = u64::try_from(cx1 - cx0 + 1).unwrap_or(u64::MAX);
        let height = u64::try_from(cy1 - cy0 + 1).unwrap_or(u64::MAX);
        let mut spent = self
            .spent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if spent.len() > SWEEP_AT {
            spent.retain(|_, s| s.day == today);
        }
        let entry = spent.entry(account.to_owned()).or_insert_with(|| Spent {
            day: today,
            cells: HashSet::new(),
        });
        if entry.day != today {
            *entry = Spent {
                day: today,
                cells: HashSet::new(),
            };
        }
        if width.saturating_mul(height) > u64::try_from(limit).unwrap_or(u64::MAX) {
            return Err(refuse(entry.cells.len()));
        }
        let new: Vec<(i64, i64)> = (cx0..=cx1)
            .flat_map(|x| (cy0..=cy1).map(move |y| (x, y)))
            .filter(|c| !entry.cells.contains(c))
            .collect();
        if entry.cells.len() + new.len() > limit {
            return Err(refuse(entry.cells.len()));
        }
        entry.cells.extend(new);
        Ok(())
    }

    /// The area served to `account` today, m².
    #[must_use]
    pub fn served_m2(&self, account: &str, now: DateTime<Utc>) -> u64 {
        self.spent
            .lock()
            .ok()
            .and_then(|s| {
                s.get(account)
                    .filter(|s| s.day == now.date_naive())
                    .map(|s| served_as_m2(s.cells.len()))
            })
            .unwrap_or(0)
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn served_as_m2(cells: usize) -> u64 {
    u64::try_from(cells).unwrap_or(u64::MAX) * (CELL_M * CELL_M) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
    }

    #[test]
    fn the_same_place_twice_is_free_and_new_ground_is_counted() {
        let b = AreaBudget::default();
        // 1 km² a day = 100 cells; a 450 m square touches 5 × 5 = 25.
        let square = |x: f64| [x, 0.0, x + 450.0, 450.0];
        b.spend("c", 1_000_000, square(0.0), at(9)).unwrap();
        b.spend("c", 1_000_000, square(0.0), at(10)).unwrap();
        assert_eq!(b.served_m2("c", at(10)), 250_000);
        for i in 1..4 {
            b.spend("c", 1_000_000, square(f64::from(i) * 500.0), at(10))
                .unwrap();
        }
        let err = b
            .spend("c", 1_000_000, square(2_000.0), at(11))
            .unwrap_err();
        let AuthError::AreaBudget { retry_after, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(retry_after, Duration::from_hours(13));
        assert_eq!(
            b.served_m2("c", at(11)),
            1_000_000,
            "a refusal spends nothing"
        );
        assert!(b.spend("other", 1_000_000, square(2_000.0), at(11)).is_ok());
        // A new day, a new budget.
        assert!(b
            .spend(
                "c",
                1_000_000,
                square(2_000.0),
                at(11) + chrono::Duration::days(1)
            )
            .is_ok());
    }

    #[test]
    fn a_footprint_larger_than_the_budget_is_refused_at_once() {
        let b = AreaBudget::default();
        let county = [0.0, 0.0, 50_000.0, 50_000.0];
        assert!(b.spend("c", 2_000_000, county, at(8)).is_err());
        assert_eq!(b.served_m2("c", at(8)), 0);
    }
}
