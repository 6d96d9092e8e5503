//! The Ray `runtime_env` a manifest stands for, and its pip requirements as a file.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::error::{ManifestError, Result};
use super::model::{mask, Installer, Manifest};
use crate::redact::MASK;
use crate::snapshot::model::EnvValue;

impl Manifest {
    /// The pip list Ray installs: extra index options first, then the requirements.
    pub fn pip_packages(&self) -> Vec<String> {
        let spec = &self.spec;
        spec.extra_index_urls
            .iter()
            .map(|u| format!("--extra-index-url {u}"))
            .chain(spec.pip.iter().cloned())
            .chain(spec.requirements.iter().cloned())
            .collect()
    }

    /// The conda environment, inline or as read from its file.
    pub fn conda_environment(&self) -> Option<&Value> {
        self.spec
            .conda
            .as_ref()
            .or(self.spec.conda_environment.as_ref())
    }

    /// The `pip` (or `uv`) field: a list, or a dict when the check or the installer's
    /// version is set (`pip_check`/`pip_version`, `uv_check`/`uv_version`).
    pub(crate) fn pip_field(&self, packages: Vec<String>) -> Option<Value> {
        if packages.is_empty() {
            return None;
        }
        let spec = &self.spec;
        if spec.pip_check.is_none() && spec.pip_version.is_none() {
            return Some(json!(packages));
        }
        let installer = self.installer().field();
        let mut pip = Map::new();
        pip.insert("packages".into(), json!(packages));
        if let Some(check) = spec.pip_check {
            pip.insert(format!("{installer}_check"), json!(check));
        }
        if let Some(v) = &spec.pip_version {
            pip.insert(format!("{installer}_version"), json!(v));
        }
        Some(Value::Object(pip))
    }

    pub fn installer(&self) -> Installer {
        self.spec.installer.unwrap_or_default()
    }

    pub(crate) fn config_field(&self) -> Option<Value> {
        let mut config = Map::new();
        if let Some(t) = self.spec.setup_timeout_seconds {
            config.insert("setup_timeout_seconds".into(), json!(t));
        }
        if let Some(e) = self.spec.eager_install {
            config.insert("eager_install".into(), json!(e));
        }
        (!config.is_empty()).then_some(Value::Object(config))
    }

    /// The runtime_env dict. `local` holds the values of the `env_from_local` names that
    /// are set in this process; a missing one is an error, never an empty value.
    pub fn runtime_env(&self, local: &BTreeMap<String, String>) -> Result<Value> {
        let spec = &self.spec;
        let mut env = Map::new();
        if let Some(pip) = self.pip_field(self.pip_packages()) {
            refuse_masked(&pip, "a pip entry")?;
            env.insert(self.installer().field().into(), pip);
        }
        if let Some(conda) = self.conda_environment() {
            refuse_masked(conda, "a conda entry")?;
            env.insert("conda".into(), conda.clone());
        }
        let mut vars = Map::new();
        for (name, value) in &self.env {
            match value {
                EnvValue::Plain(v) => vars.insert(name.clone(), json!(v)),
                EnvValue::Withheld(_) => {
                    return Err(ManifestError::WithheldEnv { name: name.clone() })
                }
            };
        }
        for name in &spec.env_from_local {
            let value = local
                .get(name)
                .ok_or_else(|| ManifestError::MissingLocalEnv { name: name.clone() })?;
            vars.insert(name.clone(), json!(value));
        }
        if !vars.is_empty() {
            env.insert("env_vars".into(), Value::Object(vars));
        }
        if !spec.py_modules.is_empty() {
            let modules = json!(spec.py_modules);
            refuse_masked(&modules, "a py_modules entry")?;
            env.insert("py_modules".into(), modules);
        }
        if let Some(dir) = &spec.working_dir {
            refuse_masked(&json!(dir), "working_dir")?;
            env.insert("working_dir".into(), json!(dir));
        }
        if !spec.excludes.is_empty() {
            env.insert("excludes".into(), json!(spec.excludes));
        }
        if let Some(image) = &spec.image_uri {
            env.insert("image_uri".into(), json!(image));
        }
        if let Some(executable) = &spec.py_executable {
            env.insert("py_executable".into(), json!(executable));
        }
        if let Some(config) = self.config_field() {
            env.insert("config".into(), config);
        }
        Ok(Value::Object(env))
    }

    /// The pip requirements as a requirements.txt (the conda environment's pip list for a
    /// conda manifest). URL credentials are masked unless `reveal_values`.
    pub fn to_requirements_txt(&self, reveal_values: bool) -> String {
        let mut lines = self.pip_packages();
        if lines.is_empty() {
            if let Some(conda) = self.conda_environment() {
                lines = conda_pip_entries(conda);
            }
        }
        let mut out = String::new();
        for line in lines {
            out.push_str(&if reveal_values { line } else { mask(&line) });
            out.push('\n');
        }
        out
    }
}

fn conda_pip_entries(conda: &Value) -> Vec<String> {
    conda["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("pip").and_then(Value::as_array))
        .flatten()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

/// A manifest loaded from masked JSON has `***` where credentials were: refuse to hand
/// that to Ray, which would fail far from here.
fn refuse_masked(value: &Value, what: &str) -> Result<()> {
    let text = value.to_string();
    if text.contains(&format!("://{MASK}@")) || text.contains(&format!("={MASK}")) {
        return Err(ManifestError::InvalidValue {
            field: what.to_string(),
            problem: "had its URL credentials masked when the manifest was saved; save it with reveal_values=True".into(),
        });
    }
    Ok(())
}
