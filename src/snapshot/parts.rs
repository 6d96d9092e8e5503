//! Every field of a `genevars snapshot --python EXE` snapshot but the scan's, for an
//! interpreter whose description is at hand ([`Described`]): the text
//! `cli/snapshot.py`'s `snapshot_parts` makes with `json.dumps(parts)` (the Python
//! assembly: `_probe.capture_env`, `assemble_snapshot`, `conda_of`, `add_node_facts`,
//! secrets withheld, no fingerprint key), byte for byte. [`write::write_snapshot_json`]
//! then puts the scan at the `packages` and `unreadable` placeholders.
//!
//! Where Python's answer cannot be had exactly, it is [`Declined`] (typed) rather than
//! guessed, and the caller leaves the snapshot to Python: an environment, current
//! directory, home or conda-meta name that is not UTF-8; an `nvidia-smi` on `PATH`
//! (Python runs it); a `/proc/driver/nvidia/version` that is not ASCII text of at most
//! 64 KiB (Python's text decoding and Unicode classes); a description without its
//! fields, with a `conda` field, or with a relative executable and no current directory.
//!
//! [`write::write_snapshot_json`]: super::write::write_snapshot_json

use std::io::{self, Read};

use regex::Regex;
use thiserror::Error;

use super::described::Described;
use super::posix::{self, Surroundings};
use super::write::Ordered;
use crate::redact;

/// Why a snapshot's rest is left to Python.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Declined {
    #[error("an environment variable's name or value is not UTF-8")]
    NotUtf8Environment,
    #[error("the current directory is not UTF-8")]
    NotUtf8Cwd,
    #[error("a home directory is not UTF-8")]
    NotUtf8Home,
    #[error("a conda-meta file name is not UTF-8")]
    NotUtf8Conda,
    #[error("nvidia-smi is on PATH, and Python runs it")]
    NvidiaSmi,
    #[error("/proc/driver/nvidia/version is not ASCII text of at most 64 KiB")]
    DriverVersionText,
    #[error("the description {0}")]
    Description(&'static str),
}

const SCHEMA: &str = "genevars.snapshot/1";

/// Credential files at their standard places: (name, variable that moves it, path under
/// HOME). `_probe.CREDENTIAL_FILES`; keep the two in step (tests/test_described_native.py
/// compares the outcomes).
const CREDENTIAL_FILES: [(&str, Option<&str>, &str); 5] = [
    (
        "~/.aws/credentials",
        Some("AWS_SHARED_CREDENTIALS_FILE"),
        ".aws/credentials",
    ),
    ("~/.aws/config", Some("AWS_CONFIG_FILE"), ".aws/config"),
    (
        "~/.config/gcloud/application_default_credentials.json",
        None,
        ".config/gcloud/application_default_credentials.json",
    ),
    (
        "~/.azure/azureProfile.json",
        None,
        ".azure/azureProfile.json",
    ),
    ("~/.netrc", Some("NETRC"), ".netrc"),
];
/// Variables whose value names a file or directory a library reads
/// (`_probe.CREDENTIAL_PATH_VARIABLES`).
const CREDENTIAL_PATH_VARIABLES: [&str; 8] = [
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AZURE_FEDERATED_TOKEN_FILE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HF_HOME",
    "KUBECONFIG",
];
/// `_probe.CREDENTIAL_FINGERPRINT_LIMIT`: what Python reads of a credential file.
const CREDENTIAL_READ_LIMIT: u64 = 1 << 20;
/// What Python reads of the driver's version file, in characters.
const DRIVER_VERSION_LIMIT: usize = 64 * 1024;

/// The snapshot's every other field for `described`, in the surroundings `around` (a
/// process's: [`Surroundings::of_process`]), as the JSON object text Python's
/// `json.dumps(parts)` writes.
pub fn described_parts(
    described: &Described,
    around: &Surroundings,
) -> Result<String, Declined> {
    let mut env = around.text_vars().ok_or(Declined::NotUtf8Environment)?;
    env.sort_by(|a, b| a.0.cmp(&b.0));
    let cwd = match &around.cwd {
        Some(dir) => Some(dir.to_str().ok_or(Declined::NotUtf8Cwd)?),
        None => None,
    };
    let field = |key: &'static str, missing: &'static str| {
        described
            .get(key)
            .cloned()
            .ok_or(Declined::Description(missing))
    };
    let python = field("python", "has no python field")?;
    if described.get("conda").is_some() {
        return Err(Declined::Description("has a conda field"));
    }
    let mut parts = vec![
        ("schema".to_string(), text(SCHEMA)),
        (
            "created_by".to_string(),
            object(vec![
                ("tool", text("genevars")),
                ("version", text(env!("CARGO_PKG_VERSION"))),
                ("scanner", text("native")),
            ]),
        ),
        (
            "platform".to_string(),
            field("platform", "has no platform field")?,
        ),
        (
            "markers".to_string(),
            field("markers", "has no markers field")?,
        ),
        ("cwd".to_string(), text(&redact::masked(cwd.unwrap_or("")))),
        ("env".to_string(), capture_env(&env)),
        (
            "sys_path".to_string(),
            Ordered::Array(
                described
                    .sys_path()
                    .iter()
                    .map(|e| text(&redact::masked(e)))
                    .collect(),
            ),
        ),
        ("packages".to_string(), Ordered::Null),
        ("unreadable".to_string(), Ordered::Null),
        (
            "genevars_version".to_string(),
            field("genevars_version", "has no genevars_version field")?,
        ),
    ];
    let conda = conda_of(&python, cwd)?;
    parts.insert(2, ("python".to_string(), python));
    if !conda.is_empty() {
        parts.push(("conda".to_string(), Ordered::Array(conda)));
    }
    if let Some(accelerators) = accelerator_facts(around, &env)? {
        parts.push(("accelerators".to_string(), accelerators));
    }
    parts.push(("credential_files".to_string(), credential_files(&env)?));
    Ok(python_json(&Ordered::Object(parts)))
}

fn text(s: &str) -> Ordered {
    Ordered::String(s.to_string())
}

fn object(fields: Vec<(&str, Ordered)>) -> Ordered {
    Ordered::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn get<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// `_probe.capture_env(environ, rules, key=None, reveal=False)`.
fn capture_env(env: &[(String, String)]) -> Ordered {
    let withheld = |kind: &str, display: Ordered| {
        object(vec![
            ("withheld", text(kind)),
            ("fingerprint", Ordered::Null),
            ("display", display),
        ])
    };
    Ordered::Object(
        env.iter()
            .map(|(name, value)| {
                let shown = if redact::is_secret(name, value) {
                    withheld("secret", Ordered::Null)
                } else {
                    match redact::mask_credentials(value) {
                        Some(masked) => withheld("url-credentials", Ordered::String(masked)),
                        None => text(value),
                    }
                };
                (name.clone(), shown)
            })
            .collect(),
    )
}

/// `_probe.conda_of(facts)["conda"]`: the packages of the conda prefix above the
/// executable's `bin/`, empty when there is none.
fn conda_of(python: &Ordered, cwd: Option<&str>) -> Result<Vec<Ordered>, Declined> {
    let Ordered::Object(fields) = python else {
        return Err(Declined::Description(
            "has a python field that is not an object",
        ));
    };
    let executable = match fields
        .iter()
        .find(|(k, _)| k == "executable")
        .map(|(_, v)| v)
    {
        None | Some(Ordered::Null) => return Ok(Vec::new()),
        Some(Ordered::String(s)) if s.is_empty() => return Ok(Vec::new()),
        Some(Ordered::String(s)) => s,
        Some(_) => {
            return Err(Declined::Description(
                "has an executable that is not a string",
            ))
        }
    };
    let absolute = posix::abspath(executable, cwd).ok_or(Declined::Description(
        "has a relative executable, and there is no current directory",
    ))?;
    let prefix = posix::dirname(posix::dirname(&absolute));
    conda_packages(prefix)
}

/// `_probe.conda_packages(prefix)`: `NAME-VERSION-BUILD.json` in `conda-meta/`, sorted.
fn conda_packages(prefix: &str) -> Result<Vec<Ordered>, Declined> {
    let Ok(entries) = std::fs::read_dir(posix::join(prefix, &["conda-meta"])) else {
        return Ok(Vec::new());
    };
    let mut packages = Vec::new();
    for entry in entries {
        // Python lists the directory whole or raises (then: no conda packages).
        let Ok(entry) = entry else {
            return Err(Declined::NotUtf8Conda);
        };
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            if name.as_encoded_bytes().ends_with(b".json") {
                return Err(Declined::NotUtf8Conda);
            }
            continue;
        };
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let mut parts: Vec<&str> = stem.rsplitn(3, '-').collect();
        if parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) {
            parts.reverse();
            packages.push((
                parts[0].to_string(),
                parts[1].to_string(),
                parts[2].to_string(),
            ));
        }
    }
    packages.sort();
    Ok(packages
        .into_iter()
        .map(|(name, version, build)| {
            object(vec![
                ("name", text(&name)),
                ("version", text(&version)),
                ("build", text(&build)),
            ])
        })
        .collect())
}

/// `_probe.accelerator_facts(root)` where it can be had without running anything: the
/// NVIDIA driver version in `/proc/driver/nvidia/version`.
fn accelerator_facts(
    around: &Surroundings,
    env: &[(String, String)],
) -> Result<Option<Ordered>, Declined> {
    let root = around.root.to_str().ok_or(Declined::NotUtf8Environment)?;
    for directory in get(env, "PATH").unwrap_or("").split(':') {
        if directory.is_empty() {
            continue;
        }
        let candidate = posix::join(root, &[directory.trim_start_matches('/'), "nvidia-smi"]);
        if std::fs::metadata(&candidate).is_ok_and(|m| m.is_file()) && executable(&candidate) {
            return Err(Declined::NvidiaSmi);
        }
    }
    let mut bytes = Vec::new();
    let read =
        std::fs::File::open(posix::join(root, &["proc/driver/nvidia/version"])).and_then(|f| {
            f.take(DRIVER_VERSION_LIMIT as u64 + 1)
                .read_to_end(&mut bytes)
        });
    if read.is_err() {
        return Ok(None);
    }
    if bytes.len() > DRIVER_VERSION_LIMIT || !bytes.is_ascii() {
        return Err(Declined::DriverVersionText);
    }
    let text = std::str::from_utf8(&bytes).expect("ASCII is UTF-8");
    Ok(driver_version(text).map(|version| {
        object(vec![
            ("nvidia_driver", Ordered::String(version.to_string())),
            ("gpus", Ordered::Array(Vec::new())),
            ("source", self::text("/proc/driver/nvidia/version")),
        ])
    }))
}

/// `_probe._NVIDIA_PROC_VERSION` on ASCII text, its classes spelt out as Python's `re`
/// reads them there (`\s` includes `\x1c`-`\x1f`).
fn driver_version(text: &str) -> Option<&str> {
    static VERSION: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let re = VERSION.get_or_init(|| {
        Regex::new(r"Kernel Module(?: for [A-Za-z0-9_-]+)?[\t\n\x0B\x0C\r\x1C-\x1F ]+([0-9]+(?:\.[0-9]+)+)")
            .expect("a valid pattern")
    });
    re.captures(text)
        .map(|c| c.get(1).expect("group 1 is in the pattern").as_str())
}

#[cfg(unix)]
fn executable(path: &str) -> bool {
    posix::access(path, libc::X_OK)
}

#[cfg(not(unix))]
fn executable(_path: &str) -> bool {
    true
}

/// `_probe.credential_files(environ, rules, key=None, wanted=None)`.
fn credential_files(env: &[(String, String)]) -> Result<Ordered, Declined> {
    let home_var = get(env, "HOME");
    let home = match home_var {
        Some(home) if !home.is_empty() => home.to_string(),
        _ => posix::expanduser("~", home_var).ok_or(Declined::NotUtf8Home)?,
    };
    let mut files = Vec::new();
    for (name, variable, relative) in CREDENTIAL_FILES {
        let path = match variable.and_then(|v| get(env, v)) {
            Some(path) if !path.is_empty() => path.to_string(),
            _ => posix::join(&home, &[relative]),
        };
        files.push(credential_file(name, &path, false));
    }
    for (name, value) in env {
        if names_a_path(name, value) {
            let path = posix::expanduser(value, home_var).ok_or(Declined::NotUtf8Home)?;
            files.push(credential_file(name, &path, redact::is_secret_key(name)));
        }
    }
    Ok(Ordered::Array(files))
}

/// `_probe._names_a_path`.
fn names_a_path(name: &str, value: &str) -> bool {
    if CREDENTIAL_PATH_VARIABLES.contains(&name) {
        return !value.is_empty();
    }
    (name.ends_with("_PATH") || name.ends_with("_FILE"))
        && (value.starts_with('/') || value.starts_with('~'))
        && !value.contains(':')
}

/// `_probe._credential_file(name, path, secret, key=None)`: whether it exists and can
/// be read (a regular file is read as Python reads it), never its content.
fn credential_file(name: &str, path: &str, secret: bool) -> Ordered {
    let (mut exists, mut readable, mut size) = (false, false, Ordered::Null);
    if let Ok(meta) = std::fs::metadata(path) {
        exists = true;
        if meta.is_dir() {
            readable = can_read(path, true);
        } else if !meta.is_file() {
            // A FIFO or device: opening it could block; its presence is what counts.
            readable = can_read(path, false);
        } else {
            size = Ordered::Number(meta.len().into());
            readable = read_whole(path).is_ok();
        }
    }
    object(vec![
        ("name", text(name)),
        ("path", if secret { Ordered::Null } else { text(path) }),
        ("withheld", Ordered::Bool(secret)),
        ("exists", Ordered::Bool(exists)),
        ("readable", Ordered::Bool(readable)),
        ("size", size),
        ("fingerprint", Ordered::Null),
    ])
}

fn read_whole(path: &str) -> io::Result<()> {
    let mut sink = Vec::new();
    std::fs::File::open(path)?
        .take(CREDENTIAL_READ_LIMIT + 1)
        .read_to_end(&mut sink)
        .map(drop)
}

#[cfg(unix)]
fn can_read(path: &str, directory: bool) -> bool {
    let mode = if directory {
        libc::R_OK | libc::X_OK
    } else {
        libc::R_OK
    };
    posix::access(path, mode)
}

#[cfg(not(unix))]
fn can_read(_path: &str, _directory: bool) -> bool {
    true
}

/// `value` as Python's `json.dumps(value)` writes it: `", "` and `": "` between items,
/// everything from U+007F escaped as `\uXXXX` (no floats: [`Described`] has none).
fn python_json(value: &Ordered) -> String {
    use serde::Serialize;

    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    value
        .serialize(&mut serializer)
        .expect("writing to memory cannot fail");
    String::from_utf8(out).expect("JSON text is UTF-8")
}

struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.begin_array_value(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if (c as u32) < 0x7f {
                continue;
            }
            writer.write_all(fragment[start..i].as_bytes())?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(fragment[start..].as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn around(vars: &[(&str, &str)], cwd: &str, root: &str) -> Surroundings {
        Surroundings::given(vars, cwd, root)
    }

    fn described(executable: &str) -> Described {
        let facts = serde_json::json!({
            "python": {"version": "3.11.7", "executable": executable, "abi_tag": "cp311"},
            "platform": {"system": "Linux"},
            "markers": {"sys_platform": "linux"},
            "genevars_version": "0.1.0",
            "sys_path": ["/site", "https://user:s3cr3t@host/x"],
        });
        Described::from_json(&facts.to_string()).unwrap()
    }

    fn parts(d: &Described, a: &Surroundings) -> serde_json::Value {
        serde_json::from_str(&described_parts(d, a).unwrap()).unwrap()
    }

    #[test]
    fn python_json_is_what_json_dumps_writes() {
        let value: Ordered =
            serde_json::from_str(r#"{"b": [1, "é\u007f\n😀", null, true], "a": {}, "c": []}"#)
                .unwrap();
        // json.dumps({"b": [1, "é\x7f\n😀", None, True], "a": {}, "c": []})
        assert_eq!(
            python_json(&value),
            r#"{"b": [1, "\u00e9\u007f\n\ud83d\ude00", null, true], "a": {}, "c": []}"#
        );
    }

    #[test]
    fn secrets_are_withheld_and_credentials_masked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        let a = around(
            &[
                ("PLAIN", "x"),
                ("AWS_SECRET_ACCESS_KEY", "abc"),
                ("INDEX", "https://u:pw@host/simple"),
                ("HOME", root),
                ("PATH", "/nowhere"),
            ],
            "/w/https://u:pw@h",
            root,
        );
        let p = parts(&described("/venv/bin/python"), &a);
        let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(
            keys.contains(&"credential_files")
                && !keys.contains(&"conda")
                && !keys.contains(&"accelerators")
        );
        assert_eq!(p["env"]["PLAIN"], "x");
        assert_eq!(
            p["env"]["AWS_SECRET_ACCESS_KEY"],
            serde_json::json!({"withheld": "secret", "fingerprint": null, "display": null})
        );
        assert_eq!(p["env"]["INDEX"]["display"], "https://***@host/simple");
        assert_eq!(p["sys_path"][1], "https://***@host/x");
        assert_eq!(p["cwd"], "/w/https://***@h");
        assert_eq!(p["packages"], serde_json::Value::Null);
        assert_eq!(p["created_by"]["scanner"], "native");
        let text = described_parts(&described("/venv/bin/python"), &a).unwrap();
        assert!(
            !text.contains("pw") && !text.contains("s3cr3t") && !text.contains("abc"),
            "{text}"
        );
        // The fields in the snapshot's order.
        let order = [
            "\"schema\"",
            "\"created_by\"",
            "\"python\"",
            "\"platform\"",
            "\"markers\"",
            "\"cwd\"",
            "\"env\"",
            "\"sys_path\"",
            "\"packages\"",
            "\"unreadable\"",
            "\"genevars_version\"",
            "\"credential_files\"",
        ];
        let at: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn conda_accelerators_and_credential_files_are_read_from_the_surroundings() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap().to_string();
        let prefix = dir.path().join("env");
        std::fs::create_dir_all(prefix.join("conda-meta")).unwrap();
        for name in [
            "zlib-1.2-h0.json",
            "numpy-1.26.4-py311.json",
            "bad.json",
            "history",
        ] {
            std::fs::write(prefix.join("conda-meta").join(name), "{}").unwrap();
        }
        std::fs::create_dir_all(dir.path().join("proc/driver/nvidia")).unwrap();
        std::fs::write(
            dir.path().join("proc/driver/nvidia/version"),
            "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), "[default]\n").unwrap();
        std::fs::write(dir.path().join("cert.pem"), "").unwrap();
        let vars = [
            ("HOME", root.as_str()),
            ("PATH", "/bin"),
            ("SSL_CERT_FILE", "~/cert.pem"),
            ("MY_TOKEN_FILE", "/nonexistent/token"),
        ];
        let exe = format!("{}/bin/python", prefix.to_str().unwrap());
        let p = parts(&described(&exe), &around(&vars, "/", &root));
        assert_eq!(
            p["conda"],
            serde_json::json!([
                {"name": "numpy", "version": "1.26.4", "build": "py311"},
                {"name": "zlib", "version": "1.2", "build": "h0"},
            ])
        );
        assert_eq!(
            p["accelerators"],
            serde_json::json!({"nvidia_driver": "535.104.05", "gpus": [], "source": "/proc/driver/nvidia/version"})
        );
        let files = p["credential_files"].as_array().unwrap();
        let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(names[5..], ["MY_TOKEN_FILE", "SSL_CERT_FILE"]);
        assert_eq!(files[0]["exists"], true);
        assert_eq!(files[0]["readable"], true);
        assert_eq!(files[0]["size"], 10);
        assert_eq!(files[1]["exists"], false);
        assert_eq!(files[5]["path"], serde_json::Value::Null); // a secret name's path
        assert_eq!(files[5]["withheld"], true);
        assert_eq!(files[6]["path"], format!("{root}/cert.pem"));
        // An nvidia-smi on PATH: Python would run it.
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        let smi = dir.path().join("bin/nvidia-smi");
        std::fs::write(&smi, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&smi, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            described_parts(&described(&exe), &around(&vars, "/", &root)),
            Err(Declined::NvidiaSmi)
        );
    }

    #[cfg(unix)]
    #[test]
    fn what_python_would_write_otherwise_is_declined() {
        use std::os::unix::ffi::OsStringExt;

        let mut a = around(&[("PATH", "/nowhere")], "/", "/nonexistent-root");
        a.vars
            .push((OsString::from("X"), OsString::from_vec(b"\xff".to_vec())));
        assert_eq!(
            described_parts(&described("/p/bin/python"), &a),
            Err(Declined::NotUtf8Environment)
        );
        let no_python = Described::from_json(r#"{"sys_path": []}"#).unwrap();
        let a = around(&[], "/", "/nonexistent-root");
        assert!(matches!(
            described_parts(&no_python, &a),
            Err(Declined::Description(_))
        ));
        let conda = Described::from_json(r#"{"python": {}, "platform": {}, "markers": {}, "genevars_version": null, "conda": [], "sys_path": []}"#).unwrap();
        assert!(matches!(
            described_parts(&conda, &a),
            Err(Declined::Description(_))
        ));
        assert_eq!(
            driver_version("Kernel Module for x86_64\n  550.54.14 x"),
            Some("550.54.14")
        );
        assert_eq!(driver_version("Kernel Module 5"), None);
    }
}
