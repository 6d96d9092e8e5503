//! N-way comparisons and their matrix.

use super::*;

#[test]
fn many_compares_each_with_the_first_and_builds_a_matrix() {
    let a = with_packages(
        snapshot(),
        &[("numpy", "1.26.4"), ("pandas", "2.3.3"), ("six", "1.16")],
    );
    let mut b = with_packages(snapshot(), &[("numpy", "1.26.4"), ("six", "1.16.0")]);
    b.python.version_info.minor = 10;
    let c2 = with_packages(snapshot(), &[("numpy", "2.0.1"), ("six", "1.16")]);
    let labels = vec!["local.json".to_string(), "a.json".into(), "b.json".into()];
    let c = compare_many(&[a, b, c2], &labels, &opts()).unwrap();
    assert_eq!(c.groups.len(), 2);
    assert_eq!(c.groups[1].label.as_deref(), Some("b.json"));
    let numpy = c.findings.iter().find(|f| f.subject == "numpy").unwrap();
    assert_eq!(
        (numpy.group, numpy.nodes.clone()),
        (Some(1), vec!["b.json".to_string()])
    );
    assert!(numpy.message.contains("in local.json") && numpy.message.contains("in b.json"));
    let m = c.matrix.as_ref().unwrap();
    assert_eq!(m.columns, labels);
    let subjects: Vec<&str> = m.rows.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(subjects, vec!["python", "numpy", "pandas"]);
    let pandas = m.rows.iter().find(|r| r.subject == "pandas").unwrap();
    assert_eq!(pandas.values, vec![Some("2.3.3".to_string()), None, None]);
    assert_eq!(pandas.severity, Severity::Error);
    assert!(compare_many(
        &labels[..0].iter().map(|_| snapshot()).collect::<Vec<_>>(),
        &[],
        &opts()
    )
    .is_err());
    assert_eq!(
        compare_many(&[snapshot()], &["x".into()], &opts()).unwrap_err(),
        CompareError::TooFewSnapshots(1)
    );
}
