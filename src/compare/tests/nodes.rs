//! Nodes: grouping, drift, unreachable nodes, runtime_env failures, fingerprints.

use super::*;

fn cluster_nodes() -> (crate::snapshot::Snapshot, Vec<crate::snapshot::Snapshot>) {
    let base = with_packages(snapshot(), &[("numpy", "1.26.4"), ("pandas", "2.3.3")]);
    let local = with_env(base.clone(), &[("HOME", "/home/me")]);
    let mut nodes = Vec::new();
    for (i, id) in ["n1", "n2", "n3"].iter().enumerate() {
        // Ray's per-node variables and pids differ on every node but do not split groups.
        let mut n = node(
            with_env(
                base.clone(),
                &[
                    ("RAY_RAYLET_PID", &format!("{}", 100 + i)),
                    ("OMP_NUM_THREADS", "1"),
                ],
            ),
            id,
        );
        n.cwd = format!("/tmp/ray/session_x/{id}");
        n.platform.release = format!("5.15.{i}");
        n.sys_path.insert(
            0,
            "/venv/lib/python3.11/site-packages/ray/_private/workers".into(),
        );
        nodes.push(n);
    }
    nodes[2].packages[0].version = "2.2.6".into();
    nodes[2]
        .env
        .insert("EXTRA_VAR".into(), EnvValue::Plain("1".into()));
    (local, nodes)
}

#[test]
fn nodes_are_grouped_and_drift_names_the_nodes() {
    let (mut local, nodes) = cluster_nodes();
    local.packages.push(package("only-here", "1.0"));
    let c = compare_nodes(&local, &nodes, &[], &opts());
    assert_eq!(c.kind, ComparisonKind::Nodes);
    assert_eq!(c.node_count, 3);
    assert_eq!(c.groups.len(), 2);
    let ids = |g: &Group| {
        g.nodes
            .iter()
            .map(|n| n.node_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&c.groups[0]), vec!["n1", "n2"]);
    assert_eq!(ids(&c.groups[1]), vec!["n3"]);
    assert_eq!(c.groups[1].nodes[0].hostname.as_deref(), Some("host-n3"));
    assert_ne!(c.groups[0].fingerprint, c.groups[1].fingerprint);
    let numpy: Vec<_> = c.findings.iter().filter(|f| f.subject == "numpy").collect();
    let local_vs = numpy.iter().find(|f| f.code == "version.major").unwrap();
    assert_eq!(
        (local_vs.severity, local_vs.group, local_vs.nodes.clone()),
        (Severity::Error, Some(1), vec!["n3".to_string()])
    );
    assert!(local_vs
        .hint
        .as_deref()
        .unwrap()
        .contains("pin numpy==1.26.4"));
    let drift = numpy
        .iter()
        .find(|f| f.code == "drift.version.major")
        .unwrap();
    assert_eq!(
        (drift.severity, drift.group, drift.nodes.clone()),
        (Severity::Error, Some(1), vec!["n3".to_string()])
    );
    assert!(
        drift.message.contains("on group 0") && drift.message.contains("on group 1"),
        "{}",
        drift.message
    );
    assert!(drift
        .hint
        .as_deref()
        .unwrap()
        .contains("depending on the node"));
    let m = c.matrix.as_ref().expect("two groups: a drift matrix");
    assert_eq!(m.columns, vec!["local", "group 0", "group 1"]);
    let subjects: Vec<&str> = m.rows.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(
        subjects,
        vec!["numpy"],
        "only what the groups disagree on (not only-here, missing on all)"
    );
    assert_eq!(
        m.rows[0].values,
        vec![
            Some("1.26.4".to_string()),
            Some("1.26.4".into()),
            Some("2.2.6".into())
        ]
    );
    assert_eq!(m.rows[0].severity, Severity::Error);
    let extra = c
        .findings
        .iter()
        .find(|f| f.subject == "EXTRA_VAR" && f.code == "only_remote")
        .unwrap();
    assert_eq!(extra.nodes, vec!["n3"]);
    assert_eq!(c.groups[0].summary.errors, 0);
    // Local vs group 1 and group 1 vs group 0 say one thing about numpy: both findings are
    // kept, the problem is counted once (in the group and the headline).
    let numpy_on_group_1: Vec<&str> = c
        .findings
        .iter()
        .filter(|f| f.subject == "numpy" && f.group == Some(1) && f.severity == Severity::Error)
        .map(|f| f.code.as_str())
        .collect();
    assert_eq!(numpy_on_group_1, vec!["drift.version.major", "version.major"]);
    let repeats: Vec<bool> = c
        .findings
        .iter()
        .filter(|f| f.subject == "numpy" && f.group == Some(1) && f.severity == Severity::Error)
        .map(|f| f.repeat)
        .collect();
    assert_eq!(repeats, vec![true, false], "the drift finding is marked as the repeat");
    assert_eq!(c.groups[1].summary.errors, 1);
    assert_eq!(c.summary.errors, 1);
    // A difference all groups share is one finding naming every node.
    let home = c
        .findings
        .iter()
        .filter(|f| f.subject == "HOME")
        .collect::<Vec<_>>();
    assert_eq!(home.len(), 1, "{home:#?}");
    assert_eq!(
        (home[0].group, home[0].nodes.clone()),
        (None, vec!["n1".to_string(), "n2".into(), "n3".into()])
    );
    // Top-level geneva keys: what differs on any group, once; each group keeps its own.
    let numpy_triple = (
        "numpy".to_string(),
        "1.26.4".to_string(),
        "2.2.6".to_string(),
    );
    assert_eq!(c.pkg_diffs.version_mismatch, vec![numpy_triple.clone()]);
    assert_eq!(
        c.pkg_diffs.only_local,
        vec!["only-here".to_string()],
        "shared by both groups, listed once"
    );
    assert!(c.groups[0].pkg_diffs.version_mismatch.is_empty());
    assert_eq!(c.groups[1].pkg_diffs.version_mismatch, vec![numpy_triple]);
    assert!(
        c.env_diffs.only_remote.contains(&"EXTRA_VAR".to_string()),
        "{:?}",
        c.env_diffs.only_remote
    );
}

#[test]
fn a_uniform_cluster_is_one_group_and_clean() {
    let (local, mut nodes) = cluster_nodes();
    nodes.truncate(2);
    let c = compare_nodes(&local, &nodes, &[], &opts());
    assert_eq!(c.groups.len(), 1);
    assert!(c.matrix.is_none());
    assert!(c.ok(), "{:#?}", c.findings);
    assert!(
        c.summary.expected > 0,
        "Ray's variables are counted as expected"
    );
}

#[test]
fn unreachable_nodes_are_findings_with_the_error() {
    let (local, nodes) = cluster_nodes();
    let gone = UnreachableNode {
        node_id: "n9".into(),
        node_address: Some("127.0.0.1".into()),
        error: "GetTimeoutError: timed out after 5 s\ntraceback...".into(),
        reason: NodeFailure::Unreachable,
    };
    let c = compare_nodes(&local, &nodes[..1], &[gone], &opts());
    let f = find(&c, Category::Unreachable, "n9");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.nodes, vec!["n9"]);
    assert!(f.message.contains("GetTimeoutError: timed out after 5 s"));
    assert!(!f.message.contains("traceback"));
    assert_eq!(c.node_count, 2);
    // A node left out is never "ok", even when the rest is clean.
    let incomplete = c.incomplete.as_ref().expect("one node of two compared");
    assert_eq!((incomplete.compared, incomplete.selected), (1, 2));
    assert_eq!(incomplete.nodes[0].node_id, "n9");
    assert!(!c.ok());
    let c = compare_nodes(&local, &[], &[], &opts());
    assert!(c.groups.is_empty() && c.remote.is_none());
    assert!(c.nothing_compared() && !c.ok());
}

/// What Ray 2.60 says when pip cannot install a requirement for a runtime_env.
const PIP_FAILURE: &str = "Failed to set up runtime environment.
[Node 127.0.0.1] Traceback (most recent call last):
  File \"/venv/lib/python3.11/site-packages/ray/_private/runtime_env/agent/runtime_env_agent.py\", line 561, in _create_runtime_env_with_retry
    runtime_env_context = await asyncio.wait_for(
ray._private.runtime_env.utils.SubprocessCalledProcessError: Run cmd[9] failed with the following details.
Command '['/tmp/ray/x/virtualenv/bin/python', '-m', 'pip', 'install', '-r', 'reqs.txt']' returned non-zero exit status 1.
Last 50 lines of stdout:
    Looking in indexes: https://user:hunter2-canary@pypi.example.com/simple
    ERROR: Could not find a version that satisfies the requirement nosuchpkg==1.0 (from versions: none)
    ERROR: No matching distribution found for nosuchpkg==1.0
";

#[test]
fn a_runtime_env_failure_is_an_error_with_rays_real_cause() {
    let (local, nodes) = cluster_nodes();
    let failed = UnreachableNode {
        node_id: "n7".into(),
        node_address: Some("127.0.0.1".into()),
        error: PIP_FAILURE.into(),
        reason: NodeFailure::RuntimeEnv,
    };
    let c = compare_nodes(&local, &nodes[..1], &[failed], &opts());
    let f = find(&c, Category::RuntimeEnv, "n7");
    assert_eq!((f.severity, f.code.as_str()), (Severity::Error, "runtime_env"));
    assert!(
        f.message.ends_with("could not set up the runtime_env: ERROR: Could not find a version that satisfies the requirement nosuchpkg==1.0 (from versions: none) / ERROR: No matching distribution found for nosuchpkg==1.0"),
        "{}",
        f.message
    );
    let hint = f.hint.as_deref().unwrap();
    assert!(hint.contains("RuntimeEnvSetupError") && !hint.contains("timeout"), "{hint}");
    // The whole text is kept for the JSON, credentials masked.
    let kept = f.remote.as_deref().unwrap();
    assert!(kept.contains("pypi.example.com") && !kept.contains("hunter2-canary"), "{kept}");
    assert!(!c.ok());
    assert_eq!(c.incomplete.as_ref().unwrap().nodes[0].reason, NodeFailure::RuntimeEnv);
}

#[test]
fn runtime_env_causes_from_pip_uv_conda_and_plain_exceptions() {
    let uv = "Failed to set up runtime environment.\nTraceback...\n    error: No solution found when resolving dependencies\n      cause: Because x was not found in the package registry and you require x==1.0, we can conclude that your requirements are unsatisfiable.";
    assert_eq!(
        runtime_env_cause(uv),
        "error: No solution found when resolving dependencies / cause: Because x was not found in the package registry and you require x==1.0, we can conclude that your requirements are unsatisfiable."
    );
    let conda = "Failed to set up runtime environment.\n[Node 127.0.0.1] Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nFileNotFoundError: [Errno 2] No such file or directory: 'conda'\n\nDuring handling...\nValueError: Could not find Conda executable at conda.";
    assert_eq!(runtime_env_cause(conda), "ValueError: Could not find Conda executable at conda.");
    assert_eq!(runtime_env_cause("Failed to set up runtime environment."), "Failed to set up runtime environment.");
    assert!(runtime_env_cause(&"ERROR: x".repeat(500)).chars().count() <= 600);
}

#[test]
fn fingerprints_ignore_package_order_and_node_identity() {
    let a = node(with_packages(snapshot(), &[("a", "1"), ("b", "2")]), "x");
    let mut b = node(with_packages(snapshot(), &[("b", "2"), ("a", "1")]), "y");
    b.cwd = "/elsewhere".into();
    assert_eq!(
        environment_fingerprint(&a, &opts()),
        environment_fingerprint(&b, &opts())
    );
    b.packages[0].version = "3".into();
    assert_ne!(
        environment_fingerprint(&a, &opts()),
        environment_fingerprint(&b, &opts())
    );
}
