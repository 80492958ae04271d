//! undermap end to end, in one test binary (one link instead of sixteen): the real server on
//! port 0, real PostGIS databases (a fresh one per test), real GeoPackage files, the real
//! command line and the web map in Chromium. One module per area.

#[macro_use]
mod common;

mod against_postgis;
mod api;
mod appointments;
mod architecture;
mod archive_api;
mod archive_links;
mod archive_records;
mod archive_s3;
mod archive_store;
mod at_rest;
mod backup;
mod backup_postgis;
mod bundles;
mod clearance;
mod cli;
mod cluster;
mod correctness;
mod degraded;
mod deliveries;
mod downloads;
mod export;
mod export_archive;
mod feedback;
mod field_reports;
mod forms;
mod hardening;
mod incidents;
mod ingest;
mod ogc;
mod owners;
mod precautions;
mod quality_levels;
mod read_store;
mod resilience;
mod search;
mod security;
mod store;
mod subscriptions;
mod ticket_types;
mod tickets;
mod web;
