//! Snapshots: what an environment is, how it is read from disk, how it is stored.
//!
//! - [`model`]: the serializable [`Snapshot`] and its parts.
//! - [`metadata`]: the core-metadata (METADATA / PKG-INFO) reader.
//! - [`scan`]: the site-packages scanner (dist-info, egg-info, .egg, shadowing).
//! - [`layouts`]: legacy editable installs, zipped eggs, two metadata folders of one name.
//! - [`load`]: reading snapshot JSON with validation and clear errors.
//! - [`kept`]: parsed snapshots kept between comparisons, by their text.
//! - [`apart`]: reading it with the package list apart, for grouping many nodes.
//! - [`write`]: writing snapshot JSON text straight from a scan.
//! - [`tree`]: what a tree scanned without its interpreter says of its Python and platform.
//! - [`described`]: another interpreter's saved description (`snapshot --python`'s cache).
//! - [`parts`]: every field but the scan's of a described interpreter's snapshot.
//! - [`posix`]: the surroundings a snapshot reads, as Python's `os.path` reads them.

mod apart;
pub mod described;
pub mod kept;
mod layouts;
pub mod load;
pub mod metadata;
pub mod model;
pub mod parts;
pub mod posix;
pub mod scan;
mod serde_message;
pub mod tree;
pub mod write;

#[cfg(test)]
pub(crate) mod testutil;

pub use kept::from_json_kept;
pub use load::{
    from_json_str, packages_from_json_str, rest_from_json_str, split_from_json_str, split_with_list,
    to_json_string, to_json_text, SnapshotError,
};
pub use model::*;
