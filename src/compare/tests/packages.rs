//! Packages: PEP 440 classification, critical and tooling packages, one side only,
//! Ray's vendored copies, shadowed copies.

use super::*;

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
