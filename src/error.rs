//! Every error the core returns to a caller, by where it comes from: the one type the
//! Python bindings map to exception classes (`python/errors.rs`), by variant rather than
//! by message text.

use thiserror::Error;

use crate::compare::CompareError;
use crate::deps::{DepsError, RuleError};
use crate::input::InputError;
use crate::manifest::ManifestError;
use crate::snapshot::write::WriteError;
use crate::snapshot::SnapshotError;

/// An error of the core; its message is the wrapped error's.
#[derive(Debug, Error)]
pub enum CoreError {
    /// Snapshot JSON that could not be read or validated.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// Snapshot text that could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// Snapshots that could not be compared.
    #[error(transparent)]
    Compare(#[from] CompareError),
    /// A dependency analysis that could not run.
    #[error(transparent)]
    Deps(#[from] DepsError),
    /// A malformed rules file or rule.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// A manifest that failed validation.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A file a user named that could not be read.
    #[error(transparent)]
    Input(#[from] InputError),
}
