//! Another interpreter's saved description (`genevars snapshot --python EXE`): the cache
//! `_interpreter.DescriptionCache` saves in Python and reads through here, so that a
//! native launcher and Python agree on which saved description holds, and on its file.
//!
//! A description is used only while everything it depends on is as it was: the key
//! ([`CacheKey`]: this genevars, the interpreter's absolute path, the current directory,
//! `uname`, the `PYTHON*`/`HOME`/`PATH` variables) and the state of every file the
//! record lists (`[path, follow, [mtime_ns, ctime_ns, size, inode, device] or null]`).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::posix::{self, Surroundings};
use super::write::Ordered;

/// Bump when the description, the describing code, the key or the record change shape
/// (`_interpreter._CACHE_FORMAT` is this).
pub const CACHE_FORMAT: u32 = 3;

/// A description of another interpreter (`_probe.describe()`: python, platform, markers,
/// genevars_version, sys_path), its fields in the order the interpreter gave them.
#[derive(Debug, Clone)]
pub struct Described {
    facts: Vec<(String, Ordered)>,
    sys_path: Vec<String>,
    text: String,
}

impl Described {
    /// The description in `text` (JSON), or `None` unless it is an object whose
    /// `sys_path` is a list of strings. Objects with a key given twice and numbers that
    /// are not integers are refused too: Python reads those otherwise (the last value of
    /// a key, float formatting), and describing never writes them.
    pub fn from_json(text: &str) -> Option<Described> {
        let facts = match serde_json::from_str::<Ordered>(text).ok()? {
            Ordered::Object(fields) => fields,
            _ => return None,
        };
        if !plain_fields(&facts) {
            return None;
        }
        let sys_path = match facts.iter().find(|(k, _)| k == "sys_path") {
            Some((_, Ordered::Array(items))) => items
                .iter()
                .map(|item| match item {
                    Ordered::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()?,
            _ => return None,
        };
        Some(Described {
            facts,
            sys_path,
            text: text.to_string(),
        })
    }

    /// The path entries the interpreter searches, in order: what is scanned.
    pub fn sys_path(&self) -> &[String] {
        &self.sys_path
    }

    /// The description as the JSON text it was read from.
    pub fn facts_json(&self) -> &str {
        &self.text
    }

    /// The field `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Ordered> {
        self.facts.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// No object with a key given twice, no number that is not an integer.
fn plain_fields(fields: &[(String, Ordered)]) -> bool {
    let mut seen = std::collections::HashSet::new();
    fields
        .iter()
        .all(|(key, value)| seen.insert(key.as_str()) && plain(value))
}

fn plain(value: &Ordered) -> bool {
    match value {
        Ordered::Number(n) => !n.is_f64(),
        Ordered::Array(items) => items.iter().all(plain),
        Ordered::Object(fields) => plain_fields(fields),
        _ => true,
    }
}

/// What a saved description was made under; it holds only while all of it is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheKey {
    pub format: u32,
    pub genevars: String,
    pub exe: String,
    pub cwd: String,
    pub uname: [String; 5],
    /// `PYTHON*`, `HOME` and `PATH`, by name.
    pub env: Vec<(String, String)>,
}

/// Where the description of one interpreter in one setting is saved, and its key.
#[derive(Debug, Clone)]
pub struct DescriptionCache {
    /// The interpreter's absolute path.
    pub exe: String,
    /// `$XDG_CACHE_HOME/genevars/interpreters/<16 hex digits of the key's SHA-256>.json`.
    pub file: String,
    pub key: CacheKey,
}

impl DescriptionCache {
    /// The cache of `exe` (as given on the command line) in the setting `around` (a
    /// process's: [`Surroundings::of_process`]), or `None` when none is kept:
    /// `GENEVARS_NO_CACHE` set, `exe` without a directory (one found on PATH is always
    /// asked), a `PYTHON*`/`HOME`/`PATH` value that is secret (it would be written in the
    /// key) or not UTF-8, an unreadable current directory, no `uname`.
    pub fn for_interpreter(exe: &str, around: &Surroundings) -> Option<DescriptionCache> {
        Self::keyed(exe, around, uname()?)
    }

    fn keyed(exe: &str, around: &Surroundings, uname: [String; 5]) -> Option<DescriptionCache> {
        if around
            .var_os("GENEVARS_NO_CACHE")
            .is_some_and(|v| !v.is_empty())
            || !exe.contains('/')
        {
            return None;
        }
        let mut seen = std::collections::HashSet::new();
        let mut env = Vec::new();
        for (name, value) in &around.vars {
            let bytes = name.as_encoded_bytes();
            let steers = bytes.starts_with(b"PYTHON") || bytes == b"HOME" || bytes == b"PATH";
            if !steers || !seen.insert(name) {
                continue;
            }
            let (name, value) = (name.to_str()?, value.to_str()?);
            // The key holds these values: a secret among them is never written.
            if crate::redact::display_value(name, value) != value {
                return None;
            }
            env.push((name.to_string(), value.to_string()));
        }
        env.sort();
        let cwd = around.cwd.as_ref()?.to_str()?.to_string();
        let exe = posix::abspath(exe, Some(&cwd))?;
        let home = match around.var_os("XDG_CACHE_HOME") {
            Some(dir) if !dir.is_empty() => dir.to_str()?.to_string(),
            _ => {
                let home = around
                    .var_os("HOME")
                    .map(|h| h.to_str())
                    .map_or(Some(None), |h| h.map(Some))?;
                posix::join(&posix::expanduser("~", home)?, &[".cache"])
            }
        };
        let key = CacheKey {
            format: CACHE_FORMAT,
            genevars: env!("CARGO_PKG_VERSION").to_string(),
            exe: exe.clone(),
            cwd,
            uname,
            env,
        };
        let digest = hex::encode(Sha256::digest(key_json(&key)));
        let name = format!("{}.json", &digest[..16]);
        let file = posix::join(&home, &["genevars", "interpreters", &name]);
        Some(DescriptionCache { exe, file, key })
    }

    /// The key as JSON text: what the record's `key` must equal.
    pub fn key_json(&self) -> String {
        key_json(&self.key)
    }

    /// The saved description, or `None` when there is none or it may be stale: the
    /// record's key differs, a file it lists is not in the state it lists, or the record
    /// is not what `_interpreter.DescriptionCache.save` writes.
    pub fn load(&self) -> Option<Described> {
        let bytes = std::fs::read(&self.file).ok()?;
        self.read(&bytes)
    }

    fn read(&self, bytes: &[u8]) -> Option<Described> {
        #[derive(Deserialize)]
        struct Record<'a> {
            #[serde(borrow)]
            key: Option<&'a RawValue>,
            #[serde(borrow)]
            files: Option<&'a RawValue>,
            #[serde(borrow)]
            facts: Option<&'a RawValue>,
        }
        let record: Record<'_> = serde_json::from_slice(bytes).ok()?;
        let key: Value = serde_json::from_str(record.key?.get()).ok()?;
        if key != serde_json::to_value(&self.key).ok()? {
            return None;
        }
        let files: Vec<Value> = serde_json::from_str(record.files?.get()).ok()?;
        for entry in &files {
            let [path, follow, saved] = entry.as_array()?.as_slice() else {
                return None;
            };
            if state_value(path.as_str()?, truthy(follow)) != *saved {
                return None;
            }
        }
        Described::from_json(record.facts?.get())
    }
}

fn key_json(key: &CacheKey) -> String {
    serde_json::to_string(key).expect("a key of strings and numbers serializes")
}

#[cfg(unix)]
fn uname() -> Option<[String; 5]> {
    posix::uname()
}

#[cfg(not(unix))]
fn uname() -> Option<[String; 5]> {
    None
}

/// `bool(value)` in Python.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// `_interpreter._state(path, follow)` as the JSON value the record holds.
#[cfg(unix)]
fn state_value(path: &str, follow: bool) -> Value {
    match posix::state(path, follow) {
        None => Value::Null,
        Some(numbers) => Value::Array(
            numbers
                .iter()
                .map(|&n| match (u64::try_from(n), i64::try_from(n)) {
                    (Ok(n), _) => Value::from(n),
                    (_, Ok(n)) => Value::from(n),
                    // Past 64 bits: no saved state equals it.
                    _ => Value::String(n.to_string()),
                })
                .collect(),
        ),
    }
}

#[cfg(not(unix))]
fn state_value(_path: &str, _follow: bool) -> Value {
    Value::String("no state without unix".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn uname() -> [String; 5] {
        ["Linux", "host", "6.1", "#1 SMP", "x86_64"].map(String::from)
    }

    fn around(vars: &[(&str, &str)], cwd: &str) -> Surroundings {
        Surroundings::given(vars, cwd, "/")
    }

    #[test]
    fn the_key_holds_the_variables_that_steer_sys_path_in_name_order() {
        let vars = [
            ("PATH", "/usr/bin"),
            ("HOME", "/home/u"),
            ("PYTHONPATH", "/x"),
            ("PYTHONPATH", "/second-ignored"),
            ("OTHER", "o"),
            ("XDG_CACHE_HOME", "/c"),
        ];
        let cache =
            DescriptionCache::keyed("venv/bin/../bin/python", &around(&vars, "/w"), uname())
                .unwrap();
        assert_eq!(cache.exe, "/w/venv/bin/python");
        let key = cache.key_json();
        assert_eq!(
            key,
            r##"{"format":3,"genevars":"0.1.0","exe":"/w/venv/bin/python","cwd":"/w","uname":["Linux","host","6.1","#1 SMP","x86_64"],"env":[["HOME","/home/u"],["PATH","/usr/bin"],["PYTHONPATH","/x"]]}"##
                .replace("0.1.0", env!("CARGO_PKG_VERSION"))
        );
        assert!(
            cache.file.starts_with("/c/genevars/interpreters/") && cache.file.ends_with(".json")
        );
        // Another setting, another file.
        let other =
            DescriptionCache::keyed("venv/bin/python", &around(&vars, "/v"), uname()).unwrap();
        assert_ne!(other.file, cache.file);
        // Without XDG_CACHE_HOME: ~/.cache.
        let home =
            DescriptionCache::keyed("/p", &around(&[("HOME", "/h/")], "/"), uname()).unwrap();
        assert!(
            home.file.starts_with("/h/.cache/genevars/interpreters/"),
            "{}",
            home.file
        );
    }

    #[test]
    fn no_cache_is_kept_where_python_keeps_none() {
        let ok = |vars: &[(&str, &str)], exe: &str| {
            DescriptionCache::keyed(exe, &around(vars, "/w"), uname()).is_some()
        };
        assert!(ok(&[], "/p"));
        assert!(!ok(&[], "python3"));
        assert!(!ok(&[("GENEVARS_NO_CACHE", "1")], "/p"));
        assert!(ok(&[("GENEVARS_NO_CACHE", "")], "/p"));
        assert!(!ok(&[("PYTHON_INDEX_TOKEN", "abc")], "/p"));
        assert!(!ok(&[("PYTHONPATH", "https://u:s3cr3t@host/x")], "/p"));
        assert!(!ok(
            &[("PATH", "ghp_s3cr3tvalueabcdefghijklmnopqrstu")],
            "/p"
        ));
        assert!(ok(&[("OTHER_TOKEN", "abc")], "/p"));
        let mut odd = around(&[], "/w");
        odd.vars.push((OsString::from("PYTHONX"), bytes(b"\xff")));
        assert!(DescriptionCache::keyed("/p", &odd, uname()).is_none());
        let mut odd = around(&[], "/w");
        odd.vars.push((OsString::from("UNRELATED"), bytes(b"\xff")));
        assert!(DescriptionCache::keyed("/p", &odd, uname()).is_some());
        let mut no_cwd = around(&[], "/w");
        no_cwd.cwd = None;
        assert!(DescriptionCache::keyed("/p", &no_cwd, uname()).is_none());
    }

    #[cfg(unix)]
    fn bytes(b: &[u8]) -> OsString {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(b.to_vec())
    }

    #[cfg(unix)]
    #[test]
    fn a_record_holds_while_its_key_and_files_are_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let watched = dir.path().join("site.pth");
        std::fs::write(&watched, "x").unwrap();
        let watched = watched.to_str().unwrap().to_string();
        let absent = format!("{}/absent", dir.path().to_str().unwrap());
        let cache =
            DescriptionCache::keyed("/venv/bin/python", &around(&[], "/w"), uname()).unwrap();
        let facts = r#"{"python": {"b": 1, "a": 2}, "sys_path": ["/s"], "genevars_version": "0"}"#;
        let record = |key: &str, files: &str, facts: &str| {
            format!(r#"{{"key": {key}, "files": {files}, "facts": {facts}}}"#)
        };
        let files = serde_json::json!([
            [watched, true, state_value(&watched, true)],
            [absent, false, null]
        ])
        .to_string();
        let good = record(&cache.key_json(), &files, facts);
        let described = cache.read(good.as_bytes()).unwrap();
        assert_eq!(described.sys_path(), ["/s"]);
        assert_eq!(described.facts_json(), facts);
        // Key order kept.
        assert_eq!(
            serde_json::to_string(described.get("python").unwrap()).unwrap(),
            r#"{"b":1,"a":2}"#
        );

        let other_key = cache.key_json().replace("\"/w\"", "\"/v\"");
        for bad in [
            record(&other_key, &files, facts),
            record(&cache.key_json(), &files, r#"{"sys_path": "/s"}"#),
            record(&cache.key_json(), &files, r#"{"sys_path": [1]}"#),
            record(&cache.key_json(), &files, r#"{"sys_path": [], "x": 1.5}"#),
            record(
                &cache.key_json(),
                &files,
                r#"{"sys_path": [], "x": 1, "x": 2}"#,
            ),
            record(&cache.key_json(), r#"[["/a", true]]"#, facts),
            record(&cache.key_json(), r#"{}"#, facts),
            record(&cache.key_json(), &files, "[]"),
            "[1, 2]".to_string(),
            "{not json".to_string(),
            r#"{"key": "other"}"#.to_string(),
        ] {
            assert!(cache.read(bad.as_bytes()).is_none(), "{bad}");
        }
        // A watched file changes, or one that was absent appears.
        std::fs::write(&watched, "xy").unwrap();
        assert!(cache.read(good.as_bytes()).is_none());
        let files = serde_json::json!([
            [watched, true, state_value(&watched, true)],
            [absent, false, null]
        ])
        .to_string();
        assert!(cache
            .read(record(&cache.key_json(), &files, facts).as_bytes())
            .is_some());
        std::fs::write(&absent, "").unwrap();
        assert!(cache
            .read(record(&cache.key_json(), &files, facts).as_bytes())
            .is_none());
    }
}
