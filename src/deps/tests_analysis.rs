//! The analyses kept between comparisons: reused only for an equal package list, and
//! never changing what a comparison reports.

use super::analysis::Key;
use super::{comparison_findings, comparison_findings_full};
use crate::snapshot::model::{Package, Snapshot};
use crate::snapshot::testutil::{package, snapshot};

fn pkg(name: &str, version: &str, requires: &[&str], requires_python: Option<&str>) -> Package {
    let mut p = package(name, version);
    p.requires_dist = requires.iter().map(ToString::to_string).collect();
    p.requires_python = requires_python.map(ToString::to_string);
    p
}

fn env(packages: Vec<Package>) -> Snapshot {
    let mut s = snapshot();
    s.packages = packages.into();
    s
}

fn base() -> Snapshot {
    env(vec![
        pkg("pandas", "2.2.2", &["numpy>=1.26", "pytz"], Some(">=3.9")),
        pkg("numpy", "1.26.4", &[], None),
        pkg("pytz", "2024.1", &[], None),
    ])
}

#[test]
fn a_key_matches_exactly_the_snapshots_equal_in_what_the_check_reads() {
    let key = Key::of(&base());
    assert!(key.matches(&base()));
    // What the check does not read may differ.
    let mut elsewhere = base();
    elsewhere.packages[0].location = "/elsewhere".into();
    elsewhere.cwd = "/tmp".into();
    assert!(key.matches(&elsewhere));

    type Change = Box<dyn Fn(&mut Snapshot)>;
    let changes: Vec<(&str, Change)> = vec![
        ("name", Box::new(|s| s.packages[1].name = "numpyx".into())),
        (
            "display name",
            Box::new(|s| s.packages[1].display_name = "NumPy".into()),
        ),
        (
            "version",
            Box::new(|s| s.packages[1].version = "1.26.5".into()),
        ),
        (
            "requires_python none",
            Box::new(|s| s.packages[0].requires_python = None),
        ),
        (
            "requires_python empty",
            Box::new(|s| s.packages[1].requires_python = Some(String::new())),
        ),
        (
            "a line",
            Box::new(|s| s.packages[0].requires_dist[1] = "pytz>=2025".into()),
        ),
        (
            "a line less",
            Box::new(|s| {
                s.packages[0].requires_dist.pop();
            }),
        ),
        // The same bytes, split otherwise.
        (
            "lines joined",
            Box::new(|s| s.packages[0].requires_dist = vec!["numpy>=1.26pytz".into()]),
        ),
        (
            "text moved between fields",
            Box::new(|s| {
                s.packages[2].name = "pyt".into();
                s.packages[2].display_name = "zpytz".into();
            }),
        ),
        ("order", Box::new(|s| s.packages.swap(1, 2))),
        (
            "a package less",
            Box::new(|s| {
                s.packages.pop();
            }),
        ),
        (
            "markers",
            Box::new(|s| s.markers.python_full_version = "3.12.1".into()),
        ),
    ];
    for (what, change) in changes {
        let mut other = base();
        change(&mut other);
        assert!(!key.matches(&other), "{what}");
        assert!(Key::of(&other).matches(&other), "{what}");
        assert!(!Key::of(&other).matches(&base()), "{what}");
    }
}

/// A snapshot sharing the key's list matches at once, and a list changed since (in place
/// when no other snapshot holds it) is never taken for the list the key was made of.
#[test]
fn a_key_knows_its_own_list_and_not_that_list_changed() {
    let mut s = base();
    let key = Key::of(&s);
    let mut sharing = snapshot();
    sharing.packages = s.packages.clone();
    assert!(key.matches(&sharing));
    sharing.markers.python_full_version = "3.12.1".into();
    assert!(!key.matches(&sharing), "markers are still compared");
    drop(sharing);
    // `s` alone holds its list now: changed, it must not match.
    s.packages[1].version = "1.26.5".into();
    assert!(!key.matches(&s));
    s.packages[1].version = "1.26.4".into();
    assert!(key.matches(&s), "equal again, by its fields");
}

/// A sequence of comparisons where each side changes between calls, as a driver compared
/// with one cluster after another: every answer is the full analysis's.
#[test]
fn kept_analyses_never_change_a_comparison() {
    let local = base();
    let mut remotes = Vec::new();
    let mut remote = base();
    remote.packages[1].version = "1.25.0".into(); // pandas' numpy>=1.26 breaks
    remotes.push(remote.clone());
    remote.packages[1].version = "1.26.4".into(); // fixed again: the first analysis is stale
    remotes.push(remote.clone());
    remote.packages.remove(2); // pytz missing
    remotes.push(remote.clone());
    remote.packages[0]
        .requires_dist
        .push("tzdata; python_version >= '3'".into());
    remotes.push(remote.clone());
    remote.markers.python_full_version = "3.8.10".into(); // Requires-Python >=3.9 fails
    remote.markers.python_version = "3.8".into();
    remotes.push(remote);

    let mut problems = 0;
    for round in 0..3 {
        for (i, remote) in remotes.iter().enumerate() {
            for (l, r) in [(&local, remote), (remote, &local)] {
                let kept = comparison_findings(l, r, &[]);
                let full = comparison_findings_full(l, r, &[]);
                assert_eq!(kept, full, "round {round}, remote {i}");
                problems += full.len();
            }
        }
    }
    assert!(problems > 20, "{problems}");
}
