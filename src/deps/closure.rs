//! Minimal requirements: the installed distributions a set of roots needs, following
//! Requires-Dist with the markers of the environment the code will run in.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use std::str::FromStr;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName, Requirement};
use serde::Serialize;

use super::requirement::{requirement_text, Environment};

/// One distribution the roots need, at its installed (source) version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Needed {
    pub name: String,
    pub display_name: String,
    pub version: String,
    /// Extras of it that some dependent (or a root) asked for.
    pub extras: Vec<String>,
    /// Normalized names of the dependents that pulled it in; empty for a root.
    pub required_by: Vec<String>,
    pub root: bool,
    /// Its Requires-Python when the target interpreter is outside it: this version will
    /// not install there.
    pub requires_python_excludes_target: Option<String>,
}

impl Needed {
    /// `name==version`, the pin a requirements file holds.
    pub fn pin(&self) -> String {
        format!("{}=={}", self.display_name, self.version)
    }
}

/// A requirement the closure met that the source environment does not have installed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotInstalled {
    pub requirement: String,
    /// The dependent's normalized name, or `None` for a root.
    pub required_by: Option<String>,
}

/// The result: what is needed, and what could not be found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Closure {
    pub needed: Vec<Needed>,
    pub not_installed: Vec<NotInstalled>,
    /// How many distributions the source environment has.
    pub installed: usize,
}

/// The closure of `roots` over `source`'s installed metadata, markers evaluated in
/// `target` (the workers' interpreter and platform). Cycles are harmless: a distribution
/// is expanded again only when it gains an extra.
pub fn closure(source: &Environment, target: &MarkerEnvironment, roots: &[Requirement]) -> Closure {
    let mut extras: BTreeMap<PackageName, BTreeSet<ExtraName>> = BTreeMap::new();
    let mut required_by: BTreeMap<PackageName, BTreeSet<String>> = BTreeMap::new();
    let mut is_root: BTreeSet<PackageName> = BTreeSet::new();
    let mut not_installed = BTreeSet::new();
    let mut queue: VecDeque<PackageName> = VecDeque::new();

    let mut visit = |req: &Requirement,
                     dependent: Option<&PackageName>,
                     extras: &mut BTreeMap<PackageName, BTreeSet<ExtraName>>,
                     queue: &mut VecDeque<PackageName>| {
        if source.get(&req.name).is_none() {
            not_installed.insert(NotInstalled {
                requirement: requirement_text(req),
                required_by: dependent.map(ToString::to_string),
            });
            return;
        }
        if let Some(dependent) = dependent {
            required_by
                .entry(req.name.clone())
                .or_default()
                .insert(dependent.to_string());
        }
        let first_visit = !extras.contains_key(&req.name);
        let known = extras.entry(req.name.clone()).or_default();
        let mut grew = false;
        for extra in &req.extras {
            grew |= known.insert(extra.clone());
        }
        if first_visit || grew {
            queue.push_back(req.name.clone());
        }
    };

    for root in roots {
        if !root.evaluate_markers(target, &[]) {
            continue;
        }
        is_root.insert(root.name.clone());
        visit(root, None, &mut extras, &mut queue);
    }
    while let Some(name) = queue.pop_front() {
        let Some(dist) = source.get(&name) else {
            continue;
        };
        let active: Vec<ExtraName> = extras[&name].iter().cloned().collect();
        for req in &dist.requirements {
            if req.evaluate_markers(target, &active) {
                visit(req, Some(&name), &mut extras, &mut queue);
            }
        }
    }

    let needed = extras
        .iter()
        .filter_map(|(name, active)| {
            let dist = source.get(name)?;
            let target_python = &target.python_full_version().version;
            let excluded = dist.requires_python.as_ref().filter(|spec| {
                VersionSpecifiers::from_str(spec).is_ok_and(|s| !s.contains(target_python))
            });
            Some(Needed {
                requires_python_excludes_target: excluded.cloned(),
                name: name.to_string(),
                display_name: dist.display_name.clone(),
                version: dist.version_text.clone(),
                extras: active.iter().map(ToString::to_string).collect(),
                required_by: required_by
                    .get(name)
                    .map(|s| s.iter().cloned().collect())
                    .unwrap_or_default(),
                root: is_root.contains(name),
            })
        })
        .collect();
    Closure {
        needed,
        not_installed: not_installed.into_iter().collect(),
        installed: source.dists.len(),
    }
}
