//! Unit tests of the dependency engine on snapshots built in memory, by subject.

mod closure;
mod cluster;
mod incremental;
mod inputs;
mod requirements;
mod rules;
mod workers;

use std::collections::BTreeMap;

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
