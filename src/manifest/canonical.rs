//! The canonical JSON of a manifest and its checksum.
//!
//! Canonical: keys sorted, no whitespace, only what shapes the workers' environment
//! (not the name, version, advice, local zip settings or the paths files were read
//! from — their contents count). Fields left unset are absent, so adding a field later
//! does not change existing checksums. Secret values enter only as withheld and URL
//! credentials only masked: a published checksum must not let anyone test guesses of a
//! secret, so rotating a key keeps the checksum.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::model::{mask, mask_env, mask_value, Manifest, MANIFEST_SCHEMA};
use crate::snapshot::model::EnvValue;

impl Manifest {
    pub fn canonical_value(&self) -> Value {
        let spec = &self.spec;
        let mut c = Map::new();
        c.insert("schema".into(), json!(MANIFEST_SCHEMA));
        let packages: Vec<String> = self.pip_packages().iter().map(|p| mask(p)).collect();
        if let Some(pip) = self.pip_field(packages) {
            c.insert(self.installer().field().into(), pip);
        }
        if let Some(conda) = self.conda_environment() {
            c.insert("conda".into(), mask_value(conda));
        }
        if !self.env.is_empty() {
            let vars: Map<String, Value> = self
                .env
                .iter()
                .map(|(k, v)| {
                    let shown = match mask_env(k, v) {
                        EnvValue::Plain(p) => json!(p),
                        withheld => json!(withheld.display()),
                    };
                    (k.clone(), shown)
                })
                .collect();
            c.insert("env_vars".into(), Value::Object(vars));
        }
        if !spec.env_from_local.is_empty() {
            let mut names = spec.env_from_local.clone();
            names.sort();
            names.dedup();
            c.insert("env_from_local".into(), json!(names));
        }
        if !spec.py_modules.is_empty() {
            c.insert(
                "py_modules".into(),
                json!(spec.py_modules.iter().map(|m| mask(m)).collect::<Vec<_>>()),
            );
        }
        if let Some(dir) = &spec.working_dir {
            c.insert("working_dir".into(), json!(mask(dir)));
        }
        if !spec.excludes.is_empty() {
            c.insert("excludes".into(), json!(spec.excludes));
        }
        for (key, image) in [
            ("head_image", &spec.head_image),
            ("worker_image", &spec.worker_image),
            ("image_uri", &spec.image_uri),
        ] {
            if let Some(image) = image {
                c.insert(key.into(), json!(image));
            }
        }
        if let Some(executable) = &spec.py_executable {
            c.insert("py_executable".into(), json!(mask(executable)));
        }
        if spec.upload_site_packages == Some(true) {
            c.insert("upload_site_packages".into(), json!(true));
        }
        if let Some(config) = self.config_field() {
            c.insert("config".into(), config);
        }
        Value::Object(c)
    }

    /// Sorted keys, no whitespace.
    pub fn canonical_json(&self) -> String {
        let mut out = String::new();
        write_canonical(&self.canonical_value(), &mut out);
        out
    }

    /// Lowercase hex sha256 of [`Manifest::canonical_json`].
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_json().as_bytes()))
    }
}

/// Writes JSON with object keys sorted at every level, whatever the map's own order.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
