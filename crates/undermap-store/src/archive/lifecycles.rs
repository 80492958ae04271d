//! Many projects' events in one read: a list that needs every project's lifecycle in a status
//! (the overdue list, the daily evaluation) reads them once per status, not once per project.
//! The same statements in both backends.

use chrono::{DateTime, Utc};

use super::sql::event_record;
use super::EventRecord;
use crate::Result;

/// The events of every project with status `$1`, by project code then sequence.
pub(crate) const OF_STATUS: &str = "SELECT e.project_code, e.seq, e.body, e.recorded_by, \
     e.recorded_at FROM project_events e JOIN projects p ON p.code = e.project_code \
     WHERE p.status = $1 ORDER BY e.project_code, e.seq";
/// The same for one construction unit's projects (`$2`).
pub(crate) const OF_STATUS_AND_UNIT: &str = "SELECT e.project_code, e.seq, e.body, \
     e.recorded_by, e.recorded_at FROM project_events e JOIN projects p ON p.code = e.project_code \
     WHERE p.status = $1 AND p.unit_code = $2 ORDER BY e.project_code, e.seq";

pub(crate) type Row = (String, i32, String, Option<String>, DateTime<Utc>);

/// Rows grouped by project, in the order read.
pub(crate) fn grouped(rows: Vec<Row>) -> Result<Vec<(String, Vec<EventRecord>)>> {
    let mut out: Vec<(String, Vec<EventRecord>)> = Vec::new();
    for (code, seq, body, by, at) in rows {
        let event = event_record(&code, (seq, body, by, at))?;
        match out.last_mut() {
            Some((last, events)) if *last == code => events.push(event),
            _ => out.push((code, vec![event])),
        }
    }
    Ok(out)
}

/// Reads the events of `$status` (and `$unit`'s) projects on `$pool`, grouped.
macro_rules! events_of_status {
    ($pool:expr, $status:expr, $unit:expr, $db:expr) => {{
        let status: undermap_archive::Status = $status;
        let unit: Option<&undermap_archive::CreditCode> = $unit;
        let query = match unit {
            None => sqlx::query_as($crate::archive::lifecycles::OF_STATUS).bind(status.as_str()),
            Some(u) => sqlx::query_as($crate::archive::lifecycles::OF_STATUS_AND_UNIT)
                .bind(status.as_str())
                .bind(u.as_str()),
        };
        let rows: Vec<$crate::archive::lifecycles::Row> = query
            .fetch_all($pool)
            .await
            .map_err($db("reading projects' events"))?;
        $crate::archive::lifecycles::grouped(rows)
    }};
}
pub(crate) use events_of_status;
