//! What a backup needs from the stores: a copy of a GeoPackage taken while it is in use
//! (SQLite's online backup API), a fingerprint of every table's rows so that a restore can show
//! that nothing was lost, and the file store's bytes copied by their hash.

mod copy;
mod fingerprint;
mod snapshot;

pub use copy::FilesCopied;
pub use fingerprint::{fingerprint_file, Fingerprint, TableFingerprint};
pub use snapshot::copy_geopackage;
