//! genevars: why Python code behaves differently on Ray workers than where it was submitted.
//!
//! Data flows one way: probe → [`snapshot::Snapshot`] → [`compare`] → [`compare::Finding`]s →
//! [`report`]. [`manifest`] turns findings into a Ray runtime_env that closes the gap, and
//! [`deps`] checks requirements and known incompatibilities inside and across environments.
//! Only [`python`] (behind the `python` feature) knows about Python.

pub mod compare;
pub mod deps;
pub mod error;
pub mod explain;
pub mod finding;
pub mod guard;
pub mod input;
pub mod knowledge;
pub mod manifest;
pub mod parallel;
pub mod redact;
pub mod report;
pub mod snapshot;

#[cfg(feature = "python")]
mod python;

#[cfg(test)]
mod golden;
#[cfg(test)]
mod layers;
