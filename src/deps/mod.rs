//! Dependency analysis: requirement checks per environment and across them, known
//! incompatibilities as rules, and the minimal requirements a worker needs.
//!
//! [`requirement`] checks one environment (agreeing with `pip check`), [`rules`] loads and
//! fires the rules files, [`closure`] computes minimal requirements, [`overlay`] judges a
//! manifest's pins before a cluster installs them, and this module turns all of it into
//! [`Finding`]s of category `requirement` and `rule`.

mod analysis;
pub mod closure;
pub mod overlay;
pub mod requirement;
pub mod rules;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use pep508_rs::PackageName;
use rustc_hash::FxHashSet;
use thiserror::Error;

use crate::finding::{Category, Code, Finding, Severity};
use crate::snapshot::model::Snapshot;
use analysis::Analysis;

pub use closure::{closure, Closure, Needed, NotInstalled};
pub use overlay::overlay_findings;
pub use requirement::{Environment, InstalledDist, Problem};
pub use rules::{RuleError, Rules};

/// Why a dependency analysis could not run.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum DepsError {
    #[error("{environment}: the snapshot's marker environment is invalid ({reason}); take the snapshot again")]
    Markers { environment: String, reason: String },
    #[error("{what} {text:?} is not a PEP 508 requirement: {reason}")]
    Requirement {
        what: RequirementOf,
        text: String,
        reason: String,
    },
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// Whose requirement text it is, as errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequirementOf {
    /// A root of a requirement closure.
    Root,
    /// A pin of a manifest.
    ManifestPin,
    /// A Requires-Dist being checked.
    Requirement,
}

impl std::fmt::Display for RequirementOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RequirementOf::Root => "root",
            RequirementOf::ManifestPin => "manifest pin",
            RequirementOf::Requirement => "requirement",
        })
    }
}

/// How findings about the driver alone begin.
const LOCALLY: &str = "locally: ";

/// Parses a user-given requirement (a root, a pin) with a one-line error naming it.
pub fn parse_requirement(
    what: RequirementOf,
    text: &str,
) -> Result<pep508_rs::Requirement, DepsError> {
    crate::guard::parse(
        || {
            text.trim()
                .parse()
                .map_err(|e: pep508_rs::Pep508Error| e.message.to_string())
        },
        |panicked| format!("pep508_rs could not parse it: {panicked}"),
    )
    .map_err(|reason| DepsError::Requirement {
        what,
        text: requirement::safe_text(text),
        reason: requirement::safe_text(&reason),
    })
}

/// Which packages the job imports: given by the caller, or else the environment's
/// top-level distributions (installed, and required by no other installed one), found
/// with the environment's active extras.
fn imported_or_top_level(
    env: &Environment,
    active: &requirement::ActiveExtras,
    imported: Option<&BTreeSet<String>>,
) -> BTreeSet<String> {
    match imported {
        Some(names) => names
            .iter()
            .map(|n| {
                n.parse::<PackageName>()
                    .map(|p| p.to_string())
                    .unwrap_or_else(|_| n.clone())
            })
            .collect(),
        None => top_level_with(env, active),
    }
}

/// Installed distributions no other installed distribution requires (in this environment).
pub fn top_level(env: &Environment) -> BTreeSet<String> {
    top_level_with(env, &env.active_extras(&BTreeMap::new()))
}

fn top_level_with(env: &Environment, active: &requirement::ActiveExtras) -> BTreeSet<String> {
    let mut required = FxHashSet::default();
    for dist in env.dists.values() {
        let extras = requirement::extras_of(active, &dist.name);
        for req in &dist.requirements {
            if req.name != dist.name && env.applies(req, &extras) {
                required.insert(&req.name);
            }
        }
    }
    env.dists
        .keys()
        .filter(|n| !required.contains(n))
        .map(ToString::to_string)
        .collect()
}

/// The packages the job imports, worked out on first use: finding an environment's
/// top-level distributions evaluates every requirement's markers, and only the severity of
/// an unmet requirement needs them.
struct Imported<'a> {
    analysis: &'a Analysis,
    given: Option<BTreeSet<String>>,
}

impl<'a> Imported<'a> {
    fn new(analysis: &'a Analysis, given: Option<&BTreeSet<String>>) -> Imported<'a> {
        let given =
            given.map(|names| imported_or_top_level(&analysis.env, &analysis.active, Some(names)));
        Imported { analysis, given }
    }

    fn contains(&self, name: &str) -> bool {
        match &self.given {
            Some(names) => names.contains(name),
            None => self.analysis.top_level().contains(name),
        }
    }
}

fn severity_of(problem: &Problem, imports: impl Fn(&str) -> bool) -> Severity {
    match problem {
        Problem::Unsatisfied { dependent, .. } | Problem::Missing { dependent, .. }
            if imports(&dependent.name) =>
        {
            Severity::Error
        }
        _ => Severity::Warning,
    }
}

/// The fix for an unmet requirement: pin the driver's version when it satisfies the
/// requirement (the driver is the environment that works), else install what it asks.
fn fix_for(requirement: &str, local: Option<&Environment>) -> String {
    let pinned = parse_requirement(RequirementOf::Requirement, requirement)
        .ok()
        .and_then(|req| {
            let dist = local?.get(&req.name)?;
            let version = dist.version.as_ref()?;
            let satisfied = match &req.version_or_url {
                Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => {
                    specifiers.contains(version)
                }
                Some(pep508_rs::VersionOrUrl::Url(_)) => false,
                None => true,
            };
            satisfied.then(|| format!("pin {}=={}", dist.display_name, dist.version_text))
        });
    pinned.unwrap_or_else(|| format!("install {requirement}"))
}

/// A finding for one problem; `local`/`remote` are the dependency's versions on each side.
fn problem_finding(
    problem: &Problem,
    severity: Severity,
    place: &str,
    local: Option<&Environment>,
    remote: Option<&Environment>,
) -> Finding {
    let version_in = |env: Option<&Environment>| {
        let name: PackageName = problem.dependency()?.parse().ok()?;
        Some(
            env?.get(&name)
                .map(|d| d.version_text.clone())
                .unwrap_or_else(|| "not installed".to_string()),
        )
    };
    let dependent = &problem.dependent().display_name;
    let hint = match problem {
        Problem::Missing { requirement, .. } => Some(format!(
            "ModuleNotFoundError when {dependent} imports it; {}",
            fix_for(requirement, local)
        )),
        Problem::Unsatisfied { requirement, .. } => Some(format!(
            "ImportError, AttributeError or wrong results inside {dependent}; {}",
            fix_for(requirement, local)
        )),
        _ => None,
    };
    Finding::new(
        severity,
        problem.code(),
        problem.dependent().name.clone(),
        format!("{place}{problem}"),
    )
    .values(version_in(local), version_in(remote))
    .hint(hint)
}

/// Requirement and rule findings of one environment alone. `imported` names the packages
/// the job imports (their violated requirements are errors); `None` means the
/// environment's top-level distributions.
pub fn env_findings(
    snapshot: &Snapshot,
    rules: &Rules,
    imported: Option<&BTreeSet<String>>,
) -> Result<Vec<Finding>, DepsError> {
    let env = Environment::from_snapshot(snapshot)?;
    let (active, problems) = env.check_each(&BTreeMap::new());
    let imported = imported_or_top_level(&env, &active, imported);
    let mut findings: Vec<Finding> = problems
        .values()
        .flatten()
        .map(|p| {
            problem_finding(
                p,
                severity_of(p, |n| imported.contains(n)),
                "",
                Some(&env),
                None,
            )
        })
        .collect();
    findings.extend(
        rules
            .fire_env(&env)
            .iter()
            .map(|fired| fired.finding(Some(fired.side("")), None)),
    );
    sort(&mut findings);
    Ok(findings)
}

/// Requirement and rule findings between the driver (`local`) and one group of workers
/// (`remote`): what is broken on the workers (and locally), what the workers lack that
/// the driver's differing packages require, and the env and pair rules.
pub fn pair_findings(local: &Snapshot, remote: &Snapshot, rules: &Rules) -> Vec<Finding> {
    pair_findings_for(local, remote, rules, None)
}

/// [`pair_findings`] with the set of packages the job imports, when known.
pub fn pair_findings_for(
    local: &Snapshot,
    remote: &Snapshot,
    rules: &Rules,
    imported: Option<&BTreeSet<String>>,
) -> Vec<Finding> {
    let group = WorkerGroup::pair(remote);
    cluster_findings(local, &[group], rules, imported)
}

/// The findings this module adds to a driver-vs-workers comparison whose own findings so
/// far are `existing`: everything [`pair_findings`] says with the bundled rules, except pair
/// rules about a package the comparison already reports a difference for (the package
/// finding carries the same symptom and fix; saying it twice is noise), and with problems
/// of the driver alone at most warnings.
pub fn comparison_findings(
    local: &Snapshot,
    remote: &Snapshot,
    existing: &[Finding],
) -> Vec<Finding> {
    let rules = Rules::bundled_shared();
    let group = WorkerGroup::pair(remote);
    comparison_view(
        cluster_findings_with(local, &[group], rules, None, Reuse::Driver),
        rules,
        existing,
    )
}

/// [`comparison_findings`] by the full analysis of both sides, without reusing the
/// driver's results for the workers: the reference the incremental path must agree with.
pub fn comparison_findings_full(
    local: &Snapshot,
    remote: &Snapshot,
    existing: &[Finding],
) -> Vec<Finding> {
    let rules = Rules::bundled_shared();
    comparison_view(pair_findings(local, remote, rules), rules, existing)
}

/// What a comparison keeps of the pair findings (see [`comparison_findings`]).
fn comparison_view(findings: Vec<Finding>, rules: &Rules, existing: &[Finding]) -> Vec<Finding> {
    let reported: BTreeSet<&str> = existing
        .iter()
        .filter(|f| f.category == Category::Package && f.severity > Severity::Expected)
        .map(|f| f.subject.as_str())
        .collect();
    findings
        .into_iter()
        .map(|mut f| {
            // A problem of the driver alone does not explain what differs on the workers:
            // worth knowing, but it must not fail a comparison.
            if f.driver_alone && f.severity > Severity::Warning {
                f.severity = Severity::Warning;
            }
            f
        })
        .filter(|f| {
            let pair_rule = rules
                .rules
                .iter()
                .any(|r| r.scope == rules::Scope::Pair && f.code.rule_id() == Some(&r.id));
            !(pair_rule && reported.contains(f.subject.as_str()))
        })
        .collect()
}

/// One group of identical worker nodes, as the cluster comparison groups them.
#[derive(Debug, Clone, Copy)]
pub struct WorkerGroup<'a> {
    /// A representative snapshot of the group.
    pub snapshot: &'a Snapshot,
    /// The group's index in the comparison (`None` for a plain two-snapshot diff).
    pub index: Option<usize>,
    pub nodes: &'a [String],
}

impl<'a> WorkerGroup<'a> {
    /// The workers of a plain two-snapshot diff.
    fn pair(snapshot: &'a Snapshot) -> WorkerGroup<'a> {
        WorkerGroup {
            snapshot,
            index: None,
            nodes: &[],
        }
    }
}

fn unchecked(err: &DepsError) -> Finding {
    Finding::new(
        Severity::Warning,
        Code::RequirementUnchecked,
        "markers",
        format!("requirements not checked: {err}"),
    )
}

/// Requirement and rule findings between the driver and every worker group. Problems of
/// a group carry its index and node ids; problems found only on the driver are reported
/// once, not once per group.
pub fn cluster_findings(
    local: &Snapshot,
    groups: &[WorkerGroup],
    rules: &Rules,
    imported: Option<&BTreeSet<String>>,
) -> Vec<Finding> {
    cluster_findings_with(local, groups, rules, imported, Reuse::Nothing)
}

/// Whether a group's analysis may reuse the driver's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reuse {
    /// Parse and check every group in full.
    Nothing,
    /// For a group with the driver's marker environment, reuse the driver's parsed
    /// distributions and requirement problems where nothing they depend on differs.
    Driver,
}

fn cluster_findings_with(
    local: &Snapshot,
    groups: &[WorkerGroup],
    rules: &Rules,
    imported: Option<&BTreeSet<String>>,
    reuse: Reuse,
) -> Vec<Finding> {
    // Only the comparison's path keeps analyses; the full one stays the plain reference.
    let keep = reuse == Reuse::Driver;
    let local_analysis = if keep {
        analysis::of_snapshot(local)
    } else {
        Environment::from_snapshot(local).map(|env| Arc::new(Analysis::of(env)))
    };
    let local_analysis = match local_analysis {
        Ok(analysis) => analysis,
        Err(e) => return vec![unchecked(&e)],
    };
    let remotes: Vec<Result<Arc<Analysis>, DepsError>> = groups
        .iter()
        .map(|group| {
            if keep {
                remote_analysis(group.snapshot, local, &local_analysis)
            } else {
                Environment::from_snapshot(group.snapshot).map(|env| Arc::new(Analysis::of(env)))
            }
        })
        .collect();
    // A driver and its workers compared again: the same two analyses give the same findings.
    let pair = match (keep, imported, groups, remotes.as_slice()) {
        (true, None, [group], [Ok(remote)])
            if group.index.is_none() && std::ptr::eq(rules, Rules::bundled_shared()) =>
        {
            Some(remote)
        }
        _ => None,
    };
    if let Some(found) = pair.and_then(|remote| analysis::pair_findings(&local_analysis, remote)) {
        return found;
    }
    let local_env = &local_analysis.env;
    let given = imported.is_some();
    let imported = Imported::new(&local_analysis, imported);
    let local_problems: Vec<&Problem> = local_analysis.problems().collect();
    let local_texts: BTreeSet<String> = local_problems.iter().map(ToString::to_string).collect();
    let local_fired = rules.fire_env(local_env);
    let mut seen_remotely = BTreeSet::new();
    let mut rules_remotely = BTreeSet::new();
    let mut only_remote = None;
    let mut findings = Vec::new();

    for (group, analysed) in groups.iter().zip(&remotes) {
        let remote = match analysed {
            Ok(analysed) => analysed,
            Err(e) => {
                findings.push(tagged(unchecked(e), group));
                continue;
            }
        };
        let remote_env = &remote.env;
        let mut found = Vec::new();
        for problem in remote.problems() {
            let text = problem.to_string();
            let place = if local_texts.contains(&text) {
                "locally and on the workers: "
            } else {
                "on the workers: "
            };
            let severity = severity_of(problem, |n| imported.contains(n));
            found.push(problem_finding(
                problem,
                severity,
                place,
                Some(local_env),
                Some(remote_env),
            ));
            seen_remotely.insert(text);
        }
        found.extend(drivers_versions_on_workers(
            local_env, remote_env, &imported, given,
        ));
        for fired in rules.fire_env(remote_env) {
            let on_local = local_fired.iter().find(|l| l.rule.id == fired.rule.id);
            let place = if on_local.is_some() {
                "locally and on the workers"
            } else {
                "on the workers"
            };
            let mut finding = fired.finding(on_local.map(|l| l.side("")), Some(fired.side("")));
            finding.message = format!("{place}: {}", fired.message);
            found.push(finding);
            rules_remotely.insert(fired.rule.id.clone());
        }
        found.extend(
            rules.fire_pair(local_env, remote_env).iter().map(|fired| {
                fired.finding(Some(fired.side("local.")), Some(fired.side("remote.")))
            }),
        );
        findings.extend(found.into_iter().map(|f| tagged(f, group)));
        if groups.len() == 1 {
            only_remote = Some(remote);
        }
    }

    for problem in local_problems
        .iter()
        .filter(|p| !seen_remotely.contains(&p.to_string()))
    {
        let severity = severity_of(problem, |n| imported.contains(n));
        let mut finding = problem_finding(
            problem,
            severity,
            LOCALLY,
            Some(local_env),
            only_remote.as_ref().map(|a| &a.env),
        );
        finding.driver_alone = true;
        findings.push(finding);
    }
    for fired in local_fired
        .iter()
        .filter(|l| !rules_remotely.contains(&l.rule.id))
    {
        let mut finding = fired.finding(Some(fired.side("")), None);
        finding.message = format!("{LOCALLY}{}", fired.message);
        finding.driver_alone = true;
        findings.push(finding);
    }
    sort(&mut findings);
    if let Some(remote) = pair {
        analysis::keep_pair(&local_analysis, remote, &findings);
    }
    // Analyses nothing keeps are freed on a thread of their own: tens of thousands of
    // parsed requirements take milliseconds to free.
    if Arc::strong_count(&local_analysis) == 1 {
        crate::parallel::drop_aside((local_analysis, remotes));
    }
    findings
}

/// The workers' analysis in a comparison: the one kept for their package list, else
/// (with the driver's marker environment) the driver's reused where nothing differs, else
/// a full check; kept for the next comparison.
fn remote_analysis(
    remote: &Snapshot,
    local: &Snapshot,
    local_analysis: &Analysis,
) -> Result<Arc<Analysis>, DepsError> {
    if let Some(found) = analysis::find(remote) {
        return Ok(found);
    }
    let analysed = if remote.markers == local.markers {
        let (env, differing) =
            Environment::from_snapshot_reusing(remote, local, &local_analysis.env)?;
        let (active, by_dist) = problems_reusing(
            &env,
            &differing,
            &local_analysis.active,
            &local_analysis.by_dist,
        );
        Analysis::new(env, active, by_dist)
    } else {
        Analysis::of(Environment::from_snapshot(remote)?)
    };
    let analysed = Arc::new(analysed);
    analysis::keep(remote, &analysed);
    Ok(analysed)
}

/// The requirement problems of `env` per distribution, with its active extras, equal to
/// `env.check_each` with no requested extras, where `env` has the marker environment of the
/// environment whose per-distribution problems and active extras are `base_problems` and
/// `base_active`, and `differing` names every distribution that is not identical in both.
/// A distribution's problems depend only on the markers, itself, its active extras and the
/// distributions its requirements name; when none of those differ, the base's problems are
/// its problems.
fn problems_reusing(
    env: &Environment,
    differing: &FxHashSet<PackageName>,
    base_active: &requirement::ActiveExtras,
    base_problems: &BTreeMap<PackageName, Vec<Problem>>,
) -> (
    requirement::ActiveExtras,
    BTreeMap<PackageName, Vec<Problem>>,
) {
    let active = env.active_extras(&BTreeMap::new());
    let mut problems = BTreeMap::new();
    for dist in env.dists.values() {
        let reusable = !differing.contains(&dist.name)
            && active.get(&dist.name) == base_active.get(&dist.name)
            && !dist
                .requirements
                .iter()
                .any(|r| differing.contains(&r.name));
        let found = match base_problems.get(&dist.name).filter(|_| reusable) {
            Some(found) => found.clone(),
            None => env.check_dist(dist, &requirement::extras_of(&active, &dist.name)),
        };
        problems.insert(dist.name.clone(), found);
    }
    (active, problems)
}

fn tagged(mut finding: Finding, group: &WorkerGroup) -> Finding {
    if let Some(index) = group.index {
        finding.group = Some(index);
        finding.nodes = group.nodes.to_vec();
    }
    finding
}

/// The driver's version of a package the workers have at another version (or, when the
/// job's imports are known, do not have): would its requirements hold on the workers?
/// This is what pinning the local version there would meet.
fn drivers_versions_on_workers(
    local_env: &Environment,
    remote_env: &Environment,
    imported: &Imported,
    given: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for dist in local_env.dists.values() {
        let remote_dist = remote_env.get(&dist.name);
        let differs = remote_dist.is_some_and(|r| r.version != dist.version);
        let wanted = given && imported.contains(dist.name.as_ref()) && remote_dist.is_none();
        if !(differs || wanted) {
            continue;
        }
        for problem in remote_env.check_dist(dist, &[]) {
            if !matches!(
                problem,
                Problem::Unsatisfied { .. } | Problem::Missing { .. }
            ) {
                continue;
            }
            let mut finding = problem_finding(
                &problem,
                Severity::Warning,
                "",
                Some(local_env),
                Some(remote_env),
            );
            let Some(code) = problem.code_on_workers() else {
                continue;
            };
            finding.code = code;
            finding.message = format!("the driver's {problem} on the workers");
            findings.push(finding);
        }
    }
    findings
}

/// Most severe first, then by subject and code, so reports are stable.
fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.message.cmp(&b.message))
    });
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_analysis;
