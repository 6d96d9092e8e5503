//! Judging a manifest before a cluster installs it: apply its pins to the workers'
//! snapshot and check again, so "pinning numpy==1.26.4 breaks opencv-python 4.10.0
//! (requires numpy>=2)" is said before minutes are spent installing.

use std::collections::{BTreeMap, BTreeSet};

use pep440_rs::{Operator, Version};
use pep508_rs::{ExtraName, PackageName, Requirement, VersionOrUrl};

use crate::finding::{Code, Finding, Severity};
use crate::snapshot::model::Snapshot;

use super::requirement::{requirement_text, Environment, InstalledDist};
use super::rules::Rules;
use super::{parse_requirement, DepsError, RequirementOf};

/// The version a pin leads to: `==X` exactly, else the installed version when it already
/// satisfies the pin, else the driver's when that does. `None`: pip would pick a version
/// we cannot know without an index.
fn pinned_version(
    req: &Requirement,
    remote: &Environment,
    local: Option<&Environment>,
) -> Option<Version> {
    let specifiers = match &req.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(s)) => s.clone(),
        Some(VersionOrUrl::Url(_)) => return None,
        None => pep440_rs::VersionSpecifiers::empty(),
    };
    if let [only] = &*specifiers {
        if *only.operator() == Operator::Equal || *only.operator() == Operator::ExactEqual {
            return Some(only.version().clone());
        }
    }
    let installed = |env: Option<&Environment>| {
        env?.get(&req.name)
            .and_then(|d| d.version.clone())
            .filter(|v| specifiers.contains(v))
    };
    installed(Some(remote)).or_else(|| installed(local))
}

/// The workers' environment with the pins applied. A pinned distribution takes its
/// metadata from whichever side has that exact version installed; otherwise its own
/// requirements are unknown (and reported as such).
fn apply_pins(
    remote: &Environment,
    local: Option<&Environment>,
    pins: &[Requirement],
    notes: &mut Vec<Finding>,
) -> Environment {
    let mut overlaid = remote.clone();
    for pin in pins {
        if !pin.evaluate_markers(&remote.markers, &[]) {
            continue;
        }
        let Some(version) = pinned_version(pin, remote, local) else {
            notes.push(Finding::new(
                Severity::Info,
                Code::RequirementPinUnresolved,
                pin.name.to_string(),
                format!(
                    "cannot tell which version of {} the pin {} installs; it is not checked",
                    pin.name,
                    requirement_text(pin)
                ),
            ));
            continue;
        };
        let same_version = |env: Option<&Environment>| {
            env?.get(&pin.name)
                .filter(|d| d.version.as_ref() == Some(&version))
                .cloned()
        };
        let dist = same_version(Some(remote)).or_else(|| same_version(local)).unwrap_or_else(|| {
            notes.push(Finding::new(
                Severity::Info,
                Code::RequirementPinMetadataUnknown,
                pin.name.to_string(),
                format!(
                    "{}=={version} is installed on neither side, so its own requirements are not checked",
                    pin.name
                ),
            ));
            InstalledDist {
                name: pin.name.clone(),
                display_name: pin.name.to_string(),
                version_text: version.to_string(),
                version: Some(version.clone()),
                requirements: Vec::new(),
                broken_requirements: Vec::new(),
                requires_python: None,
            }
        });
        overlaid
            .dists
            .insert(pin.name.clone(), std::sync::Arc::new(dist));
    }
    overlaid
}

/// What the manifest's `pins` would break (errors) or fix (info) on the workers.
/// `local` supplies metadata for versions only the driver has installed.
pub fn overlay_findings(
    local: Option<&Snapshot>,
    remote: &Snapshot,
    pins: &[String],
    rules: &Rules,
) -> Result<Vec<Finding>, DepsError> {
    let pins = pins
        .iter()
        // Blank lines, comments and pip options (`--extra-index-url ...`) pin nothing.
        .filter(|p| !p.trim().is_empty() && !p.trim_start().starts_with(['#', '-']))
        .map(|p| parse_requirement(RequirementOf::ManifestPin, p))
        .collect::<Result<Vec<_>, _>>()?;
    let remote_env = Environment::from_snapshot(remote)?;
    let local_env = local.map(Environment::from_snapshot).transpose()?;
    let mut findings = Vec::new();
    let overlaid = apply_pins(&remote_env, local_env.as_ref(), &pins, &mut findings);

    let mut requested: BTreeMap<PackageName, BTreeSet<ExtraName>> = BTreeMap::new();
    for pin in &pins {
        requested
            .entry(pin.name.clone())
            .or_default()
            .extend(pin.extras.iter().cloned());
    }
    let before_problems = remote_env.check(&requested);
    let before: BTreeSet<String> = before_problems.iter().map(ToString::to_string).collect();
    let after = overlaid.check(&requested);
    let after_texts: BTreeSet<String> = after.iter().map(ToString::to_string).collect();
    let pinned: BTreeMap<String, String> = pins
        .iter()
        .map(|p| (p.name.to_string(), requirement_text(p)))
        .collect();

    for problem in after.iter().filter(|p| !before.contains(&p.to_string())) {
        let cause = problem
            .dependency()
            .and_then(|d| pinned.get(d))
            .or_else(|| pinned.get(&problem.dependent().name));
        let message = match (cause, problem) {
            (
                Some(pin),
                super::Problem::Unsatisfied {
                    dependent,
                    requirement,
                    ..
                },
            ) => format!(
                "pinning {pin} breaks {} {} (requires {requirement})",
                dependent.display_name, dependent.version
            ),
            (Some(pin), _) => format!("with {pin}: {problem}"),
            (None, _) => format!("with the manifest applied: {problem}"),
        };
        let dependency_version = |env: &Environment| {
            let name: PackageName = problem.dependency()?.parse().ok()?;
            env.get(&name).map(|d| d.version_text.clone())
        };
        findings.push(
            Finding::new(
                Severity::Error,
                Code::RequirementManifestBreaks,
                problem.dependent().name.clone(),
                message,
            )
            .values(
                dependency_version(&remote_env),
                dependency_version(&overlaid),
            ),
        );
    }
    for problem in before_problems
        .iter()
        .filter(|p| !after_texts.contains(&p.to_string()))
    {
        findings.push(Finding::new(
            Severity::Info,
            Code::RequirementManifestFixes,
            problem.dependent().name.clone(),
            format!("the manifest fixes: {problem}"),
        ));
    }
    // Known incompatibilities the pins would create.
    let fired_before: BTreeSet<&str> = rules
        .fire_env(&remote_env)
        .iter()
        .map(|f| f.rule.id.as_str())
        .collect();
    for fired in rules.fire_env(&overlaid) {
        if !fired_before.contains(fired.rule.id.as_str()) {
            let mut finding = fired.finding(None, Some(fired.side("")));
            finding.message = format!("with the manifest applied: {}", fired.message);
            findings.push(finding);
        }
    }
    Ok(findings)
}
