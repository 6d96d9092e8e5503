//! `to_python()`: the builder code that recreates a manifest.
//!
//! Secret values are written as `os.environ["NAME"]`, never as literals, so the code is
//! safe to paste into a script or a notebook; run where those variables are set, it
//! builds the same manifest (the checksum does not depend on secret values).

use serde_json::Value;

use super::model::{mask, mask_value, Manifest};
use crate::redact;
use crate::snapshot::model::EnvValue;

/// A Python literal for a JSON value (JSON string escapes are valid Python escapes).
fn py(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(items) => format!("[{}]", items.iter().map(py).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", py(&Value::String(k.clone())), py(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn py_str(s: &str) -> String {
    py(&Value::String(s.to_string()))
}

fn py_list(items: &[String]) -> String {
    if items.len() <= 1 {
        return format!(
            "[{}]",
            items
                .iter()
                .map(|s| py_str(s))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut out = String::from("[\n");
    for item in items {
        out.push_str(&format!("        {},\n", py_str(item)));
    }
    out.push_str("    ]");
    out
}

impl Manifest {
    /// Python source that rebuilds this manifest with `ManifestBuilder`. URL credentials
    /// are masked unless `reveal_values` (a comment then says so).
    pub fn to_python(&self, reveal_values: bool) -> String {
        let s = &self.spec;
        let show = |t: &str| {
            if reveal_values {
                t.to_string()
            } else {
                mask(t)
            }
        };
        let shows = |v: &[String]| v.iter().map(|t| show(t)).collect::<Vec<_>>();
        let mut calls: Vec<String> = Vec::new();
        let mut uses_os = false;
        let mut masked_something = false;

        if let Some(v) = &s.version {
            calls.push(format!(".version({})", py_str(v)));
        }
        if !s.pip.is_empty() {
            calls.push(format!(".pip({})", py_list(&shows(&s.pip))));
        }
        if let Some(p) = &s.requirements_path {
            calls.push(format!(".requirements_path({})", py_str(p)));
        }
        for url in &s.extra_index_urls {
            calls.push(format!(".add_extra_index_url({})", py_str(&show(url))));
        }
        if let Some(b) = s.pip_check {
            calls.push(format!(".pip_check({})", py(&Value::Bool(b))));
        }
        if let Some(v) = &s.pip_version {
            calls.push(format!(".pip_version({})", py_str(v)));
        }
        if let Some(c) = &s.conda {
            calls.push(format!(
                ".conda({})",
                py(&if reveal_values {
                    c.clone()
                } else {
                    mask_value(c)
                })
            ));
        }
        if let Some(p) = &s.conda_environment_path {
            calls.push(format!(".conda_environment_path({})", py_str(p)));
        }
        if !self.env.is_empty() {
            let mut entries = Vec::new();
            for (k, v) in &self.env {
                let literal = match v {
                    EnvValue::Plain(value)
                        if reveal_values
                            || (!redact::is_secret_key(k)
                                && redact::mask_credentials(value).is_none()) =>
                    {
                        py_str(value)
                    }
                    _ => {
                        uses_os = true;
                        format!("os.environ[{}]", py_str(k))
                    }
                };
                entries.push(format!("        {}: {},\n", py_str(k), literal));
            }
            calls.push(format!(".env({{\n{}    }})", entries.concat()));
        }
        if !s.env_from_local.is_empty() {
            calls.push(format!(".env_from_local({})", py_list(&s.env_from_local)));
        }
        if !s.py_modules.is_empty() {
            calls.push(format!(".py_modules({})", py_list(&shows(&s.py_modules))));
        }
        if let Some(d) = &s.working_dir {
            calls.push(format!(".working_dir({})", py_str(&show(d))));
        }
        if !s.excludes.is_empty() {
            calls.push(format!(".excludes({})", py_list(&s.excludes)));
        }
        if let Some(i) = &s.head_image {
            calls.push(format!(".head_image({})", py_str(i)));
        }
        if let Some(i) = &s.worker_image {
            calls.push(format!(".worker_image({})", py_str(i)));
        }
        if let Some(i) = &s.image_uri {
            calls.push(format!(".image_uri({})", py_str(i)));
        }
        if let Some(e) = &s.py_executable {
            calls.push(format!(".py_executable({})", py_str(&show(e))));
        }
        if s.installer == Some(super::model::Installer::Uv) {
            calls.push(".uv()".into());
        }
        for (method, value) in [
            ("upload_site_packages", s.upload_site_packages),
            ("delete_local_zips", s.delete_local_zips),
            ("eager_install", s.eager_install),
        ] {
            if let Some(b) = value {
                calls.push(format!(".{method}({})", py(&Value::Bool(b))));
            }
        }
        if let Some(d) = &s.local_zip_output_dir {
            calls.push(format!(".local_zip_output_dir({})", py_str(d)));
        }
        if let Some(t) = s.setup_timeout_seconds {
            calls.push(format!(".setup_timeout_seconds({t})"));
        }
        if s.allow_unpinned {
            calls.push(".allow_unpinned()".into());
        }
        if !reveal_values
            && calls
                .iter()
                .any(|c| c.contains(&format!("://{}@", redact::MASK)))
        {
            masked_something = true;
        }

        let mut out = String::new();
        if uses_os {
            out.push_str("import os\n\n");
        }
        out.push_str("from genevars import ManifestBuilder\n\n");
        for advice in &s.advice {
            out.push_str(&format!("# advice: {}\n", advice.replace('\n', " ")));
        }
        if masked_something {
            out.push_str("# URL credentials are masked (***): call to_python(reveal_values=True) to keep them.\n");
        }
        out.push_str(&format!(
            "manifest = (\n    ManifestBuilder.create({})\n",
            py_str(&s.name)
        ));
        for call in calls {
            out.push_str(&format!("    {call}\n"));
        }
        out.push_str("    .build()\n)\n");
        out
    }
}
