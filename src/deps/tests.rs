//! Unit tests of the dependency engine on snapshots built in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use pep508_rs::Requirement;
use serde_json::json;

use super::*;
use crate::snapshot::model::Snapshot;

/// A package: (name, version, requires_dist).
type Pkg<'a> = (&'a str, &'a str, &'a [&'a str]);

/// A snapshot of CPython `python` on `system` (`Linux`, `Darwin`, `Windows`).
fn snapshot(python: &str, system: &str, packages: &[Pkg]) -> Snapshot {
    let sys_platform = match system {
        "Linux" => "linux",
        "Darwin" => "darwin",
        _ => "win32",
    };
    let short: Vec<&str> = python.split('.').collect();
    let value = json!({
        "schema": "genevars.snapshot/1",
        "python": {"version": python, "version_info": {"major": 3, "minor": short[1].parse::<u32>().unwrap(), "micro": 0},
                   "implementation": "CPython", "executable": "/usr/bin/python3"},
        "platform": {"system": system, "release": "6.0", "machine": "x86_64"},
        "markers": {
            "implementation_name": "cpython", "implementation_version": python,
            "os_name": if system == "Windows" { "nt" } else { "posix" },
            "platform_machine": "x86_64", "platform_python_implementation": "CPython",
            "platform_release": "6.0", "platform_system": system, "platform_version": "#1",
            "python_full_version": python, "python_version": format!("{}.{}", short[0], short[1]),
            "sys_platform": sys_platform
        },
        "cwd": "/", "env": {}, "sys_path": [],
        "packages": packages.iter().map(|(name, version, requires)| json!({
            "name": name.to_lowercase(), "display_name": name, "version": version,
            "location": "/site", "metadata_path": format!("/site/{name}-{version}.dist-info"),
            "kind": "dist-info", "requires_dist": requires,
        })).collect::<Vec<_>>(),
    });
    serde_json::from_value(value).expect("a valid test snapshot")
}

/// A snapshot of CPython 3.11.7 on Linux.
fn linux(packages: &[Pkg]) -> Snapshot {
    snapshot("3.11.7", "Linux", packages)
}

fn problems(s: &Snapshot) -> Vec<String> {
    Environment::from_snapshot(s)
        .unwrap()
        .check(&BTreeMap::new())
        .iter()
        .map(ToString::to_string)
        .collect()
}

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

#[test]
fn closure_follows_target_markers_and_extras() {
    let source = linux(&[
        (
            "pytest",
            "8.0.0",
            &[
                "iniconfig",
                "pluggy<2,>=1.3",
                "tomli>=1; python_version < '3.11'",
                "colorama; sys_platform == 'win32'",
                "pygments; extra == 'dev'",
            ],
        ),
        ("iniconfig", "2.0.0", &[]),
        ("pluggy", "1.4.0", &[]),
        ("tomli", "2.0.1", &[]),
        ("pygments", "2.17.0", &[]),
        ("black", "24.1.0", &[]),
    ]);
    let env = Environment::from_snapshot(&source).unwrap();
    let names = |target: &Snapshot, root: &str| -> Vec<String> {
        let markers = target.markers.to_marker_environment().unwrap();
        let result = closure(&env, &markers, &[Requirement::from_str(root).unwrap()]);
        assert_eq!(result.installed, 6);
        result.needed.iter().map(|n| n.name.clone()).collect()
    };
    assert_eq!(names(&source, "pytest"), ["iniconfig", "pluggy", "pytest"]);
    let old_python = snapshot("3.10.2", "Linux", &[]);
    assert_eq!(
        names(&old_python, "pytest"),
        ["iniconfig", "pluggy", "pytest", "tomli"]
    );
    let windows = snapshot("3.11.7", "Windows", &[]);
    let result = closure(
        &env,
        &windows.markers.to_marker_environment().unwrap(),
        &[Requirement::from_str("pytest[dev]").unwrap()],
    );
    let needed: Vec<&str> = result.needed.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(needed, ["iniconfig", "pluggy", "pygments", "pytest"]);
    assert_eq!(result.not_installed.len(), 1);
    assert_eq!(result.not_installed[0].requirement, "colorama");
    assert_eq!(result.needed[3].pin(), "pytest==8.0.0");
    assert!(result
        .needed
        .iter()
        .all(|n| n.requires_python_excludes_target.is_none()));
    // A version whose Requires-Python excludes the workers' interpreter is flagged.
    let mut modern = source.clone();
    modern.packages[0].requires_python = Some(">=3.11".to_string());
    let env = Environment::from_snapshot(&modern).unwrap();
    let result = closure(
        &env,
        &old_python.markers.to_marker_environment().unwrap(),
        &[Requirement::from_str("pytest").unwrap()],
    );
    let pytest = result.needed.iter().find(|n| n.name == "pytest").unwrap();
    assert_eq!(
        pytest.requires_python_excludes_target.as_deref(),
        Some(">=3.11")
    );
}

const TORCH_RULE: &str = r#"
[[rule]]
id = "numpy2-torch-old"
scope = "env"
when = { numpy = ">=2", torch = "<2.3" }
severity = "error"
message = "torch {torch} with numpy {numpy}"
symptom = "RuntimeError: Numpy is not available"
fix = "pin numpy<2"
"#;

#[test]
fn env_rule_fires_only_when_every_condition_holds() {
    let rules = Rules::parse(TORCH_RULE, "t.toml").unwrap();
    let broken = linux(&[("numpy", "2.0.1", &[]), ("torch", "2.2.2+cpu", &[])]);
    let findings = env_findings(&broken, &rules, None).unwrap();
    let rule: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.category == Category::Rule)
        .collect();
    assert_eq!(rule.len(), 1);
    assert_eq!(rule[0].message, "torch 2.2.2+cpu with numpy 2.0.1");
    assert_eq!(rule[0].code, "rule.numpy2-torch-old");
    assert_eq!(rule[0].severity, Severity::Error);
    assert_eq!(
        rule[0].hint.as_deref(),
        Some("RuntimeError: Numpy is not available; pin numpy<2")
    );
    let fine = linux(&[("numpy", "1.26.4", &[]), ("torch", "2.2.2", &[])]);
    assert!(env_findings(&fine, &rules, None).unwrap().is_empty());
}

#[test]
fn env_rule_markers_restrict_it_to_matching_interpreters() {
    let text = TORCH_RULE.replace(
        "severity",
        "markers = \"python_version >= '3.12'\"\nseverity",
    );
    let rules = Rules::parse(&text, "t.toml").unwrap();
    let pkgs: &[Pkg] = &[("numpy", "2.0.1", &[]), ("torch", "2.2.2", &[])];
    assert!(env_findings(&linux(pkgs), &rules, None).unwrap().is_empty());
    assert_eq!(
        env_findings(&snapshot("3.12.1", "Linux", pkgs), &rules, None)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn pair_rule_fires_on_the_pair_not_on_either_side() {
    let rules = Rules::bundled();
    let local = linux(&[("cloudpickle", "3.0.0", &[]), ("numpy", "1.26.4", &[])]);
    let remote = linux(&[("cloudpickle", "2.2.1", &[]), ("numpy", "2.2.6", &[])]);
    assert!(env_findings(&local, &rules, None).unwrap().is_empty());
    assert!(env_findings(&remote, &rules, None).unwrap().is_empty());
    let findings = pair_findings(&local, &remote, &rules);
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        ["rule.numpy-major-differs", "rule.cloudpickle-differs"]
    );
    assert_eq!(findings[0].severity, Severity::Error);
    assert_eq!(findings[0].subject, "numpy");
    assert_eq!(findings[0].local.as_deref(), Some("numpy 1.26.4"));
    assert_eq!(findings[0].remote.as_deref(), Some("numpy 2.2.6"));
    assert!(findings[0]
        .hint
        .as_deref()
        .unwrap()
        .ends_with("pin numpy==1.26.4"));
    assert_eq!(
        findings[1].message,
        "cloudpickle 3.0.0 on the driver but 2.2.1 on the workers"
    );
    // Same versions: nothing. `5.0` and `5.0.0` are the same version.
    let same = linux(&[("cloudpickle", "3.0", &[])]);
    let same2 = linux(&[("cloudpickle", "3.0.0", &[])]);
    assert!(pair_findings(&same, &same2, &rules).is_empty());
}

#[test]
fn torch_local_label_is_a_build_difference_not_a_version_difference() {
    let rules = Rules::bundled();
    let local = linux(&[("torch", "2.4.0+cu121", &[])]);
    let remote = linux(&[("torch", "2.4.0+cpu", &[])]);
    let codes: Vec<String> = pair_findings(&local, &remote, &rules)
        .into_iter()
        .map(|f| f.code.to_string())
        .collect();
    assert_eq!(codes, ["rule.torch-build-differs"]);
}

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

#[test]
fn bundled_rules_parse_and_cover_the_reference_rules() {
    let rules = Rules::bundled();
    let ids: BTreeSet<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
    for id in [
        "numpy2-torch-before-2.3",
        "numpy2.1-torch-2.4",
        "numpy2-scikit-learn-built-for-numpy1",
        "numpy2-pandas-before-2.2.2",
        "numpy2-pyarrow-before-16",
        "numpy-major-differs",
        "attrs-differs",
        "cloudpickle-differs",
    ] {
        assert!(ids.contains(id), "missing bundled rule {id}");
    }
    let numpy21 = linux(&[("numpy", "2.1.0", &[]), ("torch", "2.4.1", &[])]);
    let codes: Vec<String> = env_findings(&numpy21, &rules, None)
        .unwrap()
        .into_iter()
        .map(|f| f.code.to_string())
        .collect();
    assert_eq!(codes, ["rule.numpy2.1-torch-2.4"]);
}

fn rule_error(text: &str) -> String {
    Rules::parse(text, "my-rules.toml").unwrap_err().to_string()
}

#[test]
fn malformed_rules_are_rejected_with_file_line_and_reason() {
    let bad_spec = TORCH_RULE.replace("\"<2.3\"", "\"lower than 2.3\"");
    assert!(rule_error(&bad_spec).starts_with("my-rules.toml: line 5: rule \"numpy2-torch-old\": when.torch = \"lower than 2.3\" is not a PEP 440 specifier set"));
    let bad_scope = TORCH_RULE.replace("scope = \"env\"", "scope = \"cluster\"");
    assert_eq!(rule_error(&bad_scope), "my-rules.toml: line 4: rule \"numpy2-torch-old\": scope \"cluster\" is not \"env\" or \"pair\"");
    let unknown_field = TORCH_RULE.replace("fix =", "fixx =");
    let err = rule_error(&unknown_field);
    assert!(
        err.starts_with("my-rules.toml: line 9: unknown field `fixx`"),
        "{err}"
    );
    let bad_placeholder = TORCH_RULE.replace("{numpy}", "{pandas}");
    assert!(rule_error(&bad_placeholder).contains(
        "line 7: rule \"numpy2-torch-old\": placeholder {pandas} names no package of this rule"
    ));
    let bad_toml = "[[rule]]\nid = \"x\nscope = \"env\"\n";
    assert!(
        rule_error(bad_toml).starts_with("my-rules.toml: line 2: "),
        "{}",
        rule_error(bad_toml)
    );
    let duplicate = format!("{TORCH_RULE}{TORCH_RULE}");
    assert_eq!(
        rule_error(&duplicate),
        "my-rules.toml: line 12: rule id \"numpy2-torch-old\" is already used on line 3"
    );
    let bad_marker =
        TORCH_RULE.replace("severity", "markers = \"python_version >> '3'\"\nseverity");
    assert!(
        rule_error(&bad_marker)
            .starts_with("my-rules.toml: line 6: rule \"numpy2-torch-old\": markers"),
        "{}",
        rule_error(&bad_marker)
    );
    let pair_with_when = TORCH_RULE.replace("scope = \"env\"", "scope = \"pair\"");
    assert!(rule_error(&pair_with_when).contains("`when` and `markers` belong to env rules"));
}

#[test]
fn user_rules_replace_bundled_rules_with_the_same_id() {
    let mut rules = Rules::bundled();
    let count = rules.rules.len();
    let user = Rules::parse(
        &TORCH_RULE
            .replace("numpy2-torch-old", "numpy2-torch-before-2.3")
            .replace("severity = \"error\"", "severity = \"info\""),
        "user.toml",
    )
    .unwrap();
    rules.extend(user);
    assert_eq!(rules.rules.len(), count);
    let rule = rules
        .rules
        .iter()
        .find(|r| r.id == "numpy2-torch-before-2.3")
        .unwrap();
    assert_eq!(rule.severity, Severity::Info);
    assert_eq!(rule.origin, "user.toml:3");
}

#[test]
fn odd_inputs_never_panic() {
    let texts = [
        "", "[[rule]]", "[[rule]]\nid = \"é\"\nscope = \"env\"\nwhen = { \"ñ\" = \"*\" }\nmessage = \"\"\nsymptom = \"\"\nfix = \"\"\n",
        "rule = 3", "[[rule]]\nid = 1", "\u{feff}[[rule]]\nid = \"x\"\nscope = \"pair\"\ndiffers = {}\nmessage = \"{\"\nsymptom = \"\"\nfix = \"}{\"\n",
        "[[rule]]\nid = \"x\"\nscope = \"env\"\nwhen = { a = \">=99999999999999999999999\" }\nmessage = \"m\"\nsymptom = \"s\"\nfix = \"f\"\n",
    ];
    for text in texts {
        let _ = Rules::parse(text, "fuzz.toml");
    }
    let requirements: &[&str] = &[
        "",
        " ",
        "a[",
        "a @ ",
        "a ; extra == ",
        "a>=1 ; python_version > '3' or",
        "ñ>=1",
        "a===1.0",
        "a (>=1.0)",
        "a; extra == 'x' and extra == 'y'",
        "a>=99999999999999999999999",
    ];
    let s = linux(&[
        ("odd", "1.0", requirements),
        ("a", "1!2.0.post1.dev3+local.7", &[]),
    ]);
    let found = problems(&s);
    assert!(found.iter().any(|p| p.contains("malformed requirement")));
}

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

#[test]
fn credentials_in_direct_urls_never_reach_a_finding() {
    let s = linux(&[(
        "app",
        "1.0",
        &[
            "private @ https://deploy:s3cr3t-t0ken@git.example.com/private.whl",
            "bad @@ https://u:hunter2@x",
        ],
    )]);
    let found = problems(&s).join("\n");
    assert!(
        found.contains("app 1.0 requires private @ https://"),
        "{found}"
    );
    assert!(
        !found.contains("s3cr3t-t0ken") && !found.contains("hunter2"),
        "{found}"
    );
    let env = Environment::from_snapshot(&s).unwrap();
    let pin = parse_requirement(
        RequirementOf::ManifestPin,
        "private @ https://deploy:s3cr3t-t0ken@git.example.com/p.whl",
    )
    .unwrap();
    let result = closure(&env, &env.markers, &[pin]);
    assert!(!format!("{result:?}").contains("s3cr3t"));
    let findings = overlay_findings(
        None,
        &s,
        &[
            "private>=2 ; python_version > '3' ".to_string(),
            "x @ https://a:hunter2@h/x.whl".to_string(),
        ],
        &Rules::default(),
    )
    .unwrap();
    assert!(!format!("{findings:?}").contains("hunter2"), "{findings:?}");
    let err = overlay_findings(
        None,
        &s,
        &["x @@ https://a:hunter2@h/x.whl".to_string()],
        &Rules::default(),
    )
    .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

/// A tiny deterministic generator (xorshift), so failures reproduce from the seed.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Candidate packages: (name, versions, requirements to draw from). The requirements
/// cover markers, extras that activate further extras, missing dependencies, version
/// conflicts, a malformed line, and the packages the bundled rules name.
const POOL: &[(&str, &[&str], &[&str])] = &[
    (
        "numpy",
        &["1.26.4", "2.0.1", "2.1.0", "bogus!"],
        &["python-dateutil>=2"],
    ),
    (
        "torch",
        &["2.2.0", "2.4.1"],
        &[
            "numpy>=1.20",
            "typing-extensions>=4.8",
            "sympy; python_version >= '3.12'",
        ],
    ),
    (
        "pandas",
        &["2.1.0", "2.2.2"],
        &[
            "numpy>=1.26",
            "python-dateutil>=2.8.2",
            "pyarrow>=10; extra == 'arrow'",
            "tzdata",
        ],
    ),
    (
        "pyarrow",
        &["14.0.0", "16.1.0"],
        &["numpy>=1.16.6", "pandas[arrow]; extra == 'pandas'"],
    ),
    (
        "ray",
        &["2.9.0", "2.30.0"],
        &[
            "pyarrow[pandas]>=6; extra == 'data'",
            "protobuf<4",
            "aiohttp; extra == 'default'",
            "ray[data]; extra == 'default'",
        ],
    ),
    ("protobuf", &["3.20.3", "4.25.3"], &[]),
    ("python-dateutil", &["2.8.2", "2.9.0"], &["six>=1.5"]),
    ("six", &["1.16.0"], &[]),
    ("typing-extensions", &["4.7.0", "4.12.2"], &[]),
    (
        "tzdata",
        &["2024.1"],
        &["!!! not a requirement", "colorama; sys_platform == 'win32'"],
    ),
    (
        "app",
        &["1.0", "1.1"],
        &[
            "ray[default]>=2.9",
            "pandas<2.2",
            "torch==2.4.*; python_version < '3.12'",
            "scikit-learn>=1.4",
        ],
    ),
    (
        "scikit-learn",
        &["1.3.0", "1.5.0"],
        &["numpy>=1.19.5,<2", "scipy>=1.6"],
    ),
    ("scipy", &["1.11.0"], &["numpy<2.3,>=1.22.4"]),
];

type OwnedPkg = (String, String, Vec<String>, Option<String>);

fn random_packages(rng: &mut Xorshift) -> Vec<OwnedPkg> {
    let mut packages = Vec::new();
    for (name, versions, requires) in POOL {
        if rng.below(5) == 0 {
            continue;
        }
        let version = versions[rng.below(versions.len())].to_string();
        let requires = requires
            .iter()
            .filter(|_| rng.below(4) != 0)
            .map(ToString::to_string)
            .collect();
        let requires_python =
            [None, Some(">=3.9"), Some(">=3.12")][rng.below(3)].map(str::to_string);
        packages.push((name.to_string(), version, requires, requires_python));
    }
    packages
}

/// The other side: the same packages, a few changed (version, requirements,
/// Requires-Python), removed, or added.
fn mutated(rng: &mut Xorshift, packages: &[OwnedPkg]) -> Vec<OwnedPkg> {
    let mut out = Vec::new();
    for package in packages {
        let mut package = package.clone();
        match rng.below(12) {
            0 => continue,
            1 => {
                let (_, versions, _) = POOL.iter().find(|p| p.0 == package.0).unwrap();
                package.1 = versions[rng.below(versions.len())].to_string();
            }
            2 => {
                package.2.pop();
            }
            3 => package.3 = Some(">=3.12".to_string()),
            _ => {}
        }
        out.push(package);
    }
    if rng.below(3) == 0 {
        let (name, versions, requires) = POOL[rng.below(POOL.len())];
        if !out.iter().any(|p| p.0 == name) {
            out.push((
                name.to_string(),
                versions[0].to_string(),
                requires.iter().map(ToString::to_string).collect(),
                None,
            ));
        }
    }
    out
}

fn random_snapshot(python: &str, packages: &[OwnedPkg]) -> Snapshot {
    let requires: Vec<Vec<&str>> = packages
        .iter()
        .map(|p| p.2.iter().map(String::as_str).collect())
        .collect();
    let pkgs: Vec<Pkg> = packages
        .iter()
        .zip(&requires)
        .map(|(p, r)| (p.0.as_str(), p.1.as_str(), r.as_slice()))
        .collect();
    let mut s = snapshot(python, "Linux", &pkgs);
    for (package, owned) in s.packages.iter_mut().zip(packages) {
        package.requires_python = owned.3.clone();
    }
    s
}

#[test]
fn the_incremental_comparison_reports_exactly_what_the_full_analysis_reports() {
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut compared_with_problems = 0;
    for round in 0..600 {
        let local_packages = random_packages(&mut rng);
        let remote_packages = if rng.below(10) == 0 {
            local_packages.clone()
        } else {
            mutated(&mut rng, &local_packages)
        };
        // Mostly the same interpreter (the incremental path); sometimes another one.
        let remote_python = if rng.below(6) == 0 {
            "3.12.3"
        } else {
            "3.11.7"
        };
        let local = random_snapshot("3.11.7", &local_packages);
        let remote = random_snapshot(remote_python, &remote_packages);
        let existing = crate::compare::compare_pair(&local, &remote, &Default::default())
            .findings
            .into_iter()
            .filter(|f| f.category == Category::Package)
            .collect::<Vec<_>>();
        for existing in [&existing[..], &[]] {
            let incremental = comparison_findings(&local, &remote, existing);
            let full = comparison_findings_full(&local, &remote, existing);
            assert_eq!(
                incremental, full,
                "round {round}: local {local_packages:?} remote {remote_packages:?} ({remote_python})"
            );
            if full.iter().any(|f| f.message.contains("on the workers")) {
                compared_with_problems += 1;
            }
        }
    }
    // The pool must produce real problems on the workers, or the test proves little.
    assert!(compared_with_problems > 300, "{compared_with_problems}");
}
