//! The requirement closure: target markers and extras.

use std::str::FromStr;

use pep508_rs::Requirement;

use super::*;

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
