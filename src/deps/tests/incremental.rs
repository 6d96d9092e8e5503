//! The incremental comparison against the full analysis, on generated environments.

use super::*;

/// A tiny deterministic generator (xorshift), so failures reproduce from the seed.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Candidate packages: (name, versions, requirements to draw from). The requirements
/// cover markers, extras that activate further extras, missing dependencies, version
/// conflicts, a malformed line, and the packages the bundled rules name.
const POOL: &[(&str, &[&str], &[&str])] = &[
    (
        "numpy",
        &["1.26.4", "2.0.1", "2.1.0", "bogus!"],
        &["python-dateutil>=2"],
    ),
    (
        "torch",
        &["2.2.0", "2.4.1"],
        &[
            "numpy>=1.20",
            "typing-extensions>=4.8",
            "sympy; python_version >= '3.12'",
        ],
    ),
    (
        "pandas",
        &["2.1.0", "2.2.2"],
        &[
            "numpy>=1.26",
            "python-dateutil>=2.8.2",
            "pyarrow>=10; extra == 'arrow'",
            "tzdata",
        ],
    ),
    (
        "pyarrow",
        &["14.0.0", "16.1.0"],
        &["numpy>=1.16.6", "pandas[arrow]; extra == 'pandas'"],
    ),
    (
        "ray",
        &["2.9.0", "2.30.0"],
        &[
            "pyarrow[pandas]>=6; extra == 'data'",
            "protobuf<4",
            "aiohttp; extra == 'default'",
            "ray[data]; extra == 'default'",
        ],
    ),
    ("protobuf", &["3.20.3", "4.25.3"], &[]),
    ("python-dateutil", &["2.8.2", "2.9.0"], &["six>=1.5"]),
    ("six", &["1.16.0"], &[]),
    ("typing-extensions", &["4.7.0", "4.12.2"], &[]),
    (
        "tzdata",
        &["2024.1"],
        &["!!! not a requirement", "colorama; sys_platform == 'win32'"],
    ),
    (
        "app",
        &["1.0", "1.1"],
        &[
            "ray[default]>=2.9",
            "pandas<2.2",
            "torch==2.4.*; python_version < '3.12'",
            "scikit-learn>=1.4",
        ],
    ),
    (
        "scikit-learn",
        &["1.3.0", "1.5.0"],
        &["numpy>=1.19.5,<2", "scipy>=1.6"],
    ),
    ("scipy", &["1.11.0"], &["numpy<2.3,>=1.22.4"]),
];

type OwnedPkg = (String, String, Vec<String>, Option<String>);

fn random_packages(rng: &mut Xorshift) -> Vec<OwnedPkg> {
    let mut packages = Vec::new();
    for (name, versions, requires) in POOL {
        if rng.below(5) == 0 {
            continue;
        }
        let version = versions[rng.below(versions.len())].to_string();
        let requires = requires
            .iter()
            .filter(|_| rng.below(4) != 0)
            .map(ToString::to_string)
            .collect();
        let requires_python =
            [None, Some(">=3.9"), Some(">=3.12")][rng.below(3)].map(str::to_string);
        packages.push((name.to_string(), version, requires, requires_python));
    }
    packages
}

/// The other side: the same packages, a few changed (version, requirements,
/// Requires-Python), removed, or added.
fn mutated(rng: &mut Xorshift, packages: &[OwnedPkg]) -> Vec<OwnedPkg> {
    let mut out = Vec::new();
    for package in packages {
        let mut package = package.clone();
        match rng.below(12) {
            0 => continue,
            1 => {
                let (_, versions, _) = POOL.iter().find(|p| p.0 == package.0).unwrap();
                package.1 = versions[rng.below(versions.len())].to_string();
            }
            2 => {
                package.2.pop();
            }
            3 => package.3 = Some(">=3.12".to_string()),
            _ => {}
        }
        out.push(package);
    }
    if rng.below(3) == 0 {
        let (name, versions, requires) = POOL[rng.below(POOL.len())];
        if !out.iter().any(|p| p.0 == name) {
            out.push((
                name.to_string(),
                versions[0].to_string(),
                requires.iter().map(ToString::to_string).collect(),
                None,
            ));
        }
    }
    out
}

fn random_snapshot(python: &str, packages: &[OwnedPkg]) -> Snapshot {
    let requires: Vec<Vec<&str>> = packages
        .iter()
        .map(|p| p.2.iter().map(String::as_str).collect())
        .collect();
    let pkgs: Vec<Pkg> = packages
        .iter()
        .zip(&requires)
        .map(|(p, r)| (p.0.as_str(), p.1.as_str(), r.as_slice()))
        .collect();
    let mut s = snapshot(python, "Linux", &pkgs);
    for (package, owned) in s.packages.iter_mut().zip(packages) {
        package.requires_python = owned.3.clone();
    }
    s
}

#[test]
fn the_incremental_comparison_reports_exactly_what_the_full_analysis_reports() {
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut compared_with_problems = 0;
    for round in 0..600 {
        let local_packages = random_packages(&mut rng);
        let remote_packages = if rng.below(10) == 0 {
            local_packages.clone()
        } else {
            mutated(&mut rng, &local_packages)
        };
        // Mostly the same interpreter (the incremental path); sometimes another one.
        let remote_python = if rng.below(6) == 0 {
            "3.12.3"
        } else {
            "3.11.7"
        };
        let local = random_snapshot("3.11.7", &local_packages);
        let remote = random_snapshot(remote_python, &remote_packages);
        let existing = crate::compare::compare_pair(&local, &remote, &Default::default())
            .findings
            .into_iter()
            .filter(|f| f.category == Category::Package)
            .collect::<Vec<_>>();
        for existing in [&existing[..], &[]] {
            let incremental = comparison_findings(&local, &remote, existing);
            let full = comparison_findings_full(&local, &remote, existing);
            assert_eq!(
                incremental, full,
                "round {round}: local {local_packages:?} remote {remote_packages:?} ({remote_python})"
            );
            if full.iter().any(|f| f.message.contains("on the workers")) {
                compared_with_problems += 1;
            }
        }
    }
    // The pool must produce real problems on the workers, or the test proves little.
    assert!(compared_with_problems > 300, "{compared_with_problems}");
}
