//! Conda environments, inline (`.conda({...})`) or from an `environment.yml`: the file
//! exists, parses as YAML, and has a list of dependencies.

use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

use super::error::{ManifestError, Result};
use super::requirements_file::{decode, read_file};

const WHAT: &str = "conda environment file";

/// Reads an environment file into the same shape as an inline `.conda({...})` dict.
pub fn read_conda_file(path: &str) -> Result<Value> {
    let bytes = read_file(crate::input::InputKind::Conda, path)?;
    let text = decode(WHAT, path, &bytes)?;
    let docs = YamlLoader::load_from_str(&text).map_err(|e| ManifestError::CondaYaml {
        path: path.to_string(),
        message: e.info().to_string(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
    })?;
    let place = || format!("file '{path}'");
    match docs.as_slice() {
        [doc] => yaml_to_json(doc).ok_or_else(|| ManifestError::CondaInvalid {
            place: place(),
            problem: "uses YAML features a conda file does not (aliases or non-string keys); write plain mappings and lists".into(),
        }),
        [] => Err(ManifestError::CondaInvalid { place: place(), problem: "is empty; list the packages under 'dependencies:'".into() }),
        _ => Err(ManifestError::CondaInvalid { place: place(), problem: "holds several YAML documents; keep one".into() }),
    }
}

/// Checks the shape Ray needs and returns the pip entries nested in it (with their places).
pub fn check_conda(env: &Value, place: &str) -> Result<Vec<(String, String)>> {
    let bad = |problem: String| ManifestError::CondaInvalid {
        place: place.to_string(),
        problem,
    };
    let Value::Object(map) = env else {
        return Err(bad("must be a mapping with a 'dependencies' list".into()));
    };
    let deps = match map.get("dependencies") {
        Some(Value::Array(deps)) if !deps.is_empty() => deps,
        Some(Value::Array(_)) | Some(Value::Null) | None => {
            return Err(bad(
                "has no dependencies; list the packages under 'dependencies:'".into(),
            ))
        }
        Some(_) => return Err(bad("'dependencies' must be a list".into())),
    };
    if let Some(channels) = map.get("channels") {
        if !matches!(channels, Value::Array(c) if c.iter().all(Value::is_string)) {
            return Err(bad("'channels' must be a list of channel names".into()));
        }
    }
    let mut pip = Vec::new();
    for (i, dep) in deps.iter().enumerate() {
        match dep {
            Value::String(s) if !s.trim().is_empty() => {}
            Value::Object(m) if m.len() == 1 && m.contains_key("pip") => {
                let Some(Value::Array(entries)) = m.get("pip") else {
                    return Err(bad(format!(
                        "dependency {}: 'pip' must be a list of requirements",
                        i + 1
                    )));
                };
                for (j, e) in entries.iter().enumerate() {
                    let Value::String(s) = e else {
                        return Err(bad(format!(
                            "dependency {}: pip entry {} must be a string",
                            i + 1,
                            j + 1
                        )));
                    };
                    pip.push((
                        s.clone(),
                        format!("conda environment {place}, pip entry {}", j + 1),
                    ));
                }
            }
            _ => {
                return Err(bad(format!(
                "dependency {} must be a package spec like 'numpy=1.26' or a {{pip: [...]}} list",
                i + 1
            )))
            }
        }
    }
    Ok(pip)
}

fn yaml_to_json(y: &Yaml) -> Option<Value> {
    Some(match y {
        Yaml::String(s) => Value::String(s.clone()),
        // Versions like `3.10` arrive as reals: keep the text as written.
        Yaml::Real(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::Number(Number::from(*i)),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Null => Value::Null,
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect::<Option<_>>()?),
        Yaml::Hash(h) => {
            let mut m = Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    _ => return None,
                };
                m.insert(key, yaml_to_json(v)?);
            }
            Value::Object(m)
        }
        Yaml::Alias(_) | Yaml::BadValue => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_environment_file() {
        let f = file("name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - numpy=1.26\n  - pip\n  - pip:\n    - requests==2.31.0\n");
        let env = read_conda_file(f.path().to_str().unwrap()).unwrap();
        assert_eq!(env["dependencies"][0], "python=3.10");
        let pip = check_conda(&env, "file").unwrap();
        assert_eq!(pip[0].0, "requests==2.31.0");
    }

    #[test]
    fn refuses_bad_files() {
        let f = file("dependencies: [a\n");
        let msg = read_conda_file(f.path().to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("is not valid YAML"), "{msg}");
        let f = file("name: x\n");
        let env = read_conda_file(f.path().to_str().unwrap()).unwrap();
        assert!(check_conda(&env, "file 'e.yml'")
            .unwrap_err()
            .to_string()
            .contains("has no dependencies"));
        assert!(read_conda_file("/nonexistent/environment.yml")
            .unwrap_err()
            .to_string()
            .contains("does not exist"));
    }
}
