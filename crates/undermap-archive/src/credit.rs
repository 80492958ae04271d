//! The credit record of construction units: what each event of a project says about the unit
//! that builds it (a late or incomplete hand-over, a failed acceptance, findings left unfixed,
//! and, to its credit, a complete hand-over on time), and the score those entries give under
//! documented, configurable weights. The store keeps the entries append-only and hash-chained;
//! this module only decides what they are.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use undermap_core::text_enum;

use crate::deadlines::{accepted_on, Rules};
use crate::lifecycle::{EventBody, Lifecycle};

text_enum! {
    /// What a credit entry records.
    pub enum EntryKind ("kind") {
        /// The hand-over came after its deadline (`days` late).
        HandoverLate => "handover_late",
        /// A hand-over missed required file categories (`missing`).
        HandoverIncomplete => "handover_incomplete",
        /// The archive acceptance failed (`reasons`).
        AcceptanceFailed => "acceptance_failed",
        /// Guidance findings were still open when the acceptance passed (`findings`).
        FindingsNotFixed => "findings_not_fixed",
        /// A complete hand-over within its deadline.
        HandoverOnTime => "handover_on_time",
    }
}

/// One entry, before the store numbers and chains it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// What it records.
    pub kind: EntryKind,
    /// The day of the event it comes from.
    pub date: NaiveDate,
    /// The facts (`days`, `missing`, `reasons`, `findings`).
    pub detail: serde_json::Value,
}

/// The weights of the score: it starts at `base`, each entry adds its weight, each open overdue
/// item adds `open_overdue`, and it is kept within 0..=100. A unit below `restricted_below` is
/// on the list a tender office asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Where every unit starts.
    pub base: f64,
    /// Per started 30 days of a late hand-over.
    pub handover_late_per_30_days: f64,
    /// Per incomplete hand-over.
    pub handover_incomplete: f64,
    /// Per failed acceptance.
    pub acceptance_failed: f64,
    /// Per finding left unfixed at acceptance.
    pub finding_not_fixed: f64,
    /// Per complete hand-over on time.
    pub handover_on_time: f64,
    /// Per deadline a project of the unit has passed and not yet met.
    pub open_overdue: f64,
    /// Units scoring below this are restricted.
    pub restricted_below: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            base: 100.0,
            handover_late_per_30_days: -5.0,
            handover_incomplete: -10.0,
            acceptance_failed: -10.0,
            finding_not_fixed: -3.0,
            handover_on_time: 2.0,
            open_overdue: -5.0,
            restricted_below: 60.0,
        }
    }
}

impl Weights {
    /// What one entry adds to the score.
    #[must_use]
    pub fn weight(&self, entry: &Entry) -> f64 {
        let count = |field: &str| {
            entry.detail[field]
                .as_array()
                .map_or(1.0, |a| a.len().max(1) as f64)
        };
        match entry.kind {
            EntryKind::HandoverLate => {
                let days = entry.detail["days"].as_i64().unwrap_or(1).max(1);
                self.handover_late_per_30_days * ((days + 29) / 30) as f64
            }
            EntryKind::HandoverIncomplete => self.handover_incomplete,
            EntryKind::AcceptanceFailed => self.acceptance_failed,
            EntryKind::FindingsNotFixed => self.finding_not_fixed * count("findings"),
            EntryKind::HandoverOnTime => self.handover_on_time,
        }
    }

    /// The score of a unit with these entries and this many open overdue items.
    #[must_use]
    pub fn score<'a>(&self, entries: impl IntoIterator<Item = &'a Entry>, open: usize) -> f64 {
        let sum: f64 = entries.into_iter().map(|e| self.weight(e)).sum();
        (self.base + sum + self.open_overdue * open as f64).clamp(0.0, 100.0)
    }

    /// Whether a unit with this score is restricted.
    #[must_use]
    pub fn restricted(&self, score: f64) -> bool {
        score < self.restricted_below
    }
}

/// The entries recording `event` in a project whose events so far are `before` adds to its
/// construction unit's record.
#[must_use]
pub fn entries_for(before: &Lifecycle, event: &EventBody, rules: &Rules) -> Vec<Entry> {
    let date = event.date();
    let entry = |kind, detail| Entry { kind, date, detail };
    match event {
        EventBody::Acceptance {
            passed: false,
            reasons,
            ..
        } => vec![entry(
            EntryKind::AcceptanceFailed,
            json!({ "reasons": reasons }),
        )],
        EventBody::Acceptance { passed: true, .. } => {
            let open: Vec<_> = before
                .open_findings()
                .into_iter()
                .map(|(id, f)| json!({ "finding": id, "text": f.text }))
                .collect();
            if open.is_empty() {
                vec![]
            } else {
                vec![entry(
                    EntryKind::FindingsNotFixed,
                    json!({ "findings": open }),
                )]
            }
        }
        EventBody::Handover { missing, .. } => {
            let mut out = Vec::new();
            let late = accepted_on(before)
                .map(|a| (date - rules.handover_due(a)).num_days())
                .filter(|d| *d > 0);
            if let Some(days) = late {
                out.push(entry(EntryKind::HandoverLate, json!({ "days": days })));
            }
            if !missing.is_empty() {
                out.push(entry(
                    EntryKind::HandoverIncomplete,
                    json!({ "missing": missing }),
                ));
            }
            if out.is_empty() {
                out.push(entry(EntryKind::HandoverOnTime, json!({})));
            }
            out
        }
        _ => vec![],
    }
}

#[cfg(test)]
// Scores of whole-number weights are exact.
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::lifecycle::Finding;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn built() -> Lifecycle {
        Lifecycle::replay([
            EventBody::NoticeIssued {
                date: d("2026-01-05"),
                scope: "all".into(),
                formats: vec![],
                deadline: None,
            },
            EventBody::ConstructionStarted {
                date: d("2026-01-10"),
            },
            EventBody::GuidanceVisit {
                date: d("2026-03-01"),
                inspector: "王".into(),
                findings: vec![Finding {
                    text: "隐蔽工程记录缺页".into(),
                }],
                fixed: vec![],
            },
        ])
        .unwrap()
    }

    #[test]
    fn events_make_the_entries_the_rules_say() {
        let rules = Rules::default();
        let mut l = built();
        let failed = EventBody::Acceptance {
            date: d("2026-05-01"),
            passed: false,
            reasons: vec!["竣工图未签章".into()],
        };
        let e = entries_for(&l, &failed, &rules);
        assert_eq!(e[0].kind, EntryKind::AcceptanceFailed);
        l.record(failed).unwrap();
        let passed = EventBody::Acceptance {
            date: d("2026-06-01"),
            passed: true,
            reasons: vec![],
        };
        let e = entries_for(&l, &passed, &rules);
        assert_eq!(e[0].kind, EntryKind::FindingsNotFixed);
        assert_eq!(e[0].detail["findings"][0]["finding"], "3.1");
        l.record(passed).unwrap();
        let late_and_short = EventBody::Handover {
            date: d("2026-10-01"),
            note: None,
            received: vec![],
            missing: vec!["竣工图".into()],
        };
        let e = entries_for(&l, &late_and_short, &rules);
        let kinds: Vec<_> = e.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [EntryKind::HandoverLate, EntryKind::HandoverIncomplete]
        );
        assert_eq!(e[0].detail["days"], 30);
        let on_time = EventBody::Handover {
            date: d("2026-08-31"),
            note: None,
            received: vec![],
            missing: vec![],
        };
        assert_eq!(
            entries_for(&l, &on_time, &rules)[0].kind,
            EntryKind::HandoverOnTime
        );
    }

    #[test]
    fn the_score_follows_the_weights() {
        let w = Weights::default();
        let late = |days: i64| Entry {
            kind: EntryKind::HandoverLate,
            date: d("2026-01-01"),
            detail: json!({ "days": days }),
        };
        assert_eq!(w.weight(&late(1)), -5.0);
        assert_eq!(w.weight(&late(30)), -5.0);
        assert_eq!(w.weight(&late(31)), -10.0);
        let entries = [late(200)];
        assert_eq!(w.score(&entries, 1), 100.0 - 35.0 - 5.0);
        assert!(
            !w.restricted(60.0),
            "restricted below the threshold, not at it"
        );
        assert!(w.restricted(w.score(&[late(400)], 0)));
        assert!(!w.restricted(w.score(&[], 0)));
        let on_time = Entry {
            kind: EntryKind::HandoverOnTime,
            date: d("2026-01-01"),
            detail: json!({}),
        };
        assert_eq!(w.score(&[on_time], 0), 100.0, "kept within 0..=100");
    }
}
