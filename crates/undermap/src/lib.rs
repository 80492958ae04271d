//! The undermap server: settings, startup and telemetry. `main.rs` is the command line; tests
//! build the same [`Application`] on port 0.

pub mod backup;
mod changes;
mod demo;
mod departments;
mod export;
mod export_archive;
mod generated_projects;
mod settings;
mod startup;
mod store_select;
mod telemetry;

pub use changes::{spawn_change_listener, spawn_change_poller};
pub use demo::{demo_accounts, load_demo, load_demo_projects, DemoError, DEMO_UNIT};
pub use departments::{for_layer, DEPARTMENTS};
pub use export::{export, export_accounts, ExportReport};
pub use export_archive::{export_archive, keep_files_inside, ArchiveExport};
pub use generated_projects::{generated_projects, register_generated};
pub use settings::{Settings, SettingsError};
pub use startup::{
    archive_config, authenticator, file_store, files_dir, install_file_store, sealed_as_set,
    security, service_config, ticket_key_path, ticket_signer, Application, ArchiveSetupError,
    ConfigError, StartError, TicketKeyError,
};
pub use store_select::{open_replica, open_store, OpenStoreError, OpenedStore};
pub use telemetry::init_tracing;
