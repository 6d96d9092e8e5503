//! Manifests: validated descriptions of a Ray runtime_env, with a stable checksum.
//!
//! A builder collects a [`ManifestSpec`]; [`build`] validates it (PEP 508 requirements,
//! requirements and conda files as pip and conda read them, exclusive fields, pins,
//! variable names, image references) into an immutable [`Manifest`], which renders its
//! runtime_env, canonical JSON and checksum, requirements.txt and builder code.

mod canonical;
mod conda;
mod error;
pub mod fix;
mod image;
mod model;
mod python_code;
mod requirement;
mod requirements_file;
mod runtime_env;
mod validate;

pub use error::{ManifestError, Result};
pub use image::check_image;
pub use model::{Installer, Manifest, ManifestSpec, MANIFEST_SCHEMA};
pub use requirement::{parse_line, PipLine};
pub use requirements_file::{logical_lines, read_requirements_file};
pub use validate::build;

/// Builds a manifest from builder JSON, reading the files it names.
/// Returns it with its unpinned requirements.
pub fn build_from_json(spec_json: &str) -> Result<(Manifest, Vec<String>)> {
    check_json_size(spec_json)?;
    let spec: ManifestSpec = serde_json::from_str(spec_json).map_err(|e| ManifestError::Json {
        message: e.to_string(),
    })?;
    build(spec, true)
}

/// Refuses manifest JSON over [`requirements_file::MAX_FILE_BYTES`] before parsing it
/// (parsing takes some 60 times the text's size in memory).
pub(crate) fn check_json_size(json: &str) -> Result<()> {
    if json.len() > requirements_file::MAX_FILE_BYTES {
        return Err(ManifestError::OverLimit {
            input: "manifest JSON".into(),
            problem: format!("it is {} bytes long", json.len()),
            limit: requirements_file::limit_text(requirements_file::MAX_FILE_BYTES),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;

/// `name==version` when that parses as an exact PEP 508 pin, else `None` (a version that
/// is not PEP 440, such as `1.0-custom`, cannot be pinned with `==`).
pub fn exact_pin(name: &str, version: &str) -> Option<String> {
    let text = format!("{name}=={version}");
    match parse_line(&text, "pin") {
        Ok(PipLine::Named(req)) if req.pinned_version().is_some() => Some(text),
        _ => None,
    }
}

#[cfg(test)]
#[test]
fn exact_pins() {
    assert_eq!(
        exact_pin("numpy", "1.26.4").as_deref(),
        Some("numpy==1.26.4")
    );
    assert_eq!(
        exact_pin("torch", "2.0.1+cu121").as_deref(),
        Some("torch==2.0.1+cu121")
    );
    assert_eq!(exact_pin("foo", "1.0-custom"), None);
    assert_eq!(exact_pin("foo", "unknown"), None);
    assert_eq!(exact_pin("bad name", "1"), None);
}
