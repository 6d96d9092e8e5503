//! A node's environment fingerprint: what makes an environment, hashed; nodes with equal
//! fingerprints have equal findings and form one group.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::comparison::CompareOptions;
use crate::knowledge::{knowledge, Knowledge};
use crate::snapshot::{EnvValue, Package, Snapshot};

/// Hashes what makes an environment, ignoring where and when it was observed: origin,
/// pids, cwd, kernel release, the variables and paths Ray sets per worker, shell
/// variables, and Ray's vendored packages. Equal fingerprints mean equal findings.
pub(super) struct Fingerprinter<'a> {
    pub(super) k: &'static Knowledge,
    pub(super) opts: &'a CompareOptions,
    /// Variables and locations repeat on every node: classify each once.
    env_counts: HashMap<String, bool>,
    location_counts: HashMap<String, bool>,
    /// sys.path entries learned to be per node (see [`PerNode`](super::per_node::PerNode)).
    per_node_paths: HashSet<String>,
}

impl<'a> Fingerprinter<'a> {
    pub(super) fn new(opts: &'a CompareOptions) -> Self {
        Fingerprinter::with_knowledge(knowledge(), opts)
    }

    /// A fingerprinter judging by `k` (the bundled knowledge, or another in tests).
    pub(super) fn with_knowledge(k: &'static Knowledge, opts: &'a CompareOptions) -> Self {
        Fingerprinter {
            k,
            opts,
            env_counts: HashMap::new(),
            location_counts: HashMap::new(),
            per_node_paths: HashSet::new(),
        }
    }

    /// Keeps the per-node variables and sys.path entries out of every fingerprint from now on.
    pub(super) fn exclude(&mut self, vars: &[(String, usize)], paths: &HashSet<String>) {
        for (key, _) in vars {
            self.env_counts.insert(key.clone(), false);
        }
        self.per_node_paths.clone_from(paths);
    }

    /// True when a variable's value is part of an environment (what [`PerNode::learn`](super::per_node::PerNode::learn)
    /// looks at: not already known noise).
    pub(super) fn env_counts(&mut self, key: &str) -> bool {
        if let Some(&counts) = self.env_counts.get(key) {
            return counts;
        }
        let counts = self.opts.wants_env(key) && !self.k.env_class(key).is_noise();
        self.env_counts.insert(key.to_string(), counts);
        counts
    }

    fn location_counts(&mut self, location: &str) -> bool {
        if let Some(&counts) = self.location_counts.get(location) {
            return counts;
        }
        let counts = !self.k.is_ray_vendored(location);
        self.location_counts.insert(location.to_string(), counts);
        counts
    }

    pub(super) fn fingerprint(&mut self, s: &Snapshot) -> String {
        let packages = self.packages_part(&s.packages);
        self.fingerprint_with(s, packages)
    }

    /// The packages' share of a fingerprint, computed once per distinct package list.
    pub(super) fn packages_part(&mut self, packages: &[Package]) -> PackagesPart {
        // Package order depends on the scan; combine per-package hashes so it does not
        // matter (two lanes, 128 bits).
        let (mut lane_a, mut lane_b) = (0u64, 0u64);
        for pkg in packages {
            if !self.location_counts(&pkg.location) {
                continue;
            }
            let mut ph = DefaultHasher::new();
            (&pkg.name, &pkg.version).hash(&mut ph);
            for copy in &pkg.shadowed {
                copy.version.hash(&mut ph);
            }
            let a = ph.finish();
            lane_a = lane_a.wrapping_add(a);
            lane_b = lane_b.wrapping_add(a.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15);
        }
        PackagesPart(lane_a, lane_b, packages.len())
    }

    /// The fingerprint of `s` with `packages` standing for its package list (which is
    /// not read: it may be empty, the list kept elsewhere).
    pub(super) fn fingerprint_with(&mut self, s: &Snapshot, packages: PackagesPart) -> String {
        let mut h = DefaultHasher::new();
        let py = &s.python;
        (&py.implementation, &py.abi_tag).hash(&mut h);
        let v = &py.version_info;
        (v.major, v.minor, v.micro, &v.releaselevel, v.serial).hash(&mut h);
        let p = &s.platform;
        (
            &p.system,
            p.machine.to_ascii_lowercase(),
            &p.libc.as_ref().map(|l| (&l.family, &l.version)),
        )
            .hash(&mut h);
        // The env map is sorted, so hashing in order is canonical.
        for (key, value) in &s.env {
            if !self.env_counts(key) {
                continue;
            }
            key.hash(&mut h);
            hash_value(value, &mut h);
        }
        s.accelerators.hash(&mut h);
        s.credential_files.hash(&mut h);
        let PackagesPart(lane_a, lane_b, count) = packages;
        (lane_a, lane_b, count).hash(&mut h);
        if self.opts.include_sys_path {
            let mut seen = HashSet::new();
            for entry in &s.sys_path {
                if seen.insert(entry.as_str())
                    && !self.k.is_ray_path(entry)
                    && !self.per_node_paths.contains(entry)
                {
                    entry.hash(&mut h);
                }
            }
        }
        let first = h.finish();
        (first, "second lane").hash(&mut h);
        format!("{first:016x}{:016x}", h.finish())
    }
}

/// A withheld value counts by its fingerprint: equal secrets hash alike.
pub(super) fn hash_value(value: &EnvValue, h: &mut impl Hasher) {
    match value {
        EnvValue::Plain(v) => (0u8, v).hash(h),
        EnvValue::Withheld(w) => (1u8, &w.withheld, &w.fingerprint, &w.display).hash(h),
    }
}

/// What a package list adds to a fingerprint: two order-independent lanes and the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PackagesPart(u64, u64, usize);

/// The fingerprint of one snapshot's environment (see [`compare_nodes`](super::compare_nodes)).
pub fn environment_fingerprint(s: &Snapshot, opts: &CompareOptions) -> String {
    Fingerprinter::new(opts).fingerprint(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::testutil::{snapshot, with_env};

    /// What `Code::counts_in_fingerprint` says is what the fingerprinter does: two
    /// snapshots that differ in one fact, whose comparison finds that fact's code, have
    /// different fingerprints exactly when the code counts.
    #[test]
    fn codes_say_what_the_fingerprint_holds() {
        use crate::compare::{compare_pair, Code};
        use crate::snapshot::testutil::{package, with_packages};
        use crate::snapshot::{
            Accelerators, CondaPackage, CredentialFile, ShadowedCopy, Unreadable,
        };
        let base = with_env(
            with_packages(snapshot(), &[("numpy", "1.26.4"), ("attrs", "23.2.0")]),
            &[("MY_SETTING", "a")],
        );
        let copy = |version: &str| ShadowedCopy {
            version: version.into(),
            location: "/other".into(),
            metadata_path: format!("/other/x-{version}.dist-info"),
        };
        let changes: Vec<(Code, Box<dyn Fn(&mut Snapshot)>)> = vec![
            (
                Code::PythonMinor,
                Box::new(|s| s.python.version_info.minor = 10),
            ),
            (
                Code::PlatformMachine,
                Box::new(|s| s.platform.machine = "aarch64".into()),
            ),
            (
                Code::VersionMajor,
                Box::new(|s| s.packages[0].version = "2.0.0".into()),
            ),
            (Code::PackageOnlyLocal, Box::new(|s| s.packages.truncate(1))),
            (
                Code::PackageOnlyRemote,
                Box::new(|s| s.packages.push(package("six", "1.16.0"))),
            ),
            (
                Code::Shadowed,
                Box::new(move |s| s.packages[1].shadowed.push(copy("21.1.0"))),
            ),
            (
                Code::SameDirectory,
                Box::new(move |s| s.packages[1].same_directory.push(copy("21.2.0"))),
            ),
            (
                Code::ValueDiffers,
                Box::new(|s| {
                    s.env.insert(
                        "MY_SETTING".into(),
                        crate::snapshot::EnvValue::Plain("b".into()),
                    );
                }),
            ),
            (
                Code::SysPathOnlyRemote,
                Box::new(|s| s.sys_path.push("/opt/extra".into())),
            ),
            (
                Code::Unreadable,
                Box::new(|s| {
                    s.unreadable.push(Unreadable {
                        path: "/opt/broken".into(),
                        reason: "permission denied".into(),
                    })
                }),
            ),
            (
                Code::GenevarsVersion,
                Box::new(|s| s.genevars_version = Some("0.2.0".into())),
            ),
            (
                Code::CondaOnlyRemote,
                Box::new(|s| {
                    s.conda.push(CondaPackage {
                        name: "openssl".into(),
                        version: "3.0.13".into(),
                        build: "h1".into(),
                    })
                }),
            ),
            (
                Code::AcceleratorDriver,
                Box::new(|s| {
                    s.accelerators = Some(Accelerators {
                        nvidia_driver: Some("470.82.01".into()),
                        ..Default::default()
                    })
                }),
            ),
            (
                Code::CredentialFileMissing,
                Box::new(|s| {
                    s.credential_files[0].exists = false;
                    s.credential_files[0].readable = false;
                }),
            ),
        ];
        let opts = CompareOptions::default();
        let mut local = base.clone();
        // Facts compared only when both sides have them.
        local.genevars_version = Some("0.1.0".into());
        local.conda.push(CondaPackage {
            name: "zlib".into(),
            version: "1.3".into(),
            build: "h0".into(),
        });
        local.accelerators = Some(Accelerators {
            nvidia_driver: Some("550.54.15".into()),
            ..Default::default()
        });
        local.credential_files.push(CredentialFile {
            name: "~/.netrc".into(),
            exists: true,
            readable: true,
            ..Default::default()
        });
        let mut remote = base.clone();
        remote.genevars_version = local.genevars_version.clone();
        remote.conda = local.conda.clone();
        remote.accelerators = local.accelerators.clone();
        remote.credential_files = local.credential_files.clone();
        let fingerprint = |s: &Snapshot| Fingerprinter::new(&opts).fingerprint(s);
        for (code, change) in changes {
            let mut changed = remote.clone();
            change(&mut changed);
            let found = compare_pair(&local, &changed, &opts);
            assert!(
                found.findings.iter().any(|f| f.code == code),
                "{code}: {:?}",
                found
                    .findings
                    .iter()
                    .map(|f| f.code.as_str())
                    .collect::<Vec<_>>()
            );
            assert_eq!(
                fingerprint(&remote) != fingerprint(&changed),
                code.counts_in_fingerprint(),
                "{code}"
            );
        }
    }

    /// A noise class is one table in the data file, and grouping follows it: nodes that
    /// differ only in its variables get one fingerprint.
    #[test]
    fn a_noise_class_added_to_the_data_is_left_out_of_the_fingerprint() {
        let text = format!(
            "{}\n[env.class.job_tags]\nnoise = true\nnote = \"set per job\"\npatterns = [\"JOB_TAG_*\"]\n",
            crate::knowledge::KNOWLEDGE_TOML
        );
        let extended: &'static Knowledge = Box::leak(Box::new(Knowledge::parse(&text).unwrap()));
        let a = with_env(snapshot(), &[("JOB_TAG_ID", "a")]);
        let b = with_env(snapshot(), &[("JOB_TAG_ID", "b")]);
        let opts = CompareOptions::default();
        let bundled = |s| Fingerprinter::new(&opts).fingerprint(s);
        assert_ne!(bundled(&a), bundled(&b));
        let with_class = |s| Fingerprinter::with_knowledge(extended, &opts).fingerprint(s);
        assert_eq!(with_class(&a), with_class(&b));
        let class = extended.env_class("JOB_TAG_ID");
        assert_eq!(
            extended.noise_note(class).as_deref(),
            Some(" (set per job)")
        );
    }
}
