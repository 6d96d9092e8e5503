//! Conda environments, inline (`.conda({...})`) or from an `environment.yml`: the file
//! exists, parses as YAML, and has a list of dependencies.

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::{ScanError, Yaml, YamlLoader};

use super::error::{ManifestError, Result};
use super::requirements_file::{decode, read_file};

const WHAT: &str = "conda environment file";

/// Reads an environment file into the same shape as an inline `.conda({...})` dict.
pub fn read_conda_file(path: &str) -> Result<Value> {
    let bytes = read_file(crate::input::InputKind::Conda, path)?;
    let text = decode(WHAT, path, &bytes)?;
    let yaml_error = |e: ScanError| ManifestError::CondaYaml {
        path: path.to_string(),
        message: e.info().to_string(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
    };
    check_size(&text, path)?.map_err(yaml_error)?;
    let docs = YamlLoader::load_from_str(&text).map_err(yaml_error)?;
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

/// The most YAML nodes a conda file may hold once its aliases are expanded. A real
/// environment file has a few hundred; a "billion laughs" file of 300 bytes expands to
/// billions, which the loader would build in memory.
pub const MAX_CONDA_NODES: u64 = 100_000;
/// Walks the file's YAML events once, counting the nodes the loader would build with every
/// alias expanded, and refuses a file over [`MAX_CONDA_NODES`] before anything is built
/// (nesting is bounded by yaml-rust2's own recursion limit). The outer error is the limit, the inner
/// one the YAML's own.
fn check_size(text: &str, path: &str) -> Result<std::result::Result<(), ScanError>> {
    // Expanded size of each anchored node, by anchor id.
    let mut anchored: Vec<u64> = Vec::new();
    // Open collections: (anchor id, nodes so far, itself included).
    let mut open: Vec<(usize, u64)> = Vec::new();
    let mut total: u64 = 0;
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, _) = match parser.next_token() {
            Ok(next) => next,
            Err(e) => return Ok(Err(e)),
        };
        // A finished node: its anchor id and expanded size.
        let done = match event {
            Event::StreamEnd => return Ok(Ok(())),
            Event::Scalar(_, _, anchor, _) => Some((anchor, 1)),
            Event::Alias(id) => Some((0, anchored.get(id).copied().unwrap_or(1))),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, 1));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => open.pop(),
            _ => None,
        };
        let Some((anchor, size)) = done else {
            continue;
        };
        if anchor > 0 {
            if anchored.len() <= anchor {
                anchored.resize(anchor + 1, 1);
            }
            anchored[anchor] = size;
        }
        match open.last_mut() {
            Some((_, parent)) => *parent = parent.saturating_add(size),
            None => total = total.saturating_add(size),
        }
        let pending: u64 = open
            .iter()
            .map(|(_, n)| *n)
            .fold(total, u64::saturating_add);
        if pending > MAX_CONDA_NODES {
            return Err(ManifestError::OverLimit {
                input: format!("{WHAT} '{path}'"),
                problem: "its aliases expand it to more YAML nodes".into(),
                limit: format!("{MAX_CONDA_NODES} nodes"),
            });
        }
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

    /// Nine levels of ten aliases each: 10^9 nodes once expanded, from 300 bytes. Refused
    /// by counting, before the loader builds anything (it would take gigabytes).
    #[test]
    fn refuses_alias_expansion_beyond_the_limit() {
        let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
            let refs = vec![format!("*{prev}"); 10].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        text.push_str("dependencies: *i\n");
        let f = file(&text);
        let path = f.path().to_str().unwrap();
        let started = std::time::Instant::now();
        let msg = read_conda_file(path).unwrap_err().to_string();
        assert!(
            started.elapsed().as_secs() < 5,
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(
            msg,
            format!("conda environment file '{path}' is refused: its aliases expand it to more YAML nodes, over the limit of 100000 nodes; real ones stay far below it")
        );
        // A few aliases, as a real file might use, are fine.
        let f = file("base: &py python=3.11\ndependencies: [*py, *py, numpy]\n");
        let env = read_conda_file(f.path().to_str().unwrap()).unwrap();
        assert_eq!(env["dependencies"][1], "python=3.11");
    }

    #[test]
    fn refuses_nesting_beyond_the_limit() {
        let f = file(&format!(
            "dependencies: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ));
        let msg = read_conda_file(f.path().to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("is not valid YAML: recursion limit exceeded"),
            "{msg}"
        );
        let f = file(&format!(
            "dependencies: {}x{}\n",
            "[".repeat(60),
            "]".repeat(60)
        ));
        assert!(read_conda_file(f.path().to_str().unwrap()).is_ok());
    }
}
