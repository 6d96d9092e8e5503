//! One environment's requirement check, kept between comparisons for its package list.
//!
//! A comparison checks the requirements of both sides (what `pip check` does), and that is
//! most of its cost. The driver's environment is the same from one comparison to the next,
//! and a cluster's nodes share a few package lists, so each distinct (markers, package
//! list) is analysed once per process, and the findings of a pair of them once. An analysis
//! is reused only for a snapshot equal in every field the check reads (compared in full,
//! not by a hash). `GENEVARS_NO_CACHE=1` turns the keeping off.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use pep508_rs::PackageName;

use super::requirement::{ActiveExtras, Environment, Problem};
use crate::finding::Finding;
use crate::snapshot::model::{ListMark, Markers, Snapshot};

/// An environment with its requirement problems, as `Environment::check_each` gives them.
#[derive(Debug)]
pub(crate) struct Analysis {
    pub env: Environment,
    pub active: ActiveExtras,
    pub by_dist: BTreeMap<PackageName, Vec<Problem>>,
    /// The environment's top-level distributions, worked out on first use.
    top_level: OnceLock<BTreeSet<String>>,
}

impl Analysis {
    pub fn new(
        env: Environment,
        active: ActiveExtras,
        by_dist: BTreeMap<PackageName, Vec<Problem>>,
    ) -> Analysis {
        Analysis {
            env,
            active,
            by_dist,
            top_level: OnceLock::new(),
        }
    }

    /// The full check of `env`.
    pub fn of(env: Environment) -> Analysis {
        let (active, by_dist) = env.check_each(&BTreeMap::new());
        Analysis::new(env, active, by_dist)
    }

    /// Every problem, sorted by dependent (`Environment::check`).
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.by_dist.values().flatten()
    }

    pub fn top_level(&self) -> &BTreeSet<String> {
        self.top_level
            .get_or_init(|| super::top_level_with(&self.env, &self.active))
    }
}

/// What the check reads of a snapshot: its markers and, per package, the fields an
/// `InstalledDist` is built from, laid end to end.
#[derive(Debug)]
pub(crate) struct Key {
    markers: Markers,
    packages: usize,
    /// The list the key was made of: a snapshot sharing it matches without comparing.
    list: ListMark,
    /// Each string followed by 0xFF (which UTF-8 never holds), each count as 4 bytes.
    fields: Vec<u8>,
}

/// 0xFF ends a string field: it never occurs in UTF-8, so no field runs into the next.
const END: u8 = 0xFF;

impl Key {
    pub fn of(snapshot: &Snapshot) -> Key {
        let mut fields = Vec::new();
        each_field(snapshot, |field| match field {
            Field::Text(text) => {
                fields.extend_from_slice(text.as_bytes());
                fields.push(END);
            }
            Field::Count(n) => fields.extend_from_slice(&n.to_le_bytes()),
        });
        Key {
            markers: snapshot.markers.clone(),
            packages: snapshot.packages.len(),
            list: snapshot.packages.mark(),
            fields,
        }
    }

    /// Whether `snapshot` gives this key, without building its key.
    pub fn matches(&self, snapshot: &Snapshot) -> bool {
        if self.packages != snapshot.packages.len() || self.markers != snapshot.markers {
            return false;
        }
        if self.list.is(&snapshot.packages) {
            return true;
        }
        let mut at = 0;
        let mut same = true;
        each_field(snapshot, |field| {
            if !same {
                return;
            }
            let rest = &self.fields[at..];
            same = match field {
                Field::Text(text) => {
                    let n = text.len();
                    let equal = rest.len() > n && rest[n] == END && &rest[..n] == text.as_bytes();
                    at += n + 1;
                    equal
                }
                Field::Count(n) => {
                    at += 4;
                    rest.get(..4) == Some(&n.to_le_bytes()[..])
                }
            };
        });
        same && at == self.fields.len()
    }
}

enum Field<'a> {
    Text(&'a str),
    Count(u32),
}

fn each_field<'a>(snapshot: &'a Snapshot, mut visit: impl FnMut(Field<'a>)) {
    for package in &snapshot.packages {
        visit(Field::Text(&package.name));
        visit(Field::Text(&package.display_name));
        visit(Field::Text(&package.version));
        match &package.requires_python {
            Some(spec) => {
                visit(Field::Count(1));
                visit(Field::Text(spec));
            }
            None => visit(Field::Count(0)),
        }
        visit(Field::Count(package.requires_dist.len() as u32));
        for line in &package.requires_dist {
            visit(Field::Text(line));
        }
    }
}

/// At most this many distributions are kept in all (a few environments of thousands).
const KEPT_DISTS: usize = 20_000;
/// And the findings of this many pairs.
const KEPT_PAIRS: usize = 8;

#[derive(Default)]
struct Kept {
    /// Oldest first.
    analyses: VecDeque<(Arc<Key>, Arc<Analysis>)>,
    /// The findings between two kept analyses (a driver and one group of workers), by
    /// identity: the entry holds both, so neither address is reused while it is here.
    pairs: VecDeque<(Arc<Analysis>, Arc<Analysis>, Vec<Finding>)>,
}

fn kept() -> std::sync::MutexGuard<'static, Kept> {
    static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();
    KEPT.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Whether analyses are kept (`GENEVARS_NO_CACHE` unset or empty).
pub(crate) fn enabled() -> bool {
    crate::snapshot::kept::keeping()
}

/// The analysis kept for a snapshot equal to `snapshot` in what the check reads.
pub(crate) fn find(snapshot: &Snapshot) -> Option<Arc<Analysis>> {
    if !enabled() {
        return None;
    }
    let mut kept = kept();
    let at = kept
        .analyses
        .iter()
        .rposition(|(key, _)| key.matches(snapshot))?;
    let entry = kept.analyses.remove(at)?;
    let found = Arc::clone(&entry.1);
    kept.analyses.push_back(entry);
    Some(found)
}

/// Keeps `analysis` for `snapshot`, dropping the least recently used beyond the bound.
pub(crate) fn keep(snapshot: &Snapshot, analysis: &Arc<Analysis>) {
    if !enabled() || analysis.env.dists.len() > KEPT_DISTS {
        return;
    }
    let key = Arc::new(Key::of(snapshot));
    let mut kept = kept();
    kept.analyses.push_back((key, Arc::clone(analysis)));
    let mut dropped = Vec::new();
    while kept
        .analyses
        .iter()
        .map(|(_, a)| a.env.dists.len())
        .sum::<usize>()
        > KEPT_DISTS
    {
        dropped.extend(kept.analyses.pop_front());
    }
    // A pair's findings go with the analyses they were made of.
    let Kept { analyses, pairs } = &mut *kept;
    let held = |a: &Arc<Analysis>| analyses.iter().any(|(_, b)| Arc::ptr_eq(a, b));
    pairs.retain(|(l, r, _)| held(l) && held(r));
    drop(kept);
    // Freeing thousands of parsed distributions takes milliseconds, not the caller's.
    if !dropped.is_empty() {
        crate::parallel::drop_aside(dropped);
    }
}

/// The analysis of `snapshot`: the kept one, or a full check that is then kept.
pub(crate) fn of_snapshot(snapshot: &Snapshot) -> Result<Arc<Analysis>, super::DepsError> {
    if let Some(found) = find(snapshot) {
        return Ok(found);
    }
    let analysis = Arc::new(Analysis::of(Environment::from_snapshot(snapshot)?));
    keep(snapshot, &analysis);
    Ok(analysis)
}

/// The findings kept for the pair (`local`, `remote`), if any.
pub(crate) fn pair_findings(local: &Arc<Analysis>, remote: &Arc<Analysis>) -> Option<Vec<Finding>> {
    if !enabled() {
        return None;
    }
    let kept = kept();
    kept.pairs
        .iter()
        .find(|(l, r, _)| Arc::ptr_eq(l, local) && Arc::ptr_eq(r, remote))
        .map(|(_, _, findings)| findings.clone())
}

/// Keeps the findings of the pair (`local`, `remote`).
pub(crate) fn keep_pair(local: &Arc<Analysis>, remote: &Arc<Analysis>, findings: &[Finding]) {
    if !enabled() {
        return;
    }
    let mut kept = kept();
    kept.pairs
        .push_back((Arc::clone(local), Arc::clone(remote), findings.to_vec()));
    while kept.pairs.len() > KEPT_PAIRS {
        kept.pairs.pop_front();
    }
}
