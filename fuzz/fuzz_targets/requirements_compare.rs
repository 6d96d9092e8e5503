//! The requirement checker and the comparison on arbitrary installed metadata: the input
//! is METADATA files separated by NUL bytes, installed alternately in a local and a remote
//! snapshot. Checking, comparing, the manifest's pins and the reports never panic (a
//! Requires-Dist line pep508_rs panics on is a finding about its distribution).
#![no_main]

use genevars::compare::{compare_pair, CompareOptions};
use genevars::deps::{self, Rules};
use genevars::manifest::parse_line;
use genevars::report::{self, Snapshots};
use genevars::snapshot::metadata::CoreMetadata;
use genevars::snapshot::{from_json_str, DistKind, Package, Snapshot};
use libfuzzer_sys::fuzz_target;

const BASE: &str = r##"{"schema": "genevars.snapshot/1", "created_by": {"tool": "genevars", "version": "0.1.0", "scanner": "native"}, "python": {"version": "3.11.7", "version_info": {"major": 3, "minor": 11, "micro": 7, "releaselevel": "final", "serial": 0}, "implementation": "CPython", "executable": "/usr/bin/python3", "abi_tag": "cp311"}, "platform": {"system": "Linux", "release": "6.1", "machine": "x86_64", "processor": "", "libc": {"family": "glibc", "version": "2.36"}}, "markers": {"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix", "platform_machine": "x86_64", "platform_python_implementation": "CPython", "platform_release": "6.1", "platform_system": "Linux", "platform_version": "#1 SMP", "python_full_version": "3.11.7", "python_version": "3.11", "sys_platform": "linux"}, "cwd": "/w", "env": {"MODE": "a"}, "sys_path": ["/site"], "packages": [], "unreadable": []}"##;

fn package(meta: CoreMetadata) -> Package {
    Package {
        name: meta.normalized_name,
        display_name: meta.name,
        version: meta.version,
        location: "/site".into(),
        metadata_path: "/site/x.dist-info".into(),
        kind: DistKind::DistInfo,
        installer: None,
        direct_url: None,
        requires_dist: meta.requires_dist,
        provides_extra: meta.provides_extra,
        requires_python: meta.requires_python,
        shadowed: Vec::new(),
        same_directory: Vec::new(),
        import_names: Vec::new(),
        version_uncertain: false,
    }
}

fuzz_target!(|data: &[u8]| {
    let base: Snapshot = from_json_str("base", BASE).expect("the base snapshot loads");
    let (mut local, mut remote) = (base.clone(), base);
    let mut pins = Vec::new();
    for (i, chunk) in data.split(|&b| b == 0).take(16).enumerate() {
        let Ok(meta) = CoreMetadata::parse(chunk) else {
            continue;
        };
        if i == 0 {
            pins = meta.requires_dist.clone();
        }
        let side = if i % 2 == 0 { &mut local } else { &mut remote };
        side.packages.push(package(meta));
    }
    for (i, pin) in pins.iter().enumerate() {
        let _ = parse_line(pin, &format!("pip entry {}", i + 1));
        let _ = deps::parse_requirement(deps::RequirementOf::ManifestPin, pin);
    }
    let rules = Rules::bundled_shared();
    let _ = deps::env_findings(&local, rules, None);
    let _ = deps::pair_findings_for(&local, &remote, rules, None);
    let _ = deps::overlay_findings(Some(&local), &remote, &pins, rules);
    if let Ok(env) = deps::Environment::from_snapshot(&local) {
        for problem in env.check(&Default::default()) {
            assert!(!problem.to_string().is_empty());
        }
    }
    let comparison = compare_pair(&local, &remote, &CompareOptions::default());
    let snapshots = Snapshots {
        local: Some(&local),
        remote: Some(&remote),
    };
    let _ = report::to_text(&comparison, snapshots, Default::default());
    let _ = report::to_json(&comparison, snapshots, false);
});
