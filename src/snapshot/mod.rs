//! Snapshots: what an environment is, how it is read from disk, how it is stored.
//!
//! - [`model`]: the serializable [`Snapshot`] and its parts.
//! - [`metadata`]: the core-metadata (METADATA / PKG-INFO) reader.
//! - [`scan`]: the site-packages scanner (dist-info, egg-info, .egg, shadowing).
//! - [`layouts`]: legacy editable installs, zipped eggs, two metadata folders of one name.
//! - [`load`]: reading snapshot JSON with validation and clear errors.
//! - [`partial`]: reading it without the package list, for grouping many nodes.
//! - [`write`]: writing snapshot JSON text straight from a scan.
//! - [`tree`]: what a tree scanned without its interpreter says of its Python and platform.

mod layouts;
pub mod load;
pub mod metadata;
pub mod model;
pub mod partial;
pub mod scan;
mod serde_message;
pub mod tree;
pub mod write;

#[cfg(test)]
pub(crate) mod testutil;

pub use load::{from_json_str, to_json_string, SnapshotError};
pub use model::*;
