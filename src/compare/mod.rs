//! How two (or N) snapshots differ: findings, severities, classification.

pub mod finding;

pub use finding::{Category, Finding, Severity, Summary};
