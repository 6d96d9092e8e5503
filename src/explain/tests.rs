use super::*;
use crate::snapshot::testutil::{node, package, snapshot, with_env, with_packages};
use crate::compare::{compare_pair, CompareOptions};
use crate::snapshot::ShadowedCopy;

fn pair(local: &Snapshot, remote: &Snapshot, error: &str) -> Explanation {
    let c = compare_pair(local, remote, &CompareOptions::default());
    explain(&c, Some(local), &[remote], error)
}

fn base() -> Snapshot {
    with_packages(
        snapshot(),
        &[
            ("numpy", "1.26.4"),
            ("attrs", "23.2.0"),
            ("protobuf", "4.25.3"),
            ("pydantic", "2.7.0"),
            ("requests", "2.31.0"),
        ],
    )
}

fn set(mut s: Snapshot, name: &str, version: &str) -> Snapshot {
    s.packages.retain(|p| p.name != name);
    s.packages.push(package(name, version));
    s
}

const NUMPY_RAY: &str = r#"Traceback (most recent call last):
  File "/home/me/job.py", line 12, in <module>
    print(ray.get(ref))
  File "/venv/lib/python3.11/site-packages/ray/_private/worker.py", line 2667, in get
    values, debugger_breakpoint = worker.get_objects(object_refs, timeout=timeout)
  File "/venv/lib/python3.11/site-packages/ray/_private/serialization.py", line 403, in _deserialize_object
    return self._deserialize_msgpack_data(data, metadata_fields)
ray.exceptions.RaySystemError: System error: No module named 'numpy._core'
traceback: Traceback (most recent call last):
ModuleNotFoundError: No module named 'numpy._core'"#;

#[test]
fn numpy_two_pickles_on_a_numpy_one_driver_rank_numpy_first_with_the_direction() {
    let local = base();
    let remote = set(set(base(), "numpy", "2.2.6"), "attrs", "24.2.0");
    let e = pair(&local, &remote, NUMPY_RAY);
    assert!(e.explained);
    assert_eq!(e.direction, Some(Direction::WorkerToDriver));
    assert_eq!(
        e.error,
        "ModuleNotFoundError: No module named 'numpy._core'"
    );
    let first = &e.causes[0];
    assert_eq!(first.finding.subject, "numpy");
    assert!(first
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::Symptom { .. })));
    assert!(first
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::ModuleNamed { module } if module == "numpy._core")));
    assert!(first
        .because
        .iter()
        .any(|b| b.contains("driver unpickled what a worker pickled")
            && b.contains("2.2.6 on the worker")));
    // attrs differs too, but nothing in the error points to it.
    assert!(e.causes.iter().all(|c| c.finding.subject != "attrs"));
}

#[test]
fn wrapping_quotes_addresses_and_node_ids_do_not_stop_a_match() {
    let local = base();
    let remote = set(base(), "numpy", "2.2.6");
    let mangled = "RaySystemError: System error (node 5f1c0a9e3b7d4e2f8a6b1c0d9e8f7a6b5c4d3e2f, \
                   ip=10.0.3.7:6379, object at 0x7f3a2b1c): No module named \u{201c}numpy._co\n   re\u{201d}";
    let e = pair(&local, &remote, mangled);
    assert_eq!(e.causes[0].finding.subject, "numpy", "{e:#?}");
    assert!(matches!(e.causes[0].reasons[0], Reason::Symptom { .. }));
}

#[test]
fn attrs_protobuf_and_pydantic_tracebacks_each_rank_their_package_first() {
    let local = base();
    let remote = set(
        set(
            set(set(base(), "numpy", "2.2.6"), "attrs", "21.4.0"),
            "protobuf",
            "3.20.3",
        ),
        "pydantic",
        "1.10.13",
    );
    let cases = [
        (
            "attrs",
            "Traceback (most recent call last):\n  File \"/venv/lib/python3.11/site-packages/attr/_make.py\", line 100, in __init__\nTypeError: Enum.__new__() missing 1 required positional argument: 'value'",
        ),
        (
            "protobuf",
            "  File \"/venv/lib/python3.11/site-packages/google/protobuf/descriptor.py\", line 561, in __new__\n    _message.Message._CheckCalledFromGeneratedCodeOnly()\nTypeError: Descriptors cannot not be created directly.\nIf this call came from a _pb2.py file, your generated code is out of date",
        ),
        (
            "pydantic",
            "  File \"/venv/lib/python3.11/site-packages/pydantic/main.py\", line 767, in __getattr__\nAttributeError: 'Config' object has no attribute '__pydantic_fields_set__'",
        ),
    ];
    for (want, tb) in cases {
        let e = pair(&local, &remote, tb);
        assert_eq!(e.causes[0].finding.subject, want, "{tb}\n{e:#?}");
        assert!(
            e.causes[0].reasons.iter().any(|r| matches!(
                r,
                Reason::Frame {
                    innermost: true,
                    ..
                }
            )),
            "{want}"
        );
    }
}

#[test]
fn a_frame_in_a_shadowed_copy_ranks_the_shadowed_finding_first() {
    let mut local = base();
    let pkg = local
        .packages
        .iter_mut()
        .find(|p| p.name == "requests")
        .unwrap();
    pkg.shadowed.push(ShadowedCopy {
        version: "2.20.0".into(),
        location: "/home/me/.local/lib/python3.11/site-packages".into(),
        metadata_path: "/home/me/.local/lib/python3.11/site-packages/requests-2.20.0.dist-info"
            .into(),
    });
    let remote = set(base(), "numpy", "2.2.6");
    let tb = "  File \"/home/me/.local/lib/python3.11/site-packages/requests/adapters.py\", line 10, in send\nAttributeError: 'HTTPAdapter' object has no attribute 'x'";
    let e = pair(&local, &remote, tb);
    let first = &e.causes[0];
    assert_eq!(
        (first.finding.subject.as_str(), first.finding.code.as_str()),
        ("requests", "shadowed"),
        "{e:#?}"
    );
    assert!(matches!(first.reasons[0], Reason::ShadowedFrame { .. }));
}

#[test]
fn a_module_installed_on_one_side_only_is_the_cause_of_its_import_error() {
    let local = with_packages(base(), &[("pyyaml", "6.0.1")]);
    let remote = set(base(), "numpy", "2.2.6");
    let tb = "ray.exceptions.RayTaskError(ModuleNotFoundError): ray::f() (pid=123, ip=127.0.0.1)\nModuleNotFoundError: No module named 'yaml'";
    let e = pair(&local, &remote, tb);
    assert_eq!(e.direction, Some(Direction::DriverToWorker));
    let first = &e.causes[0];
    assert_eq!(first.finding.subject, "pyyaml");
    assert!(
        matches!(&first.reasons[0], Reason::OnlyOneSide { module, side: Side::Local } if module == "yaml")
    );
    assert!(
        first.because[0].contains("installed only locally"),
        "{:?}",
        first.because
    );
}

#[test]
fn a_credential_error_points_to_the_missing_credential() {
    let local = with_env(
        base(),
        &[("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"), ("MY_SETTING", "1")],
    );
    let remote = base();
    let e = pair(
        &local,
        &remote,
        "botocore.exceptions.NoCredentialsError: Unable to locate credentials",
    );
    assert_eq!(e.causes[0].finding.subject, "AWS_ACCESS_KEY_ID", "{e:#?}");
    assert!(e.causes.iter().all(|c| c.finding.subject != "MY_SETTING"));
}

#[test]
fn nothing_explains_an_unrelated_error_and_it_says_what_it_cannot_see() {
    let local = base();
    let remote = set(base(), "numpy", "2.2.6");
    let e = pair(&local, &remote, "ZeroDivisionError: division by zero");
    assert!(!e.explained);
    assert!(e.causes.is_empty());
    assert!(!e.cannot_see.is_empty());
    let text = e.to_text();
    assert!(
        text.contains("nothing in this comparison explains this error"),
        "{text}"
    );
    assert!(text.contains("cannot see"), "{text}");
}

#[test]
fn a_symptom_of_something_that_does_not_differ_is_said_so() {
    let local = base();
    let remote = with_packages(base(), &[("extra", "1")]);
    let e = pair(
        &local,
        &remote,
        "TypeError: Descriptors cannot be created directly.",
    );
    assert!(!e.explained);
    assert_eq!(
        e.unmatched_symptoms[0].points_to.as_deref(),
        Some("protobuf")
    );
    assert!(e.to_text().contains("protobuf does not differ"));
}

#[test]
fn node_comparisons_are_explained_too_and_huge_inputs_end() {
    let local = base();
    let n1 = node(set(base(), "numpy", "2.2.6"), "n1");
    let c = crate::compare::compare_nodes(&local, &[n1.clone()], &[], &CompareOptions::default());
    let e = explain(&c, Some(&local), &[&n1], NUMPY_RAY);
    assert_eq!(e.causes[0].finding.subject, "numpy");
    // A node without numpy cannot have pickled the numpy object the driver failed to load:
    // the version difference of the node that has numpy 2 ranks above it.
    let bare = node(base(), "bare");
    let bare = Snapshot {
        packages: bare
            .packages
            .iter()
            .filter(|p| p.name != "numpy")
            .cloned()
            .collect(),
        ..bare
    };
    let c2 =
        crate::compare::compare_nodes(&local, &[bare, n1.clone()], &[], &CompareOptions::default());
    let e2 = explain(&c2, Some(&local), &[&n1], NUMPY_RAY);
    let rank = |code: &str| e2.causes.iter().position(|c| c.finding.code == code);
    assert_eq!(e2.causes[0].finding.code, "version.major", "{e2:#?}");
    assert!(rank("only_local").unwrap() > rank("version.major").unwrap());
    let huge = "File \"/x\", line 1\n".repeat(200_000) + "No module named 'numpy._core'";
    let e = explain(&c, Some(&local), &[&n1], &huge);
    assert_eq!(e.causes[0].finding.subject, "numpy");
}

#[test]
fn the_data_file_parses_and_every_pattern_normalizes_to_something() {
    let data = symptom_data();
    assert!(data.symptom.len() > 10);
    for s in &data.symptom {
        assert!(normalize(&s.text).len() >= 5, "{}", s.text);
    }
    assert_eq!(
        distribution_of("google.protobuf.descriptor", data),
        "protobuf"
    );
    assert_eq!(distribution_of("attr._make", data), "attrs");
    assert_eq!(
        distribution_of("typing_extensions", data),
        "typing-extensions"
    );
    assert_eq!(
        module_path("google/protobuf/descriptor.py").as_deref(),
        Some("google.protobuf.descriptor")
    );
    assert_eq!(module_path("attr/__init__.py").as_deref(), Some("attr"));
    assert_eq!(
        module_path("_foo.cpython-311-x86_64-linux-gnu.so").as_deref(),
        Some("_foo")
    );
}
