//! Owners' answers to a ticket and the ticket's state, versioned as they come in.
//!
//! A ticket asks every registered owner whose assets it touches to answer by a deadline
//! (`answer_by`). Its state is a list of versions that only ever grows: the first when it is
//! issued (`waiting`), one per answer (an owner may answer again: that is a version too), and one
//! when the deadline passes with owners still silent (`partial`, naming them). An answer after
//! the deadline appends a version marked late. The signed ticket itself never changes; these
//! versions are what the contractor reads beside it.
//!
//! [`versions`] is a pure function of the ticket's owners, its deadline, the answers and the
//! moment asked about, so the same inputs give the same versions, and a later moment gives the
//! same versions and maybe more (a property test below holds it to that).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use crate::{TicketRules, TicketType, WorkingCalendar};

crate::text_enum! {
    /// What an owner says of a ticket (KLIC's and the 811 centres' positive-response codes).
    pub enum ResponseCode ("code") {
        /// No assets of ours where the work is.
        Clear => "clear",
        /// Our assets are marked on site.
        Marked => "marked",
        /// Our records are provided (attached): no marking.
        RecordsProvided => "records_provided",
        /// Meet us on site before digging.
        SiteMeetingRequired => "site_meeting_required",
        /// Our staff must stand by while digging.
        StandbyRequired => "standby_required",
        /// The work conflicts with our assets: do not dig as planned.
        Conflict => "conflict",
    }
}

crate::text_enum! {
    /// Where a ticket stands with its owners.
    pub enum TicketState ("state") {
        /// Owners may still answer in time.
        Waiting => "waiting",
        /// The deadline passed with owners silent (named in the version).
        Partial => "partial",
        /// Every owner asked has answered.
        Complete => "complete",
    }
}

/// One answer, as stored: the n-th answer to its ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// Its number on the ticket (1, 2, …), in the order the answers were stored.
    pub seq: u32,
    /// The owner, by the name the ticket gives it.
    pub owner: String,
    /// What it said.
    pub code: ResponseCode,
    /// When.
    pub at: DateTime<Utc>,
}

/// What made a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum VersionCause {
    /// The ticket was issued.
    Issued,
    /// An owner answered (answer `seq`); `late` after the deadline.
    Answer {
        /// The owner.
        owner: String,
        /// The answer's number.
        seq: u32,
        /// What it said.
        code: ResponseCode,
        /// Whether it came after the deadline.
        late: bool,
    },
    /// The deadline passed with owners silent.
    DeadlinePassed,
}

/// One version of a ticket's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketVersion {
    /// 1, 2, …
    pub version: u32,
    /// When it began.
    pub at: DateTime<Utc>,
    /// The state from then on.
    pub state: TicketState,
    /// What made it.
    pub cause: VersionCause,
    /// Owners that had answered by then.
    pub answered: Vec<String>,
    /// Owners that had not; after the deadline, these are the silent ones.
    pub silent: Vec<String>,
}

/// The versions of a ticket's state as they stand at `now`.
///
/// `owners` are the owners asked to answer; `answers` those stored (any order; answers of other
/// owners are ignored). An answer exactly at the deadline is in time.
#[must_use]
pub fn versions(
    owners: &[String],
    issued_at: DateTime<Utc>,
    answer_by: DateTime<Utc>,
    answers: &[Answered],
    now: DateTime<Utc>,
) -> Vec<TicketVersion> {
    let asked: BTreeSet<&str> = owners.iter().map(String::as_str).collect();
    let mut events: Vec<&Answered> = answers
        .iter()
        .filter(|a| a.at <= now && asked.contains(a.owner.as_str()))
        .collect();
    events.sort_by(|a, b| a.at.cmp(&b.at).then(a.seq.cmp(&b.seq)));
    let mut answered: BTreeSet<&str> = BTreeSet::new();
    let state_of = |answered: &BTreeSet<&str>, passed: bool| {
        if answered.len() == asked.len() {
            TicketState::Complete
        } else if passed {
            TicketState::Partial
        } else {
            TicketState::Waiting
        }
    };
    let version = |n: usize, at, state, cause, answered: &BTreeSet<&str>| TicketVersion {
        version: u32::try_from(n).unwrap_or(u32::MAX),
        at,
        state,
        cause,
        answered: answered.iter().map(|s| (*s).to_owned()).collect(),
        silent: asked
            .difference(answered)
            .map(|s| (*s).to_owned())
            .collect(),
    };
    let mut out = vec![version(
        1,
        issued_at,
        state_of(&answered, false),
        VersionCause::Issued,
        &answered,
    )];
    let mut deadline_seen = false;
    let mut pass_deadline = |out: &mut Vec<TicketVersion>, answered: &BTreeSet<&str>| {
        if !deadline_seen && answer_by <= now {
            deadline_seen = true;
            if answered.len() < asked.len() {
                let n = out.len() + 1;
                out.push(version(
                    n,
                    answer_by,
                    TicketState::Partial,
                    VersionCause::DeadlinePassed,
                    answered,
                ));
            }
        }
    };
    for a in events {
        if a.at > answer_by {
            pass_deadline(&mut out, &answered);
        }
        answered.insert(a.owner.as_str());
        let late = a.at > answer_by;
        let n = out.len() + 1;
        out.push(version(
            n,
            a.at.max(issued_at),
            state_of(&answered, late),
            VersionCause::Answer {
                owner: a.owner.clone(),
                seq: a.seq,
                code: a.code,
                late,
            },
            &answered,
        ));
    }
    pass_deadline(&mut out, &answered);
    out
}

/// When owners must have answered a ticket issued at `issued_at`: an emergency's within the
/// configured hours; any other's by the end of the configured working days after the local day
/// it was issued (`utc_offset_hours` gives the deployment's local time).
#[must_use]
pub fn answer_by(
    ticket_type: TicketType,
    issued_at: DateTime<Utc>,
    rules: &TicketRules,
    calendar: &WorkingCalendar,
    utc_offset_hours: i32,
) -> DateTime<Utc> {
    match ticket_type {
        TicketType::Emergency => {
            issued_at + Duration::hours(i64::from(rules.emergency_answer_hours))
        }
        TicketType::Dig | TicketType::Orientation => end_of_working_days(
            issued_at,
            rules.answer_working_days,
            calendar,
            utc_offset_hours,
        ),
    }
}

/// The end (local midnight) of the `days`-th working day after the local day of `at`.
#[must_use]
pub fn end_of_working_days(
    at: DateTime<Utc>,
    days: u32,
    calendar: &WorkingCalendar,
    utc_offset_hours: i32,
) -> DateTime<Utc> {
    let offset = Duration::hours(i64::from(utc_offset_hours));
    let local_day = (at + offset).date_naive();
    let last: NaiveDate = calendar.add_working_days(local_day, days);
    let midnight = last.succ_opt().unwrap_or(last).and_time(NaiveTime::MIN);
    Utc.from_utc_datetime(&midnight) - offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::minutes(minutes)
    }

    fn answer(seq: u32, owner: &str, at: i64) -> Answered {
        Answered {
            seq,
            owner: owner.into(),
            code: ResponseCode::Marked,
            at: t(at),
        }
    }

    fn owners() -> Vec<String> {
        vec!["gas".into(), "power".into(), "water".into()]
    }

    fn states(v: &[TicketVersion]) -> Vec<TicketState> {
        v.iter().map(|v| v.state).collect()
    }

    #[test]
    fn a_ticket_waits_then_completes_when_every_owner_has_answered() {
        let answers = [
            answer(1, "water", 10),
            answer(2, "gas", 20),
            answer(3, "power", 30),
        ];
        let v = versions(&owners(), t(0), t(100), &answers, t(15));
        assert_eq!(states(&v), [TicketState::Waiting, TicketState::Waiting]);
        assert_eq!(v[1].silent, ["gas", "power"]);
        let v = versions(&owners(), t(0), t(100), &answers, t(500));
        assert_eq!(
            states(&v),
            [
                TicketState::Waiting,
                TicketState::Waiting,
                TicketState::Waiting,
                TicketState::Complete
            ]
        );
        assert!(v[3].silent.is_empty());
        // Complete before the deadline: its passing adds nothing.
        assert_eq!(v.len(), 4);
    }

    #[test]
    fn the_deadline_makes_it_partial_and_names_the_silent_then_a_late_answer_appends() {
        let answers = [answer(1, "water", 10)];
        let v = versions(&owners(), t(0), t(100), &answers, t(100));
        assert_eq!(v.len(), 3);
        assert_eq!(v[2].state, TicketState::Partial);
        assert_eq!(v[2].cause, VersionCause::DeadlinePassed);
        assert_eq!(v[2].at, t(100));
        assert_eq!(v[2].silent, ["gas", "power"]);

        let answers = [
            answer(1, "water", 10),
            answer(2, "gas", 150),
            answer(3, "power", 160),
        ];
        let v = versions(&owners(), t(0), t(100), &answers, t(200));
        assert_eq!(
            states(&v),
            [
                TicketState::Waiting,
                TicketState::Waiting,
                TicketState::Partial,
                TicketState::Partial,
                TicketState::Complete
            ]
        );
        assert!(matches!(
            v[3].cause,
            VersionCause::Answer { late: true, .. }
        ));
        assert_eq!(v[3].silent, ["power"]);
    }

    #[test]
    fn an_answer_at_the_deadline_is_in_time_and_a_second_answer_is_a_version_too() {
        let answers = [
            answer(1, "water", 100),
            answer(2, "water", 101),
            answer(3, "stranger", 5),
        ];
        let one = vec!["water".to_owned()];
        let v = versions(&one, t(0), t(100), &answers, t(300));
        assert_eq!(
            states(&v),
            [
                TicketState::Waiting,
                TicketState::Complete,
                TicketState::Complete
            ]
        );
        assert!(matches!(
            v[1].cause,
            VersionCause::Answer { late: false, .. }
        ));
        assert!(matches!(
            v[2].cause,
            VersionCause::Answer {
                late: true,
                seq: 2,
                ..
            }
        ));
        // No owner to ask: complete at once.
        let v = versions(&[], t(0), t(100), &[], t(300));
        assert_eq!(states(&v), [TicketState::Complete]);
    }

    #[test]
    fn a_dig_is_answered_by_the_end_of_the_next_working_day_an_emergency_within_hours() {
        let calendar = WorkingCalendar::builtin();
        let rules = TicketRules::default();
        // Friday 2026-12-04, 15:00 in China (07:00 UTC): the next working day is Monday.
        let friday = Utc.with_ymd_and_hms(2026, 12, 4, 7, 0, 0).unwrap();
        let by = answer_by(TicketType::Dig, friday, &rules, &calendar, 8);
        // Monday 2026-12-07 ends at 24:00 China time: 16:00 UTC that day.
        assert_eq!(by, Utc.with_ymd_and_hms(2026, 12, 7, 16, 0, 0).unwrap());
        let by = answer_by(TicketType::Emergency, friday, &rules, &calendar, 8);
        assert_eq!(by, friday + Duration::hours(2));
    }

    fn answers() -> impl Strategy<Value = Vec<Answered>> {
        proptest::collection::vec((0usize..4, 0i64..400), 0..12).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (o, at))| {
                    answer(
                        u32::try_from(i + 1).unwrap(),
                        ["gas", "power", "water", "other"][o],
                        at,
                    )
                })
                .collect()
        })
    }

    proptest! {
        /// Versions only ever append: what was true at one moment is still the start of what
        /// is true later, numbered 1, 2, … in time order.
        #[test]
        fn versions_only_append(answers in answers(), deadline in 0i64..400, a in 0i64..500, b in 0i64..500) {
            let (early, late) = (a.min(b), a.max(b));
            let before = versions(&owners(), t(0), t(deadline), &answers, t(early));
            let after = versions(&owners(), t(0), t(deadline), &answers, t(late));
            prop_assert!(after.len() >= before.len());
            prop_assert_eq!(&after[..before.len()], &before[..]);
            for (i, v) in after.iter().enumerate() {
                prop_assert_eq!(v.version as usize, i + 1);
                if i > 0 { prop_assert!(v.at >= after[i - 1].at); }
                prop_assert_eq!(v.answered.len() + v.silent.len(), 3);
            }
            // Complete exactly when every owner asked has answered by then.
            let last = after.last().unwrap();
            let asked: BTreeSet<&str> = ["gas", "power", "water"].into();
            let answered: BTreeSet<&str> = answers.iter().filter(|x| x.at <= t(late) && asked.contains(x.owner.as_str())).map(|x| x.owner.as_str()).collect();
            prop_assert_eq!(last.state == TicketState::Complete, answered.len() == 3);
        }
    }
}
