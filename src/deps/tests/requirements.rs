//! What pip check reports: unsatisfied and missing requirements, markers, extras,
//! cycles, broken metadata, Requires-Python.

use std::collections::BTreeMap;
use std::str::FromStr;

use pep508_rs::Requirement;

use super::*;

#[test]
fn unsatisfied_and_missing_requirements_are_reported_like_pip_check() {
    let s = linux(&[
        (
            "pandas",
            "2.3.3",
            &["numpy>=1.26.0", "tzdata>=2022.7", "python-dateutil>=2.8.2"],
        ),
        ("numpy", "1.24.1", &[]),
        ("python-dateutil", "2.9.0", &[]),
    ]);
    assert_eq!(
        problems(&s),
        vec![
            "pandas 2.3.3 requires numpy>=1.26.0, but numpy 1.24.1 is installed",
            "pandas 2.3.3 requires tzdata>=2022.7, which is not installed",
        ]
    );
}

#[test]
fn markers_follow_each_environments_python_and_platform() {
    let requires: &[&str] = &[
        "tomli>=1; python_version < '3.11'",
        "colorama; sys_platform == 'win32'",
        "uvloop; platform_system != 'Windows' and python_full_version >= '3.8.1'",
    ];
    let cases = [
        ("3.10.4", "Linux", vec!["tomli>=1", "uvloop"]),
        ("3.11.7", "Linux", vec!["uvloop"]),
        ("3.10.4", "Windows", vec!["tomli>=1", "colorama"]),
        ("3.12.1", "Windows", vec!["colorama"]),
        ("3.12.1", "Darwin", vec!["uvloop"]),
    ];
    for (python, system, expected) in cases {
        let s = snapshot(python, system, &[("tool", "1.0", requires)]);
        let missing: Vec<String> = Environment::from_snapshot(&s)
            .unwrap()
            .check(&BTreeMap::new())
            .into_iter()
            .filter_map(|p| match p {
                Problem::Missing { requirement, .. } => Some(requirement),
                _ => None,
            })
            .collect();
        let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
        expected.sort();
        let mut missing = missing;
        missing.sort();
        assert_eq!(missing, expected, "python {python} on {system}");
    }
}

#[test]
fn extras_are_activated_transitively_by_dependents() {
    let s = linux(&[
        ("app", "1.0", &["ray[default]>=2.9"]),
        (
            "ray",
            "2.9.0",
            &[
                "aiohttp>=3.7; extra == 'default'",
                "grpcio[protobuf]; extra == 'default'",
                "pyyaml",
            ],
        ),
        ("grpcio", "1.60.0", &["protobuf>=4; extra == 'protobuf'"]),
        ("pyyaml", "6.0", &[]),
        ("protobuf", "3.20.0", &[]),
    ]);
    assert_eq!(
        problems(&s),
        vec![
            "grpcio 1.60.0 (with extra protobuf) requires protobuf>=4, but protobuf 3.20.0 is installed",
            "ray 2.9.0 (with extra default) requires aiohttp>=3.7, which is not installed",
        ]
    );
    // Without a dependent asking for ray[default], the extra's requirements do not apply.
    let plain = linux(&[
        (
            "ray",
            "2.9.0",
            &["aiohttp>=3.7; extra == 'default'", "pyyaml"],
        ),
        ("pyyaml", "6.0", &[]),
    ]);
    assert!(problems(&plain).is_empty());
}

#[test]
fn circular_requirements_terminate_in_check_and_closure() {
    let s = linux(&[
        ("a", "1.0", &["b>=1"]),
        ("b", "1.0", &["c"]),
        ("c", "1.0", &["a<1"]),
    ]);
    assert_eq!(
        problems(&s),
        vec!["c 1.0 requires a<1, but a 1.0 is installed"]
    );
    let env = Environment::from_snapshot(&s).unwrap();
    let roots = [Requirement::from_str("a").unwrap()];
    let result = closure(&env, &env.markers, &roots);
    let names: Vec<&str> = result.needed.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(result.needed[0].required_by, ["c"]);
}

#[test]
fn broken_metadata_is_reported_and_the_rest_still_checked() {
    let s = linux(&[
        ("good", "1.0", &["this is not a requirement!!", "numpy>=2"]),
        ("numpy", "1.26.4", &[]),
        ("legacy", "not-a-version", &[]),
        ("user", "1.0", &["legacy>=1"]),
    ]);
    let found = problems(&s);
    assert!(
        found.iter().any(|p| p
            .starts_with("good 1.0 has a malformed requirement \"this is not a requirement!!\"")),
        "{found:?}"
    );
    assert!(
        found.contains(&"good 1.0 requires numpy>=2, but numpy 1.26.4 is installed".to_string())
    );
    assert!(found
        .iter()
        .any(|p| p.contains("legacy has version \"not-a-version\", which is not PEP 440")));
    // Nothing can be said about legacy>=1 against a non-PEP 440 version: no false alarm.
    assert!(
        !found.iter().any(|p| p.starts_with("user 1.0")),
        "{found:?}"
    );
}

#[test]
fn requires_python_is_checked_against_the_interpreter() {
    let mut s = snapshot("3.9.18", "Linux", &[("modern", "1.0", &[])]);
    s.packages[0].requires_python = Some(">=3.10".to_string());
    assert_eq!(
        problems(&s),
        vec!["modern 1.0 requires Python >=3.10, but this is Python 3.9.18"]
    );
}
