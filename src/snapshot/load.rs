//! Reading and writing snapshot JSON.
//!
//! Loading validates before it trusts: malformed JSON, a missing field or an unknown
//! major schema each give one line naming the source and the problem.

use std::collections::BTreeMap;

use thiserror::Error;

use super::model::{EnvValue, Package, Packages, Snapshot, SNAPSHOT_SCHEMA_MAJOR};
use super::serde_message::without_input;

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
    #[error("{file}: snapshot schema {found:?} is older than this genevars reads (major {expected}); take the snapshot again with this genevars")]
    OlderMajor {
        file: String,
        found: String,
        expected: u32,
    },
    /// A package list given apart from its snapshot that is not a list of packages.
    #[error("{file}: its package list is not a list of packages: {message} (line {line}, column {column} of the list)")]
    PackageList {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Well-formed JSON of the right shape whose content breaks a rule the comparison
    /// relies on (normalized, unique package names; known withheld kinds).
    #[error("{file}: invalid snapshot: {message}")]
    Invalid { file: String, message: String },
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
    check_schema_tag(source, found)
}

/// Checks a string `schema` tag: `genevars.snapshot/<major>[.minor]` with a major this
/// build reads.
fn check_schema_tag(source: &str, found: String) -> Result<(), SnapshotError> {
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
        Ok(m) if m < SNAPSHOT_SCHEMA_MAJOR => Err(SnapshotError::OlderMajor {
            file: source.to_string(),
            found,
            expected: SNAPSHOT_SCHEMA_MAJOR,
        }),
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
    load(source, text, |text| serde_json::from_str(text))
}

/// Parses the rest of a snapshot whose package list is given apart, as the Ray probes
/// send nodes: `text` is the snapshot's JSON without `packages` (a `packages` member is
/// refused), and the snapshot returned has an empty list. Errors as [`from_json_str`]'s.
pub fn rest_from_json_str(source: &str, text: &str) -> Result<Snapshot, SnapshotError> {
    load(source, text, super::apart::rest)
}

/// The snapshot in `text` but for its package list, and that list's JSON text, when
/// `text` is a valid snapshot but for its list, which is left unread
/// ([`packages_from_json_str`] reads it). `None` otherwise: [`from_json_str`] says why.
pub fn split_from_json_str(text: &str) -> Option<(Snapshot, &str)> {
    let (snapshot, list) = super::apart::split(text).ok()?;
    check_schema_tag("", snapshot.schema.clone()).ok()?;
    check_env(&snapshot.env).ok()?;
    Some((snapshot, list.get()))
}

/// [`split_from_json_str`] of `text` when its package list is `list`, byte for byte,
/// without reading that list: the snapshot but for its list, and where the list lies in
/// `text`. The list is found in the text by its bytes, and the text read with `[]` in its
/// place. One JSON array put for another at the same place keeps the syntax of all around
/// it, so the text holds that list as its `packages` exactly when the reader finds its
/// stand-in `[]` at the list's place. `None` otherwise (not that list, or not found so).
pub fn split_with_list(text: &str, list: &str) -> Option<(Snapshot, std::ops::Range<usize>)> {
    if !list.starts_with('[') {
        return None;
    }
    // A list's first bytes find where it may start; all its bytes must follow.
    let head = &list.as_bytes()[..list.len().min(64)];
    let start = memchr::memmem::find(text.as_bytes(), head)?;
    let end = start + list.len();
    if !text[start..].starts_with(list) {
        return None;
    }
    let stand_in = format!("{}[]{}", &text[..start], &text[end..]);
    let (snapshot, read) = split_from_json_str(&stand_in)?;
    let at = read.as_ptr() as usize - stand_in.as_ptr() as usize;
    (at == start && read == "[]").then_some((snapshot, start..end))
}

/// Parses a package list given apart from its snapshot (the JSON text of `packages`);
/// `source` names the snapshot. Errors give the line and column within the list.
pub fn packages_from_json_str(source: &str, text: &str) -> Result<Packages, SnapshotError> {
    let packages: Packages =
        serde_json::from_str(text).map_err(|e| SnapshotError::PackageList {
            file: source.to_string(),
            line: e.line(),
            column: e.column(),
            message: without_input(&e.to_string()),
        })?;
    check_packages(&packages).map_err(|message| SnapshotError::Invalid {
        file: source.to_string(),
        message,
    })?;
    Ok(packages)
}

/// Parses a snapshot with `typed`, the typed parse of its text.
fn load(
    source: &str,
    text: &str,
    typed: impl Fn(&str) -> serde_json::Result<Snapshot>,
) -> Result<Snapshot, SnapshotError> {
    // Valid input, the common case, takes one typed pass. Anything that fails it goes
    // through the stepwise parse below, which explains the failure precisely.
    if let Ok(snapshot) = typed(text) {
        if check_schema_tag(source, snapshot.schema.clone()).is_ok()
            && check_content(&snapshot).is_ok()
        {
            return Ok(snapshot);
        }
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| SnapshotError::Syntax {
            file: source.to_string(),
            line: e.line(),
            column: e.column(),
            message: without_input(&e.to_string()),
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
    let snapshot: Snapshot = typed(text).map_err(|e| SnapshotError::Shape {
        file: source.to_string(),
        line: e.line(),
        column: e.column(),
        message: without_input(&e.to_string()),
    })?;
    check_content(&snapshot).map_err(|message| SnapshotError::Invalid {
        file: source.to_string(),
        message,
    })?;
    Ok(snapshot)
}

/// The rules serde cannot express. A hand-edited `"name": "PyYAML"` would otherwise
/// never match `pyyaml` and show up as a package missing on one side.
fn check_content(snapshot: &Snapshot) -> Result<(), String> {
    check_packages(&snapshot.packages)?;
    check_env(&snapshot.env)
}

/// Package names: valid, normalized, each listed once.
fn check_packages(packages: &[Package]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for (i, package) in packages.iter().enumerate() {
        let normalized = pep508_rs::PackageName::new(package.name.clone()).map_err(|_| {
            format!(
                "packages[{i}].name {:?} is not a valid distribution name",
                package.name
            )
        })?;
        if normalized.as_ref() != package.name {
            return Err(format!(
                "packages[{i}].name {:?} is not normalized (expected {:?})",
                package.name,
                normalized.as_ref()
            ));
        }
        if !seen.insert(package.name.as_str()) {
            return Err(format!(
                "packages[{i}]: {:?} is listed twice (later copies belong in \"shadowed\")",
                package.name
            ));
        }
    }
    Ok(())
}

/// Withheld values: a known kind, and a well-formed fingerprint if any.
fn check_env(env: &BTreeMap<String, EnvValue>) -> Result<(), String> {
    for (key, value) in env {
        if let EnvValue::Withheld(w) = value {
            // The value is not quoted: a hand-edited file may hold a secret in any field.
            if w.withheld != "secret" && w.withheld != "url-credentials" {
                return Err(format!(
                    "env.{key}: unknown \"withheld\" kind; expected \"secret\" or \"url-credentials\""
                ));
            }
            if let Some(fp) = &w.fingerprint {
                if !is_fingerprint(fp) {
                    return Err(format!(
                        "env.{key}: fingerprint is not \"hmac-sha256:\" and 32 hex digits"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn is_fingerprint(text: &str) -> bool {
    text.strip_prefix(crate::redact::FINGERPRINT_PREFIX)
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Pretty JSON with a trailing newline, the form written to files.
pub fn to_json_string(snapshot: &Snapshot) -> String {
    let mut text = to_json_text(snapshot, Some(2));
    text.push('\n');
    text
}

/// The snapshot as JSON: one line with no spaces, or `indent` spaces per level, as
/// Python's `json.dumps(..., indent=indent, ensure_ascii=False)` writes it (a snapshot
/// holds no float).
pub fn to_json_text(snapshot: &Snapshot, indent: Option<usize>) -> String {
    let mut out = Vec::new();
    super::write::write_json(snapshot, indent, &mut out).expect("a Snapshot always serializes");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::super::serde_message::unquoted;
    use super::*;
    use serde_json::{json, Value};

    fn sample() -> Value {
        json!({
            "schema": "genevars.snapshot/1",
            "created_by": {"tool": "genevars", "version": "0.1.0", "scanner": "native"},
            "python": {
                "version": "3.11.7 (main) [GCC 11.4.0]",
                "version_info": {"major": 3, "minor": 11, "micro": 7, "releaselevel": "final", "serial": 0},
                "implementation": "CPython", "executable": "/usr/bin/python3", "abi_tag": "cp311"
            },
            "platform": {"system": "Linux", "release": "6.1", "machine": "x86_64", "processor": "x86_64",
                         "libc": {"family": "glibc", "version": "2.35"}},
            "markers": {
                "implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
                "platform_machine": "x86_64", "platform_python_implementation": "CPython",
                "platform_release": "6.1", "platform_system": "Linux", "platform_version": "#1 SMP",
                "python_full_version": "3.11.7", "python_version": "3.11", "sys_platform": "linux"
            },
            "cwd": "/home/u",
            "env": {
                "PATH": "/usr/bin",
                "API_KEY": {"withheld": "secret", "fingerprint": "hmac-sha256:0123456789abcdef0123456789abcdef", "display": null},
                "INDEX": {"withheld": "url-credentials", "fingerprint": null, "display": "https://***@host/simple"}
            },
            "sys_path": ["/usr/lib/python3.11"],
            "packages": [{
                "name": "numpy", "display_name": "numpy", "version": "1.26.4",
                "location": "/site", "metadata_path": "/site/numpy-1.26.4.dist-info", "kind": "dist-info"
            }],
            "unreadable": [],
            "genevars_version": "0.1.0"
        })
    }

    fn load(value: &Value) -> Result<Snapshot, SnapshotError> {
        from_json_str("snap.json", &value.to_string())
    }

    fn with(path: &[&str], new: Value) -> Value {
        let mut v = sample();
        let (last, parents) = path.split_last().unwrap();
        let mut cur = &mut v;
        for p in parents {
            cur = match p.parse::<usize>() {
                Ok(i) => &mut cur[i],
                Err(_) => &mut cur[*p],
            };
        }
        if new.is_null() && !last.starts_with('=') {
            cur.as_object_mut().unwrap().remove(*last);
        } else {
            cur[last.trim_start_matches('=')] = new;
        }
        v
    }

    #[test]
    fn a_valid_snapshot_loads_and_round_trips() {
        let snap = load(&sample()).unwrap();
        assert_eq!(snap.packages[0].name, "numpy");
        assert_eq!(snap.env["INDEX"].display(), "https://***@host/simple");
        let again = from_json_str("again", &to_json_string(&snap)).unwrap();
        assert_eq!(snap, again);
    }

    #[test]
    fn minor_schema_versions_and_unknown_fields_are_accepted() {
        let v = with(&["schema"], json!("genevars.snapshot/1.4"));
        assert!(load(&v).is_ok());
        let v = with(&["something_new"], json!({"a": 1}));
        assert!(load(&v).is_ok());
        // Optional sections may be absent.
        let v = with(&["unreadable"], Value::Null);
        let v2 = {
            let mut v = v;
            v.as_object_mut().unwrap().remove("created_by");
            v.as_object_mut().unwrap().remove("genevars_version");
            v
        };
        let snap = load(&v2).unwrap();
        assert!(snap.unreadable.is_empty());
        assert_eq!(snap.genevars_version, None);
    }

    fn message(result: Result<Snapshot, SnapshotError>) -> String {
        let err = result.expect_err("should be refused");
        let text = err.to_string();
        assert!(text.starts_with("snap.json: "), "{text}");
        assert!(!text.contains('\n'), "one line: {text}");
        text
    }

    #[test]
    fn malformed_snapshots_are_refused_in_one_line() {
        let raw = |text: &str| message(from_json_str("snap.json", text));
        assert_eq!(
            raw("{\"schema\": "),
            "snap.json: not valid JSON at line 1, column 11: EOF while parsing a value"
        );
        assert!(raw("").contains("not valid JSON at line 1, column 0"));
        assert!(
            raw("{} trailing").contains("not valid JSON at line 1, column 4: trailing characters")
        );
        assert!(raw("{'schema': 1}").contains("not valid JSON"));
        assert!(raw("[1, 2]").contains("the top level must be a JSON object"));
        assert!(raw("\"genevars.snapshot/1\"").contains("the top level must be a JSON object"));
        assert!(raw("null").contains("the top level must be a JSON object"));

        let cases: Vec<(Value, &str)> = vec![
            (with(&["schema"], Value::Null), "no \"schema\" field"),
            (with(&["schema"], json!(1)), "schema \"1\" is not a genevars snapshot schema"),
            (with(&["schema"], json!("genevars.comparison/1")), "is not a genevars snapshot schema"),
            (with(&["schema"], json!("genevars.snapshot/two")), "is not a genevars snapshot schema"),
            (with(&["schema"], json!("genevars.snapshot/2")), "is newer than this genevars reads (major 1); upgrade genevars"),
            (with(&["schema"], json!("genevars.snapshot/0")), "is older than this genevars reads (major 1)"),
            (with(&["python"], Value::Null), "missing field `python`"),
            (with(&["packages"], json!({"numpy": "1.0"})), "invalid type: map, expected a sequence"),
            (with(&["python", "version_info", "major"], json!("3")), "invalid type: string, expected u32"),
            (with(&["python", "version_info", "minor"], json!(-1)), "invalid value: integer, expected u32"),
            (with(&["packages", "0", "version"], Value::Null), "missing field `version`"),
            (with(&["packages", "0", "version"], json!(1.5)), "invalid type: floating point, expected a string"),
            (with(&["packages", "0", "kind"], json!("wheel")), "unknown variant, expected one of `dist-info`, `egg-info`, `egg`"),
            (with(&["env", "=PATH"], json!(5)), "env.PATH: invalid type: integer, expected a string or a withheld object"),
            (with(&["env"], json!(["PATH=/usr/bin"])), "invalid type: sequence, expected a map"),
            (with(&["sys_path"], json!("/usr/lib")), "invalid type: string, expected a sequence"),
            (with(&["cwd"], Value::Null), "missing field `cwd`"),
            (with(&["markers", "sys_platform"], Value::Null), "missing field `sys_platform`"),
            (with(&["unreadable"], json!([{"path": "/x"}])), "missing field `reason`"),
            (with(&["packages", "0", "name"], json!("NumPy")), "invalid snapshot: packages[0].name \"NumPy\" is not normalized (expected \"numpy\")"),
            (with(&["packages", "0", "name"], json!("num py")), "packages[0].name \"num py\" is not a valid distribution name"),
            (with(&["env", "API_KEY", "withheld"], json!("maybe")), "env.API_KEY: unknown \"withheld\" kind; expected \"secret\" or \"url-credentials\""),
            (with(&["env", "API_KEY", "fingerprint"], json!("sha1:abc")), "env.API_KEY: fingerprint is not \"hmac-sha256:\" and 32 hex digits"),
        ];
        for (value, expected) in cases {
            let text = message(load(&value));
            assert!(
                text.contains(expected),
                "{text:?} should contain {expected:?}"
            );
        }

        let mut dup = sample();
        let first = dup["packages"][0].clone();
        dup["packages"].as_array_mut().unwrap().push(first);
        assert!(message(load(&dup)).contains("packages[1]: \"numpy\" is listed twice"));
    }

    #[test]
    fn errors_stay_on_one_line() {
        let text = message(load(&with(&["env", "=BAD\nNAME"], json!([1]))));
        assert!(
            text.contains("env.BAD\\nNAME: invalid type: sequence"),
            "{text}"
        );
    }

    #[test]
    fn an_env_value_must_be_a_string_or_an_object() {
        let list = json!([
            "secret",
            "hmac-sha256:0123456789abcdef0123456789abcdef",
            "VALUE-canary"
        ]);
        let text = message(load(&with(&["env", "=API_KEY"], list)));
        assert!(
            text.contains(
                "env.API_KEY: invalid type: sequence, expected a string or a withheld object"
            ),
            "{text}"
        );
        assert!(!text.contains("VALUE-canary"), "{text}");
        for bad in [json!(5), json!(true), json!(null), json!(1.5)] {
            let text = message(load(&with(&["env", "=API_KEY"], bad.clone())));
            assert!(
                text.contains("env.API_KEY: invalid type: "),
                "{bad}: {text}"
            );
        }
    }

    #[test]
    fn input_values_are_not_quoted_in_errors() {
        let canary = "hunter2-canary, expected \"`x`";
        let cases = [
            with(&["python", "version_info", "major"], json!(canary)),
            with(&["packages", "0", "kind"], json!(canary)),
            with(&["sys_path"], json!(canary)),
            with(&["env", "API_KEY", "fingerprint"], json!(canary)),
            with(&["env", "API_KEY", "withheld"], json!(canary)),
            with(
                &["env", "=API_KEY"],
                json!({"withheld": "secret", "display": [canary]}),
            ),
            with(
                &["env", "=API_KEY"],
                json!({"withheld": 7, "fingerprint": canary}),
            ),
            with(&["python", "version_info", "minor"], json!(-987654)),
        ];
        for value in cases {
            let text = message(load(&value));
            assert!(
                !text.contains("hunter2") && !text.contains("987654"),
                "{text}"
            );
            assert!(
                text.contains("line ") || text.contains("env.API_KEY"),
                "{text}"
            );
        }
        assert_eq!(
            unquoted("invalid type: string \"a, expected b\", expected u32"),
            "invalid type: string, expected u32"
        );
        assert_eq!(
            unquoted("invalid length 3, expected 2"),
            "invalid length 3, expected 2"
        );
    }

    #[test]
    fn shape_errors_point_at_the_line() {
        let text = serde_json::to_string_pretty(&with(&["cwd"], json!(7))).unwrap();
        let err = from_json_str("snap.json", &text).unwrap_err();
        let SnapshotError::Shape { line, .. } = err else {
            panic!("{err:?}")
        };
        let expected = text.lines().position(|l| l.contains("\"cwd\"")).unwrap() + 1;
        assert_eq!(line, expected);
    }

    #[test]
    fn secret_values_never_appear_in_errors() {
        // A withheld value of the wrong shape must not be echoed back.
        let v = with(
            &["env", "=API_KEY"],
            json!({"withheld": 1, "fingerprint": "s3cr3t-canary"}),
        );
        let text = message(load(&v));
        assert!(!text.contains("s3cr3t-canary"), "{text}");
    }

    /// The text of `value` without its package list, and that list's text.
    fn apart(value: &Value) -> (String, String) {
        let mut rest = value.clone();
        let list = rest.as_object_mut().unwrap().remove("packages").unwrap();
        (rest.to_string(), list.to_string())
    }

    /// An error with its position left out: a rest and its whole snapshot differ in length.
    fn unplaced(e: SnapshotError) -> SnapshotError {
        match e {
            SnapshotError::Syntax { file, message, .. } => SnapshotError::Syntax {
                file,
                message,
                line: 0,
                column: 0,
            },
            SnapshotError::Shape { file, message, .. } => SnapshotError::Shape {
                file,
                message,
                line: 0,
                column: 0,
            },
            other => other,
        }
    }

    #[test]
    fn a_rest_loads_as_its_whole_snapshot_but_for_the_list() {
        let (rest, list) = apart(&sample());
        let whole = load(&sample()).unwrap();
        let read = rest_from_json_str("snap.json", &rest).unwrap();
        let packages = packages_from_json_str("snap.json", &list).unwrap();
        assert!(read.packages.is_empty());
        assert_eq!(Snapshot { packages, ..read }, whole);
        let text = sample().to_string();
        let (split, list_text) = split_from_json_str(&text).unwrap();
        assert_eq!(list_text, list);
        assert_eq!(
            split,
            Snapshot {
                packages: Default::default(),
                ..whole
            }
        );
    }

    #[test]
    fn a_rest_is_refused_as_its_whole_snapshot_is() {
        let cases = [
            with(&["schema"], Value::Null),
            with(&["schema"], json!("genevars.snapshot/2")),
            with(&["schema"], json!(1)),
            with(&["python"], Value::Null),
            with(
                &["python", "version_info", "major"],
                json!("hunter2-canary"),
            ),
            with(&["env", "=API_KEY"], json!(["hunter2-canary"])),
            with(&["env", "API_KEY", "withheld"], json!("maybe")),
            with(&["cwd"], Value::Null),
            with(&["sys_path"], json!("/usr/lib")),
        ];
        for value in cases {
            let (rest, _) = apart(&value);
            let refused = rest_from_json_str("snap.json", &rest).unwrap_err();
            assert!(!refused.to_string().contains("hunter2"), "{refused}");
            assert_eq!(
                unplaced(refused),
                unplaced(load(&value).unwrap_err()),
                "{value}"
            );
        }
        for text in ["", "{", "[]", "{} x"] {
            assert_eq!(
                rest_from_json_str("snap.json", text).unwrap_err(),
                from_json_str("snap.json", text).unwrap_err()
            );
        }
        // A package list in the rest would be a second one.
        let text = message(rest_from_json_str("snap.json", &sample().to_string()));
        assert!(text.contains("duplicate field `packages`"), "{text}");
    }

    #[test]
    fn a_package_list_apart_is_refused_in_one_line_naming_its_snapshot() {
        let cases = [
            ("[{\"name\": ", "its package list is not a list of packages: EOF while parsing a value (line 1, column 10 of the list)"),
            ("{}", "its package list is not a list of packages: invalid type: map, expected a sequence (line 1, column 0 of the list)"),
            ("[{\"name\": \"numpy\", \"version\": \"hunter2-canary\"}]", "missing field `display_name`"),
            ("[{\"name\": \"numpy\", \"version\": [\"hunter2-canary\"]}]", "invalid type: sequence, expected a string"),
        ];
        for (text, expected) in cases {
            let got = packages_from_json_str("node 3", text)
                .unwrap_err()
                .to_string();
            assert!(
                got.starts_with("node 3: ") && got.contains(expected),
                "{got}"
            );
            assert!(!got.contains("hunter2") && !got.contains('\n'), "{got}");
        }
        let mut list = sample()["packages"].clone();
        list[0]["name"] = json!("NumPy");
        assert_eq!(
            packages_from_json_str("node 3", &list.to_string()).unwrap_err().to_string(),
            "node 3: invalid snapshot: packages[0].name \"NumPy\" is not normalized (expected \"numpy\")"
        );
    }
}
