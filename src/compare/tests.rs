//! Each classification of the comparison, on snapshots built in code.

use super::testutil::*;
use super::*;
use crate::snapshot::{EnvValue, Libc, ShadowedCopy, Unreadable, WithheldValue};

fn opts() -> CompareOptions {
    CompareOptions::default()
}

fn find<'a>(c: &'a Comparison, category: Category, subject: &str) -> &'a Finding {
    c.findings
        .iter()
        .find(|f| f.category == category && f.subject == subject)
        .unwrap_or_else(|| panic!("no {category:?} finding for {subject}: {:#?}", c.findings))
}

fn none_for(c: &Comparison, subject: &str) -> bool {
    c.findings.iter().all(|f| f.subject != subject)
}

#[test]
fn identical_snapshots_are_ok() {
    let s = with_env(
        with_packages(snapshot(), &[("numpy", "1.26.4")]),
        &[("HOME", "/root")],
    );
    let c = compare_pair(&s, &s, &opts());
    assert!(c.ok());
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
}

#[test]
fn python_minor_and_implementation_are_errors_patch_a_warning() {
    let l = snapshot();
    let mut r = snapshot();
    r.python.version_info.minor = 10;
    let c = compare_pair(&l, &r, &opts());
    let f = find(&c, Category::Python, "python.version");
    assert_eq!(
        (f.severity, f.code.as_str()),
        (Severity::Error, "python.minor")
    );
    assert_eq!(
        (f.local.as_deref(), f.remote.as_deref()),
        (Some("3.11.9"), Some("3.10.9"))
    );
    assert!(f.hint.as_deref().unwrap().contains("pickled"));

    let mut r = snapshot();
    r.python.version_info.micro = 4;
    let f = &compare_pair(&l, &r, &opts()).findings[0];
    assert_eq!(
        (f.severity, f.code.as_str()),
        (Severity::Warning, "python.patch")
    );

    let mut r = snapshot();
    r.python.implementation = "PyPy".into();
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(
        find(&c, Category::Python, "python.implementation").severity,
        Severity::Error
    );

    let mut r = snapshot();
    r.python.abi_tag = "cp311t".into();
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(
        find(&c, Category::Python, "python.abi_tag").severity,
        Severity::Error
    );
}

#[test]
fn platform_system_and_machine_are_errors_libc_a_warning() {
    let l = snapshot();
    let mut r = snapshot();
    r.platform.system = "Darwin".into();
    r.platform.machine = "arm64".into();
    r.platform.libc = None;
    let c = compare_pair(&r, &l, &opts());
    let system = find(&c, Category::Platform, "platform.system");
    assert_eq!(system.severity, Severity::Error);
    assert!(system
        .hint
        .as_deref()
        .unwrap()
        .contains("run from the cluster's OS/architecture (Linux)"));
    assert_eq!(
        find(&c, Category::Platform, "platform.machine").severity,
        Severity::Error
    );

    let mut r = snapshot();
    r.platform.machine = "AMD64".into();
    assert!(
        compare_pair(&l, &r, &opts()).findings.is_empty(),
        "AMD64 is x86_64"
    );

    let mut r = snapshot();
    r.platform.libc = Some(Libc {
        family: "musl".into(),
        version: "1.2".into(),
    });
    let c = compare_pair(&l, &r, &opts());
    let f = find(&c, Category::Platform, "platform.libc");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.remote.as_deref(), Some("musl 1.2"));
}

#[test]
fn package_versions_are_pep440_and_classified() {
    let l = with_packages(
        snapshot(),
        &[
            ("numpy", "1.26.4"),
            ("attrs", "23.2.0"),
            ("requests", "2.31.0"),
            ("six", "5.0"),
            ("idna", "3.6"),
            ("torch", "2.3.1+cpu"),
        ],
    );
    let r = with_packages(
        snapshot(),
        &[
            ("numpy", "2.2.6"),
            ("attrs", "24.2.0"),
            ("requests", "2.31.1"),
            ("six", "5.0.0"),
            ("idna", "3.7"),
            ("torch", "2.3.1+cu121"),
        ],
    );
    let c = compare_pair(&l, &r, &opts());
    let numpy = find(&c, Category::Package, "numpy");
    assert_eq!(
        (numpy.severity, numpy.code.as_str()),
        (Severity::Error, "version.major")
    );
    assert!(numpy.hint.as_deref().unwrap().contains("ArrowInvalid"));
    assert!(numpy
        .hint
        .as_deref()
        .unwrap()
        .ends_with("pin numpy==1.26.4"));
    let attrs = find(&c, Category::Package, "attrs");
    assert_eq!(attrs.severity, Severity::Error);
    assert!(attrs
        .hint
        .as_deref()
        .unwrap()
        .contains("Enum.__new__() missing 1 required positional argument"));
    let requests = find(&c, Category::Package, "requests");
    assert_eq!(
        (requests.severity, requests.code.as_str()),
        (Severity::Info, "version.patch")
    );
    let idna = find(&c, Category::Package, "idna");
    assert_eq!(
        (idna.severity, idna.code.as_str()),
        (Severity::Warning, "version.minor")
    );
    assert!(none_for(&c, "six"), "5.0 == 5.0.0 under PEP 440");
    let torch = find(&c, Category::Package, "torch");
    assert_eq!(
        (torch.severity, torch.code.as_str()),
        (Severity::Error, "version.local")
    );
    assert!(torch.message.contains("CUDA build"), "{}", torch.message);
    assert_eq!(
        c.pkg_diffs.version_mismatch,
        vec![
            (
                "attrs".to_string(),
                "23.2.0".to_string(),
                "24.2.0".to_string()
            ),
            ("idna".into(), "3.6".into(), "3.7".into()),
            ("numpy".into(), "1.26.4".into(), "2.2.6".into()),
            ("requests".into(), "2.31.0".into(), "2.31.1".into()),
            ("torch".into(), "2.3.1+cpu".into(), "2.3.1+cu121".into()),
        ]
    );
}

#[test]
fn a_non_critical_local_label_is_info_and_minor_of_critical_a_warning() {
    let l = with_packages(
        snapshot(),
        &[("torchvision", "0.18.1+cpu"), ("pandas", "2.1.0")],
    );
    let r = with_packages(
        snapshot(),
        &[("torchvision", "0.18.1+cu121"), ("pandas", "2.2.0")],
    );
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(
        find(&c, Category::Package, "torchvision").severity,
        Severity::Info
    );
    assert_eq!(
        find(&c, Category::Package, "pandas").severity,
        Severity::Warning
    );
}

#[test]
fn pre_post_dev_releases_and_text_versions() {
    let l = with_packages(
        snapshot(),
        &[
            ("a", "2.0.0rc1"),
            ("b", "1.0"),
            ("c", "1.0.dev1"),
            ("d", "2023-custom"),
        ],
    );
    let r = with_packages(
        snapshot(),
        &[
            ("a", "2.0.0"),
            ("b", "1.0.post1"),
            ("c", "1.0"),
            ("d", "2024-custom"),
        ],
    );
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(find(&c, Category::Package, "a").code, "version.pre");
    assert_eq!(find(&c, Category::Package, "b").code, "version.post");
    assert_eq!(find(&c, Category::Package, "c").code, "version.dev");
    let d = find(&c, Category::Package, "d");
    assert_eq!(d.code, "version.string");
    assert!(
        d.message.contains("not PEP 440 versions, compared as text"),
        "{}",
        d.message
    );
}

#[test]
fn names_are_matched_after_pep503_normalization() {
    let l = with_packages(snapshot(), &[("Typing_Extensions", "4.9.0")]);
    let r = with_packages(snapshot(), &[("typing-extensions", "4.9.0")]);
    assert!(compare_pair(&l, &r, &opts()).findings.is_empty());
}

#[test]
fn build_tooling_differences_are_informational() {
    let l = with_packages(
        snapshot(),
        &[("pip", "26.3"), ("uv", "0.9.1"), ("requests", "2.32.3")],
    );
    let r = with_packages(snapshot(), &[("pip", "23.2.1"), ("requests", "1.2.3")]);
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(
        find(&c, Category::Package, "pip").severity,
        Severity::Info,
        "tooling major differs"
    );
    assert_eq!(
        find(&c, Category::Package, "uv").severity,
        Severity::Info,
        "tooling only local"
    );
    assert_eq!(
        find(&c, Category::Package, "requests").severity,
        Severity::Warning,
        "ordinary package major differs"
    );
}

#[test]
fn packages_on_one_side_only() {
    let l = with_packages(
        snapshot(),
        &[
            ("my-custom-package", "1.0"),
            ("pandas", "2.3.3"),
            ("genevars", "0.1.0"),
        ],
    );
    let r = with_packages(snapshot(), &[("kuberay-client", "1.1")]);
    let c = compare_pair(&l, &r, &opts());
    let mine = find(&c, Category::Package, "my-custom-package");
    assert_eq!(
        (mine.severity, mine.code.as_str()),
        (Severity::Warning, "only_local")
    );
    assert!(mine.hint.as_deref().unwrap().starts_with("ModuleNotFoundError (No module named ...) on workers wherever code imports my-custom-package"));
    assert_eq!(
        find(&c, Category::Package, "pandas").severity,
        Severity::Error,
        "critical and missing"
    );
    assert_eq!(
        find(&c, Category::Package, "genevars").severity,
        Severity::Info,
        "override in the data file"
    );
    let theirs = find(&c, Category::Package, "kuberay-client");
    assert_eq!(
        (theirs.severity, theirs.code.as_str()),
        (Severity::Info, "only_remote")
    );
    assert_eq!(
        c.pkg_diffs.only_local,
        vec!["genevars", "my-custom-package", "pandas"]
    );
    assert_eq!(c.pkg_diffs.only_remote, vec!["kuberay-client"]);
}

#[test]
fn ray_vendored_packages_are_expected() {
    let l = snapshot();
    let mut r = with_packages(snapshot(), &[("psutil", "5.9.6")]);
    r.packages[0].location = "/venv/lib/python3.11/site-packages/ray/thirdparty_files".into();
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(
        find(&c, Category::Package, "psutil").severity,
        Severity::Expected
    );
    assert!(c.ok());
}

#[test]
fn shadowed_copies_with_another_version_are_reported() {
    let mut r = with_packages(snapshot(), &[("numpy", "1.26.4"), ("six", "1.16.0")]);
    r.packages[0].shadowed.push(ShadowedCopy {
        version: "2.2.6".into(),
        location: "/opt/other".into(),
        metadata_path: "/opt/other/numpy-2.2.6.dist-info".into(),
    });
    r.packages[1].shadowed.push(ShadowedCopy {
        version: "1.16".into(),
        location: "/opt/other".into(),
        metadata_path: "/opt/other/six-1.16.dist-info".into(),
    });
    let l = with_packages(snapshot(), &[("numpy", "1.26.4"), ("six", "1.16.0")]);
    let c = compare_pair(&l, &r, &opts());
    let f = find(&c, Category::Package, "numpy");
    assert_eq!(
        (f.code.as_str(), f.severity),
        ("shadowed", Severity::Warning)
    );
    assert!(
        f.message.contains("2.2.6") && f.message.contains("remotely"),
        "{}",
        f.message
    );
    assert!(f.local.is_none() && f.remote.is_some());
    assert!(none_for(&c, "six"), "an equal shadowed version is harmless");
}

#[test]
fn env_only_local_only_remote_and_values() {
    let l = with_env(
        snapshot(),
        &[
            ("CONDA_PREFIX", "/c"),
            ("MY_SETTING", "a"),
            ("PYTHONPATH", "/x"),
            ("SHLVL", "1"),
        ],
    );
    let r = with_env(
        snapshot(),
        &[
            ("MY_SETTING", "b"),
            ("PYTHONPATH", "/y"),
            ("EXTRA", "1"),
            ("RAY_JOB_ID", "01"),
            ("OMP_NUM_THREADS", "1"),
        ],
    );
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(find(&c, Category::Env, "CONDA_PREFIX").code, "only_local");
    assert_eq!(find(&c, Category::Env, "EXTRA").severity, Severity::Info);
    let setting = find(&c, Category::Env, "MY_SETTING");
    assert_eq!(
        (
            setting.code.as_str(),
            setting.local.as_deref(),
            setting.remote.as_deref()
        ),
        ("value_differs", Some("a"), Some("b"))
    );
    assert_eq!(
        find(&c, Category::Env, "PYTHONPATH").severity,
        Severity::Warning
    );
    for expected in ["RAY_JOB_ID", "OMP_NUM_THREADS", "SHLVL"] {
        assert_eq!(
            find(&c, Category::Env, expected).severity,
            Severity::Expected,
            "{expected}"
        );
    }
    assert_eq!(c.env_diffs.only_local, vec!["CONDA_PREFIX", "SHLVL"]);
    assert_eq!(
        c.env_diffs.only_remote,
        vec!["EXTRA", "OMP_NUM_THREADS", "RAY_JOB_ID"]
    );
    assert_eq!(c.env_diffs.diffs.len(), 2);
}

#[test]
fn env_prefix_filters_variables() {
    let l = with_env(snapshot(), &[("PYTHONPATH", "/x"), ("OTHER", "1")]);
    let r = with_env(snapshot(), &[("PYTHONPATH", "/y"), ("ANOTHER", "2")]);
    let c = compare_pair(
        &l,
        &r,
        &CompareOptions {
            env_prefix: Some("PY".into()),
            ..CompareOptions::default()
        },
    );
    assert!(none_for(&c, "OTHER") && none_for(&c, "ANOTHER"));
    assert_eq!(
        find(&c, Category::Env, "PYTHONPATH").code,
        "important_differs"
    );
}

#[test]
fn missing_cloud_credentials_warn_with_the_hint() {
    let mut l = with_env(snapshot(), &[("GOOGLE_APPLICATION_CREDENTIALS", "/k.json")]);
    l.env.insert("AWS_SECRET_ACCESS_KEY".into(), withheld(None));
    let r = snapshot();
    let c = compare_pair(&l, &r, &opts());
    for key in ["AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS"] {
        let f = find(&c, Category::Env, key);
        assert_eq!(
            (f.severity, f.code.as_str()),
            (Severity::Warning, "credential_missing")
        );
        assert!(f
            .hint
            .as_deref()
            .unwrap()
            .contains("permission denied / storage authentication failures"));
    }
    assert_eq!(
        find(&c, Category::Env, "AWS_SECRET_ACCESS_KEY")
            .local
            .as_deref(),
        Some(crate::redact::WITHHELD)
    );
}

#[test]
fn secrets_compare_by_fingerprint_and_never_show() {
    let mut l = snapshot();
    let mut r = snapshot();
    l.env
        .insert("API_TOKEN".into(), withheld(Some("hmac-sha256:aaaa")));
    r.env
        .insert("API_TOKEN".into(), withheld(Some("hmac-sha256:aaaa")));
    l.env
        .insert("DB_PASSWORD".into(), withheld(Some("hmac-sha256:aaaa")));
    r.env
        .insert("DB_PASSWORD".into(), withheld(Some("hmac-sha256:bbbb")));
    l.env.insert("OLD_SECRET".into(), withheld(None));
    r.env.insert("OLD_SECRET".into(), withheld(None));
    // Revealed plain values of a secret key are still masked in findings.
    l.env
        .insert("MY_API_KEY".into(), EnvValue::Plain("canary-123".into()));
    r.env
        .insert("MY_API_KEY".into(), EnvValue::Plain("canary-456".into()));
    let c = compare_pair(&l, &r, &opts());
    assert!(none_for(&c, "API_TOKEN"), "same fingerprint, same value");
    let pw = find(&c, Category::Env, "DB_PASSWORD");
    assert_eq!(pw.code, "value_differs");
    assert_eq!(pw.local.as_deref(), Some(crate::redact::WITHHELD));
    assert_eq!(find(&c, Category::Env, "OLD_SECRET").code, "cannot_tell");
    let key = find(&c, Category::Env, "MY_API_KEY");
    assert_eq!(key.code, "credential_differs");
    let text = serde_json::to_string(&c).unwrap();
    assert!(!text.contains("canary-"), "a secret value leaked: {text}");
}

#[test]
fn reveal_values_shows_plain_values_and_still_compares_withheld_by_fingerprint() {
    let mut l = with_env(
        snapshot(),
        &[(
            "PIP_INDEX_URL",
            "https://user:hunter2@pypi.example.com/simple",
        )],
    );
    let mut r = with_env(
        snapshot(),
        &[(
            "PIP_INDEX_URL",
            "https://user:other@pypi.example.com/simple",
        )],
    );
    l.env
        .insert("MY_API_KEY".into(), EnvValue::Plain("canary-123".into()));
    r.env
        .insert("MY_API_KEY".into(), EnvValue::Plain("canary-456".into()));
    l.env.insert(
        "ONLY_HERE_TOKEN".into(),
        EnvValue::Plain("canary-789".into()),
    );
    // Taken without reveal: no value to show, but fingerprints still decide.
    l.env
        .insert("DB_PASSWORD".into(), withheld(Some("hmac-sha256:aaaa")));
    r.env
        .insert("DB_PASSWORD".into(), withheld(Some("hmac-sha256:bbbb")));
    l.env
        .insert("API_TOKEN".into(), withheld(Some("hmac-sha256:aaaa")));
    r.env
        .insert("API_TOKEN".into(), withheld(Some("hmac-sha256:aaaa")));
    let reveal = CompareOptions {
        reveal_values: true,
        ..CompareOptions::default()
    };
    let c = compare_pair(&l, &r, &reveal);
    let key = find(&c, Category::Env, "MY_API_KEY");
    assert_eq!(
        (key.local.as_deref(), key.remote.as_deref()),
        (Some("canary-123"), Some("canary-456"))
    );
    assert!(
        key.message.contains("canary-123") && key.message.contains("canary-456"),
        "{}",
        key.message
    );
    assert_eq!(
        find(&c, Category::Env, "ONLY_HERE_TOKEN").local.as_deref(),
        Some("canary-789")
    );
    assert_eq!(
        find(&c, Category::Env, "PIP_INDEX_URL").local.as_deref(),
        Some("https://user:hunter2@pypi.example.com/simple")
    );
    assert!(c
        .env_diffs
        .diffs
        .iter()
        .any(|d| d.key == "MY_API_KEY" && d.local == "canary-123" && d.remote == "canary-456"));
    let pw = find(&c, Category::Env, "DB_PASSWORD");
    assert_eq!(
        (pw.code.as_str(), pw.local.as_deref()),
        ("value_differs", Some(crate::redact::WITHHELD))
    );
    assert!(
        pw.message.contains("compared by keyed fingerprint"),
        "{}",
        pw.message
    );
    assert!(none_for(&c, "API_TOKEN"), "same fingerprint, same value");

    // The default withholds the very same snapshots.
    let text = serde_json::to_string(&compare_pair(&l, &r, &opts())).unwrap();
    assert!(
        !text.contains("canary-") && !text.contains("hunter2"),
        "{text}"
    );
}

#[test]
fn url_credentials_are_masked_in_values() {
    let l = with_env(
        snapshot(),
        &[(
            "PIP_INDEX_URL",
            "https://user:hunter2@pypi.example.com/simple",
        )],
    );
    let mut r = snapshot();
    r.env.insert(
        "PIP_INDEX_URL".into(),
        EnvValue::Withheld(WithheldValue {
            withheld: "url-credentials".into(),
            fingerprint: None,
            display: Some("https://***@other.example.com/simple".into()),
        }),
    );
    let c = compare_pair(&l, &r, &opts());
    let f = find(&c, Category::Env, "PIP_INDEX_URL");
    assert_eq!(f.code, "value_differs");
    assert_eq!(
        f.local.as_deref(),
        Some("https://***@pypi.example.com/simple")
    );
    assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
}

#[test]
fn sys_path_differences_and_ray_paths() {
    let l = snapshot();
    let mut r = snapshot();
    r.sys_path.insert(
        0,
        "/venv/lib/python3.11/site-packages/ray/thirdparty_files".into(),
    );
    r.sys_path.push("/opt/extra".into());
    r.sys_path.push("/opt/extra".into());
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(
        find(&c, Category::SysPath, "/opt/extra").severity,
        Severity::Info
    );
    assert_eq!(
        find(
            &c,
            Category::SysPath,
            "/venv/lib/python3.11/site-packages/ray/thirdparty_files"
        )
        .severity,
        Severity::Expected
    );
    let d = &c.sys_path_diffs;
    assert_eq!(
        (d.intersection_count, d.local_count, d.remote_count),
        (2, 2, 4)
    );
    let c = compare_pair(
        &l,
        &r,
        &CompareOptions {
            include_sys_path: false,
            ..CompareOptions::default()
        },
    );
    assert!(c.findings.iter().all(|f| f.category != Category::SysPath));
    assert!(c.sys_path_diffs.only_remote.is_empty());
}

#[test]
fn unreadable_entries_become_findings_once() {
    let mut l = snapshot();
    let mut r = snapshot();
    let zip = Unreadable {
        path: "/usr/lib/python311.zip".into(),
        reason: "does not exist".into(),
    };
    l.unreadable.push(zip.clone());
    r.unreadable.push(zip);
    r.unreadable.push(Unreadable {
        path: "/opt/bad.dist-info".into(),
        reason: "no METADATA".into(),
    });
    let c = compare_pair(&l, &r, &opts());
    let unreadable: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.category == Category::Unreadable)
        .collect();
    assert_eq!(unreadable.len(), 2, "{unreadable:#?}");
    assert_eq!(
        find(&c, Category::Unreadable, "/opt/bad.dist-info")
            .remote
            .as_deref(),
        Some("no METADATA")
    );
}

#[test]
fn genevars_only_local_is_reported() {
    let mut l = snapshot();
    l.genevars_version = Some("0.1.0".into());
    let c = compare_pair(&l, &snapshot(), &opts());
    assert_eq!(
        find(&c, Category::Genevars, "genevars").code,
        "genevars.only_local"
    );
}

fn cluster_nodes() -> (crate::snapshot::Snapshot, Vec<crate::snapshot::Snapshot>) {
    let base = with_packages(snapshot(), &[("numpy", "1.26.4"), ("pandas", "2.3.3")]);
    let local = with_env(base.clone(), &[("HOME", "/home/me")]);
    let mut nodes = Vec::new();
    for (i, id) in ["n1", "n2", "n3"].iter().enumerate() {
        // Ray's per-node variables and pids differ on every node but do not split groups.
        let mut n = node(
            with_env(
                base.clone(),
                &[
                    ("RAY_RAYLET_PID", &format!("{}", 100 + i)),
                    ("OMP_NUM_THREADS", "1"),
                ],
            ),
            id,
        );
        n.cwd = format!("/tmp/ray/session_x/{id}");
        n.platform.release = format!("5.15.{i}");
        n.sys_path.insert(
            0,
            "/venv/lib/python3.11/site-packages/ray/_private/workers".into(),
        );
        nodes.push(n);
    }
    nodes[2].packages[0].version = "2.2.6".into();
    nodes[2]
        .env
        .insert("EXTRA_VAR".into(), EnvValue::Plain("1".into()));
    (local, nodes)
}

#[test]
fn nodes_are_grouped_and_drift_names_the_nodes() {
    let (mut local, nodes) = cluster_nodes();
    local.packages.push(package("only-here", "1.0"));
    let c = compare_nodes(&local, &nodes, &[], &opts());
    assert_eq!(c.kind, ComparisonKind::Nodes);
    assert_eq!(c.node_count, 3);
    assert_eq!(c.groups.len(), 2);
    let ids = |g: &Group| {
        g.nodes
            .iter()
            .map(|n| n.node_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&c.groups[0]), vec!["n1", "n2"]);
    assert_eq!(ids(&c.groups[1]), vec!["n3"]);
    assert_eq!(c.groups[1].nodes[0].hostname.as_deref(), Some("host-n3"));
    assert_ne!(c.groups[0].fingerprint, c.groups[1].fingerprint);
    let numpy: Vec<_> = c.findings.iter().filter(|f| f.subject == "numpy").collect();
    let local_vs = numpy.iter().find(|f| f.code == "version.major").unwrap();
    assert_eq!(
        (local_vs.severity, local_vs.group, local_vs.nodes.clone()),
        (Severity::Error, Some(1), vec!["n3".to_string()])
    );
    assert!(local_vs
        .hint
        .as_deref()
        .unwrap()
        .contains("pin numpy==1.26.4"));
    let drift = numpy
        .iter()
        .find(|f| f.code == "drift.version.major")
        .unwrap();
    assert_eq!(
        (drift.severity, drift.group, drift.nodes.clone()),
        (Severity::Error, Some(1), vec!["n3".to_string()])
    );
    assert!(
        drift.message.contains("on group 0") && drift.message.contains("on group 1"),
        "{}",
        drift.message
    );
    assert!(drift
        .hint
        .as_deref()
        .unwrap()
        .contains("depending on the node"));
    let m = c.matrix.as_ref().expect("two groups: a drift matrix");
    assert_eq!(m.columns, vec!["local", "group 0", "group 1"]);
    let subjects: Vec<&str> = m.rows.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(
        subjects,
        vec!["numpy"],
        "only what the groups disagree on (not only-here, missing on all)"
    );
    assert_eq!(
        m.rows[0].values,
        vec![
            Some("1.26.4".to_string()),
            Some("1.26.4".into()),
            Some("2.2.6".into())
        ]
    );
    assert_eq!(m.rows[0].severity, Severity::Error);
    let extra = c
        .findings
        .iter()
        .find(|f| f.subject == "EXTRA_VAR" && f.code == "only_remote")
        .unwrap();
    assert_eq!(extra.nodes, vec!["n3"]);
    assert_eq!(c.groups[0].summary.errors, 0);
    assert_eq!(
        c.groups[1].summary.errors, 1,
        "local vs group 1 and group 1 vs group 0 are one numpy problem"
    );
    // A difference all groups share is one finding naming every node.
    let home = c
        .findings
        .iter()
        .filter(|f| f.subject == "HOME")
        .collect::<Vec<_>>();
    assert_eq!(home.len(), 1, "{home:#?}");
    assert_eq!(
        (home[0].group, home[0].nodes.clone()),
        (None, vec!["n1".to_string(), "n2".into(), "n3".into()])
    );
    // Top-level geneva keys: what differs on any group, once; each group keeps its own.
    let numpy_triple = (
        "numpy".to_string(),
        "1.26.4".to_string(),
        "2.2.6".to_string(),
    );
    assert_eq!(c.pkg_diffs.version_mismatch, vec![numpy_triple.clone()]);
    assert_eq!(
        c.pkg_diffs.only_local,
        vec!["only-here".to_string()],
        "shared by both groups, listed once"
    );
    assert!(c.groups[0].pkg_diffs.version_mismatch.is_empty());
    assert_eq!(c.groups[1].pkg_diffs.version_mismatch, vec![numpy_triple]);
    assert!(
        c.env_diffs.only_remote.contains(&"EXTRA_VAR".to_string()),
        "{:?}",
        c.env_diffs.only_remote
    );
}

#[test]
fn a_uniform_cluster_is_one_group_and_clean() {
    let (local, mut nodes) = cluster_nodes();
    nodes.truncate(2);
    let c = compare_nodes(&local, &nodes, &[], &opts());
    assert_eq!(c.groups.len(), 1);
    assert!(c.matrix.is_none());
    assert!(c.ok(), "{:#?}", c.findings);
    assert!(
        c.summary.expected > 0,
        "Ray's variables are counted as expected"
    );
}

#[test]
fn unreachable_nodes_are_findings_with_the_error() {
    let (local, nodes) = cluster_nodes();
    let gone = UnreachableNode {
        node_id: "n9".into(),
        node_address: Some("127.0.0.1".into()),
        error: "GetTimeoutError: timed out after 5 s\ntraceback...".into(),
        reason: DropReason::ProbeFailed,
    };
    let c = compare_nodes(&local, &nodes[..1], &[gone], &opts());
    let f = find(&c, Category::Unreachable, "n9");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.nodes, vec!["n9"]);
    assert!(f.message.contains("GetTimeoutError: timed out after 5 s"));
    assert!(!f.message.contains("traceback"));
    assert_eq!(c.node_count, 2);
    let c = compare_nodes(&local, &[], &[], &opts());
    assert!(c.groups.is_empty() && c.remote.is_none());
}

#[test]
fn fingerprints_ignore_package_order_and_node_identity() {
    let a = node(with_packages(snapshot(), &[("a", "1"), ("b", "2")]), "x");
    let mut b = node(with_packages(snapshot(), &[("b", "2"), ("a", "1")]), "y");
    b.cwd = "/elsewhere".into();
    assert_eq!(
        environment_fingerprint(&a, &opts()),
        environment_fingerprint(&b, &opts())
    );
    b.packages[0].version = "3".into();
    assert_ne!(
        environment_fingerprint(&a, &opts()),
        environment_fingerprint(&b, &opts())
    );
}

#[test]
fn many_compares_each_with_the_first_and_builds_a_matrix() {
    let a = with_packages(
        snapshot(),
        &[("numpy", "1.26.4"), ("pandas", "2.3.3"), ("six", "1.16")],
    );
    let mut b = with_packages(snapshot(), &[("numpy", "1.26.4"), ("six", "1.16.0")]);
    b.python.version_info.minor = 10;
    let c2 = with_packages(snapshot(), &[("numpy", "2.0.1"), ("six", "1.16")]);
    let labels = vec!["local.json".to_string(), "a.json".into(), "b.json".into()];
    let c = compare_many(&[a, b, c2], &labels, &opts()).unwrap();
    assert_eq!(c.groups.len(), 2);
    assert_eq!(c.groups[1].label.as_deref(), Some("b.json"));
    let numpy = c.findings.iter().find(|f| f.subject == "numpy").unwrap();
    assert_eq!(
        (numpy.group, numpy.nodes.clone()),
        (Some(1), vec!["b.json".to_string()])
    );
    assert!(numpy.message.contains("in local.json") && numpy.message.contains("in b.json"));
    let m = c.matrix.as_ref().unwrap();
    assert_eq!(m.columns, labels);
    let subjects: Vec<&str> = m.rows.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(subjects, vec!["python", "numpy", "pandas"]);
    let pandas = m.rows.iter().find(|r| r.subject == "pandas").unwrap();
    assert_eq!(pandas.values, vec![Some("2.3.3".to_string()), None, None]);
    assert_eq!(pandas.severity, Severity::Error);
    assert!(compare_many(
        &labels[..0].iter().map(|_| snapshot()).collect::<Vec<_>>(),
        &[],
        &opts()
    )
    .is_err());
    assert_eq!(
        compare_many(&[snapshot()], &["x".into()], &opts()).unwrap_err(),
        CompareError::TooFewSnapshots(1)
    );
}
