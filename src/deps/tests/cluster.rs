//! Findings over node groups and inside a comparison.

use super::*;

#[test]
fn cluster_findings_tag_groups_and_report_driver_problems_once() {
    let local = linux(&[("tool", "1.0", &["missing-dep"]), ("numpy", "1.26.4", &[])]);
    let group_a = linux(&[("tool", "1.0", &["missing-dep"]), ("numpy", "2.2.6", &[])]);
    let group_b = linux(&[("numpy", "1.26.4", &[])]);
    let nodes_a = ["node-a1".to_string(), "node-a2".to_string()];
    let nodes_b = ["node-b".to_string()];
    let groups = [
        WorkerGroup {
            snapshot: &group_a,
            index: Some(0),
            nodes: &nodes_a,
        },
        WorkerGroup {
            snapshot: &group_b,
            index: Some(1),
            nodes: &nodes_b,
        },
    ];
    let findings = cluster_findings(&local, &groups, &Rules::bundled(), None);
    let summary: Vec<(Option<usize>, &str, &str)> = findings
        .iter()
        .map(|f| (f.group, f.code.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (Some(0), "rule.numpy-major-differs", "numpy 1.26.4 on the driver but 2.2.6 on the workers: arrays pickled on one side may not load on the other"),
            (Some(0), "requirement.missing", "locally and on the workers: tool 1.0 requires missing-dep, which is not installed"),
        ]
    );
    assert_eq!(findings[0].nodes, nodes_a);
    // Group b lacks `tool`: the driver's problem is said once, untagged.
    let only_b = cluster_findings(&local, &groups[1..], &Rules::bundled(), None);
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0].group, None);
    assert_eq!(
        only_b[0].message,
        "locally: tool 1.0 requires missing-dep, which is not installed"
    );
}

#[test]
fn the_comparison_carries_requirement_and_rule_findings_without_repeating_itself() {
    use crate::compare::{compare_pair, CompareOptions};
    let local = linux(&[
        ("pandas", "2.3.3", &["numpy>=1.26.0"]),
        ("numpy", "1.26.4", &[]),
        ("torch", "2.2.2", &[]),
    ]);
    let remote = linux(&[
        ("pandas", "2.3.3", &["numpy>=1.26.0"]),
        ("numpy", "2.2.6", &[]),
        ("torch", "2.2.2", &[]),
        ("opencv-python", "4.10.0", &["numpy>=2", "missing-dep"]),
    ]);
    let result = compare_pair(&local, &remote, &CompareOptions::default());
    let codes: Vec<(&str, &str)> = result
        .findings
        .iter()
        .filter(|f| {
            f.subject == "numpy" || matches!(f.category, Category::Requirement | Category::Rule)
        })
        .map(|f| (f.category.as_str(), f.code.as_str()))
        .collect();
    // numpy's major difference is said once (by the package comparison), the numpy 2 +
    // torch 2.2 incompatibility on the workers by its rule, the missing dependency by
    // the requirement check.
    assert!(
        codes.contains(&("rule", "rule.numpy2-torch-before-2.3")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("requirement", "requirement.missing")),
        "{codes:?}"
    );
    assert!(
        !codes.contains(&("rule", "rule.numpy-major-differs")),
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|(c, _)| *c == "package").count(),
        1,
        "{codes:?}"
    );
    assert!(result.summary.errors >= 2);
}

#[test]
fn in_a_comparison_the_drivers_own_problems_are_warnings() {
    let local = linux(&[("black", "24.1.0", &["click>=8"]), ("click", "7.1.0", &[])]);
    let remote = linux(&[]);
    let direct = pair_findings(&local, &remote, &Rules::default());
    assert_eq!(direct[0].severity, Severity::Error);
    // Nowhere is a click>=8 installed: the fix is to install one.
    assert!(direct[0]
        .hint
        .as_deref()
        .unwrap()
        .ends_with("; install click>=8"));
    let compared = comparison_findings(&local, &remote, &[]);
    assert_eq!(compared.len(), 1);
    assert_eq!(compared[0].severity, Severity::Warning);
    assert_eq!(
        compared[0].message,
        "locally: black 24.1.0 requires click>=8, but click 7.1.0 is installed"
    );
}
