use std::path::Path;

use undermap_ingest::IngestOptions;
use undermap_service::{deliver, DeliveryRequest, Service, ServiceError};
use undermap_store::DeliveryMode;

/// Loads every `<layer>.geojson` in `dir` as a full delivery of that layer. Loading is
/// idempotent, so this runs at every demo start and changes nothing the second time.
pub async fn load_demo(service: &Service, dir: &Path) -> Result<usize, DemoError> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| DemoError::Read(dir.display().to_string(), e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "geojson"))
        .collect();
    files.sort();
    let mut loaded = 0;
    for path in files {
        let Some(layer) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let department = crate::departments::for_layer(layer)
            .ok_or_else(|| DemoError::Layer(layer.to_owned()))?;
        let request = DeliveryRequest {
            files: vec![path.clone()],
            department,
            options: IngestOptions::new(
                service.config().deployment_crs.clone(),
                DeliveryMode::Full,
                "demo",
            ),
            strict: undermap_ingest::Strictness::default(),
        };
        let summary = deliver(service.store(), request, Box::new(|_| {})).await?;
        for r in &summary.rejections {
            tracing::warn!(file = %r.file, record = r.record, reason = %r.reason, "demo record rejected");
        }
        loaded += summary.inserted + summary.updated + summary.unchanged;
    }
    service.reload().await?;
    load_demo_owners(service).await?;
    Ok(loaded)
}

/// The demo's network owners, as the generated layers name them. The water company is
/// answered for by the `demo-network_owner` account; none has a webhook, so tickets wait in
/// their inboxes (`GET /v1/owners/{id}/tickets`).
async fn load_demo_owners(service: &Service) -> Result<(), DemoError> {
    // The demo layers name owners "… (demo)"; the generated county names them "… (synthetic)".
    let owners = [
        (
            "xs-water",
            "秀山县自来水有限公司",
            "023-7666-1000",
            "023-7666-1001",
            &["demo-network_owner"][..],
        ),
        (
            "xs-gas",
            "秀山县燃气有限公司",
            "023-7666-3000",
            "023-7666-3003",
            &[][..],
        ),
        (
            "xs-power",
            "国网秀山供电公司",
            "95598",
            "023-7666-2002",
            &[][..],
        ),
        (
            "xs-drainage",
            "秀山县市政排水管理所",
            "023-7666-4000",
            "023-7666-4004",
            &[][..],
        ),
        (
            "xs-telecom",
            "中国电信秀山分公司",
            "10000",
            "023-7666-6006",
            &[][..],
        ),
    ];
    for (id, name, emergency, desk, accounts) in owners {
        service
            .owners()
            .put(
                id,
                undermap_service::OwnerInput {
                    name: format!("{name} (demo)"),
                    aliases: vec![format!("{name} (synthetic)")],
                    contacts: vec![format!("调度 {desk}")],
                    emergency_phone: Some(emergency.into()),
                    webhook_url: None,
                    accounts: accounts.iter().map(|a| (*a).to_owned()).collect(),
                },
            )
            .await?;
    }
    Ok(())
}

/// The construction unit the demo's `demo-construction_unit` account acts for (it owns demo
/// projects 101 and 103).
pub const DEMO_UNIT: &str = "91500241MA60XT001K";

/// A demo project: what to register, the events to record, and which file categories to hand
/// over before which event.
#[derive(serde::Deserialize)]
struct DemoProject {
    project: undermap_service::ProjectRequest,
    events: Vec<serde_json::Value>,
    files_before_event: usize,
    files: Vec<String>,
}

/// A paper record of the demo archive, and whether it has been scanned.
#[derive(serde::Deserialize)]
struct DemoRecord {
    record: undermap_service::LegacyRequest,
    scanned: bool,
}

#[derive(serde::Deserialize)]
struct DemoProjects {
    projects: Vec<DemoProject>,
    #[serde(default)]
    legacy_records: Vec<DemoRecord>,
}

/// Registers the archive's demo projects of `dir/projects.json` that the store does not hold
/// yet, records their events and hands over their files (small generated PDFs). A project the
/// store holds already is left as it is, so this runs at every demo start.
pub async fn load_demo_projects(service: &Service, dir: &Path) -> Result<usize, DemoError> {
    let path = dir.join("projects.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(DemoError::Read(path.display().to_string(), e)),
    };
    let demo: DemoProjects = serde_json::from_str(&text)
        .map_err(|e| DemoError::Projects(format!("{}: {e}", path.display())))?;
    let archive = service.archive();
    let mut added = 0;
    for p in demo.projects {
        let code = p.project.code.clone();
        let name = p.project.name.clone();
        let known: undermap_archive::ProjectCode = code
            .parse()
            .map_err(|e| DemoError::Projects(format!("{code}: {e}")))?;
        if service
            .store()
            .project(&known)
            .await
            .map_err(ServiceError::from)?
            .is_some()
        {
            continue;
        }
        archive.register(p.project, Some("demo")).await?;
        let events = p.events.len();
        for (i, event) in p.events.into_iter().enumerate() {
            if i == p.files_before_event {
                demo_files(service, &code, &name, &p.files).await?;
            }
            archive.record_event(&code, event, Some("demo")).await?;
        }
        if p.files_before_event >= events {
            demo_files(service, &code, &name, &p.files).await?;
        }
        added += 1;
    }
    for r in demo.legacy_records {
        let number = r.record.number.clone();
        if service
            .store()
            .legacy_record(&number)
            .await
            .map_err(ServiceError::from)?
            .is_some()
        {
            continue;
        }
        archive.register_record(r.record, Some("demo")).await?;
        if r.scanned {
            demo_scan(service, &number).await?;
        }
    }
    demo_appointments(service).await?;
    demo_request(service).await?;
    demo_clearance(service).await?;
    Ok(added)
}

/// The demo contractor's request for the as-built drawings of the first demo project (they are
/// on request), waiting for the archivist to decide in the web map — filed once.
async fn demo_request(service: &Service) -> Result<(), DemoError> {
    let downloads = service.downloads();
    if !downloads
        .list(Some("demo-contractor"), None, None)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let code: undermap_archive::ProjectCode = "2025-500241-48-01-000101"
        .parse()
        .map_err(|e| DemoError::Projects(format!("{e}")))?;
    let files = service
        .store()
        .project_files(&code)
        .await
        .map_err(ServiceError::from)?;
    let Some(drawings) = files.iter().find(|f| f.category == "as_built_drawings") else {
        return Ok(());
    };
    let contractor = undermap_service::Reader {
        scope: None,
        keeper: false,
        history: false,
    };
    let input = undermap_service::RequestInput {
        sha256: drawings.sha256.clone(),
        project: Some(code.to_string()),
        purpose: "中和街道开挖前核对给水管位置 (check the water main before digging)".into(),
    };
    downloads
        .request(&input, &contractor, "demo-contractor")
        .await?;
    Ok(())
}

/// The demo planner's clearance report: a DN400 sewer planned 1.2 m beside the DN300 water main
/// of street E1-0 (0.85 m clear where GB 50289 asks 1.5 m), so the web map's list and the
/// printable report have a failing stretch to show — made once.
async fn demo_clearance(service: &Service) -> Result<(), DemoError> {
    let clearance = service.clearance();
    if !clearance.reports(Some("demo-planner"), 1).await?.is_empty() {
        return Ok(());
    }
    let request: undermap_service::ClearanceRequest = serde_json::from_value(serde_json::json!({
        "route": {"type": "LineString", "coordinates": [[3_148_654.157, 596_699.947], [3_148_674.117, 596_793.85]]},
        "crs": "EPSG:4545", "type": "sewer", "diameter_mm": 400, "depth_top_m": 2.2,
        "reference": "中和街道污水支管（演示）"
    }))
    .map_err(|e| DemoError::Projects(format!("demo clearance check: {e}")))?;
    clearance
        .check(
            request,
            &undermap_core::View::everything(),
            Some("demo-planner"),
        )
        .await?;
    Ok(())
}

/// Two visitors booked at the service window when `demo-public` holds no appointment from
/// today on: the first bookable slot of the next working day for `demo-public`, to consult a
/// paper record, and one for the demo construction unit to hand over files.
async fn demo_appointments(service: &Service) -> Result<(), DemoError> {
    let appointments = service.appointments();
    if !appointments.mine("demo-public").await?.is_empty() {
        return Ok(());
    }
    let window = appointments.days(None, None).await?;
    let Some(day) = window
        .days
        .iter()
        .skip(1)
        .find(|d| d.slots.iter().filter(|s| s.bookable).count() >= 2)
    else {
        return Ok(());
    };
    let slots: Vec<&str> = day
        .slots
        .iter()
        .filter(|s| s.bookable)
        .map(|s| s.slot.as_str())
        .collect();
    let visits = [
        (
            "demo-public",
            slots[0],
            "张三 (demo)",
            "查阅城北给水干管竣工图 (consult the as-built drawing)",
            serde_json::json!([{ "record": "XS-1998-GX-0012" }]),
        ),
        (
            "demo-construction_unit",
            slots[1],
            "李四 (demo)",
            "移交竣工档案 (hand over the as-built files)",
            serde_json::json!([]),
        ),
    ];
    for (account, slot, name, purpose, wanted) in visits {
        let input = undermap_service::BookingInput {
            slot: slot.to_owned(),
            name: name.to_owned(),
            phone: Some("023-7666 0000".to_owned()),
            purpose: purpose.to_owned(),
            wanted: serde_json::from_value(wanted)
                .map_err(|e| DemoError::Projects(format!("demo appointment: {e}")))?,
        };
        let visitor = undermap_service::Visitor {
            account,
            staff: false,
        };
        match appointments.book(input, visitor).await {
            Ok(_) | Err(ServiceError::Conflict(_) | ServiceError::Unprocessable { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A generated scan of a demo paper record.
async fn demo_scan(service: &Service, number: &str) -> Result<(), DemoError> {
    let archive = service.archive();
    let mut upload = archive.begin_scan(number).await?;
    let bytes = format!(
        "%PDF-1.4\n% undermap demo: scan of paper record {number}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    );
    upload
        .write(bytes.into_bytes().into())
        .await
        .map_err(ServiceError::from)?;
    let scan: undermap_store::ScanMetadata = serde_json::from_value(serde_json::json!({
        "scanned_on": "2026-11-02", "dpi": 300, "operator": "demo"
    }))
    .map_err(|e| DemoError::Projects(format!("scan of {number}: {e}")))?;
    archive
        .finish_scan(
            number,
            upload,
            Some(scan),
            None,
            Some(format!("{number}.pdf")),
            Some("demo"),
        )
        .await?;
    Ok(())
}

/// The access level the demo gives a file of `category`: approvals and permits are public, the
/// as-built survey of the pipelines restricted, the rest on request.
fn demo_access(category: &str) -> undermap_archive::Access {
    match category {
        "approval_documents" | "planning_permits" => undermap_archive::Access::Open,
        "pipeline_as_built_survey" => undermap_archive::Access::Restricted,
        _ => undermap_archive::Access::OnRequest,
    }
}

async fn demo_files(
    service: &Service,
    code: &str,
    name: &str,
    categories: &[String],
) -> Result<(), DemoError> {
    let archive = service.archive();
    let scope = undermap_service::Scope::All;
    for category in categories {
        let mut upload = archive.begin_upload(code, &scope).await?;
        let bytes = format!(
            "%PDF-1.4\n% undermap demo: {category} of project {code}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
        );
        upload
            .write(bytes.into_bytes().into())
            .await
            .map_err(ServiceError::from)?;
        let category_name = service
            .config()
            .archive
            .catalogue
            .file_categories
            .iter()
            .find(|c| &c.code == category)
            .map_or_else(|| category.clone(), |c| c.name.clone());
        let meta = undermap_service::FileMeta {
            category: category.clone(),
            title: format!("{category_name} — {name}"),
            access: Some(demo_access(category)),
            file_name: Some(format!("{category}.pdf")),
            ..undermap_service::FileMeta::default()
        };
        archive
            .finish_upload(code, &scope, upload, meta, Some("demo"))
            .await?;
    }
    Ok(())
}

/// Why the demo data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A file or the folder could not be read.
    #[error("reading {0}: {1}")]
    Read(String, std::io::Error),
    /// A file name is not the layer of a known department.
    #[error("demo file name is not the layer of a known department: {0}")]
    Layer(String),
    /// Loading failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The demo projects could not be read.
    #[error("demo projects: {0}")]
    Projects(String),
}

/// The demo's accounts: one per built-in role, named `demo-<role>`, each with a fresh key at
/// every start (the previous demo keys are revoked). For trying undermap only.
pub async fn demo_accounts(
    auth: &undermap_auth::Authenticator,
) -> Result<Vec<(String, String)>, undermap_auth::AuthError> {
    let mut keys = Vec::new();
    let roles: Vec<String> = undermap_auth::Roles::builtin().into_keys().collect();
    for role in roles {
        let name = format!("demo-{role}");
        if auth.store().account(&name).await?.is_none() {
            auth.add_account(undermap_auth::NewAccount {
                name: name.clone(),
                role: role.clone(),
                layers: None,
                service: false,
                full_name: Some(format!("Demo {role} (not for production)")),
                unit_code: (role == "construction_unit").then(|| DEMO_UNIT.to_owned()),
            })
            .await?;
        }
        for old in auth.keys(Some(&name)).await? {
            if old.revoked_at.is_none() {
                auth.revoke_key(&old.key_id).await?;
            }
        }
        let issued = auth
            .create_key(&name, Some("demo".into()), Some(30))
            .await?;
        keys.push((name, issued.key));
    }
    Ok(keys)
}
