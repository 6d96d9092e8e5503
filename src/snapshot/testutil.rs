//! Snapshots built in code, the one builder the tests of every module share.

use std::collections::BTreeMap;

use super::*;

pub(crate) fn snapshot() -> Snapshot {
    Snapshot {
        schema: SNAPSHOT_SCHEMA.to_string(),
        created_by: Creator::default(),
        origin: None,
        python: PythonInfo {
            version: "3.11.9 (main, Apr 19 2024, 16:48:06) [GCC 11.2.0]".into(),
            version_info: VersionInfo {
                major: 3,
                minor: 11,
                micro: 9,
                releaselevel: "final".into(),
                serial: 0,
            },
            implementation: "CPython".into(),
            executable: "/usr/bin/python3".into(),
            abi_tag: "cp311".into(),
            inferred: None,
        },
        platform: PlatformInfo {
            system: "Linux".into(),
            release: "5.15.0".into(),
            machine: "x86_64".into(),
            processor: "x86_64".into(),
            libc: Some(Libc {
                family: "glibc".into(),
                version: "2.35".into(),
            }),
            inferred: None,
        },
        markers: Markers {
            implementation_name: "cpython".into(),
            implementation_version: "3.11.9".into(),
            os_name: "posix".into(),
            platform_machine: "x86_64".into(),
            platform_python_implementation: "CPython".into(),
            platform_release: "5.15.0".into(),
            platform_system: "Linux".into(),
            platform_version: "#1 SMP".into(),
            python_full_version: "3.11.9".into(),
            python_version: "3.11".into(),
            sys_platform: "linux".into(),
        },
        cwd: "/work".into(),
        env: BTreeMap::new(),
        sys_path: vec![
            "/usr/lib/python3.11".into(),
            "/venv/lib/python3.11/site-packages".into(),
        ],
        packages: Default::default(),
        unreadable: Vec::new(),
        genevars_version: None,
        conda: Vec::new(),
        accelerators: None,
        credential_files: Vec::new(),
    }
}

pub(crate) fn package(name: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        display_name: name.into(),
        version: version.into(),
        location: "/venv/lib/python3.11/site-packages".into(),
        metadata_path: format!("/venv/lib/python3.11/site-packages/{name}-{version}.dist-info"),
        kind: DistKind::DistInfo,
        installer: Some("pip".into()),
        direct_url: None,
        requires_dist: Vec::new(),
        provides_extra: Vec::new(),
        requires_python: None,
        shadowed: Vec::new(),
        same_directory: Vec::new(),
        import_names: Vec::new(),
        version_uncertain: false,
    }
}

pub(crate) fn with_packages(mut s: Snapshot, pkgs: &[(&str, &str)]) -> Snapshot {
    s.packages.extend(pkgs.iter().map(|(n, v)| package(n, v)));
    s
}

pub(crate) fn with_env(mut s: Snapshot, vars: &[(&str, &str)]) -> Snapshot {
    s.env.extend(
        vars.iter()
            .map(|(k, v)| (k.to_string(), EnvValue::Plain(v.to_string()))),
    );
    s
}

pub(crate) fn withheld(fingerprint: Option<&str>) -> EnvValue {
    EnvValue::Withheld(WithheldValue {
        withheld: "secret".into(),
        fingerprint: fingerprint.map(str::to_string),
        display: None,
    })
}

pub(crate) fn node(s: Snapshot, id: &str) -> Snapshot {
    let mut s = s;
    s.origin = Some(Origin {
        hostname: Some(format!("host-{id}")),
        node_id: Some(id.into()),
        node_address: Some("127.0.0.1".into()),
        pid: Some(4242),
    });
    s
}
