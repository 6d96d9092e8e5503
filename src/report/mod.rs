//! Reports: text (the sections geneva users know), JSON, and HTML for notebooks.
//!
//! Every renderer reads a [`Comparison`](crate::compare::Comparison), whose values are
//! already safe to show; snapshots passed alongside are redacted again before they are
//! written, so a revealed secret in a snapshot never reaches a report.

pub mod html;
pub mod json;
pub mod text;

pub use html::to_html;
pub use json::{redacted_snapshot, to_json};
pub use text::{to_text, TextOptions};

use crate::snapshot::Snapshot;

/// The snapshots a comparison was made from, for the renderers that embed them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshots<'a> {
    pub local: Option<&'a Snapshot>,
    pub remote: Option<&'a Snapshot>,
}
