//! Golden reports: the comparison JSON, text and HTML of a few representative scenarios,
//! held byte for byte in `src/golden/`. A refactoring of the core must not change them;
//! a deliberate change of output regenerates them with `GENEVARS_BLESS=1 cargo test golden`
//! and shows in review as a diff of those files.

use std::collections::BTreeMap;

use crate::snapshot::testutil::*;
use crate::compare::{
    compare_many, compare_nodes, compare_pair, CompareOptions, Comparison, NodeFailure,
    UnreachableNode,
};
use crate::report::{to_html, to_json, to_text, Snapshots, TextOptions};
use crate::snapshot::{
    Accelerators, CondaPackage, CredentialFile, ShadowedCopy, Snapshot, Unreadable,
};

fn requiring(mut s: Snapshot, name: &str, requires: &[&str]) -> Snapshot {
    let p = s
        .packages
        .iter_mut()
        .find(|p| p.name == name)
        .expect("package in the snapshot");
    p.requires_dist = requires.iter().map(|r| r.to_string()).collect();
    s
}

fn credential_file(name: &str, exists: bool, fingerprint: &str) -> CredentialFile {
    CredentialFile {
        name: name.into(),
        path: Some(format!("/home/u/{name}")),
        exists,
        readable: exists,
        size: exists.then_some(42),
        fingerprint: exists.then(|| fingerprint.to_string()),
        ..Default::default()
    }
}

/// Driver and one worker differing in Python, platform libc, packages (critical, plain,
/// tooling, shadowed, conda), variables (credential, important, Ray's, session),
/// sys.path, credential files, the NVIDIA driver, and broken requirements and rules.
fn pair() -> (Snapshot, Snapshot) {
    let mut local = with_packages(
        snapshot(),
        &[
            ("numpy", "1.26.4"),
            ("pandas", "2.2.2"),
            ("requests", "2.32.3"),
            ("torch", "2.1.0+cpu"),
            ("pip", "24.0"),
            ("my-lib", "0.3.0"),
            ("attrs", "23.2.0"),
        ],
    );
    local = requiring(local, "pandas", &["numpy>=1.22.4", "tzdata>=2022.7"]);
    local = with_env(
        local,
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12"),
            ("PYTHONPATH", "/work/src"),
            ("MY_SETTING", "a"),
            ("SHLVL", "1"),
            ("LOCAL_ONLY_FLAG", "1"),
        ],
    );
    local.sys_path.push("/work/src".into());
    local.conda.push(CondaPackage {
        name: "libcurl".into(),
        version: "8.5.0".into(),
        build: "h1".into(),
    });
    local
        .credential_files
        .push(credential_file(".netrc", true, "aa"));
    local.accelerators = Some(Accelerators {
        nvidia_driver: Some("550.54.15".into()),
        gpus: vec!["NVIDIA A10G".into()],
        source: Some("nvidia-smi".into()),
        ..Default::default()
    });
    local.genevars_version = Some("0.1.0".into());
    local.unreadable.push(Unreadable {
        path: "/opt/broken-site".into(),
        reason: "permission denied".into(),
    });

    let mut remote = with_packages(
        snapshot(),
        &[
            ("numpy", "2.1.0"),
            ("pandas", "2.2.3"),
            ("requests", "2.31.0"),
            ("torch", "2.1.0+cu121"),
            ("pip", "23.3"),
            ("attrs", "23.2.0"),
            ("ray", "2.9.0"),
        ],
    );
    remote = requiring(remote, "pandas", &["numpy<2", "tzdata>=2022.7"]);
    remote.packages[5].shadowed.push(ShadowedCopy {
        version: "21.4.0".into(),
        location: "/usr/lib/python3/dist-packages".into(),
        metadata_path: "/usr/lib/python3/dist-packages/attrs-21.4.0.dist-info".into(),
    });
    remote = with_env(
        remote,
        &[
            ("PYTHONPATH", "/app"),
            ("MY_SETTING", "b"),
            ("SHLVL", "3"),
            ("RAY_JOB_ID", "01000000"),
            ("REMOTE_ONLY_FLAG", "1"),
        ],
    );
    remote.conda.push(CondaPackage {
        name: "openssl".into(),
        version: "3.0.13".into(),
        build: "h2".into(),
    });
    remote.python.version_info.minor = 10;
    remote.python.version_info.micro = 14;
    remote.python.abi_tag = "cp310".into();
    if let Some(libc) = remote.platform.libc.as_mut() {
        libc.version = "2.31".into();
    }
    remote
        .sys_path
        .push("/venv/lib/python3.11/site-packages/ray/thirdparty_files".into());
    remote.sys_path.push("/app".into());
    remote
        .credential_files
        .push(credential_file(".netrc", false, ""));
    remote.accelerators = Some(Accelerators {
        nvidia_driver: Some("470.82.01".into()),
        gpus: vec!["NVIDIA T4".into()],
        source: Some("nvidia-smi".into()),
        ..Default::default()
    });
    (local, remote)
}

/// Local against nine nodes in three groups (drift between them), per-node variables,
/// one node that did not answer and one whose runtime_env failed.
fn nodes() -> (Snapshot, Vec<Snapshot>, Vec<UnreachableNode>) {
    let base = |numpy: &str, extra: &[(&str, &str)]| {
        let s = with_packages(
            snapshot(),
            &[
                ("numpy", numpy),
                ("requests", "2.32.3"),
                ("pyarrow", "15.0.0"),
            ],
        );
        with_env(s, extra)
    };
    let local = with_env(
        base("1.26.4", &[]),
        &[("IMAGE", "dev"), ("HF_TOKEN", "hf_x")],
    );
    let mut nodes = Vec::new();
    for i in 0..9 {
        let pod = format!("10.0.0.{i}");
        let (numpy, image) = match i {
            0..=4 => ("1.26.4", "a"),
            5..=7 => ("2.2.6", "b"),
            _ => ("1.26.4", "c"),
        };
        let mut s = base(numpy, &[("IMAGE", image), ("POD_IP", &pod)]);
        if i == 8 {
            s.packages.retain(|p| p.name != "pyarrow");
            s.python.version_info.micro = 4;
        }
        nodes.push(node(s, &format!("{:02x}", i + 1).repeat(28)));
    }
    let unreachable = vec![
        UnreachableNode {
            node_id: "64".repeat(28),
            node_address: Some("10.0.1.1".into()),
            error: "GetTimeoutError: the probe did not answer within 30 s".into(),
            reason: NodeFailure::Unreachable,
        },
        UnreachableNode {
            node_id: "65".repeat(28),
            node_address: None,
            error: "RuntimeEnvSetupError: Failed to set up runtime environment.\nERROR: No matching distribution found for nosuchpkg==9.9".into(),
            reason: NodeFailure::RuntimeEnv,
        },
    ];
    (local, nodes, unreachable)
}

fn many() -> (Vec<Snapshot>, Vec<String>) {
    let a = with_packages(snapshot(), &[("numpy", "1.26.4"), ("scipy", "1.11.0")]);
    let b = with_packages(snapshot(), &[("numpy", "2.0.0"), ("scipy", "1.11.0")]);
    let mut c = with_packages(snapshot(), &[("numpy", "1.26.4")]);
    c.platform.machine = "aarch64".into();
    let labels = ["a.json", "b.json", "c.json"].map(String::from).to_vec();
    (vec![a, b, c], labels)
}

/// Every scenario's reports, by golden file name.
fn reports() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut add = |name: &str, c: &Comparison, snaps: Snapshots<'_>| {
        out.insert(format!("{name}.json"), to_json(c, snaps, true) + "\n");
        for show_all in [false, true] {
            let text = to_text(
                c,
                snaps,
                TextOptions {
                    show_all,
                    color: false,
                },
            );
            let suffix = if show_all { "-all" } else { "" };
            out.insert(format!("{name}{suffix}.txt"), text);
        }
        out.insert(format!("{name}.html"), to_html(c, false) + "\n");
    };
    let (local, remote) = pair();
    let opts = CompareOptions::default();
    let c = compare_pair(&local, &remote, &opts);
    add(
        "pair",
        &c,
        Snapshots {
            local: Some(&local),
            remote: Some(&remote),
        },
    );
    let (local, nodes, unreachable) = nodes();
    let c = compare_nodes(&local, &nodes, &unreachable, &opts);
    add(
        "nodes",
        &c,
        Snapshots {
            local: Some(&local),
            remote: None,
        },
    );
    let c = compare_nodes(&local, &[], &unreachable, &opts);
    add("nodes-none-answered", &c, Snapshots::default());
    let (snaps, labels) = many();
    let c = compare_many(&snaps, &labels, &opts).expect("three snapshots compare");
    add("many", &c, Snapshots::default());
    out
}

#[test]
fn reports_match_the_golden_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/golden");
    let bless = std::env::var_os("GENEVARS_BLESS").is_some();
    let mut differ = Vec::new();
    for (name, text) in reports() {
        let path = dir.join(&name);
        if bless {
            std::fs::write(&path, &text).expect("golden file written");
            continue;
        }
        let golden = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (GENEVARS_BLESS=1 writes it)", path.display()));
        if golden != text {
            let line = golden
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(golden.lines().count().min(text.lines().count()));
            differ.push(format!("{name} (first difference at line {})", line + 1));
        }
    }
    assert!(
        differ.is_empty(),
        "reports differ from src/golden/: {differ:?}"
    );
}

#[test]
fn the_golden_scenarios_cover_what_they_claim() {
    let (local, remote) = pair();
    let c = compare_pair(&local, &remote, &CompareOptions::default());
    let codes: Vec<&str> = c.findings.iter().map(|f| f.code.as_str()).collect();
    for wanted in [
        "python.minor",
        "platform.libc",
        "version.major",
        "version.local",
        "only_local",
        "only_remote",
        "shadowed",
        "credential_missing",
        "important_differs",
        "value_differs",
        "conda.only_local",
        "credential_file.missing",
        "accelerator.driver",
        "requirement.unsatisfied",
        "unreadable",
    ] {
        assert!(codes.contains(&wanted), "pair lacks {wanted}: {codes:?}");
    }
    let (local, nodes, unreachable) = nodes();
    let c = compare_nodes(&local, &nodes, &unreachable, &CompareOptions::default());
    assert_eq!(c.groups.len(), 3);
    for wanted in [
        "per_node",
        "unreachable",
        "runtime_env",
        "drift.version.major",
    ] {
        assert!(
            c.findings.iter().any(|f| f.code == wanted),
            "nodes lack {wanted}"
        );
    }
}
