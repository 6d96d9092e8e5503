//! Rules: when env and pair rules fire, the bundled file, malformed and user rules.

use std::collections::BTreeSet;

use super::*;

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
