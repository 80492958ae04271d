//! The construction-project archive in both stores: projects, their events with the status they
//! lead to, the hash-chained credit record, and the project list's filters against a brute-force
//! filter of what was registered.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use geo::{line_string, polygon, Geometry};
use undermap_archive::credit::EntryKind;
use undermap_archive::{CreditCode, EventBody, ProjectCode, Status};
use undermap_store::{
    chain_hash, ArchiveStore, Intake, NewCreditEntry, NewProject, NewProjectEvent, ProjectQuery,
    Store, StoreError, GENESIS,
};

/// A valid credit code for serial `n` (its check character computed).
pub fn unit(n: u32) -> CreditCode {
    let first = format!("91500000{n:09}");
    let check = undermap_archive::credit_code::check_character(&first).unwrap();
    format!("{first}{check}").parse().unwrap()
}

pub fn code(n: u32) -> ProjectCode {
    format!("2026-500101-48-01-{:06}", n + 1).parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn project(n: u32, unit_n: u32, x: f64, y: f64, name: &str) -> NewProject {
    let location: Geometry<f64> = if n.is_multiple_of(2) {
        polygon![(x: x, y: y), (x: x + 40.0, y: y), (x: x + 40.0, y: y + 25.0), (x: x, y: y)].into()
    } else {
        line_string![(x: x, y: y), (x: x + 300.0, y: y + 12.5)].into()
    };
    NewProject {
        code: code(n),
        name: name.to_owned(),
        category: "municipal_pipeline".into(),
        unit_name: format!("第{unit_n}建设公司"),
        unit_code: unit(unit_n),
        location,
        permit_date: Some(day("2026-02-01")),
        planned_start: Some(day("2026-03-01")),
        planned_end: None,
        source: "archivist".into(),
        registered_by: Some("archivist".into()),
        registered_at: DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap(),
    }
}

fn event(p: &NewProject, seq: u32, body: EventBody, status: Status) -> NewProjectEvent {
    NewProjectEvent {
        code: p.code.clone(),
        unit: p.unit_code.clone(),
        seq,
        body,
        status,
        recorded_by: Some("archivist".into()),
        recorded_at: Utc::now(),
        credit: vec![],
    }
}

both_stores! {
    async fn projects_keep_their_events_and_the_credit_record_is_chained(fresh) {
        let backend = fresh.open().await;
        let store: Arc<dyn Store> = backend.shared();
        let p = project(0, 1, 596_700.0, 3_148_600.0, "滨江路给水管改造");
        store.add_project(&p).await.unwrap();
        assert!(matches!(store.add_project(&p).await, Err(StoreError::Conflict(_))));
        let read = store.project(&p.code).await.unwrap().unwrap();
        assert_eq!((read.project.clone(), read.status, read.events), (p.clone(), Status::Registered, 0));

        // The approval system pushes it again (unchanged), then with a new planned start.
        assert_eq!(store.intake_project(&p).await.unwrap(), Intake::Unchanged);
        let mut later = p.clone();
        later.planned_start = Some(day("2026-04-01"));
        assert_eq!(store.intake_project(&later).await.unwrap(), Intake::Updated);
        assert_eq!(store.intake_project(&project(7, 1, 0.0, 0.0, "新")).await.unwrap(), Intake::Created);

        let notice = EventBody::NoticeIssued {
            date: day("2026-02-10"),
            scope: "全部".into(),
            formats: vec![],
            deadline: None,
        };
        store.record_project_event(&event(&p, 1, notice.clone(), Status::NoticeIssued)).await.unwrap();
        // The same seq again: someone recorded an event meanwhile; nothing is written.
        let again = store.record_project_event(&event(&p, 1, notice.clone(), Status::NoticeIssued)).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let skipped = store.record_project_event(&event(&p, 3, notice, Status::NoticeIssued)).await;
        assert!(matches!(skipped, Err(StoreError::Conflict(_))), "{skipped:?}");
        assert_eq!(store.project_events(&p.code).await.unwrap().len(), 1);

        let started = EventBody::ConstructionStarted { date: day("2026-03-02") };
        store.record_project_event(&event(&p, 2, started, Status::UnderConstruction)).await.unwrap();
        let failed = EventBody::Acceptance {
            date: day("2026-09-01"),
            passed: false,
            reasons: vec!["竣工图未签章".into()],
        };
        let mut e = event(&p, 3, failed, Status::UnderConstruction);
        e.credit = vec![NewCreditEntry {
            kind: EntryKind::AcceptanceFailed,
            date: day("2026-09-01"),
            detail: serde_json::json!({"reasons": ["竣工图未签章"]}),
        }];
        let written = store.record_project_event(&e).await.unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!((written[0].seq, written[0].prev_hash.as_str()), (1, GENESIS));

        // A second unit's project adds to the same chain.
        let q = project(1, 2, 597_000.0, 3_149_000.0, "工业园雨水管");
        store.add_project(&q).await.unwrap();
        let mut late = event(&q, 1, EventBody::NoticeIssued {
            date: day("2026-05-01"),
            scope: "全部".into(),
            formats: vec![],
            deadline: None,
        }, Status::NoticeIssued);
        late.credit = vec![
            NewCreditEntry { kind: EntryKind::HandoverLate, date: day("2026-05-01"), detail: serde_json::json!({"days": 12}) },
            NewCreditEntry { kind: EntryKind::HandoverIncomplete, date: day("2026-05-01"), detail: serde_json::json!({"missing": ["竣工图"]}) },
        ];
        store.record_project_event(&late).await.unwrap();

        let events = store.project_events(&p.code).await.unwrap();
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(events[2].body, e.body);
        let read = store.project(&p.code).await.unwrap().unwrap();
        assert_eq!((read.status, read.events), (Status::UnderConstruction, 3));
        assert_eq!(read.project.planned_start, Some(day("2026-04-01")));

        let chain = store.credit_entries(None).await.unwrap();
        assert_eq!(chain.len(), 3);
        let mut prev = GENESIS.to_owned();
        for (i, r) in chain.iter().enumerate() {
            assert_eq!(r.seq, i as i64 + 1);
            assert_eq!(r.prev_hash, prev);
            assert_eq!(r.hash, chain_hash(&prev, r.seq, &r.entry));
            prev = r.hash.clone();
        }
        let of_two = store.credit_entries(Some(&unit(2))).await.unwrap();
        assert_eq!(of_two.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["handover_late", "handover_incomplete"]);
        let entry: serde_json::Value = serde_json::from_str(&of_two[0].entry).unwrap();
        assert_eq!(entry["project"], q.code.as_str());
        assert_eq!(entry["detail"]["days"], 12);

        // Append-only, in both stores.
        for sql in ["UPDATE project_events SET body = '{}'", "DELETE FROM credit_entries"] {
            let refused = backend.execute(sql).await.unwrap_err();
            assert!(refused.to_string().contains("append-only"), "{sql}: {refused}");
        }
    }
}

both_stores! {
    async fn two_events_at_once_one_wins(fresh) {
        // The backend keeps a GeoPackage's folder for as long as it lives.
        let backend = fresh.open().await;
        let store: Arc<dyn Store> = backend.shared();
        let p = project(0, 1, 0.0, 0.0, "同时");
        store.add_project(&p).await.unwrap();
        let notice = |d: &str| EventBody::NoticeIssued {
            date: day(d),
            scope: d.into(),
            formats: vec![],
            deadline: None,
        };
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = Arc::clone(&store);
                let e = event(&p, 1, notice(&format!("2026-02-{:02}", i + 1)), Status::NoticeIssued);
                tokio::spawn(async move { store.record_project_event(&e).await })
            })
            .collect();
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(won, 1);
        assert_eq!(store.project_events(&p.code).await.unwrap().len(), 1);
    }
}

/// That `store` lists for `q` the codes [`brute_force`] finds among `all`.
async fn assert_listed_as_brute_force(
    store: &dyn ArchiveStore,
    all: &[NewProject],
    q: &ProjectQuery,
) {
    let got: Vec<String> = store
        .projects(q)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.project.code.to_string())
        .collect();
    assert_eq!(got, brute_force(all, q), "{q:?}");
}

/// What the list's filters must give: the registered projects, filtered one by one.
fn brute_force(all: &[NewProject], q: &ProjectQuery) -> Vec<String> {
    let mut codes: Vec<String> = all
        .iter()
        .filter(|p| q.unit.as_ref().is_none_or(|u| &p.unit_code == u))
        .filter(|p| q.category.as_ref().is_none_or(|c| &p.category == c))
        .filter(|p| {
            let day = p.permit_date.unwrap_or(p.registered_at.date_naive());
            q.days.is_none_or(|(a, b)| a <= day && day <= b)
        })
        .filter(|p| {
            // A text of digits and dashes is part of a code; any other, of a name (ASCII case
            // ignored).
            q.text.as_ref().is_none_or(|t| {
                if t.chars().all(|c| c.is_ascii_digit() || c == '-') {
                    p.code.as_str().contains(t.as_str())
                } else {
                    p.name
                        .to_ascii_lowercase()
                        .contains(&t.to_ascii_lowercase())
                }
            })
        })
        .filter(|p| {
            q.bbox.is_none_or(|b| {
                use geo::BoundingRect;
                let r = p.location.bounding_rect().unwrap();
                r.max().x >= b[0] && r.max().y >= b[1] && r.min().x <= b[2] && r.min().y <= b[3]
            })
        })
        .map(|p| p.code.to_string())
        .filter(|c| q.after.as_ref().is_none_or(|a| c > a))
        .collect();
    codes.sort();
    codes.truncate(usize::try_from(q.limit).unwrap());
    codes
}

both_stores! {
    async fn the_project_list_filters_as_a_brute_force_filter_does(fresh) {
        use proptest::prelude::*;
        use proptest::strategy::ValueTree;
        use proptest::test_runner::{Config, TestRunner};
        // The backend keeps a GeoPackage's folder for as long as it lives.
        let backend = fresh.open().await;
        let store: Arc<dyn Store> = backend.shared();
        // Names with LIKE's own characters, to be taken literally.
        let names = ["给水管", "雨水_管", "100%完成", "燃气\\支线", "电力排管", "DN300 Water Main"];
        let mut all = Vec::new();
        let mut runner = TestRunner::new(Config::with_cases(1));
        let layout = proptest::collection::vec((0u32..6, 0.0..2_000.0f64, 0.0..2_000.0f64), 120);
        let placed = layout.new_tree(&mut runner).unwrap().current();
        for (n, (u, x, y)) in placed.into_iter().enumerate() {
            let n = u32::try_from(n).unwrap();
            let mut p = project(n, u, x, y, names[n as usize % names.len()]);
            // Three categories, permits on 40 different days or none (then the registration
            // day counts).
            p.category = ["municipal_pipeline", "road", "bridge"][n as usize % 3].into();
            p.permit_date = (n % 7 != 0).then(|| day("2026-01-01") + chrono::Days::new(u64::from(n % 40)));
            // One by one, then in bulk: each indexes the names' pieces its own way.
            if n < 60 {
                store.add_project(&p).await.unwrap();
            }
            all.push(p);
        }
        assert_eq!(store.add_projects(&all[60..]).await.unwrap(), 60);
        let queries = (
            proptest::option::of(0u32..7),
            // One and two characters (LIKE), three and more (the trigram index where there is
            // one), LIKE's own characters, a code's digits, ASCII in another case.
            proptest::option::of(prop::sample::select(vec![
                "水", "_", "%", "\\", "管", "-000001", "无", "排管", "给水管", "雨水_管", "100%完",
                "燃气\\支", "water main", "DN3", "电力排管", "无此名称", "Wa", "dn", "0%", "R ", "W",
            ])),
            proptest::option::of((0.0..2_000.0f64, 0.0..2_000.0f64, 1.0..800.0f64)),
            proptest::option::of(0u32..120),
            1i64..50,
            proptest::option::of(prop::sample::select(vec!["road", "bridge", "municipal_pipeline", "tunnel"])),
            proptest::option::of((0u64..45, 0u64..20)),
        );
        for _ in 0..60 {
            let (u, text, bbox, after, limit, category, days) = queries.new_tree(&mut runner).unwrap().current();
            let q = ProjectQuery {
                bbox: bbox.map(|(x, y, s)| [x, y, x + s, y + s]),
                status: None,
                unit: u.map(unit),
                text: text.map(str::to_owned),
                after: after.map(|a| code(a).to_string()),
                limit,
                category: category.map(str::to_owned),
                days: days.map(|(from, len)| {
                    let from = day("2025-12-30") + chrono::Days::new(from);
                    (from, from + chrono::Days::new(len))
                }),
            };
            assert_listed_as_brute_force(store.as_ref(), &all, &q).await;
        }
        // A new name is found by its pieces, the old one no longer.
        let mut renamed = all[7].clone();
        renamed.name = "桥梁改造".into();
        store.intake_project(&renamed).await.unwrap();
        let by = |t: &str| ProjectQuery { text: Some(t.into()), limit: 1000, ..ProjectQuery::default() };
        let found = store.projects(&by("桥梁")).await.unwrap();
        assert_eq!(found.iter().map(|r| r.project.code.to_string()).collect::<Vec<_>>(), [renamed.code.to_string()]);
        let before = store.projects(&by(&all[7].name.chars().take(2).collect::<String>())).await.unwrap();
        assert!(before.iter().all(|r| r.project.code != renamed.code));
        let registered = ProjectQuery { status: Some(Status::Registered), limit: 1000, ..ProjectQuery::default() };
        assert_eq!(store.projects(&registered).await.unwrap().len(), 120);
        let filed = ProjectQuery { status: Some(Status::Filed), limit: 1000, ..ProjectQuery::default() };
        assert!(store.projects(&filed).await.unwrap().is_empty());
    }
}

/// A site copy made before the search tables existed (no R-tree of extents, no FTS5, no name
/// pieces), opened read-only as a crew opens it, is still searched, by reading the table.
#[tokio::test]
async fn a_read_only_copy_without_the_search_tables_is_still_searched() {
    let (gpkg, dir) = crate::common::temp_gpkg().await;
    let names = ["给水管", "雨水_管", "DN300 Water Main"];
    let all: Vec<NewProject> = (0..30)
        .map(|n| project(n, n % 3, f64::from(n) * 50.0, 100.0, names[n as usize % 3]))
        .collect();
    assert_eq!(gpkg.add_projects(&all).await.unwrap(), 30);
    let file = undermap_store::NewFile {
        project: all[0].code.clone(),
        hash: "ab".repeat(32).parse().unwrap(),
        size: 10,
        media_type: "application/pdf".into(),
        category: "as_built_drawings".into(),
        title: "竣工图 第1册".into(),
        file_name: Some("a.pdf".into()),
        date: None,
        feature_ids: vec![],
        scan: None,
        access: undermap_archive::Access::Open,
        uploaded_by: None,
        uploaded_at: chrono::Utc::now(),
    };
    gpkg.add_file(&file).await.unwrap();
    drop(gpkg);
    let path = dir.path().join("map.gpkg");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        path.display()
    ))
    .await
    .unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER projects_name_fts_insert; DROP TRIGGER projects_name_fts_update; \
         DROP TRIGGER projects_rtree_insert; DROP TRIGGER projects_rtree_update; \
         DROP TABLE rtree_projects_name_fts; DROP TABLE rtree_projects; DROP TABLE project_name_grams; \
         DROP TRIGGER project_files_title_fts_insert; DROP TABLE rtree_project_files_title_fts; \
         DROP TABLE file_access;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);
    let copy = undermap_store::GpkgStore::open_read_only(&path, 4545)
        .await
        .unwrap();
    for text in [
        Some("水"),
        Some("water"),
        Some("给水管"),
        Some("-000001"),
        None,
    ] {
        let q = ProjectQuery {
            text: text.map(str::to_owned),
            bbox: text.is_none().then_some([0.0, 0.0, 500.0, 500.0]),
            limit: 100,
            ..ProjectQuery::default()
        };
        assert_listed_as_brute_force(&copy, &all, &q).await;
    }
    // Its files, made before they had access levels, are on request, and found by title.
    let files = copy.project_files(&all[0].code).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].access, undermap_archive::Access::OnRequest);
    for text in ["竣工图", "竣工"] {
        let found = copy
            .search_files(&undermap_store::FileSearch {
                text: Some(text.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{text}");
    }
}
