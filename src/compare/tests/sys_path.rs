//! sys.path entries and unreadable entries.

use super::*;

#[test]
fn sys_path_differences_and_ray_paths() {
    let l = snapshot();
    let mut r = snapshot();
    r.sys_path.insert(
        0,
        "/venv/lib/python3.11/site-packages/ray/thirdparty_files".into(),
    );
    r.sys_path.push("/opt/extra".into());
    r.sys_path.push("/opt/extra".into());
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(
        find(&c, Category::SysPath, "/opt/extra").severity,
        Severity::Info
    );
    assert_eq!(
        find(
            &c,
            Category::SysPath,
            "/venv/lib/python3.11/site-packages/ray/thirdparty_files"
        )
        .severity,
        Severity::Expected
    );
    let d = &c.sys_path_diffs;
    assert_eq!(
        (d.intersection_count, d.local_count, d.remote_count),
        (2, 2, 4)
    );
    let c = compare_pair(
        &l,
        &r,
        &CompareOptions {
            include_sys_path: false,
            ..CompareOptions::default()
        },
    );
    assert!(c.findings.iter().all(|f| f.category != Category::SysPath));
    assert!(c.sys_path_diffs.only_remote.is_empty());
}

#[test]
fn unreadable_entries_become_findings_once() {
    let mut l = snapshot();
    let mut r = snapshot();
    let zip = Unreadable {
        path: "/usr/lib/python311.zip".into(),
        reason: "does not exist".into(),
    };
    l.unreadable.push(zip.clone());
    r.unreadable.push(zip);
    r.unreadable.push(Unreadable {
        path: "/opt/bad.dist-info".into(),
        reason: "no METADATA".into(),
    });
    let c = compare_pair(&l, &r, &opts());
    let unreadable: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.category == Category::Unreadable)
        .collect();
    assert_eq!(unreadable.len(), 2, "{unreadable:#?}");
    assert_eq!(
        find(&c, Category::Unreadable, "/opt/bad.dist-info")
            .remote
            .as_deref(),
        Some("no METADATA")
    );
}
