use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::*;

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new(n)
}

fn notice(d: u64) -> EventBody {
    EventBody::NoticeIssued {
        date: day(d),
        scope: "全部工程文件".into(),
        formats: vec!["PDF/A".into()],
        deadline: None,
    }
}

fn visit(d: u64, findings: usize, fixed: &[&str]) -> EventBody {
    EventBody::GuidanceVisit {
        date: day(d),
        inspector: "李工".into(),
        findings: (0..findings)
            .map(|i| Finding {
                text: format!("finding {i}"),
            })
            .collect(),
        fixed: fixed.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn acceptance(d: u64, passed: bool) -> EventBody {
    EventBody::Acceptance {
        date: day(d),
        passed,
        reasons: if passed {
            vec![]
        } else {
            vec!["竣工图不全".into()]
        },
    }
}

fn handover(d: u64, missing: &[&str]) -> EventBody {
    EventBody::Handover {
        date: day(d),
        note: None,
        received: vec!["竣工图".into()],
        missing: missing.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn the_whole_lifecycle_in_order() {
    let mut l = Lifecycle::default();
    assert_eq!(l.status(), Status::Registered);
    assert_eq!(l.record(notice(0)).unwrap(), Status::NoticeIssued);
    let started = EventBody::ConstructionStarted { date: day(10) };
    assert_eq!(l.record(started).unwrap(), Status::UnderConstruction);
    l.record(visit(40, 2, &[])).unwrap();
    assert_eq!(l.open_findings().len(), 2);
    l.record(visit(100, 0, &["3.1"])).unwrap();
    assert_eq!(l.open_findings()[0].0, "3.2");
    assert_eq!(
        l.record(acceptance(120, false)).unwrap(),
        Status::UnderConstruction
    );
    assert_eq!(l.record(acceptance(130, true)).unwrap(), Status::Accepted);
    assert_eq!(
        l.record(handover(140, &["管线竣工测量成果"])).unwrap(),
        Status::Accepted,
        "an incomplete hand-over is recorded but does not hand the project over"
    );
    assert_eq!(l.record(handover(150, &[])).unwrap(), Status::HandedOver);
    let filed = EventBody::Filed {
        date: day(151),
        filing_number: Some("A-2026-001".into()),
    };
    assert_eq!(l.record(filed).unwrap(), Status::Filed);
    assert_eq!(Lifecycle::replay(l.events().to_vec()).unwrap(), l);
}

#[test]
fn out_of_order_events_say_what_comes_first() {
    let mut l = Lifecycle::default();
    let e = l.record(acceptance(1, true)).unwrap_err();
    assert!(
        matches!(&e, ArchiveError::OutOfOrder(m) if m.contains("construction_started")),
        "{e}"
    );
    let e = l.record(handover(1, &[])).unwrap_err().to_string();
    assert!(e.contains("passed acceptance"), "{e}");
    l.record(notice(5)).unwrap();
    let e = l
        .record(EventBody::ConstructionStarted { date: day(4) })
        .unwrap_err()
        .to_string();
    assert!(e.contains("in the order they happened"), "{e}");
    assert_eq!(l.events().len(), 1, "a refused event is not recorded");
    let e = l.record(notice(6)).unwrap_err().to_string();
    assert!(e.contains("once"), "{e}");
}

#[test]
fn bad_events_are_refused_with_a_reason() {
    let mut l =
        Lifecycle::replay([notice(0), EventBody::ConstructionStarted { date: day(1) }]).unwrap();
    let no_reason = EventBody::Acceptance {
        date: day(2),
        passed: false,
        reasons: vec![" ".into()],
    };
    assert!(matches!(l.record(no_reason), Err(ArchiveError::Invalid(_))));
    let e = l.record(visit(3, 0, &["9.9"])).unwrap_err().to_string();
    assert!(e.contains("9.9"), "{e}");
    let json = r#"{"type":"acceptance","date":"2026-02-01","passed":true,"by":"x"}"#;
    assert!(serde_json::from_str::<EventBody>(json).is_err());
    let json = r#"{"type":"acceptance","date":"2026-02-01","passed":true}"#;
    assert_eq!(
        l.record(serde_json::from_str(json).unwrap()).unwrap(),
        Status::Accepted
    );
}

/// An event drawn at random: any kind, any day in a short window (so that some are out of date
/// order), complete or not.
fn any_event() -> impl Strategy<Value = EventBody> {
    (0u8..7, 0u64..30, any::<bool>()).prop_map(|(kind, d, flag)| match kind {
        0 => notice(d),
        1 => EventBody::ConstructionStarted { date: day(d) },
        2 => visit(d, usize::from(flag), &[]),
        3 => acceptance(d, flag),
        4 => handover(d, if flag { &[] } else { &["竣工图"] }),
        5 => EventBody::Filed {
            date: day(d),
            filing_number: None,
        },
        _ => acceptance(d, true),
    })
}

/// The status the definition gives: the furthest stage whose event was accepted.
fn brute_force_status(accepted: &[EventBody]) -> Status {
    let has = |f: &dyn Fn(&EventBody) -> bool| accepted.iter().any(f);
    if has(&|e| matches!(e, EventBody::Filed { .. })) {
        Status::Filed
    } else if has(&|e| matches!(e, EventBody::Handover { missing, .. } if missing.is_empty())) {
        Status::HandedOver
    } else if has(&|e| matches!(e, EventBody::Acceptance { passed: true, .. })) {
        Status::Accepted
    } else if has(&|e| matches!(e, EventBody::ConstructionStarted { .. })) {
        Status::UnderConstruction
    } else if has(&|e| matches!(e, EventBody::NoticeIssued { .. })) {
        Status::NoticeIssued
    } else {
        Status::Registered
    }
}

proptest! {
    #[test]
    fn only_events_in_order_move_the_status_and_only_forward(
        events in proptest::collection::vec(any_event(), 0..40)
    ) {
        let mut l = Lifecycle::default();
        let mut accepted = Vec::new();
        let mut previous = Status::Registered;
        for event in events {
            let before = l.clone();
            if let Ok(status) = l.record(event.clone()) {
                accepted.push(event);
                prop_assert!(status >= previous, "{previous} -> {status}");
                prop_assert_eq!(status, l.status());
                previous = status;
            } else {
                prop_assert_eq!(&l, &before, "a refused event changed nothing");
            }
            prop_assert_eq!(l.status(), brute_force_status(&accepted));
            let dates: Vec<_> = l.events().iter().map(EventBody::date).collect();
            prop_assert!(dates.windows(2).all(|w| w[0] <= w[1]));
        }
        prop_assert_eq!(Lifecycle::replay(accepted).unwrap(), l);
    }
}
