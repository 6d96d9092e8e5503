//! How two (or N) snapshots differ: findings, severities, classification.
//!
//! - [`compare_pair`]: two snapshots (`genevars diff A B`, `compare_snapshots`).
//! - [`compare_nodes`]: local against every node of a cluster, nodes grouped by environment.
//! - [`compare_many`]: the first snapshot against each of the others, with a matrix.
//!
//! What a difference *means* (severity, hint, Ray noise) comes from [`crate::knowledge`].

mod accelerators;
pub mod comparison;
mod credential_files;
mod drift;
mod fingerprint;
mod many;
mod node_texts;
mod nodes;
mod pair;
mod per_node;
mod sides;
mod unreachable;
pub mod version;

pub use comparison::{
    CompareError, CompareOptions, Comparison, ComparisonKind, EnvDiffs, EnvValueDiff, Group,
    Incomplete, Matrix, MatrixRow, NodeFailure, NodeRef, NotCompared, PkgDiffs, SideInfo,
    SysPathDiffs, COMPARISON_SCHEMA,
};
pub use crate::finding::{mark_repeats, Category, Code, Finding, Scope, Section, Severity, Summary};
pub use many::compare_many;
pub use node_texts::{compare_node_parts, compare_node_texts, NodeTextsComparison};
pub use fingerprint::environment_fingerprint;
pub use nodes::compare_nodes;
pub(crate) use sides::thousands;
pub use unreachable::{runtime_env_cause, UnreachableNode};
pub use pair::compare_pair;
pub use version::{classify, VersionChange, VersionDiff};

#[cfg(test)]
mod tests;
