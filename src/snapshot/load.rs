//! Reading and writing snapshot JSON.
//!
//! Loading validates before it trusts: malformed JSON, a missing field or an unknown
//! major schema each give one line naming the source and the problem.

use thiserror::Error;

use super::model::{SNAPSHOT_SCHEMA_MAJOR, Snapshot};

/// Why a snapshot could not be loaded. `source` names the file (or `<string>`).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SnapshotError {
    #[error("{file}: not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: not a genevars snapshot: {message} (line {line}, column {column})")]
    Shape {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: no \"schema\" field; expected \"genevars.snapshot/1\" (is this a genevars snapshot?)")]
    MissingSchema { file: String },
    #[error("{file}: schema {found:?} is not a genevars snapshot schema; expected \"genevars.snapshot/{expected}\"")]
    ForeignSchema {
        file: String,
        found: String,
        expected: u32,
    },
    #[error("{file}: snapshot schema {found:?} is newer than this genevars reads (major {expected}); upgrade genevars")]
    UnknownMajor {
        file: String,
        found: String,
        expected: u32,
    },
}

const SCHEMA_PREFIX: &str = "genevars.snapshot/";

/// Checks the `schema` tag before the full parse, so a wrong file says so plainly
/// rather than complaining about the first field it lacks.
fn check_schema(source: &str, value: &serde_json::Value) -> Result<(), SnapshotError> {
    let found = match value.get("schema") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(SnapshotError::ForeignSchema {
                file: source.to_string(),
                found: other.to_string(),
                expected: SNAPSHOT_SCHEMA_MAJOR,
            })
        }
        None => {
            return Err(SnapshotError::MissingSchema {
                file: source.to_string(),
            })
        }
    };
    let Some(version) = found.strip_prefix(SCHEMA_PREFIX) else {
        return Err(SnapshotError::ForeignSchema {
            file: source.to_string(),
            found,
            expected: SNAPSHOT_SCHEMA_MAJOR,
        });
    };
    let major = version.split('.').next().unwrap_or_default();
    match major.parse::<u32>() {
        Ok(m) if m == SNAPSHOT_SCHEMA_MAJOR => Ok(()),
        Ok(_) => Err(SnapshotError::UnknownMajor {
            file: source.to_string(),
            found,
            expected: SNAPSHOT_SCHEMA_MAJOR,
        }),
        Err(_) => Err(SnapshotError::ForeignSchema {
            file: source.to_string(),
            found,
            expected: SNAPSHOT_SCHEMA_MAJOR,
        }),
    }
}

/// Parses a snapshot from JSON text; `source` names where it came from in errors.
pub fn from_json_str(source: &str, text: &str) -> Result<Snapshot, SnapshotError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| SnapshotError::Syntax {
            file: source.to_string(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })?;
    if !value.is_object() {
        return Err(SnapshotError::Shape {
            file: source.to_string(),
            line: 1,
            column: 1,
            message: "the top level must be a JSON object".to_string(),
        });
    }
    check_schema(source, &value)?;
    // Parse from the text, not the Value, so errors carry line and column.
    serde_json::from_str(text).map_err(|e| SnapshotError::Shape {
        file: source.to_string(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })
}

/// serde_json appends " at line L column C"; we report those fields ourselves.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Pretty JSON with a trailing newline, the form written to files.
pub fn to_json_string(snapshot: &Snapshot) -> String {
    let mut text = serde_json::to_string_pretty(snapshot).expect("a Snapshot always serializes");
    text.push('\n');
    text
}
