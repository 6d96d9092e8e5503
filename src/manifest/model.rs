//! The manifest data model: what a builder collects (`ManifestSpec`, the JSON form) and
//! what `build()` returns (`Manifest`, validated and immutable).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::redact;
use crate::snapshot::model::{EnvValue, WithheldValue};

/// The schema tag of manifest JSON.
pub const MANIFEST_SCHEMA: &str = "genevars.manifest/1";

fn schema() -> String {
    MANIFEST_SCHEMA.to_string()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Everything a builder sets. Also the JSON form of a manifest (`to_json`), where the
/// files it read are kept as read (`requirements`, `conda_environment`), so a saved
/// manifest is complete on a machine without those files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSpec {
    #[serde(default = "schema")]
    pub schema: String,
    pub name: String,
    /// Written for the reader by `to_json`; recomputed, never trusted, on load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pip: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements_path: Option<String>,
    /// The logical lines of `requirements_path`, as read at build time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_index_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pip_check: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pip_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conda: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conda_environment_path: Option<String>,
    /// The contents of `conda_environment_path`, as read at build time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conda_environment: Option<Value>,
    /// Values are strings, or withheld objects (snapshot contract) in masked JSON.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env_vars: BTreeMap<String, Value>,
    /// Names whose values are read from the local environment when the runtime_env is made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_from_local: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub py_modules: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_site_packages: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_local_zips: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_zip_output_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_timeout_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eager_install: Option<bool>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_unpinned: bool,
    /// Which installer Ray runs for the packages (`pip` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installer: Option<Installer>,
    /// A container image per job (Ray's `image_uri`, where the cluster supports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_uri: Option<String>,
    /// The Python executable (or command) Ray starts the workers with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub py_executable: Option<String>,
    /// What a fix could not pin (editable or local installs...), as advice for a person.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<String>,
}

/// The installer Ray runs for a manifest's packages: the runtime_env field they go in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Installer {
    #[default]
    Pip,
    /// Ray's `uv` field: the same requirements, installed by uv (much faster than pip).
    Uv,
}

impl Installer {
    /// The runtime_env key, and the prefix of its options (`pip_check` / `uv_check`).
    pub fn field(self) -> &'static str {
        match self {
            Installer::Pip => "pip",
            Installer::Uv => "uv",
        }
    }
}

/// A validated manifest. Immutable: built only by [`super::build`] / [`Manifest::from_json`].
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub(crate) spec: ManifestSpec,
    pub(crate) env: BTreeMap<String, EnvValue>,
}

impl Manifest {
    pub fn spec(&self) -> &ManifestSpec {
        &self.spec
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Environment variables as stored (plain or withheld).
    pub fn env(&self) -> &BTreeMap<String, EnvValue> {
        &self.env
    }

    /// The JSON form. Unless `reveal_values`, secret values are withheld and URL
    /// credentials masked, as in snapshots.
    pub fn to_json(&self, reveal_values: bool) -> String {
        let mut spec = if reveal_values {
            self.spec.clone()
        } else {
            self.masked_spec()
        };
        spec.env_vars = self
            .env
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    env_value_json(&if reveal_values {
                        v.clone()
                    } else {
                        mask_env(k, v)
                    }),
                )
            })
            .collect();
        spec.checksum = Some(self.checksum());
        serde_json::to_string(&spec).expect("a manifest serializes")
    }

    /// The spec with URL credentials masked in every string but env values.
    pub(crate) fn masked_spec(&self) -> ManifestSpec {
        let mut spec = self.spec.clone();
        let mask_all = |v: &mut Vec<String>| v.iter_mut().for_each(|s| *s = mask(s));
        mask_all(&mut spec.pip);
        mask_all(&mut spec.requirements);
        mask_all(&mut spec.extra_index_urls);
        mask_all(&mut spec.py_modules);
        spec.working_dir = spec.working_dir.as_deref().map(mask);
        spec.conda = spec.conda.as_ref().map(mask_value);
        spec.conda_environment = spec.conda_environment.as_ref().map(mask_value);
        spec
    }
}

pub(crate) fn mask(text: &str) -> String {
    redact::mask_credentials(text).unwrap_or_else(|| text.to_string())
}

pub(crate) fn mask_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(mask(s)),
        Value::Array(a) => Value::Array(a.iter().map(mask_value).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), mask_value(v))).collect())
        }
        other => other.clone(),
    }
}

/// A value as it may be shown: secret keys withheld, URL credentials masked.
pub(crate) fn mask_env(key: &str, value: &EnvValue) -> EnvValue {
    match value {
        EnvValue::Plain(_) if redact::is_secret_key(key) => EnvValue::Withheld(WithheldValue {
            withheld: "secret".into(),
            fingerprint: None,
            display: None,
        }),
        EnvValue::Plain(v) => match redact::mask_credentials(v) {
            Some(display) => EnvValue::Withheld(WithheldValue {
                withheld: "url-credentials".into(),
                fingerprint: None,
                display: Some(display),
            }),
            None => value.clone(),
        },
        withheld => withheld.clone(),
    }
}

pub(crate) fn env_value_json(v: &EnvValue) -> Value {
    serde_json::to_value(v).expect("an env value serializes")
}
