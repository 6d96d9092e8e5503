use super::*;
use crate::snapshot::testutil::{package, snapshot};
use crate::compare::{compare_pair, CompareOptions, Group, SideInfo, Summary, SysPathDiffs};
use crate::snapshot::EnvValue;

fn with(packages: &[(&str, &str)]) -> Snapshot {
    let mut s = snapshot();
    s.packages = packages.iter().map(|(n, v)| package(n, v)).collect();
    s
}

fn fix_of(local: &Snapshot, remote: &Snapshot) -> Fix {
    let c = compare_pair(local, remote, &CompareOptions::default());
    fix(&FixSource::of(&c, local))
}

fn json_fix(value: serde_json::Value) -> Fix {
    fix_from_json(&value.to_string()).unwrap()
}

#[test]
fn pins_what_differs_or_is_missing_and_passes_missing_variables() {
    let mut local = with(&[
        ("numpy", "1.26.4"),
        ("attrs", "23.2.0"),
        ("ray", "2.40.0"),
        ("genevars", "0.1.0"),
    ]);
    let remote = with(&[("numpy", "2.2.6"), ("ray", "2.39.0")]);
    for name in ["MY_SETTING", "TERM", "PYTHONPATH", "BASH_FUNC_x%%"] {
        local.env.insert(name.into(), EnvValue::Plain("v".into()));
    }
    let f = fix_of(&local, &remote);
    assert_eq!(f.pins, ["attrs==23.2.0", "numpy==1.26.4"]);
    assert_eq!(f.env_from_local, ["MY_SETTING"]);
    assert_eq!(f.installer, Installer::Pip);
    let advice = f.advice.join("\n");
    assert!(advice.contains("ray 2.40.0 differs on the cluster: a runtime_env cannot change Ray"));
    assert!(advice.contains("PYTHONPATH is set only locally and points at local files"));
    assert!(advice.contains(
        "BASH_FUNC_x%% is set only locally, but its name is not one a runtime_env can pass"
    ));
    assert!(
        !advice.contains("genevars"),
        "never pinned, never advised: {advice}"
    );
}

#[test]
fn a_clean_comparison_fixes_nothing() {
    let s = with(&[("numpy", "1.26.4")]);
    assert_eq!(fix_of(&s, &s), Fix::default());
    assert_eq!(
        json_fix(serde_json::json!({"findings": [], "local": {"packages": []}})),
        Fix::default()
    );
}

#[test]
fn what_no_index_installs_is_advice() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("src's");
    std::fs::create_dir_all(project.join("mylib")).unwrap();
    let meta = root.path().join("mylib-0.3.0.dist-info");
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("top_level.txt"),
        "mylib\nnot-an-identifier\nmissing\n",
    )
    .unwrap();

    let mut editable = package("mylib", "0.3.0");
    editable.metadata_path = meta.to_string_lossy().into_owned();
    editable.direct_url = Some(DirectUrl {
        url: format!("file://{}", project.display()),
        editable: true,
        kind: "dir".into(),
    });
    let mut apt = package("python-apt", "2.4.0");
    apt.installer = None;
    apt.location = "/usr/lib/python3/dist-packages".into();
    let mut conda = package("conda-thing", "1.0");
    conda.installer = Some("Conda\n".into());
    let mut local = with(&[("odd", "1.0-custom"), ("mylib2", "1.0+internal")]);
    local.packages.extend([editable, apt, conda]);
    let f = fix_of(&local, &with(&[]));

    assert!(f.pins.is_empty(), "{:?}", f.pins);
    let dir = project.display().to_string();
    let expected = format!(
        "mylib 0.3.0 is an editable install from {dir}, not from a package index: ship its code \
         with .py_modules([\"{dir}/mylib\"]) or .working_dir(\"{dir}\"), or publish it to an index and pin it"
    );
    assert!(f.advice.contains(&expected), "{:#?}", f.advice);
    let advice = f.advice.join("\n");
    assert!(advice.contains("python-apt 2.4.0 is installed by the system package manager (apt), not pip (in /usr/lib/python3/dist-packages)"));
    assert!(advice.contains("conda-thing 1.0 is installed by conda (conda install)"));
    assert!(advice.contains("odd 1.0-custom: the version is not PEP 440"));
    assert!(advice
        .contains("mylib2 1.0+internal has a local version label that no public index serves"));
}

#[test]
fn local_labels_get_their_vendor_index() {
    let local = with(&[("torch", "2.2.0+cpu"), ("Torchvision", "0.17.0+CU121")]);
    let remote = with(&[("torch", "2.2.0+cu121"), ("torchvision", "0.16.0+cu121")]);
    let f = fix_of(&local, &remote);
    assert_eq!(f.pins, ["torch==2.2.0+cpu", "torchvision==0.17.0+CU121"]);
    assert_eq!(
        f.extra_index_urls,
        [
            "https://download.pytorch.org/whl/cpu",
            "https://download.pytorch.org/whl/cu121"
        ]
    );
    assert!(f.advice.is_empty(), "{:?}", f.advice);
}

#[test]
fn pins_that_would_change_ray_are_advice() {
    let mut ray = package("ray", "2.60.0");
    ray.requires_dist = vec![
        "protobuf>=3.20".into(),
        "numpy>=1.20; extra == \"data\"".into(),
    ];
    let mut needs_ray = package("xgboost-ray", "0.1.19");
    needs_ray.requires_dist = vec!["ray>=2.7".into()];
    let mut local = with(&[
        ("protobuf", "5.28.0"),
        ("numpy", "1.26.4"),
        ("pyyaml", "6.0.1"),
    ]);
    local.packages.extend([ray, needs_ray]);
    let remote = with(&[
        ("protobuf", "4.25.3"),
        ("numpy", "2.2.6"),
        ("pyyaml", "5.4"),
        ("ray", "2.60.0"),
        ("xgboost-ray", "0.1.18"),
    ]);
    let f = fix_of(&local, &remote);
    // numpy is only in an extra of Ray, and pyyaml is not among this Ray's requirements.
    assert_eq!(f.pins, ["numpy==1.26.4", "pyyaml==6.0.1"]);
    let advice = f.advice.join("\n");
    assert!(advice.contains(
        "protobuf 5.28.0 differs (the cluster has 4.25.3), but Ray itself depends on protobuf"
    ));
    assert!(advice.contains("xgboost-ray 0.1.19 requires ray"));

    // Without Ray's metadata, its dependencies come from the data.
    let f = fix_of(&with(&[("pyyaml", "6.0.1")]), &with(&[("pyyaml", "5.4")]));
    assert!(f.pins.is_empty() && f.advice[0].contains("Ray itself depends on pyyaml"));
}

#[test]
fn steering_by_code() {
    // Codes as comparison JSON names them, and what the fix does about each.
    let action = |text: &str, category| Code::parse(text, category).map(|c| c.fix_action());
    use Category::{Env, Genevars, Package, Python};
    assert_eq!(action("version.major", Package), Some(FixAction::PinPackage));
    assert_eq!(action("only_local", Package), Some(FixAction::PinPackage));
    assert_eq!(action("drift.version.minor", Package), Some(FixAction::Nothing));
    assert_eq!(action("shadowed", Package), Some(FixAction::Nothing));
    assert_eq!(action("conda.only_local", Package), Some(FixAction::AdviseConda));
    assert_eq!(action("only_local", Env), Some(FixAction::PassVariable));
    assert_eq!(action("python.minor", Python), Some(FixAction::AdviseImage));
    // Not a code of that category: such a finding is left to the diffs.
    assert_eq!(action("only_local", Genevars), None);
}

#[test]
fn json_with_geneva_keys_only() {
    let f = json_fix(serde_json::json!({
        "local": {"packages": [{"name": "numpy", "version": "1.26.4"}, {"name": "Attrs", "version": "23.2.0"}]},
        "pkg_diffs": {"version_mismatch": [["numpy", "1.26.4", "2.2.6"], ["bad"]], "only_local": ["attrs", "ghost"]},
        "env_diffs": {"only_local": ["MY_SETTING", "TERM"]},
        "groups": [{"env_diffs": {"only_local": ["GROUP_VAR"]}, "pkg_diffs": {"only_local": ["Attrs"]},
                    "findings": [{"severity": "error", "category": "python", "subject": "version",
                                  "code": "python.minor", "local": "3.11.9", "remote": "3.10.14"}]}],
    }));
    assert_eq!(f.pins, ["attrs==23.2.0", "numpy==1.26.4"]);
    assert_eq!(f.env_from_local, ["GROUP_VAR", "MY_SETTING"]);
    assert_eq!(f.advice, ["python version: local 3.11.9, remote 3.10.14; a runtime_env cannot change this: run the workers on a matching image (.worker_image(...))"]);
}

#[test]
fn findings_cover_their_diffs_and_odd_values_are_absent() {
    // An expected (Ray-vendored) finding covers its diff: not pinned from the fallback.
    let f = json_fix(serde_json::json!({
        "findings": [
            {"severity": "expected", "category": "package", "subject": "typing_extensions", "code": "vendored", "local": "4.12.2", "remote": "4.5.0"},
            {"severity": "odd", "category": "package", "subject": "six", "code": "version.major", "local": 2, "remote": null},
            {"severity": "error", "category": "no-such-category", "subject": "x", "code": "y", "local": "1"},
            "not a finding",
        ],
        "local": {"packages": [{"name": "typing-extensions", "version": "4.12.2"}, 7]},
        "pkg_diffs": {"version_mismatch": [["typing-extensions", "4.12.2", "4.5.0"]]},
    }));
    assert_eq!(f.pins, ["six==2"]);
    assert!(f.advice.is_empty());
}

#[test]
fn malformed_json_is_one_clear_error() {
    for text in ["[1, 2]", "{", "\"x\""] {
        let err = fix_from_json(text).unwrap_err().to_string();
        assert!(err.starts_with("comparison JSON is not valid: "), "{err}");
    }
}

fn group(index: usize, pkg_diffs: PkgDiffs) -> Group {
    Group {
        index,
        fingerprint: index.to_string(),
        label: None,
        nodes: Vec::new(),
        summary: Summary::default(),
        remote: SideInfo::default(),
        env_diffs: EnvDiffs::default(),
        pkg_diffs,
        sys_path_diffs: SysPathDiffs::default(),
    }
}

#[test]
fn uv_where_every_compared_remote_has_it_and_a_ray_that_knows_the_field() {
    let local = with(&[("six", "1.16.0"), ("ray", "2.40.0"), ("uv", "0.5.1")]);
    let remote = |pkgs: &[(&str, &str)]| with(pkgs);
    let uv = |local: &Snapshot, r: &Snapshot| fix_of(local, r).installer;
    assert_eq!(
        uv(&local, &remote(&[("ray", "2.40.0"), ("uv", "0.4.0")])),
        Installer::Uv
    );
    assert_eq!(
        uv(&local, &remote(&[("ray", "2.40.0")])),
        Installer::Pip,
        "no uv there"
    );
    assert_eq!(
        uv(&local, &remote(&[("ray", "2.39.0"), ("uv", "0.5.1")])),
        Installer::Pip,
        "Ray before the field"
    );
    assert_eq!(
        uv(&local, &remote(&[("uv", "0.5.1")])),
        Installer::Pip,
        "no Ray there"
    );
    // Only the remote counts: a local without uv still ships with uv.
    let plain = with(&[("six", "1.16.0"), ("ray", "3.0.0.dev0")]);
    assert_eq!(
        uv(&plain, &remote(&[("ray", "3.0.0.dev0"), ("UV", "0.5.1")])),
        Installer::Uv
    );
    // Nothing to pin: the default installer.
    assert_eq!(uv(&local, &local), Installer::Pip);

    // Node groups: every one must have it; none compared means pip.
    let c = compare_pair(
        &local,
        &remote(&[("ray", "2.40.0"), ("uv", "0.5.1")]),
        &CompareOptions::default(),
    );
    let mut nodes = c.clone();
    nodes.kind = ComparisonKind::Nodes;
    nodes.groups = vec![group(0, c.pkg_diffs.clone())];
    assert_eq!(fix(&FixSource::of(&nodes, &local)).installer, Installer::Uv);
    nodes.groups.push(group(
        1,
        PkgDiffs {
            only_local: vec!["uv".into()],
            ..c.pkg_diffs.clone()
        },
    ));
    assert_eq!(
        fix(&FixSource::of(&nodes, &local)).installer,
        Installer::Pip
    );
    nodes.groups.clear();
    assert_eq!(
        fix(&FixSource::of(&nodes, &local)).installer,
        Installer::Pip
    );
}

#[test]
fn python_repr_of_strings() {
    assert_eq!(py_repr("/a/b"), "'/a/b'");
    assert_eq!(py_repr("it's"), "\"it's\"");
    assert_eq!(py_repr("a'b\"c\\\n"), "'a\\'b\"c\\\\\\n'");
    assert_eq!(py_repr("\x01é"), "'\\x01é'");
}

#[test]
fn names_normalize_by_pep_503() {
    assert_eq!(normalized("Typing_Extensions"), "typing-extensions");
    assert_eq!(normalized("zope.interface"), "zope-interface");
    assert_eq!(normalized("bad name"), "bad name");
}
