//! `build()`: every check a manifest passes before it exists. Errors name the entry and
//! say what to do; unpinned requirements are returned for the caller to warn about.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::conda::{check_conda, read_conda_file};
use super::error::{ManifestError, Result};
use super::image::check_image;
use super::model::{Installer, Manifest, ManifestSpec, MANIFEST_SCHEMA};
use super::requirement::{is_url, masked, parse_line, NamedRequirement, PipLine};
use super::requirements_file::read_requirements_file;
use crate::snapshot::model::{EnvValue, WithheldValue};

/// Validates a spec. With `read_files`, the requirements and conda files are read now
/// (a builder); without, the contents stored in the spec are used (a loaded manifest).
/// Returns the manifest and its unpinned requirements (masked), in order.
pub fn build(mut spec: ManifestSpec, read_files: bool) -> Result<(Manifest, Vec<String>)> {
    if spec.schema != MANIFEST_SCHEMA {
        return Err(ManifestError::Schema {
            found: spec.schema.clone(),
        });
    }
    if spec.name.trim().is_empty() {
        return Err(invalid(
            "name",
            "is empty; give the manifest a name, e.g. ManifestBuilder.create(\"fix\")",
        ));
    }
    check_exclusive(&spec)?;

    // Line numbers of the requirements file, for errors (a loaded manifest has none).
    let mut line_numbers: Vec<usize> = Vec::new();
    if read_files {
        if let Some(path) = &spec.requirements_path {
            let lines = read_requirements_file(path)?;
            line_numbers = lines.iter().map(|(n, _)| *n).collect();
            spec.requirements = lines.into_iter().map(|(_, line)| line).collect();
            if spec.requirements.is_empty() {
                return Err(invalid(
                    &format!("requirements file '{path}'"),
                    "lists no requirements; add some or drop .requirements_path()",
                ));
            }
        }
        if let Some(path) = &spec.conda_environment_path {
            spec.conda_environment = Some(read_conda_file(path)?);
        }
    }

    // Every pip line, with where it came from.
    let mut lines: Vec<(String, String)> = Vec::new();
    for url in &spec.extra_index_urls {
        lines.push((
            format!("--extra-index-url {url}"),
            format!("extra index url '{}'", masked(url)),
        ));
    }
    for (i, entry) in spec.pip.iter().enumerate() {
        lines.push((entry.clone(), format!("pip entry {}", i + 1)));
    }
    if let Some(path) = &spec.requirements_path {
        for (i, line) in spec.requirements.iter().enumerate() {
            let place = match line_numbers.get(i) {
                Some(n) => format!("requirements file '{path}' line {n}"),
                None => format!("requirements file '{path}' entry {}", i + 1),
            };
            lines.push((line.clone(), place));
        }
    }
    if let Some(conda) = &spec.conda {
        lines.extend(check_conda(conda, "dict")?);
    }
    if let (Some(env), Some(path)) = (&spec.conda_environment, &spec.conda_environment_path) {
        lines.extend(check_conda(env, &format!("file '{path}'"))?);
    }

    let mut named: Vec<(NamedRequirement, String)> = Vec::new();
    for (text, place) in &lines {
        if let PipLine::Named(req) = parse_line(text, place)? {
            named.push((*req, place.clone()));
        }
    }
    check_pins(&named)?;
    let unpinned = named
        .iter()
        .filter(|(r, _)| !r.is_pinned())
        .map(|(r, _)| masked(&r.spec))
        .collect();

    if let Some(v) = &spec.pip_version {
        spec.pip_version = Some(normalize_pip_version(v)?);
    }
    let env = check_env(&spec)?;
    check_uploads(&spec, read_files)?;
    if let Some(image) = &spec.head_image {
        check_image("head_image", image)?;
    }
    if let Some(image) = &spec.image_uri {
        check_image("image_uri", image)?;
    }
    if let Some(image) = &spec.worker_image {
        check_image("worker_image", image)?;
    }
    if let Some(t) = spec.setup_timeout_seconds {
        if t <= 0 && t != -1 {
            return Err(invalid(
                "setup_timeout_seconds",
                &format!("is {t}; give a number of seconds > 0, or -1 for no timeout"),
            ));
        }
    }
    spec.checksum = None;
    Ok((Manifest { spec, env }, unpinned))
}

fn invalid(field: &str, problem: &str) -> ManifestError {
    ManifestError::InvalidValue {
        field: field.to_string(),
        problem: problem.to_string(),
    }
}

/// Ray treats pip and conda as exclusive, and a list and a file of the same kind too.
fn check_exclusive(spec: &ManifestSpec) -> Result<()> {
    let has_pip = !spec.pip.is_empty();
    let has_file = spec.requirements_path.is_some();
    let has_conda = spec.conda.is_some();
    let has_conda_file = spec.conda_environment_path.is_some();
    let exclusive = |first, second, why| Err(ManifestError::Exclusive { first, second, why });
    if has_pip && has_file {
        return exclusive(
            ".pip()",
            ".requirements_path()",
            "both set the pip requirements",
        );
    }
    if has_conda && has_conda_file {
        return exclusive(
            ".conda()",
            ".conda_environment_path()",
            "both set the conda environment",
        );
    }
    if (has_pip || has_file) && (has_conda || has_conda_file) {
        return exclusive(
            if has_pip { ".pip()" } else { ".requirements_path()" },
            if has_conda { ".conda()" } else { ".conda_environment_path()" },
            "Ray runs pip or conda, not both; put pip packages under the conda environment's 'pip:' list",
        );
    }
    if spec.installer == Some(Installer::Uv) && (has_conda || has_conda_file) {
        return exclusive(
            ".uv()",
            if has_conda { ".conda()" } else { ".conda_environment_path()" },
            "Ray installs with uv or conda, not both",
        );
    }
    if spec.image_uri.is_some() {
        // Ray runs an image_uri job with only its env_vars and config.
        let others = [
            (has_pip || has_file, ".pip() / .requirements_path()"),
            (has_conda || has_conda_file, ".conda()"),
            (!spec.py_modules.is_empty(), ".py_modules()"),
            (spec.working_dir.is_some(), ".working_dir()"),
            (spec.py_executable.is_some(), ".py_executable()"),
            (spec.upload_site_packages == Some(true), "create_site()"),
        ];
        if let Some((_, other)) = others.iter().find(|(set, _)| *set) {
            return exclusive(
                ".image_uri()",
                other,
                "Ray runs an image_uri job with only env vars and config; build what you need into the image",
            );
        }
    }
    if let Some(executable) = &spec.py_executable {
        if executable.trim().is_empty() {
            return Err(invalid(".py_executable()", "is empty; give a path or command, e.g. '/opt/venv/bin/python'"));
        }
    }
    let pip_options =
        !spec.extra_index_urls.is_empty() || spec.pip_check.is_some() || spec.pip_version.is_some();
    if pip_options && !(has_pip || has_file) {
        return Err(invalid(
            "pip options (.add_extra_index_url / .pip_check / .pip_version)",
            "need pip packages; add .pip([...]) or .requirements_path(...), or drop them",
        ));
    }
    Ok(())
}

/// The same package pinned to two versions, or a pin that another entry excludes.
/// Entries under different markers may pin differently (one per platform).
fn check_pins(named: &[(NamedRequirement, String)]) -> Result<()> {
    let mut groups: BTreeMap<(String, String), Vec<&(NamedRequirement, String)>> = BTreeMap::new();
    for item in named {
        let marker = item
            .0
            .requirement
            .marker
            .try_to_string()
            .unwrap_or_default();
        groups
            .entry((item.0.name.to_string(), marker))
            .or_default()
            .push(item);
    }
    for ((name, _), entries) in groups {
        // Only the first pin need be checked against the others: when it agrees with all
        // of them, every later pin equals it and agrees too. One pass per name, so a file
        // repeating one pin many times is linear.
        let first_pin = entries
            .iter()
            .enumerate()
            .find_map(|(i, (a, a_place))| a.pinned_version().map(|pin| (i, a, a_place, pin)));
        if let Some((i, a, a_place, pin)) = first_pin {
            for (j, (b, b_place)) in entries.iter().map(|e| (&e.0, &e.1)).enumerate() {
                let conflict = match (&b.pinned_version(), &b.requirement.version_or_url) {
                    (Some(other), _) if i < j && *other != pin => ManifestError::PinnedTwice {
                        name: name.clone(),
                        first: masked(&a.spec),
                        first_place: a_place.clone(),
                        second: masked(&b.spec),
                        second_place: b_place.clone(),
                    },
                    (None, Some(pep508_rs::VersionOrUrl::VersionSpecifier(specs)))
                        if !specs.contains(&pin) =>
                    {
                        ManifestError::PinConflict {
                            name: name.clone(),
                            pin: masked(&a.spec),
                            pin_place: a_place.clone(),
                            other: masked(&b.spec),
                            other_place: b_place.clone(),
                        }
                    }
                    _ => continue,
                };
                return Err(conflict);
            }
        }
    }
    Ok(())
}

/// `23.1`, `==23.1`, `pip==23.1`, `>=23;python_version>'3.8'` → the part after `pip`.
fn normalize_pip_version(raw: &str) -> Result<String> {
    let mut v = raw.trim();
    if let Some(rest) = v.strip_prefix("pip") {
        v = rest.trim_start();
    }
    let v = if v.starts_with(|c: char| c.is_ascii_digit()) {
        format!("=={v}")
    } else {
        v.to_string()
    };
    let requirement = format!("pip{v}");
    match parse_line(&requirement, "pip_version") {
        Ok(PipLine::Named(r))
            if matches!(
                r.requirement.version_or_url,
                Some(pep508_rs::VersionOrUrl::VersionSpecifier(_))
            ) =>
        {
            Ok(v)
        }
        Ok(_) => Err(invalid(
            "pip_version",
            &format!("'{raw}' is not a version specifier; write e.g. '==23.3.1'"),
        )),
        Err(ManifestError::InvalidRequirement { message, .. }) => Err(invalid(
            "pip_version",
            &format!("'{raw}' is not a version specifier ({message}); write e.g. '==23.3.1'"),
        )),
        Err(e) => Err(e),
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_env(spec: &ManifestSpec) -> Result<BTreeMap<String, EnvValue>> {
    let mut env = BTreeMap::new();
    for (name, value) in &spec.env_vars {
        if !is_identifier(name) {
            return Err(ManifestError::InvalidEnvName { name: name.clone() });
        }
        let parsed = match value {
            Value::String(s) => EnvValue::Plain(s.clone()),
            Value::Object(_) => match serde_json::from_value::<WithheldValue>(value.clone()) {
                Ok(w) => EnvValue::Withheld(w),
                Err(_) => {
                    return Err(ManifestError::EnvValueNotString {
                        name: name.clone(),
                        kind: "an object",
                    })
                }
            },
            other => {
                let kind = match other {
                    Value::Null => "None",
                    Value::Bool(_) => "a bool",
                    Value::Number(_) => "a number",
                    _ => "a list",
                };
                return Err(ManifestError::EnvValueNotString {
                    name: name.clone(),
                    kind,
                });
            }
        };
        env.insert(name.clone(), parsed);
    }
    for name in &spec.env_from_local {
        if !is_identifier(name) {
            return Err(ManifestError::InvalidEnvName { name: name.clone() });
        }
        if env.contains_key(name) {
            return Err(ManifestError::EnvGivenTwice { name: name.clone() });
        }
    }
    Ok(env)
}

/// working_dir and py_modules: local paths must exist when built; excludes need one of them.
fn check_uploads(spec: &ManifestSpec, read_files: bool) -> Result<()> {
    if !spec.excludes.is_empty() && spec.working_dir.is_none() && spec.py_modules.is_empty() {
        return Err(invalid("excludes", "apply only to what .working_dir() or .py_modules() upload; set one of them or drop .excludes()"));
    }
    for (i, pattern) in spec.excludes.iter().enumerate() {
        if pattern.trim().is_empty() {
            return Err(invalid(
                &format!("excludes entry {}", i + 1),
                "is empty; remove it",
            ));
        }
    }
    let mut targets: Vec<(String, &String, bool)> = spec
        .py_modules
        .iter()
        .enumerate()
        .map(|(i, m)| (format!("py_modules entry {}", i + 1), m, false))
        .collect();
    if let Some(dir) = &spec.working_dir {
        targets.push(("working_dir".to_string(), dir, true));
    }
    for (field, target, is_working_dir) in targets {
        if target.trim().is_empty() {
            return Err(invalid(&field, "is empty; give a directory or a URI"));
        }
        if !read_files || is_url(target) {
            continue;
        }
        let path = Path::new(target.as_str());
        let archive = if is_working_dir { ".zip" } else { ".whl" };
        if !path.exists() {
            return Err(invalid(&field, &format!("'{target}' does not exist; give an existing directory, a {archive} file or a remote URI")));
        }
        let ok = path.is_dir() || target.ends_with(archive) || target.ends_with(".zip");
        if !ok {
            return Err(invalid(&field, &format!("'{target}' is a file; Ray uploads a directory, a {archive} file or a remote URI (single-file modules go in .working_dir())")));
        }
    }
    Ok(())
}

impl Manifest {
    /// Loads manifest JSON. Files are not read again: what was read at build time is used.
    pub fn from_json(json: &str) -> Result<Manifest> {
        super::check_json_size(json)?;
        let value: Value = serde_json::from_str(json).map_err(|e| ManifestError::Json {
            message: e.to_string(),
        })?;
        if let Some(found) = value.get("schema").and_then(Value::as_str) {
            if found != MANIFEST_SCHEMA {
                return Err(ManifestError::Schema {
                    found: found.to_string(),
                });
            }
        }
        let spec: ManifestSpec =
            serde_json::from_value(value).map_err(|e| ManifestError::Json {
                message: e.to_string(),
            })?;
        Ok(build(spec, false)?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> ManifestSpec {
        serde_json::from_str(json).unwrap()
    }

    fn err(json: &str) -> String {
        build(spec(json), true).unwrap_err().to_string()
    }

    #[test]
    fn exclusive_combinations() {
        assert!(
            err(r#"{"name":"m","pip":["a==1"],"requirements_path":"r.txt"}"#)
                .contains(".pip() and .requirements_path() cannot be combined")
        );
        assert!(
            err(r#"{"name":"m","pip":["a==1"],"conda":{"dependencies":["x"]}}"#)
                .contains(".pip() and .conda() cannot be combined")
        );
        assert!(err(
            r#"{"name":"m","conda":{"dependencies":["x"]},"conda_environment_path":"e.yml"}"#
        )
        .contains(".conda() and .conda_environment_path()"));
        assert!(err(r#"{"name":"m","pip_check":true}"#).contains("need pip packages"));
    }

    #[test]
    fn pins() {
        let msg = err(r#"{"name":"m","pip":["numpy==1.26.4","pandas","NumPy==2.0.0"]}"#);
        assert_eq!(msg, "package 'numpy' is pinned twice: 'numpy==1.26.4' (pip entry 1) and 'NumPy==2.0.0' (pip entry 3); keep one pin");
        assert!(err(r#"{"name":"m","pip":["numpy>=2","numpy==1.26.4"]}"#)
            .contains("does not satisfy 'numpy>=2'"));
        // Different markers may pin differently.
        build(spec(r#"{"name":"m","pip":["numpy==1.26.4; python_version<'3.12'","numpy==2.0.0; python_version>='3.12'"]}"#), true).unwrap();
        let (_, unpinned) = build(
            spec(r#"{"name":"m","pip":["numpy==1.26.4","pandas>=2","requests"]}"#),
            true,
        )
        .unwrap();
        assert_eq!(unpinned, vec!["pandas>=2", "requests"]);
    }

    #[test]
    fn env_and_values() {
        assert!(err(r#"{"name":"m","env_vars":{"1BAD":"x"}}"#).contains("'1BAD' is not valid"));
        assert!(err(r#"{"name":"m","env_vars":{"A":1}}"#)
            .contains("'A': the value must be a string, got a number"));
        assert!(
            err(r#"{"name":"m","env_vars":{"A":"1"},"env_from_local":["A"]}"#)
                .contains("both a value")
        );
        assert!(err(r#"{"name":"m","env_from_local":["A-B"]}"#).contains("'A-B' is not valid"));
        assert!(
            err(r#"{"name":"m","setup_timeout_seconds":0}"#).contains("setup_timeout_seconds is 0")
        );
        assert!(err(r#"{"name":"m","excludes":["*.log"]}"#).contains("excludes apply only"));
        assert!(err(r#"{"name":"m","working_dir":"/nonexistent/dir"}"#)
            .contains("working_dir '/nonexistent/dir' does not exist"));
        assert!(err(r#"{"name":"m","worker_image":"https://x/y"}"#)
            .starts_with("worker_image 'https://x/y' is not an image reference"));
    }

    #[test]
    fn pip_version_forms() {
        assert_eq!(normalize_pip_version("23.1").unwrap(), "==23.1");
        assert_eq!(normalize_pip_version("pip==23.1").unwrap(), "==23.1");
        assert_eq!(
            normalize_pip_version("==22.0.2;python_version=='3.8.11'").unwrap(),
            "==22.0.2;python_version=='3.8.11'"
        );
        assert!(normalize_pip_version("latest")
            .unwrap_err()
            .to_string()
            .starts_with("pip_version 'latest' is not a version specifier"));
    }
}
