//! Requirement check of one environment: every installed distribution's Requires-Dist,
//! with markers evaluated against that environment and extras active where a dependent
//! asked for them. On a plain environment it agrees with `pip check`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName, Requirement, VersionOrUrl};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::finding::Code;
use crate::guard;
use crate::parallel::map_chunks_of_at_least;
use crate::snapshot::model::{Package, Snapshot};

use super::DepsError;

/// One installed distribution, its metadata parsed once.
#[derive(Debug, Clone)]
pub struct InstalledDist {
    pub name: PackageName,
    pub display_name: String,
    /// The version as written in the metadata.
    pub version_text: String,
    /// `None` when the metadata's version is not PEP 440.
    pub version: Option<Version>,
    pub requirements: Vec<Requirement>,
    /// Requires-Dist lines that did not parse, with pep508_rs's reason.
    pub broken_requirements: Vec<(String, String)>,
    pub requires_python: Option<String>,
}

impl InstalledDist {
    pub fn from_package(package: &Package) -> InstalledDist {
        InstalledDist::parsed(package, &mut RequirementParser::default())
    }

    /// [`InstalledDist::from_package`] with a parser shared across distributions.
    fn parsed(package: &Package, parser: &mut RequirementParser) -> InstalledDist {
        let mut requirements = Vec::new();
        let mut broken_requirements = Vec::new();
        for line in &package.requires_dist {
            match parser.parse(line.trim()) {
                Ok(req) => requirements.push(req),
                Err(err) => broken_requirements.push((line.clone(), safe_text(&first_line(&err)))),
            }
        }
        InstalledDist {
            name: dist_key(package),
            display_name: package.display_name.clone(),
            version_text: package.version.clone(),
            version: Version::from_str(package.version.trim()).ok(),
            requirements,
            broken_requirements,
            requires_python: package.requires_python.clone(),
        }
    }
}

/// Parses Requires-Dist lines, each distinct marker once: an environment's thousands of
/// requirements share a handful of markers (`extra == "dev"`, `sys_platform == "win32"`),
/// and parsing markers is most of what parsing requirements costs.
#[derive(Default)]
struct RequirementParser {
    markers: FxHashMap<String, pep508_rs::MarkerTree>,
}

impl RequirementParser {
    /// The same result as `Requirement::from_str(line)`, its error as text; a line that
    /// makes pep508_rs panic is an error like any other.
    fn parse(&mut self, line: &str) -> Result<Requirement, String> {
        guard::parse(
            || self.parse_unguarded(line).map_err(|err| err.to_string()),
            |panicked| format!("pep508_rs could not parse it: {panicked}"),
        )
    }

    fn parse_unguarded(&mut self, line: &str) -> Result<Requirement, pep508_rs::Pep508Error> {
        // Before the first `;` of a line without `@` (no URL, which could hold a `;`) there
        // is only a name, extras and specifiers; after it, the marker.
        if let Some((head, marker)) = line.split_once(';').filter(|(head, _)| !head.contains('@')) {
            if let Ok(mut req) = Requirement::from_str(head) {
                let marker = match self.markers.get(marker) {
                    Some(parsed) => Some(parsed.clone()),
                    None => pep508_rs::MarkerTree::from_str(marker)
                        .ok()
                        .inspect(|parsed| {
                            self.markers.insert(marker.to_string(), parsed.clone());
                        }),
                };
                if let Some(marker) = marker {
                    req.marker = marker;
                    return Ok(req);
                }
            }
            // Whatever is wrong is reported as the whole line's parse reports it.
        }
        Requirement::from_str(line)
    }
}

/// The name a package is keyed by in an [`Environment`].
fn dist_key(package: &Package) -> PackageName {
    PackageName::from_str(&package.name)
        .or_else(|_| PackageName::from_str(&package.display_name))
        .unwrap_or_else(|_| PackageName::new("unnamed".to_string()).expect("a valid name"))
}

/// True when two packages give the same [`InstalledDist`] (everything it is built from).
fn same_dist(a: &Package, b: &Package) -> bool {
    a.name == b.name
        && a.display_name == b.display_name
        && a.version == b.version
        && a.requires_dist == b.requires_dist
        && a.requires_python == b.requires_python
}

/// pep508_rs errors carry the input and a caret line; one line is enough for a finding.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// Below this many packages one thread parses or checks them quicker than two.
const PACKAGES_PER_THREAD: usize = 500;

/// An environment ready for checking: its marker environment and its distributions.
#[derive(Debug, Clone)]
pub struct Environment {
    pub markers: MarkerEnvironment,
    /// Shared, so an environment built from another one's packages reuses them as parsed.
    pub dists: BTreeMap<PackageName, Arc<InstalledDist>>,
    /// The interpreter version, for Requires-Python.
    pub python: Option<Version>,
    /// Each distinct marker of the distributions' requirements evaluated once, without
    /// extras: thousands of requirements share a handful of markers.
    plain_markers: FxHashMap<pep508_rs::MarkerTree, bool>,
}

impl Environment {
    pub fn from_snapshot(snapshot: &Snapshot) -> Result<Environment, DepsError> {
        // Parsing the requirements is most of the work, and each package's is independent.
        let parsed = map_chunks_of_at_least(&snapshot.packages, PACKAGES_PER_THREAD, |chunk| {
            let mut parser = RequirementParser::default();
            chunk
                .iter()
                .map(|package| InstalledDist::parsed(package, &mut parser))
                .collect::<Vec<_>>()
        });
        let dists = parsed
            .into_iter()
            .flatten()
            .map(|d| (d.name.clone(), Arc::new(d)))
            .collect();
        Environment::with_dists(snapshot, dists)
    }

    /// The environment of `snapshot`'s interpreter holding `dists`.
    fn with_dists(
        snapshot: &Snapshot,
        dists: BTreeMap<PackageName, Arc<InstalledDist>>,
    ) -> Result<Environment, DepsError> {
        let markers =
            snapshot
                .markers
                .to_marker_environment()
                .map_err(|err| DepsError::Markers {
                    environment: snapshot.label(),
                    reason: err.to_string(),
                })?;
        let python = Version::from_str(&snapshot.markers.python_full_version).ok();
        let mut plain_markers = FxHashMap::default();
        for req in dists.values().flat_map(|d| &d.requirements) {
            if !plain_markers.contains_key(&req.marker) {
                plain_markers.insert(req.marker.clone(), req.marker.evaluate(&markers, &[]));
            }
        }
        Ok(Environment {
            markers,
            dists,
            python,
            plain_markers,
        })
    }

    /// [`Environment::from_snapshot`] for `snapshot`, reusing the parsed distributions of
    /// `base_env` (built from `base`) where a package is identical, so only differing
    /// packages are parsed. Also returns the names of the distributions that differ between
    /// the two environments (changed, or installed on one side only).
    pub fn from_snapshot_reusing(
        snapshot: &Snapshot,
        base: &Snapshot,
        base_env: &Environment,
    ) -> Result<(Environment, FxHashSet<PackageName>), DepsError> {
        // Last one wins, as in `from_snapshot`'s collect: that is the one `base_env` holds.
        let base_packages: FxHashMap<PackageName, &Package> =
            base.packages.iter().map(|p| (dist_key(p), p)).collect();
        let mut dists = BTreeMap::new();
        let mut parser = RequirementParser::default();
        for package in &snapshot.packages {
            let key = dist_key(package);
            let same = base_packages
                .get(&key)
                .is_some_and(|b| same_dist(b, package))
                .then(|| base_env.dists.get(&key))
                .flatten();
            let dist = match same {
                Some(dist) => Arc::clone(dist),
                None => Arc::new(InstalledDist::parsed(package, &mut parser)),
            };
            dists.insert(key, dist);
        }
        // A distribution is the same on both sides exactly when it is the base's, shared.
        let changed = dists.iter().filter(|(name, dist)| {
            !base_env
                .dists
                .get(*name)
                .is_some_and(|base| Arc::ptr_eq(base, dist))
        });
        let removed = base_env
            .dists
            .keys()
            .filter(|name| !dists.contains_key(*name));
        let differing = changed
            .map(|(name, _)| name)
            .chain(removed)
            .cloned()
            .collect();
        Ok((Environment::with_dists(snapshot, dists)?, differing))
    }

    pub fn get(&self, name: &PackageName) -> Option<&InstalledDist> {
        self.dists.get(name).map(Arc::as_ref)
    }

    /// Whether `req` applies here, for a dependent with `extras` active: its markers
    /// evaluated in this environment.
    pub fn applies(&self, req: &Requirement, extras: &[ExtraName]) -> bool {
        match self.plain_markers.get(&req.marker) {
            Some(applies) if extras.is_empty() => *applies,
            _ => req.evaluate_markers(&self.markers, extras),
        }
    }

    /// The extras each distribution has active: those its dependents ask for, followed
    /// transitively (`ray[default]` activates ray's `default` extra, whose requirements
    /// may activate more), plus `requested` (extras a person installed explicitly).
    pub fn active_extras(
        &self,
        requested: &BTreeMap<PackageName, BTreeSet<ExtraName>>,
    ) -> BTreeMap<PackageName, BTreeSet<ExtraName>> {
        let mut active: BTreeMap<PackageName, BTreeSet<ExtraName>> = requested.clone();
        // Only requirements that name extras can activate any: most distributions have none.
        let asking: Vec<&InstalledDist> = self
            .dists
            .values()
            .filter(|d| d.requirements.iter().any(|r| !r.extras.is_empty()))
            .map(Arc::as_ref)
            .collect();
        loop {
            let mut grew = false;
            for dist in &asking {
                let extras = extras_of(&active, &dist.name);
                for req in &dist.requirements {
                    if req.extras.is_empty()
                        || !self.dists.contains_key(&req.name)
                        || !self.applies(req, &extras)
                    {
                        continue;
                    }
                    let entry = active.entry(req.name.clone()).or_default();
                    for extra in &req.extras {
                        grew |= entry.insert(extra.clone());
                    }
                }
            }
            if !grew {
                return active;
            }
        }
    }

    /// Every requirement problem of this environment, sorted by dependent.
    pub fn check(&self, requested: &BTreeMap<PackageName, BTreeSet<ExtraName>>) -> Vec<Problem> {
        self.check_each(requested)
            .1
            .into_values()
            .flatten()
            .collect()
    }

    /// [`Environment::check`] per distribution, with the active extras it used.
    pub fn check_each(
        &self,
        requested: &BTreeMap<PackageName, BTreeSet<ExtraName>>,
    ) -> (ActiveExtras, BTreeMap<PackageName, Vec<Problem>>) {
        let active = self.active_extras(requested);
        let dists: Vec<&InstalledDist> = self.dists.values().map(Arc::as_ref).collect();
        let checked = map_chunks_of_at_least(&dists, PACKAGES_PER_THREAD, |chunk| {
            chunk
                .iter()
                .map(|dist| {
                    let extras = extras_of(&active, &dist.name);
                    (dist.name.clone(), self.check_dist(dist, &extras))
                })
                .collect::<Vec<_>>()
        });
        (active, checked.into_iter().flatten().collect())
    }

    /// The problems of one distribution's requirements, judged against this environment
    /// (the distribution itself need not be installed here: see `pair_findings`).
    pub fn check_dist(&self, dist: &InstalledDist, extras: &[ExtraName]) -> Vec<Problem> {
        let mut problems = Vec::new();
        // Written out only for a problem: most distributions have none.
        let dependent = || Dependent::of(dist);
        if dist.version.is_none() {
            problems.push(Problem::BadVersion {
                dependent: dependent(),
            });
        }
        for (line, reason) in &dist.broken_requirements {
            problems.push(Problem::BadRequirement {
                dependent: dependent(),
                requirement: safe_text(line.trim()),
                reason: reason.clone(),
            });
        }
        if let (Some(spec), Some(python)) = (&dist.requires_python, &self.python) {
            if let Ok(specifiers) = VersionSpecifiers::from_str(spec) {
                if !specifiers.contains(python) {
                    problems.push(Problem::RequiresPython {
                        dependent: dependent(),
                        requires_python: spec.clone(),
                        python: python.to_string(),
                    });
                }
            }
        }
        for req in &dist.requirements {
            let via_extra = if self.applies(req, &[]) {
                None
            } else if !extras.is_empty() && self.applies(req, extras) {
                Some(
                    extras
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                )
            } else {
                continue;
            };
            let Some(installed) = self.dists.get(&req.name) else {
                problems.push(Problem::Missing {
                    dependent: dependent(),
                    requirement: requirement_text(req),
                    dependency: req.name.to_string(),
                    via_extra,
                });
                continue;
            };
            let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &req.version_or_url else {
                continue;
            };
            // An installed version that is not PEP 440 is reported once, as BadVersion.
            let Some(version) = &installed.version else {
                continue;
            };
            if !specifiers.contains(version) {
                problems.push(Problem::Unsatisfied {
                    dependent: dependent(),
                    // Written out only for a problem: it copies and prints the requirement.
                    requirement: requirement_text(req),
                    dependency: installed.name.to_string(),
                    installed: installed.version_text.clone(),
                    via_extra,
                });
            }
        }
        problems
    }
}

/// The extras active per distribution.
pub type ActiveExtras = BTreeMap<PackageName, BTreeSet<ExtraName>>;

/// The active extras of one distribution, as the list marker evaluation takes.
pub fn extras_of(
    active: &BTreeMap<PackageName, BTreeSet<ExtraName>>,
    name: &PackageName,
) -> Vec<ExtraName> {
    active
        .get(name)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default()
}

/// A requirement without its marker, the way pip check prints it (`numpy>=1.26.0`), with
/// any credentials in a direct URL masked: findings are shown and saved.
pub fn requirement_text(req: &Requirement) -> String {
    let mut bare = req.clone();
    bare.marker = pep508_rs::MarkerTree::TRUE;
    safe_text(&bare.to_string())
}

/// `text` with URL credentials masked.
pub fn safe_text(text: &str) -> String {
    crate::redact::mask_credentials(text).unwrap_or_else(|| text.to_string())
}

/// The distribution whose requirement is in question.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Dependent {
    /// Normalized name.
    pub name: String,
    pub display_name: String,
    pub version: String,
}

impl Dependent {
    fn of(dist: &InstalledDist) -> Dependent {
        Dependent {
            name: dist.name.to_string(),
            display_name: dist.display_name.clone(),
            version: dist.version_text.clone(),
        }
    }
}

/// One thing wrong with an environment's requirements.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// A required distribution is installed at a version the requirement excludes.
    Unsatisfied {
        dependent: Dependent,
        requirement: String,
        /// Normalized name of the required distribution.
        dependency: String,
        installed: String,
        /// The dependent's extras that made this requirement apply, when only they did.
        via_extra: Option<String>,
    },
    /// A required distribution is not installed at all.
    Missing {
        dependent: Dependent,
        requirement: String,
        dependency: String,
        via_extra: Option<String>,
    },
    /// The interpreter is outside the dependent's Requires-Python.
    RequiresPython {
        dependent: Dependent,
        requires_python: String,
        python: String,
    },
    /// A Requires-Dist line that is not PEP 508.
    BadRequirement {
        dependent: Dependent,
        requirement: String,
        reason: String,
    },
    /// The dependent's version is not PEP 440, so nothing can be checked against it.
    BadVersion { dependent: Dependent },
}

impl Problem {
    pub fn dependent(&self) -> &Dependent {
        match self {
            Problem::Unsatisfied { dependent, .. }
            | Problem::Missing { dependent, .. }
            | Problem::RequiresPython { dependent, .. }
            | Problem::BadRequirement { dependent, .. }
            | Problem::BadVersion { dependent } => dependent,
        }
    }

    /// Machine-readable kind, used as the finding's code.
    pub fn code(&self) -> Code {
        match self {
            Problem::Unsatisfied { .. } => Code::RequirementUnsatisfied,
            Problem::Missing { .. } => Code::RequirementMissing,
            Problem::RequiresPython { .. } => Code::RequirementRequiresPython,
            Problem::BadRequirement { .. } => Code::RequirementInvalid,
            Problem::BadVersion { .. } => Code::RequirementInvalidVersion,
        }
    }

    /// The code of the driver's version of a package failing this way on the workers
    /// (only unsatisfied and missing requirements are checked there).
    pub fn code_on_workers(&self) -> Option<Code> {
        match self {
            Problem::Unsatisfied { .. } => Some(Code::RequirementUnsatisfiedOnWorkers),
            Problem::Missing { .. } => Some(Code::RequirementMissingOnWorkers),
            _ => None,
        }
    }

    /// The required distribution, for problems about one.
    pub fn dependency(&self) -> Option<&str> {
        match self {
            Problem::Unsatisfied { dependency, .. } | Problem::Missing { dependency, .. } => {
                Some(dependency)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dist = |d: &Dependent| format!("{} {}", d.display_name, d.version);
        let extra = |via: &Option<String>| match via {
            Some(extras) => format!(" (with extra {extras})"),
            None => String::new(),
        };
        match self {
            Problem::Unsatisfied {
                dependent,
                requirement,
                dependency,
                installed,
                via_extra,
            } => write!(
                f,
                "{}{} requires {requirement}, but {dependency} {installed} is installed",
                dist(dependent),
                extra(via_extra)
            ),
            Problem::Missing {
                dependent,
                requirement,
                via_extra,
                ..
            } => write!(
                f,
                "{}{} requires {requirement}, which is not installed",
                dist(dependent),
                extra(via_extra)
            ),
            Problem::RequiresPython {
                dependent,
                requires_python,
                python,
            } => write!(
                f,
                "{} requires Python {requires_python}, but this is Python {python}",
                dist(dependent)
            ),
            Problem::BadRequirement {
                dependent,
                requirement,
                reason,
            } => write!(
                f,
                "{} has a malformed requirement {requirement:?}: {reason}",
                dist(dependent)
            ),
            Problem::BadVersion { dependent } => write!(
                f,
                "{} has version {:?}, which is not PEP 440; its requirements cannot be checked",
                dependent.display_name, dependent.version
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memoizing parser must give exactly what pep508_rs gives for the whole line:
    /// the same requirement, or the same error.
    #[test]
    fn requirement_parser_agrees_with_pep508_on_every_shape() {
        let heads = [
            "numpy",
            "numpy>=1.26",
            "NumPy (>=1.26,<2)",
            "numpy >= 1.26 , != 1.27.*",
            "ray[default,data]>=2.9",
            "ray [ default ] (==2.9.0)",
            "pkg @ https://example.com/pkg-1.0.tar.gz",
            "pkg@https://user:secret@example.com/a;b.whl ",
            "requests-2.26.0.tar.gz",
            "bad name>=1",
            "pkg>=",
            "pkg (>=1.0",
            "",
            " ",
        ];
        let markers = [
            None,
            Some(r#" extra == "dev""#),
            Some(r#"python_version >= "3.9" and extra == 'all'"#),
            Some(
                r#"sys_platform == "win32" or (os_name == "nt" and platform_machine == "x86_64")"#,
            ),
            Some(r#"platform_machine == "x86_64" and sys_platform == "linux""#),
            Some(r#" implementation_name == "cpython"  "#),
            Some(""),
            Some(" "),
            Some("python_version >="),
            Some(r#"python_version >= "3.9" junk"#),
            Some(r#"extra == "a"; extra == "b""#),
            Some(r##"platform_version == "#1 SMP""##),
        ];
        let mut parser = RequirementParser::default();
        for head in heads {
            for marker in markers {
                let line = match marker {
                    Some(marker) => format!("{head};{marker}"),
                    None => head.to_string(),
                };
                // Twice: the second time its marker comes from the memo.
                for _ in 0..2 {
                    let expected = Requirement::from_str(&line).map_err(|e| e.to_string());
                    assert_eq!(parser.parse(&line), expected, "{line:?}");
                }
            }
        }
    }

    /// pep508_rs 0.9 panics on `numpy. >=1`; the line is a broken requirement of its
    /// distribution, reported with the rest of the check.
    #[test]
    fn a_line_that_panics_the_parser_is_a_bad_requirement() {
        let mut parser = RequirementParser::default();
        for line in [
            "numpy. >=1",
            "numpy. >=1; python_version >= '3'",
            "a- (>=1)",
        ] {
            let err = parser.parse(line).unwrap_err();
            assert!(
                err.starts_with("pep508_rs could not parse it: internal error ("),
                "{line}: {err}"
            );
        }
        let mut package = crate::snapshot::testutil::package("bad", "1.0");
        package.requires_dist = vec!["numpy. >=1".into(), "attrs>=1".into()];
        let dist = InstalledDist::from_package(&package);
        assert_eq!(dist.requirements.len(), 1);
        assert_eq!(dist.broken_requirements[0].0, "numpy. >=1");
    }
}
