//! The verdict: `ok`, incompleteness, nodes that were not compared, and counting each
//! problem once.

use super::testutil::*;
use super::*;
use crate::report::{to_html, to_json, to_text, Snapshots, TextOptions};
use crate::snapshot::Snapshot;

fn opts() -> CompareOptions {
    CompareOptions::default()
}

fn nodes(versions: &[(&str, &str)]) -> (Snapshot, Vec<Snapshot>) {
    let local = with_packages(snapshot(), &[("numpy", "1.26.4")]);
    let nodes = versions
        .iter()
        .map(|(id, v)| node(with_packages(snapshot(), &[("numpy", v)]), id))
        .collect();
    (local, nodes)
}

fn dropped(id: &str, reason: DropReason, error: &str) -> UnreachableNode {
    UnreachableNode {
        node_id: id.into(),
        node_address: Some("127.0.0.1".into()),
        error: error.into(),
        reason,
    }
}

fn headline(c: &Comparison) -> String {
    let text = to_text(c, Snapshots::default(), TextOptions::default());
    text.lines().next().unwrap().to_string()
}

fn json(c: &Comparison) -> serde_json::Value {
    serde_json::from_str(&to_json(c, Snapshots::default(), false)).unwrap()
}

/// What pip printed when a runtime_env could not be set up, as `_ray.py` passes it on:
/// the cause first, then the failing command's output (with a credential in a URL).
const PIP_FAILURE: &str =
    "ERROR: No matching distribution found for genevars-no-such-package-xyz\n\
     Looking in indexes: https://alice:s3cret-pw@pypi.example.com/simple\n\
     ERROR: Could not find a version that satisfies the requirement genevars-no-such-package-xyz";

#[test]
fn warnings_alone_are_ok_and_errors_are_not() {
    let local = with_env(snapshot(), &[("PYTHONPATH", "/a")]);
    let remote = with_env(snapshot(), &[("PYTHONPATH", "/b")]);
    let c = compare_pair(&local, &remote, &opts());
    assert_eq!(
        (c.summary.errors, c.summary.warnings),
        (0, 1),
        "{:#?}",
        c.findings
    );
    assert!(c.ok(), "a warning alone does not fail the verdict");
    assert!(
        headline(&c).contains(": WARNINGS: 0 errors, 1 warning"),
        "{}",
        headline(&c)
    );
    assert_eq!(json(&c)["ok"], true);

    let (local, n) = nodes(&[("n1", "2.2.6")]);
    let c = compare_nodes(&local, &n, &[], &opts());
    assert!(!c.ok() && c.incomplete.is_none());
    assert_eq!(json(&c)["ok"], false);
    assert!(json(&c)["summary"].get("incomplete").is_none());
}

#[test]
fn a_node_not_compared_makes_the_comparison_incomplete_and_not_ok() {
    let (local, n) = nodes(&[("n1", "1.26.4")]);
    let gone = dropped("n2", DropReason::Timeout, "no answer within 5 s\nmore");
    let c = compare_nodes(&local, &n, &[gone], &opts());
    assert_eq!(c.summary.errors, 0, "a timeout is not an error finding");
    assert!(!c.ok(), "but the comparison is incomplete");
    let inc = c.incomplete.as_ref().unwrap();
    assert_eq!((inc.compared, inc.selected), (1, 2));
    assert_eq!(inc.nodes[0].reason, DropReason::Timeout);
    assert_eq!(inc.nodes[0].error, "no answer within 5 s");
    let line = headline(&c);
    assert!(
        line.contains("INCOMPLETE: 1 of 2 nodes compared; WARNINGS: 0 errors, 1 warning"),
        "{line}"
    );
    assert!(!line.contains("OK"), "{line}");
    let v = json(&c);
    assert_eq!(v["ok"], false);
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["summary"]["incomplete"]["compared"], 1);
    assert_eq!(v["summary"]["incomplete"]["selected"], 2);
    assert_eq!(
        v["summary"]["incomplete"]["nodes"][0],
        serde_json::json!({"node_id": "n2", "node_address": "127.0.0.1", "reason": "timeout",
                           "error": "no answer within 5 s"})
    );
    let html = to_html(&c, false);
    assert!(
        html.contains("INCOMPLETE: 1 of 2 nodes compared") && !html.contains("OK: "),
        "{html}"
    );

    let whole = compare_nodes(&local, &n, &[], &opts());
    assert!(whole.ok() && whole.incomplete.is_none());
    assert!(
        headline(&whole).contains(": OK: 0 errors"),
        "{}",
        headline(&whole)
    );
    assert!(to_html(&whole, false).contains("OK: "));
}

#[test]
fn a_runtime_env_that_cannot_be_set_up_is_an_error_with_rays_cause() {
    let (local, n) = nodes(&[("n1", "1.26.4")]);
    let failed = dropped("n2", DropReason::RuntimeEnv, PIP_FAILURE);
    let c = compare_nodes(&local, &n, &[failed], &opts());
    let f = c
        .findings
        .iter()
        .find(|f| f.category == Category::RuntimeEnv)
        .expect("a runtime_env finding");
    assert_eq!(
        (f.severity, f.code.as_str()),
        (Severity::Error, "runtime_env")
    );
    assert_eq!(f.nodes, vec!["n2"]);
    assert!(
        f.message.contains("runtime_env")
            && f.message
                .contains("No matching distribution found for genevars-no-such-package-xyz"),
        "{}",
        f.message
    );
    let hint = f.hint.as_deref().unwrap();
    assert!(
        hint.contains("runtime_env") && !hint.contains("timeout"),
        "{hint}"
    );
    let remote = f.remote.as_deref().unwrap();
    assert!(
        remote.contains("pypi.example.com") && !remote.contains("s3cret-pw"),
        "{remote}"
    );
    assert!(!c.ok());
    assert_eq!(
        c.incomplete.as_ref().unwrap().nodes[0].reason,
        DropReason::RuntimeEnv
    );
    let text = to_text(&c, Snapshots::default(), TextOptions::default());
    assert!(text.starts_with("genevars: local vs 2 nodes, 1 distinct environment: INCOMPLETE: 1 of 2 nodes compared; PROBLEMS FOUND: 1 error"), "{text}");
    assert!(
        !text.contains("s3cret-pw")
            && !to_json(&c, Snapshots::default(), true).contains("s3cret-pw")
    );
    assert!(!c
        .findings
        .iter()
        .any(|f| f.category == Category::Unreachable));
}

#[test]
fn nothing_compared_is_incomplete_with_zero_compared() {
    let (local, _) = nodes(&[]);
    let c = compare_nodes(
        &local,
        &[],
        &[
            dropped("n1", DropReason::RuntimeEnv, PIP_FAILURE),
            dropped("n2", DropReason::Dead, "dead"),
        ],
        &opts(),
    );
    let inc = c.incomplete.as_ref().unwrap();
    assert_eq!((inc.compared, inc.selected, inc.nodes.len()), (0, 2, 2));
    assert!(!c.ok());
    assert!(
        headline(&c).contains("INCOMPLETE: 0 of 2 nodes compared"),
        "{}",
        headline(&c)
    );
    let none = compare_nodes(&local, &[], &[], &opts());
    assert!(!none.ok(), "no node at all is not a clean comparison");
    assert_eq!(none.incomplete.as_ref().map(|i| i.selected), Some(0));
}

#[test]
fn one_numpy_difference_on_one_group_counts_once() {
    // The README's worked example: local and group 0 have numpy 1.26.4, group 1 2.2.6.
    let (local, n) = nodes(&[("n1", "1.26.4"), ("n2", "2.2.6")]);
    let c = compare_nodes(&local, &n, &[], &opts());
    let numpy: Vec<&Finding> = c.findings.iter().filter(|f| f.subject == "numpy").collect();
    let codes: Vec<(&str, bool)> = numpy.iter().map(|f| (f.code.as_str(), f.repeat)).collect();
    assert_eq!(
        codes,
        vec![("drift.version.major", true), ("version.major", false)]
    );
    assert_eq!(c.summary.errors, 1, "{:#?}", c.findings);
    assert_eq!(c.groups[1].summary.errors, 1);
    let text = to_text(&c, Snapshots::default(), TextOptions::default());
    assert!(headline(&c).contains("PROBLEMS FOUND: 1 error,"), "{text}");
    assert_eq!(text.matches("ERROR  ").count(), 1, "{text}");
    let v = json(&c);
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        2,
        "both findings stay in the JSON"
    );
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["repeat"] == true));
}

#[test]
fn drift_worse_than_what_local_sees_is_its_own_problem() {
    // Local lacks numpy; group 0 has 1.26.4, group 1 2.2.6: local vs group 1 is a missing
    // package, but the groups disagree on a major version, which is counted too.
    let local = snapshot();
    let n = vec![
        node(with_packages(snapshot(), &[("numpy", "1.26.4")]), "n1"),
        node(with_packages(snapshot(), &[("numpy", "2.2.6")]), "n2"),
    ];
    let c = compare_nodes(&local, &n, &[], &opts());
    let drift = c
        .findings
        .iter()
        .find(|f| f.code == "drift.version.major")
        .unwrap();
    let direct = c
        .findings
        .iter()
        .find(|f| f.subject == "numpy" && f.group == Some(1) && !f.code.starts_with("drift."))
        .unwrap();
    assert!(direct.severity < drift.severity, "{direct:#?}");
    assert!(!drift.repeat);
    assert_eq!(c.summary, Summary::of(&c.findings));
    assert_eq!(
        c.summary.errors,
        c.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    );
}

#[test]
fn drop_reasons_round_trip_their_names() {
    for r in DropReason::ALL {
        assert_eq!(DropReason::parse(r.as_str()), Some(r));
        assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
    }
    assert_eq!(DropReason::parse("gone"), None);
}
