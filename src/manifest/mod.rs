//! Manifests: validated descriptions of a Ray runtime_env, with a stable checksum.
//!
//! A builder collects a [`ManifestSpec`]; [`build`] validates it (PEP 508 requirements,
//! requirements and conda files as pip and conda read them, exclusive fields, pins,
//! variable names, image references) into an immutable [`Manifest`], which renders its
//! runtime_env, canonical JSON and checksum, requirements.txt and builder code.

mod canonical;
mod conda;
mod error;
mod image;
mod model;
mod python_code;
mod requirement;
mod requirements_file;
mod runtime_env;
mod validate;

pub use error::{ManifestError, Result};
pub use image::check_image;
pub use model::{Manifest, ManifestSpec, MANIFEST_SCHEMA};
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

/// What a fix leaves alone (`fix_rules.toml`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct FixRules {
    pub never_pin: Vec<String>,
    pub session_env: Vec<String>,
    pub ship_env: Vec<String>,
    /// Ray's own dependencies, when the local Ray's metadata cannot say.
    #[serde(default)]
    pub ray_dependencies: Vec<String>,
    /// INSTALLER value → the package manager the advice names.
    #[serde(default)]
    pub system_installers: std::collections::BTreeMap<String, String>,
    /// Location glob → the package manager that fills it.
    #[serde(default)]
    pub system_locations: std::collections::BTreeMap<String, String>,
    /// Vendor indexes for local version labels.
    #[serde(default)]
    pub vendor_indexes: Vec<VendorIndex>,
}

/// An index that serves local version labels PyPI never has (`torch==2.2.0+cpu`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct VendorIndex {
    /// Normalized package names (globs).
    pub packages: Vec<String>,
    /// Local labels (globs) the index serves.
    pub labels: Vec<String>,
    /// The index URL; `{label}` is replaced by the label.
    pub url: String,
}

/// The bundled fix rules, parsed once.
pub fn fix_rules() -> &'static FixRules {
    static RULES: std::sync::OnceLock<FixRules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        toml::from_str(include_str!("fix_rules.toml")).expect("fix_rules.toml is valid (tested)")
    })
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

#[cfg(test)]
#[test]
fn fix_rules_parse() {
    let rules = fix_rules();
    assert!(rules.never_pin.contains(&"ray".to_string()));
    assert_eq!(
        rules.system_installers["debian"],
        "the system package manager (apt)"
    );
    assert!(rules.vendor_indexes[0].url.contains("{label}"));
    assert!(rules.ray_dependencies.contains(&"protobuf".to_string()));
}
