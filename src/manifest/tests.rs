//! Whole-manifest tests: round-trips, the golden checksum, masking.

use std::collections::BTreeMap;

use super::*;

const CANARY: &str = "canary-s3cr3t-value-7731";

fn manifest(json: &str) -> Manifest {
    build_from_json(json).unwrap().0
}

#[test]
fn golden_checksum() {
    // Changing the canonical form changes every stored checksum: do it on purpose only.
    let m = manifest(
        r#"{"name":"golden","pip":["numpy==1.26.4","attrs==23.2.0"],"env_vars":{"MODE":"fast"},"env_from_local":["AWS_ACCESS_KEY_ID"],"setup_timeout_seconds":600}"#,
    );
    assert_eq!(
        m.canonical_json(),
        r#"{"config":{"setup_timeout_seconds":600},"env_from_local":["AWS_ACCESS_KEY_ID"],"env_vars":{"MODE":"fast"},"pip":["numpy==1.26.4","attrs==23.2.0"],"schema":"genevars.manifest/1"}"#
    );
    assert_eq!(
        m.checksum(),
        "75c305d11325aee80b0a0fef9d64f79b0f3a713f9361e999fd26dd8b4bec9e05"
    );
}

#[test]
fn checksum_ignores_name_and_transient_fields() {
    let a = manifest(r#"{"name":"a","pip":["numpy==1.26.4"]}"#);
    let b = manifest(
        r#"{"name":"b","version":"7","pip":["numpy==1.26.4"],"delete_local_zips":false,"local_zip_output_dir":"/tmp/z","advice":["x"]}"#,
    );
    let c = manifest(r#"{"name":"a","pip":["numpy==1.26.5"]}"#);
    assert_eq!(a.checksum(), b.checksum());
    assert_ne!(a.checksum(), c.checksum());
}

#[test]
fn json_round_trip_and_masking() {
    let json = format!(
        r#"{{"name":"m","pip":["numpy==1.26.4"],"add":0,"env_vars":{{"MY_API_KEY":"{CANARY}","MODE":"x"}}}}"#
    )
    .replace(r#""add":0,"#, r#""extra_index_urls":["https://user:tok3n@pypi.example.com/simple"],"#);
    let m = manifest(&json);
    let masked = m.to_json(false);
    assert!(
        !masked.contains(CANARY) && !masked.contains("tok3n"),
        "{masked}"
    );
    let revealed = m.to_json(true);
    assert!(revealed.contains(CANARY) && revealed.contains("tok3n"));
    let back = Manifest::from_json(&revealed).unwrap();
    assert_eq!(back, m);
    // A masked file loads, keeps its checksum, but will not make a runtime_env.
    let loaded = Manifest::from_json(&masked).unwrap();
    assert_eq!(loaded.checksum(), m.checksum());
    let err = loaded
        .runtime_env(&BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("masked when the manifest was saved") || err.contains("withheld"),
        "{err}"
    );
    assert!(!m.to_python(false).contains(CANARY));
    assert!(m.to_python(false).contains(r#"os.environ["MY_API_KEY"]"#));
}

#[test]
fn runtime_env_shapes() {
    let m = manifest(
        r#"{"name":"m","pip":["numpy==1.26.4"],"pip_check":true,"extra_index_urls":["https://i.example/simple"],"env_from_local":["TOKEN_X"],"setup_timeout_seconds":-1,"eager_install":false}"#,
    );
    let missing = m.runtime_env(&BTreeMap::new()).unwrap_err().to_string();
    assert!(
        missing.starts_with("environment variable 'TOKEN_X' is not set in this process"),
        "{missing}"
    );
    let local = BTreeMap::from([("TOKEN_X".to_string(), "v".to_string())]);
    let env = m.runtime_env(&local).unwrap();
    assert_eq!(
        env,
        serde_json::json!({
            "pip": {"packages": ["--extra-index-url https://i.example/simple", "numpy==1.26.4"], "pip_check": true},
            "env_vars": {"TOKEN_X": "v"},
            "config": {"setup_timeout_seconds": -1, "eager_install": false}
        })
    );
    assert_eq!(
        m.to_requirements_txt(false),
        "--extra-index-url https://i.example/simple\nnumpy==1.26.4\n"
    );
}

#[test]
fn requirements_file_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    std::fs::write(
        &path,
        "\u{feff}# deps\nnumpy==1.26.4 \\\n  --hash=sha256:00\n-r more.txt\n",
    )
    .unwrap();
    let json = format!(
        r#"{{"name":"m","requirements_path":{}}}"#,
        serde_json::to_string(path.to_str().unwrap()).unwrap()
    );
    let msg = build_from_json(&json).unwrap_err().to_string();
    assert_eq!(msg, format!("requirements file '{}' line 4: '-r more.txt' includes another file (-r), which Ray does not support; paste its requirements here instead", path.display()));
    std::fs::write(&path, "\u{feff}# deps\nnumpy==1.26.4 \\\n  --hash=sha256:00\n--extra-index-url https://i.example/simple\nrequests\n").unwrap();
    let (m, unpinned) = build_from_json(&json).unwrap();
    assert_eq!(unpinned, vec!["requests"]);
    assert_eq!(
        m.spec().requirements,
        vec![
            "numpy==1.26.4   --hash=sha256:00",
            "--extra-index-url https://i.example/simple",
            "requests"
        ]
    );
}

#[test]
fn python_code_rebuilds_the_same_spec() {
    let m = manifest(
        r#"{"name":"m\"q","pip":["numpy==1.26.4","a==1"],"conda":null,"env_vars":{"MODE":"a\nb"},"allow_unpinned":true,"setup_timeout_seconds":5}"#,
    );
    let code = m.to_python(false);
    assert!(code.contains(r#"ManifestBuilder.create("m\"q")"#), "{code}");
    assert!(code.contains(r#""MODE": "a\nb""#), "{code}");
    assert!(code.contains(".allow_unpinned()") && code.contains(".setup_timeout_seconds(5)"));
}

#[test]
fn schema_and_json_errors() {
    assert!(Manifest::from_json("{")
        .unwrap_err()
        .to_string()
        .starts_with("manifest JSON is not valid"));
    assert!(
        Manifest::from_json(r#"{"schema":"genevars.manifest/2","name":"x"}"#)
            .unwrap_err()
            .to_string()
            .contains("not supported")
    );
    assert!(Manifest::from_json(r#"{"name":"x","pipp":[]}"#)
        .unwrap_err()
        .to_string()
        .contains("unknown field `pipp`"));
}

/// Random lines and files from tricky pieces: the parsers return errors, never panic.
#[test]
fn parsers_never_panic_on_random_input() {
    const PIECES: &[&str] = &[
        "-",
        "--",
        "-i",
        "-e",
        "-r",
        "=",
        "==",
        "@",
        " ",
        "\t",
        "\\",
        "\n",
        "\r\n",
        "#",
        ";",
        "[",
        "]",
        "(",
        ")",
        ",",
        "'",
        "\"",
        "é",
        "ß",
        "💥",
        "\u{feff}",
        "numpy",
        "1.26.4",
        "://",
        "file:",
        "https",
        "user:pw@",
        "/",
        ".",
        "~",
        "*",
        ">=",
        "~=",
        "!=",
        "===",
        "python_version",
        "<",
        "and",
        "or",
        "--hash=sha256:ab",
        ".whl",
        "git+",
        "${VAR}",
        "\0",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 12) as usize;
        let text: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let _ = parse_line(&text, "fuzz");
        let _ = logical_lines(&text);
        let _ = check_image("worker_image", &text);
        let json = serde_json::json!({"name": "f", "pip": [text.clone()], "env_vars": {text.clone(): "v"}}).to_string();
        if let Ok((m, _)) = build_from_json(&json) {
            let _ = m.runtime_env(&BTreeMap::new());
            let _ = m.to_python(false);
            let _ = Manifest::from_json(&m.to_json(true)).expect("a built manifest reloads");
        }
    }
}

#[test]
fn uv_installs_the_same_requirements_under_its_own_field() {
    let m = manifest(r#"{"name":"u","pip":["numpy==1.26.4"],"installer":"uv","pip_check":true,"pip_version":"0.5.1"}"#);
    let env = m.runtime_env(&BTreeMap::new()).unwrap();
    assert_eq!(
        env,
        serde_json::json!({"uv": {"packages": ["numpy==1.26.4"], "uv_check": true, "uv_version": "==0.5.1"}})
    );
    let pip = manifest(r#"{"name":"u","pip":["numpy==1.26.4"]}"#);
    assert_ne!(m.checksum(), pip.checksum());
    let err = build_from_json(r#"{"name":"u","installer":"uv","conda":{"dependencies":["x"]}}"#).unwrap_err();
    assert!(err.to_string().contains(".uv() and .conda() cannot be combined"), "{err}");
}

#[test]
fn image_uri_and_py_executable() {
    let m = manifest(r#"{"name":"i","image_uri":"rayproject/ray:2.40.0-py311","env_vars":{"MODE":"x"}}"#);
    let env = m.runtime_env(&BTreeMap::new()).unwrap();
    assert_eq!(env["image_uri"], "rayproject/ray:2.40.0-py311");
    let err = build_from_json(r#"{"name":"i","image_uri":"rayproject/ray:2.40.0","pip":["a==1"]}"#).unwrap_err();
    assert!(err.to_string().contains(".image_uri() and .pip() / .requirements_path() cannot be combined"), "{err}");
    assert!(build_from_json(r#"{"name":"i","image_uri":"https://x/y"}"#).is_err());
    let m = manifest(r#"{"name":"p","py_executable":"/opt/venv/bin/python"}"#);
    assert_eq!(m.runtime_env(&BTreeMap::new()).unwrap()["py_executable"], "/opt/venv/bin/python");
    assert!(build_from_json(r#"{"name":"p","py_executable":"  "}"#).is_err());
}
