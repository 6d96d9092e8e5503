//! `genevars diff A B C ...`: the first snapshot against each of the others, plus a matrix
//! of what differs (packages × environments).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::comparison::{
    sort_findings, CompareError, CompareOptions, Comparison, ComparisonKind, Group, Matrix,
    MatrixRow, NodeRef, SideInfo,
};
use crate::finding::{Category, Code, Finding, Severity, Summary};
use super::fingerprint::environment_fingerprint;
use super::pair::{diff_pair, package_map, side_findings, unreadable_set};
use super::sides::Sides;
use super::version::{classify, VersionChange};
use crate::snapshot::Snapshot;

/// Compares `snapshots[0]` with each of the others; `labels` name them (file names).
/// Findings about environment `i` carry `group = i - 1` and `nodes = [label]`.
pub fn compare_many(
    snapshots: &[Snapshot],
    labels: &[String],
    opts: &CompareOptions,
) -> Result<Comparison, CompareError> {
    if snapshots.len() < 2 {
        return Err(CompareError::TooFewSnapshots(snapshots.len()));
    }
    if labels.len() != snapshots.len() {
        return Err(CompareError::LabelCount {
            labels: labels.len(),
            snapshots: snapshots.len(),
        });
    }
    let first = &snapshots[0];
    let words: Vec<String> = labels.iter().map(|l| format!("in {l}")).collect();
    let mut findings = Vec::new();
    side_findings(first, true, &words[0], &HashSet::new(), &mut findings);
    let first_unreadable = unreadable_set(first);
    let mut groups = Vec::with_capacity(snapshots.len() - 1);
    for (i, other) in snapshots.iter().enumerate().skip(1) {
        let sides = Sides {
            local: &words[0],
            remote: &words[i],
        };
        let mut parts = diff_pair(first, other, opts, sides);
        side_findings(
            other,
            false,
            &words[i],
            &first_unreadable,
            &mut parts.findings,
        );
        for f in &mut parts.findings {
            f.group = Some(i - 1);
            f.nodes = vec![labels[i].clone()];
        }
        let origin = other.origin.clone().unwrap_or_default();
        groups.push(Group {
            index: i - 1,
            fingerprint: environment_fingerprint(other, opts),
            label: Some(labels[i].clone()),
            nodes: vec![NodeRef {
                node_id: labels[i].clone(),
                node_address: origin.node_address,
                hostname: origin.hostname,
            }],
            summary: Summary::of(&parts.findings),
            remote: SideInfo::of(other, labels[i].clone()),
            env_diffs: parts.env_diffs,
            pkg_diffs: parts.pkg_diffs,
            sys_path_diffs: parts.sys_path_diffs,
        });
        findings.extend(parts.findings);
    }
    sort_findings(&mut findings);
    let columns: Vec<&Snapshot> = snapshots.iter().collect();
    let matrix = matrix(&columns, labels, &findings, 0);
    let top = &groups[0];
    Ok(Comparison {
        kind: ComparisonKind::Many,
        options: opts.clone(),
        summary: Summary::of(&findings),
        local: SideInfo::of(first, labels[0].clone()),
        remote: Some(top.remote.clone()),
        env_diffs: top.env_diffs.clone(),
        pkg_diffs: top.pkg_diffs.clone(),
        sys_path_diffs: top.sys_path_diffs.clone(),
        findings,
        groups,
        node_count: 0,
        incomplete: None,
        matrix: Some(matrix),
    })
}

/// One row per python / platform / package subject whose value is not the same in every
/// column from `from_column` on (0: anywhere; 1: among the columns after the first).
pub(crate) fn matrix(
    snapshots: &[&Snapshot],
    labels: &[String],
    findings: &[Finding],
    from_column: usize,
) -> Matrix {
    let differs = |values: &[Option<String>]| {
        let rest = &values[from_column.min(values.len())..];
        rest.iter().any(|v| v != &rest[0])
    };
    // The most severe finding per subject decides how a row is shown.
    let mut worst: HashMap<(Category, &str), Severity> = HashMap::new();
    for f in findings {
        let subject = match f.category {
            Category::Python | Category::Platform => f.category.as_str(),
            Category::Package if f.code != Code::Shadowed => f.subject.as_str(),
            _ => continue,
        };
        let entry = worst.entry((f.category, subject)).or_insert(f.severity);
        *entry = (*entry).max(f.severity);
    }
    let mut rows = Vec::new();
    let mut push_row = |category: Category, subject: &str, values: Vec<Option<String>>| {
        let severity = worst
            .get(&(category, subject))
            .copied()
            .unwrap_or(Severity::Info);
        rows.push(MatrixRow {
            category: category.as_str().to_string(),
            subject: subject.to_string(),
            values,
            severity,
        });
    };
    let pythons: Vec<Option<String>> = snapshots
        .iter()
        .map(|s| {
            Some(format!(
                "{} {}",
                s.python.implementation,
                s.python.version_info.dotted()
            ))
        })
        .collect();
    if differs(&pythons) {
        push_row(Category::Python, "python", pythons);
    }
    let platforms: Vec<Option<String>> = snapshots
        .iter()
        .map(|s| Some(format!("{} {}", s.platform.system, s.platform.machine)))
        .collect();
    if differs(&platforms) {
        push_row(Category::Platform, "platform", platforms);
    }
    let maps: Vec<_> = snapshots.iter().map(|s| package_map(s)).collect();
    let names: BTreeSet<&str> = maps
        .iter()
        .flat_map(|m| m.keys().map(|k| k.as_ref()))
        .collect();
    for name in names {
        let values: Vec<Option<&str>> = maps
            .iter()
            .map(|m| m.get(name).map(|p| p.version.as_str()))
            .collect();
        let compared = &values[from_column.min(values.len())..];
        // Missing in some columns but not all, or versions that differ under PEP 440.
        let present: Vec<&str> = compared.iter().flatten().copied().collect();
        let package_differs = (!present.is_empty() && present.len() != compared.len())
            || present
                .iter()
                .any(|v| classify(present[0], v).change != VersionChange::Equal);
        if package_differs {
            push_row(
                Category::Package,
                name,
                values.into_iter().map(|v| v.map(str::to_string)).collect(),
            );
        }
    }
    // Interpreter and platform first, then the most severe packages.
    rows.sort_by(|a, b| {
        (a.category == "package")
            .cmp(&(b.category == "package"))
            .then(b.severity.cmp(&a.severity))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    Matrix {
        columns: labels.to_vec(),
        rows,
    }
}
