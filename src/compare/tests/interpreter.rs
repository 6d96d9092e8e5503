//! The interpreter, the platform and genevars itself.

use super::*;

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
fn genevars_only_local_is_reported() {
    let mut l = snapshot();
    l.genevars_version = Some("0.1.0".into());
    let c = compare_pair(&l, &snapshot(), &opts());
    assert_eq!(
        find(&c, Category::Genevars, "genevars").code,
        "genevars.only_local"
    );
}
