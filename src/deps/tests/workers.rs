//! Findings between the driver and the workers, and a manifest's pins judged there.

use std::collections::BTreeSet;

use super::*;

#[test]
fn pair_findings_place_requirement_problems_on_their_side() {
    let rules = Rules::default();
    let local = linux(&[
        ("pandas", "2.3.3", &["numpy>=1.26.0"]),
        ("numpy", "1.26.4", &[]),
    ]);
    let remote = linux(&[
        ("pandas", "2.3.3", &["numpy>=1.26.0"]),
        ("numpy", "1.24.1", &[]),
    ]);
    let findings = pair_findings(&local, &remote, &rules);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f.category, Category::Requirement);
    // pandas is top-level locally: what the job imports, so an error.
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(
        f.message,
        "on the workers: pandas 2.3.3 requires numpy>=1.26.0, but numpy 1.24.1 is installed"
    );
    assert_eq!(
        (f.local.as_deref(), f.remote.as_deref()),
        (Some("1.26.4"), Some("1.24.1"))
    );
    // The driver's numpy satisfies pandas: pinning it is the fix.
    assert_eq!(
        f.hint.as_deref(),
        Some("ImportError, AttributeError or wrong results inside pandas; pin numpy==1.26.4")
    );
    // A dependency of something the job does not import is a warning.
    let imported: BTreeSet<String> = ["numpy".to_string()].into();
    let findings = pair_findings_for(&local, &remote, &rules, Some(&imported));
    assert_eq!(findings[0].severity, Severity::Warning);
}

#[test]
fn the_drivers_version_is_checked_against_the_workers() {
    let local = linux(&[
        ("pandas", "2.3.3", &["numpy>=1.26.0"]),
        ("numpy", "1.26.4", &[]),
    ]);
    let remote = linux(&[
        ("pandas", "2.0.0", &["numpy>=1.20"]),
        ("numpy", "1.24.1", &[]),
    ]);
    let findings = pair_findings(&local, &remote, &Rules::default());
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        ["the driver's pandas 2.3.3 requires numpy>=1.26.0, but numpy 1.24.1 is installed on the workers"]
    );
    assert_eq!(findings[0].code, "requirement.unsatisfied.on_workers");
}

#[test]
fn manifest_pins_are_judged_on_the_workers() {
    let local = linux(&[("numpy", "1.26.4", &[]), ("torch", "2.2.2", &[])]);
    let remote = linux(&[
        ("opencv-python", "4.10.0", &["numpy>=2"]),
        ("numpy", "2.0.1", &[]),
        ("torch", "2.4.0", &[]),
    ]);
    let pins = ["numpy==1.26.4".to_string()];
    let findings = overlay_findings(Some(&local), &remote, &pins, &Rules::bundled()).unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        findings[0].message,
        "pinning numpy==1.26.4 breaks opencv-python 4.10.0 (requires numpy>=2)"
    );
    assert_eq!(findings[0].severity, Severity::Error);
    // A pin that creates a known incompatibility is caught by the rules too.
    let pins = ["torch==2.2.2".to_string()];
    let findings = overlay_findings(Some(&local), &remote, &pins, &Rules::bundled()).unwrap();
    assert_eq!(
        findings[0].code, "rule.numpy2-torch-before-2.3",
        "{findings:?}"
    );
    // A fix: pinning numpy back satisfies a broken requirement.
    let broken = linux(&[
        ("pandas", "2.3.3", &["numpy>=1.26.0"]),
        ("numpy", "1.24.1", &[]),
    ]);
    let findings = overlay_findings(
        Some(&local),
        &broken,
        &["numpy==1.26.4".to_string()],
        &Rules::default(),
    )
    .unwrap();
    assert_eq!(findings[0].code, "requirement.manifest_fixes");
    // A bad pin is an error naming it.
    let err =
        overlay_findings(None, &remote, &["numpy===".to_string()], &Rules::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("manifest pin \"numpy===\" is not a PEP 508 requirement"),
        "{err}"
    );
}
