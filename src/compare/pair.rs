//! Two snapshots: every difference found, then judged with the knowledge file.
//!
//! Everything here is linear in the size of the snapshots: packages are matched through a
//! hash map, variables by merging the two sorted maps, and version strings are parsed only
//! when they differ.

use std::collections::{HashMap, HashSet};

use super::comparison::{
    sort_findings, CompareOptions, Comparison, ComparisonKind, EnvDiffs, EnvValueDiff, PkgDiffs,
    SideInfo, SysPathDiffs,
};
use crate::finding::{Category, Code, Finding, Severity, Summary};
use super::sides::{Sides, LOCAL_REMOTE};
use super::version::{classify, VersionChange};
use crate::knowledge::{fill, knowledge, EnvClass, HintVars, Knowledge, Table};
use crate::redact;
use crate::snapshot::{EnvValue, Package, Snapshot};

/// The differences between two snapshots, before they are put into a [`Comparison`].
#[derive(Debug, Default)]
pub(crate) struct PairParts {
    pub findings: Vec<Finding>,
    pub env_diffs: EnvDiffs,
    pub pkg_diffs: PkgDiffs,
    pub sys_path_diffs: SysPathDiffs,
}

/// Compares two snapshots: `local` is where code is submitted, `remote` where it runs.
pub fn compare_pair(local: &Snapshot, remote: &Snapshot, opts: &CompareOptions) -> Comparison {
    let mut parts = diff_pair(local, remote, opts, LOCAL_REMOTE);
    side_findings(
        local,
        true,
        LOCAL_REMOTE.local,
        &HashSet::new(),
        &mut parts.findings,
    );
    side_findings(
        remote,
        false,
        LOCAL_REMOTE.remote,
        &unreadable_set(local),
        &mut parts.findings,
    );
    sort_findings(&mut parts.findings);
    Comparison {
        kind: ComparisonKind::Pair,
        options: opts.clone(),
        summary: Summary::of(&parts.findings),
        findings: parts.findings,
        local: SideInfo::of(local, "local"),
        remote: Some(SideInfo::of(remote, "remote")),
        env_diffs: parts.env_diffs,
        pkg_diffs: parts.pkg_diffs,
        sys_path_diffs: parts.sys_path_diffs,
        groups: Vec::new(),
        node_count: 0,
        incomplete: None,
        matrix: None,
    }
}

/// Every difference between two snapshots (but not the findings about one side alone,
/// see [`side_findings`]).
pub(crate) fn diff_pair(
    local: &Snapshot,
    remote: &Snapshot,
    opts: &CompareOptions,
    sides: Sides<'_>,
) -> PairParts {
    let k = knowledge();
    let mut findings = Vec::new();
    interpreter(k, local, remote, sides, &mut findings);
    platform(k, local, remote, sides, &mut findings);
    let pkg_diffs = packages(k, local, remote, sides, &mut findings);
    conda(k, local, remote, sides, &mut findings);
    // A lock file or package listing has no variables or sys.path: nothing to compare.
    let packages_only = local.packages_only() || remote.packages_only();
    let env_diffs = if packages_only {
        EnvDiffs::default()
    } else {
        env(k, local, remote, opts, sides, &mut findings)
    };
    let sys_path_diffs = sys_path(
        k,
        local,
        remote,
        opts.include_sys_path && !packages_only,
        sides,
        &mut findings,
    );
    genevars(k, local, remote, sides, &mut findings);
    if sides.local == LOCAL_REMOTE.local {
        findings.extend(super::accelerators::findings(remote, sides.remote));
        findings.extend(super::credential_files::findings(local, remote));
    }
    findings.extend(super::accelerators::driver_difference(local, remote, sides));
    // deps: broken requirements and known incompatibilities, driver vs workers only
    // (not N-way comparisons, whose sides are named otherwise).
    if sides.local == LOCAL_REMOTE.local {
        findings.extend(crate::deps::comparison_findings(local, remote, &findings));
    }
    PairParts {
        findings,
        env_diffs,
        pkg_diffs,
        sys_path_diffs,
    }
}

fn finding(severity: Severity, code: Code, subject: &str, message: String) -> Finding {
    Finding::new(severity, code, subject, message)
}

/// "3.11.9 locally, 3.10.14 remotely"
fn both(local: &str, remote: &str, sides: Sides<'_>) -> String {
    format!("{local} {}, {remote} {}", sides.local, sides.remote)
}

fn interpreter(
    k: &Knowledge,
    l: &Snapshot,
    r: &Snapshot,
    sides: Sides<'_>,
    out: &mut Vec<Finding>,
) {
    let (lp, rp) = (&l.python, &r.python);
    if unknown_side(k, &lp.inferred, &rp.inferred, Code::PythonUnknown, sides, out) {
        return;
    }
    // An inferred Python is known to its minor version only.
    let minor_only = lp.inferred.is_some() || rp.inferred.is_some();
    let (lv, rv) = (&lp.version_info, &rp.version_info);
    let mut push = |code: Code, subject: &str, what: &str, lval: String, rval: String| {
        let vars = HintVars {
            name: subject,
            local: &lval,
            remote: &rval,
        };
        let hint = k.hint_for(&code, vars);
        let f = finding(
            k.severity_of(&code, subject),
            code,
            subject,
            format!("{what}: {}", both(&lval, &rval, sides)),
        )
        .hint(hint);
        out.push(f.values(Some(lval), Some(rval)));
    };
    let told = |i: &str| i != "unknown";
    if lp.implementation != rp.implementation
        && told(&lp.implementation)
        && told(&rp.implementation)
    {
        push(
            Code::PythonImplementation,
            "python.implementation",
            "Python implementation differs",
            lp.implementation.clone(),
            rp.implementation.clone(),
        );
    }
    let code = if (lv.major, lv.minor) != (rv.major, rv.minor) {
        Some((Code::PythonMinor, "Python minor version differs"))
    } else if minor_only {
        None
    } else if lv.micro != rv.micro {
        Some((Code::PythonPatch, "Python patch version differs"))
    } else if (&lv.releaselevel, lv.serial) != (&rv.releaselevel, rv.serial) {
        Some((Code::PythonRelease, "Python release level differs"))
    } else {
        None
    };
    if let Some((code, what)) = code {
        let shown = |p: &crate::snapshot::PythonInfo| match &p.inferred {
            Some(_) => format!("{}.{}", p.version_info.major, p.version_info.minor),
            None => p.version_info.dotted(),
        };
        push(code, "python.version", what, shown(lp), shown(rp));
    } else if !lp.abi_tag.is_empty() && !rp.abi_tag.is_empty() && lp.abi_tag != rp.abi_tag {
        push(
            Code::PythonAbi,
            "python.abi_tag",
            "Python ABI differs",
            lp.abi_tag.clone(),
            rp.abi_tag.clone(),
        );
    }
}

/// `x86_64` and `AMD64` are one architecture, as are `arm64` and `aarch64`.
fn canonical_machine(machine: &str) -> String {
    match machine.to_ascii_lowercase().as_str() {
        "amd64" | "x64" => "x86_64".to_string(),
        "arm64" => "aarch64".to_string(),
        other => other.to_string(),
    }
}

/// When a side's Python or platform could not be told (`snapshot --path` of a tree with no
/// evidence), one finding saying it was not compared; true when that is so.
fn unknown_side(
    k: &Knowledge,
    local: &Option<crate::snapshot::Inferred>,
    remote: &Option<crate::snapshot::Inferred>,
    code: Code,
    sides: Sides<'_>,
    out: &mut Vec<Finding>,
) -> bool {
    use crate::snapshot::Inferred;
    let what = code.category().as_str();
    let (l, r) = (Inferred::is_unknown(local), Inferred::is_unknown(remote));
    if !l && !r {
        return false;
    }
    let which = match (l, r) {
        (true, true) => format!("{} and {}", sides.local, sides.remote),
        (true, false) => sides.local.to_string(),
        _ => sides.remote.to_string(),
    };
    let option = if what == "python" {
        "--python-version"
    } else {
        "--platform"
    };
    let named = if what == "python" { "Python" } else { what };
    let evidence = [local, remote]
        .into_iter()
        .flatten()
        .find(|i| !i.known)
        .map_or("", |i| i.from.as_str());
    let message = format!(
        "the {named} {which} is unknown ({evidence} says it), so it was not compared: take that snapshot with --python EXE, or (for a --path scan) say it with {option}"
    );
    let shown = |unknown: bool| if unknown { "unknown" } else { "known" }.to_string();
    let f = finding(k.severity_of(&code, what), code, what, message);
    out.push(f.values(Some(shown(l)), Some(shown(r))));
    true
}

fn platform(k: &Knowledge, l: &Snapshot, r: &Snapshot, sides: Sides<'_>, out: &mut Vec<Finding>) {
    let (lp, rp) = (&l.platform, &r.platform);
    if unknown_side(
        k,
        &lp.inferred,
        &rp.inferred,
        Code::PlatformUnknown,
        sides,
        out,
    ) {
        return;
    }
    let mut checks: Vec<(Code, &str, String, String)> = Vec::new();
    if lp.system != rp.system {
        checks.push((
            Code::PlatformSystem,
            "operating system differs",
            lp.system.clone(),
            rp.system.clone(),
        ));
    }
    if canonical_machine(&lp.machine) != canonical_machine(&rp.machine) {
        checks.push((
            Code::PlatformMachine,
            "CPU architecture differs",
            lp.machine.clone(),
            rp.machine.clone(),
        ));
    }
    if let (Some(ll), Some(rl)) = (&lp.libc, &rp.libc) {
        if ll != rl {
            checks.push((
                Code::PlatformLibc,
                "C library differs",
                format!("{} {}", ll.family, ll.version),
                format!("{} {}", rl.family, rl.version),
            ));
        }
    }
    for (code, what, lval, rval) in checks {
        let text = code.as_str();
        let vars = HintVars {
            name: &text,
            local: &lval,
            remote: &rval,
        };
        out.push(
            finding(
                k.severity_of(&code, &text),
                code.clone(),
                &text,
                format!("{what}: {}", both(&lval, &rval, sides)),
            )
            .hint(k.hint_for(&code, vars))
            .values(Some(lval), Some(rval)),
        );
    }
}

/// Snapshot names are PEP 503 normalized by contract; a hand-written snapshot may not be.
fn normalized(name: &str) -> std::borrow::Cow<'_, str> {
    let clean = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if clean {
        return std::borrow::Cow::Borrowed(name);
    }
    match pep508_rs::PackageName::new(name.to_string()) {
        Ok(n) => std::borrow::Cow::Owned(n.to_string()),
        Err(_) => std::borrow::Cow::Borrowed(name),
    }
}

pub(crate) fn package_map(s: &Snapshot) -> HashMap<std::borrow::Cow<'_, str>, &Package> {
    let mut map = HashMap::with_capacity(s.packages.len());
    for p in &s.packages {
        // The first of a name is the one `import` loads.
        map.entry(normalized(&p.name)).or_insert(p);
    }
    map
}

fn packages(
    k: &Knowledge,
    l: &Snapshot,
    r: &Snapshot,
    sides: Sides<'_>,
    out: &mut Vec<Finding>,
) -> PkgDiffs {
    let lmap = package_map(l);
    let rmap = package_map(r);
    let mut diffs = PkgDiffs::default();
    for (name, lp) in &lmap {
        let name: &str = name;
        let Some(rp) = rmap.get(name) else {
            diffs.only_local.push(name.to_string());
            let vendored = k.is_ray_vendored(&lp.location);
            let severity = if vendored {
                Severity::Expected
            } else {
                k.package(name)
                    .and_then(|p| p.only_local)
                    .unwrap_or_else(|| k.severity_of(&Code::PackageOnlyLocal, name))
            };
            let mut message = format!(
                "{} {} is installed {} only",
                lp.display_name, lp.version, sides.local
            );
            if vendored {
                message.push_str(" (vendored by Ray)");
            }
            let vars = HintVars {
                name,
                local: &lp.version,
                remote: "",
            };
            let hint = if vendored {
                None
            } else {
                with_imports(k.hint_for(&Code::PackageOnlyLocal, vars), name, lp)
            };
            out.push(
                finding(severity, Code::PackageOnlyLocal, name, message)
                    .hint(hint)
                    .values(Some(lp.version.clone()), None),
            );
            continue;
        };
        let diff = classify(&lp.version, &rp.version);
        if diff.change == VersionChange::Equal {
            continue;
        }
        diffs
            .version_mismatch
            .push((name.to_string(), lp.version.clone(), rp.version.clone()));
        out.push(version_finding(k, name, lp, rp, diff.change, sides));
    }
    for (name, rp) in &rmap {
        if lmap.contains_key(name) {
            continue;
        }
        let name: &str = name;
        diffs.only_remote.push(name.to_string());
        let vendored = k.is_ray_vendored(&rp.location);
        let severity = if vendored {
            Severity::Expected
        } else {
            k.severity_of(&Code::PackageOnlyRemote, name)
        };
        let mut message = format!(
            "{} {} is installed {} only",
            rp.display_name, rp.version, sides.remote
        );
        if vendored {
            message.push_str(" (vendored by Ray)");
        }
        out.push(
            finding(severity, Code::PackageOnlyRemote, name, message)
                .values(None, Some(rp.version.clone())),
        );
    }
    diffs.only_local.sort_unstable();
    diffs.only_remote.sort_unstable();
    diffs.version_mismatch.sort_unstable();
    diffs
}

/// A package hint that also says what code imports, where that is not the distribution's
/// name (PyYAML is `import yaml`, grpcio `import grpc`): the name in a traceback.
fn with_imports(hint: Option<String>, name: &str, package: &Package) -> Option<String> {
    let guessed = name.replace('-', "_");
    let names = &package.import_names;
    if names.is_empty() || (names.len() == 1 && names[0].eq_ignore_ascii_case(&guessed)) {
        return hint;
    }
    let shown: Vec<String> = names.iter().map(|n| format!("import {n}")).collect();
    hint.map(|h| format!("{h} (code imports it as: {})", shown.join(", ")))
}

fn version_finding(
    k: &Knowledge,
    name: &str,
    lp: &Package,
    rp: &Package,
    change: VersionChange,
    sides: Sides<'_>,
) -> Finding {
    let vars = HintVars {
        name,
        local: &lp.version,
        remote: &rp.version,
    };
    let table = k.package_table(name);
    let code = change.code().expect("only differing versions make a finding");
    let text = code.as_str();
    let label_rule = (change == VersionChange::Local)
        .then(|| k.package(name).and_then(|p| p.local_label.as_ref()))
        .flatten();
    let (mut severity, mut message, hint) = match label_rule {
        Some(rule) => (
            rule.severity,
            format!("{}: {}", lp.display_name, fill(&rule.message, vars)),
            Some(crate::knowledge::render_hint(
                &rule.symptom,
                &rule.fix,
                vars,
            )),
        ),
        None => (
            k.severity_of(&code, name),
            format!(
                "{} {}: {}",
                lp.display_name,
                change.describe(),
                both(&lp.version, &rp.version, sides)
            ),
            k.package_hint(&text, vars),
        ),
    };
    if table == Table::Critical {
        message.push_str(" (critical package)");
    }
    if k.is_ray_vendored(&lp.location) || k.is_ray_vendored(&rp.location) {
        severity = Severity::Expected;
        message.push_str(" (one copy is vendored by Ray)");
    }
    let imports_from = if lp.import_names.is_empty() { rp } else { lp };
    finding(severity, code, name, message)
        .hint(with_imports(hint, name, imports_from))
        .values(Some(lp.version.clone()), Some(rp.version.clone()))
}

/// How two recorded values of one variable compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EnvCmp {
    Same,
    Differs,
    /// Withheld on a side without a fingerprint to compare.
    CannotTell,
}

fn env_cmp(l: &EnvValue, r: &EnvValue) -> EnvCmp {
    let by = |differs: bool| {
        if differs {
            EnvCmp::Differs
        } else {
            EnvCmp::Same
        }
    };
    match (l, r) {
        (EnvValue::Plain(a), EnvValue::Plain(b)) => by(a != b),
        (EnvValue::Withheld(a), EnvValue::Withheld(b)) => match (&a.fingerprint, &b.fingerprint) {
            (Some(fa), Some(fb)) => by(fa != fb),
            // Masked renderings that differ prove the values differ; equal ones prove nothing.
            _ => match (&a.display, &b.display) {
                (Some(da), Some(db)) if da != db => EnvCmp::Differs,
                _ => EnvCmp::CannotTell,
            },
        },
        (EnvValue::Plain(p), EnvValue::Withheld(w))
        | (EnvValue::Withheld(w), EnvValue::Plain(p)) => {
            match (&w.display, redact::mask_credentials(p)) {
                (Some(d), Some(masked)) if *d != masked => EnvCmp::Differs,
                (Some(_), None) => EnvCmp::Differs,
                _ => EnvCmp::CannotTell,
            }
        }
    }
}

/// What may be shown of a recorded value: never a secret, URL credentials masked, unless
/// `reveal` (the user asked): then a plain value is shown as recorded.
pub(crate) fn shown(key: &str, value: &EnvValue, reveal: bool) -> String {
    match value {
        EnvValue::Plain(v) if reveal => v.clone(),
        EnvValue::Plain(v) => redact::display_value(key, v),
        EnvValue::Withheld(w) => match &w.display {
            Some(d) if !redact::is_secret_key(key) => {
                redact::mask_credentials(d).unwrap_or_else(|| d.clone())
            }
            _ => redact::WITHHELD.to_string(),
        },
    }
}

fn env(
    k: &Knowledge,
    l: &Snapshot,
    r: &Snapshot,
    opts: &CompareOptions,
    sides: Sides<'_>,
    out: &mut Vec<Finding>,
) -> EnvDiffs {
    let mut diffs = EnvDiffs::default();
    let start = out.len();
    let mut li = l
        .env
        .iter()
        .filter(|(key, _)| opts.wants_env(key))
        .peekable();
    let mut ri = r
        .env
        .iter()
        .filter(|(key, _)| opts.wants_env(key))
        .peekable();
    // Both maps are sorted: one merge pass finds every key on either side.
    loop {
        let (lk, rk) = (
            li.peek().map(|(key, _)| *key),
            ri.peek().map(|(key, _)| *key),
        );
        match (lk, rk) {
            (None, None) => break,
            (Some(a), Some(b)) if a == b => {
                let (key, lv) = li.next().unwrap();
                let (_, rv) = ri.next().unwrap();
                env_both(k, key, (lv, rv), opts.reveal_values, sides, &mut diffs, out);
            }
            (Some(a), b) if b.map_or(true, |b| a < b) => {
                let (key, lv) = li.next().unwrap();
                diffs.only_local.push(key.clone());
                out.push(env_one_side(k, key, lv, true, opts.reveal_values, sides));
            }
            _ => {
                let (key, rv) = ri.next().unwrap();
                diffs.only_remote.push(key.clone());
                out.push(env_one_side(k, key, rv, false, opts.reveal_values, sides));
            }
        }
    }
    for f in &mut out[start..] {
        if f.category == Category::Env
            && f.severity != Severity::Expected
            && set_by_runtime_env(k, l.env.get(&f.subject), r.env.get(&f.subject))
        {
            f.severity = Severity::Expected;
            f.message.push_str(" (set by Ray's runtime_env)");
            f.hint = None;
        }
    }
    // Variables asked for by prefix (`--env-prefix RAY`) are shown, Ray's and the
    // session's included: the user named them.
    if opts.env_prefix.as_deref().is_some_and(|p| !p.is_empty()) {
        for f in &mut out[start..] {
            if f.severity == Severity::Expected {
                f.severity = Severity::Info;
            }
        }
    }
    diffs
}

/// Whether the remote value is what a runtime_env made of the local one: Ray's pip and
/// conda runtime_envs set `VIRTUAL_ENV` to their own environment and put its `bin` first on
/// `PATH`, all under Ray's runtime_resources.
fn set_by_runtime_env(k: &Knowledge, local: Option<&EnvValue>, remote: Option<&EnvValue>) -> bool {
    let Some(EnvValue::Plain(remote)) = remote else {
        return false;
    };
    let local = match local {
        Some(EnvValue::Plain(value)) => Some(value.as_str()),
        None => None,
        Some(EnvValue::Withheld(_)) => return false,
    };
    let sep = if remote.contains(';') { ';' } else { ':' };
    let parts: Vec<&str> = remote.split(sep).collect();
    if !parts.iter().any(|p| k.is_ray_path(p)) {
        return false;
    }
    let rest: Vec<&str> = parts.into_iter().filter(|p| !k.is_ray_path(p)).collect();
    rest.is_empty() || local == Some(rest.join(&sep.to_string()).as_str())
}

fn env_one_side(
    k: &Knowledge,
    key: &str,
    value: &EnvValue,
    is_local: bool,
    reveal: bool,
    sides: Sides<'_>,
) -> Finding {
    let class = k.env_class(key);
    let shown_value = shown(key, value, reveal);
    let (mut message, severity, hint, code) = if is_local && class == EnvClass::CloudCredential {
        let vars = HintVars {
            name: key,
            local: &shown_value,
            remote: "",
        };
        let code = Code::CredentialMissing;
        (
            format!(
                "cloud credential {key} is set {} but missing {}",
                sides.local, sides.remote
            ),
            k.severity_of(&code, key),
            k.hint_for(&code, vars),
            code,
        )
    } else {
        let (code, side) = if is_local {
            (Code::EnvOnlyLocal, sides.local)
        } else {
            (Code::EnvOnlyRemote, sides.remote)
        };
        (
            format!("{key} is set {side} only"),
            k.severity_of(&code, key),
            None,
            code,
        )
    };
    let severity = match k.noise_note(class) {
        Some(note) => {
            message.push_str(&note);
            Severity::Expected
        }
        None => severity,
    };
    let f = finding(severity, code, key, message).hint(hint);
    if is_local {
        f.values(Some(shown_value), None)
    } else {
        f.values(None, Some(shown_value))
    }
}

fn env_both(
    k: &Knowledge,
    key: &str,
    (lv, rv): (&EnvValue, &EnvValue),
    reveal: bool,
    sides: Sides<'_>,
    diffs: &mut EnvDiffs,
    out: &mut Vec<Finding>,
) {
    let cmp = env_cmp(lv, rv);
    if cmp == EnvCmp::Same {
        return;
    }
    let (ls, rs) = (shown(key, lv, reveal), shown(key, rv, reveal));
    let class = k.env_class(key);
    // A withheld side has no value to reveal: the message says how it was compared.
    let withheld = matches!(
        (lv, rv),
        (EnvValue::Withheld(_), _) | (_, EnvValue::Withheld(_))
    );
    let secret = withheld || (redact::is_secret_key(key) && !reveal);
    let (code, mut message) = if cmp == EnvCmp::CannotTell {
        (
            Code::CannotTell,
            format!("{key} is withheld as secret and no shared fingerprint says whether the values differ"),
        )
    } else {
        diffs.diffs.push(EnvValueDiff {
            key: key.to_string(),
            local: ls.clone(),
            remote: rs.clone(),
        });
        let code = match class {
            EnvClass::CloudCredential => Code::CredentialDiffers,
            EnvClass::Important => Code::ImportantDiffers,
            _ => Code::ValueDiffers,
        };
        let message = if secret {
            format!(
                "{key} differs {} and {} (values withheld; compared by keyed fingerprint)",
                sides.local, sides.remote
            )
        } else {
            format!("{key} differs: {}", both(&ls, &rs, sides))
        };
        (code, message)
    };
    let vars = HintVars {
        name: key,
        local: &ls,
        remote: &rs,
    };
    let mut severity = k.severity_of(&code, key);
    let mut hint = k.hint_for(&code, vars);
    if let Some(note) = k.noise_note(class) {
        message.push_str(&note);
        severity = Severity::Expected;
        hint = None;
    }
    out.push(
        finding(severity, code, key, message)
            .hint(hint)
            .values(Some(ls), Some(rs)),
    );
}

/// Distinct entries, in order.
fn distinct(paths: &[String]) -> Vec<&str> {
    let mut seen = HashSet::with_capacity(paths.len());
    paths
        .iter()
        .map(String::as_str)
        .filter(|p| seen.insert(*p))
        .collect()
}

fn sys_path(
    k: &Knowledge,
    l: &Snapshot,
    r: &Snapshot,
    include: bool,
    sides: Sides<'_>,
    out: &mut Vec<Finding>,
) -> SysPathDiffs {
    let (lp, rp) = (distinct(&l.sys_path), distinct(&r.sys_path));
    if !include {
        return SysPathDiffs {
            local_count: lp.len(),
            remote_count: rp.len(),
            ..Default::default()
        };
    }
    let (lset, rset): (HashSet<&str>, HashSet<&str>) =
        (lp.iter().copied().collect(), rp.iter().copied().collect());
    let only_local: Vec<String> = lp
        .iter()
        .filter(|p| !rset.contains(*p))
        .map(|p| p.to_string())
        .collect();
    let only_remote: Vec<String> = rp
        .iter()
        .filter(|p| !lset.contains(*p))
        .map(|p| p.to_string())
        .collect();
    for (entries, code, side, is_local) in [
        (&only_local, Code::SysPathOnlyLocal, sides.local, true),
        (&only_remote, Code::SysPathOnlyRemote, sides.remote, false),
    ] {
        let severity = k.severity_of(&code, "sys.path");
        for entry in entries {
            let shown_entry = if entry.is_empty() {
                "'' (the current directory)"
            } else {
                entry.as_str()
            };
            let (sev, note) = if k.is_ray_path(entry) {
                (Severity::Expected, " (added by Ray)")
            } else {
                (severity, "")
            };
            let f = finding(
                sev,
                code.clone(),
                entry,
                format!("{shown_entry} is on sys.path {side} only{note}"),
            );
            out.push(if is_local {
                f.values(Some(entry.clone()), None)
            } else {
                f.values(None, Some(entry.clone()))
            });
        }
    }
    SysPathDiffs {
        intersection_count: lp.len() - only_local.len(),
        local_count: lp.len(),
        remote_count: rp.len(),
        only_local,
        only_remote,
    }
}

fn genevars(k: &Knowledge, l: &Snapshot, r: &Snapshot, sides: Sides<'_>, out: &mut Vec<Finding>) {
    let (code, message) = match (&l.genevars_version, &r.genevars_version) {
        (Some(_), None) => (
            Code::GenevarsOnlyLocal,
            format!(
                "genevars is importable {} only; the other side was read by the stdlib probe",
                sides.local
            ),
        ),
        (Some(a), Some(b)) if a != b => (
            Code::GenevarsVersion,
            format!("genevars differs: {}", both(a, b, sides)),
        ),
        _ => return,
    };
    out.push(
        finding(k.severity_of(&code, "genevars"), code, "genevars", message)
            .values(l.genevars_version.clone(), r.genevars_version.clone()),
    );
}

/// `(path, reason)` of every unreadable entry, to avoid reporting one twice.
pub(crate) fn unreadable_set(s: &Snapshot) -> HashSet<(&str, &str)> {
    s.unreadable
        .iter()
        .map(|u| (u.path.as_str(), u.reason.as_str()))
        .collect()
}

/// The conda packages that are not Python distributions (ffmpeg, cudatoolkit, libstdcxx-ng):
/// Python ones are compared as packages already. Compared only when both sides are conda
/// prefixes.
fn conda(k: &Knowledge, l: &Snapshot, r: &Snapshot, sides: Sides<'_>, out: &mut Vec<Finding>) {
    if l.conda.is_empty() || r.conda.is_empty() {
        return;
    }
    let python: HashSet<String> = l
        .packages
        .iter()
        .chain(&r.packages)
        .map(|p| normalized(&p.name).into_owned())
        .collect();
    fn map<'s>(
        s: &'s Snapshot,
        python: &HashSet<String>,
    ) -> std::collections::BTreeMap<String, &'s crate::snapshot::CondaPackage> {
        s.conda
            .iter()
            .filter(|c| !python.contains(normalized(&c.name).as_ref()))
            .map(|c| (c.name.clone(), c))
            .collect()
    }
    let (lm, rm) = (map(l, &python), map(r, &python));
    let names: std::collections::BTreeSet<&String> = lm.keys().chain(rm.keys()).collect();
    for name in names {
        let (lc, rc) = (lm.get(name), rm.get(name));
        let shown = |c: &crate::snapshot::CondaPackage| format!("{} ({})", c.version, c.build);
        let (code, message) = match (lc, rc) {
            (Some(a), Some(b)) if a.version == b.version && a.build == b.build => continue,
            (Some(a), Some(b)) => (
                Code::CondaVersion,
                format!(
                    "conda package {name} differs: {}",
                    both(&shown(a), &shown(b), sides)
                ),
            ),
            (Some(a), None) => (
                Code::CondaOnlyLocal,
                format!(
                    "conda package {name} {} is installed {} only",
                    a.version, sides.local
                ),
            ),
            (None, Some(b)) => (
                Code::CondaOnlyRemote,
                format!(
                    "conda package {name} {} is installed {} only",
                    b.version, sides.remote
                ),
            ),
            (None, None) => continue,
        };
        let (lv, rv) = (lc.map(|c| shown(c)), rc.map(|c| shown(c)));
        let vars = HintVars {
            name,
            local: lv.as_deref().unwrap_or(""),
            remote: rv.as_deref().unwrap_or(""),
        };
        out.push(
            finding(k.severity_of(&code, name), code.clone(), name, message)
                .hint(k.hint_for(&code, vars))
            .values(lv, rv),
        );
    }
}

/// Two metadata folders of one name in one directory (`pip install --target --upgrade`
/// leaves the old one): which version is installed is told by RECORD, or uncertain.
fn same_directory_findings(s: &Snapshot, is_local: bool, side: &str, out: &mut Vec<Finding>) {
    let k = knowledge();
    for p in s.packages.iter().filter(|p| !p.same_directory.is_empty()) {
        let name = normalized(&p.name);
        let mut versions = vec![p.version.as_str()];
        versions.extend(p.same_directory.iter().map(|c| c.version.as_str()));
        let count = match versions.len() {
            2 => "two".to_string(),
            3 => "three".to_string(),
            n => n.to_string(),
        };
        let which = if p.version_uncertain {
            format!(
                "which one's files are on disk is uncertain (RECORD cannot tell); {} is assumed",
                p.version
            )
        } else {
            format!("the files on disk are {}'s (by RECORD)", p.version)
        };
        let message = format!(
            "{} has {count} metadata folders in {} {side}: {}; {which}",
            p.display_name,
            p.location,
            versions.join(" and ")
        );
        let vars = HintVars {
            name: &name,
            local: &p.version,
            remote: versions.last().copied().unwrap_or_default(),
        };
        let code = Code::SameDirectory;
        let f = finding(k.severity_of(&code, &name), code.clone(), &name, message)
            .hint(k.hint_for(&code, vars));
        let value = format!("{} (also {})", p.version, versions[1..].join(", "));
        out.push(if is_local {
            f.values(Some(value), None)
        } else {
            f.values(None, Some(value))
        });
    }
}

/// Findings about one snapshot alone: shadowed copies whose version differs from the one
/// imported, and entries the scanner could not read (skipping those in `already`).
/// `is_local` says which value field the finding fills; `side` is how messages name it.
pub(crate) fn side_findings(
    s: &Snapshot,
    is_local: bool,
    side: &str,
    already: &HashSet<(&str, &str)>,
    out: &mut Vec<Finding>,
) {
    let k = knowledge();
    let place = |f: Finding, value: String| {
        if is_local {
            f.values(Some(value), None)
        } else {
            f.values(None, Some(value))
        }
    };
    for p in s.packages.iter().filter(|p| !p.shadowed.is_empty()) {
        let name = normalized(&p.name);
        for copy in &p.shadowed {
            if classify(&p.version, &copy.version).change == VersionChange::Equal {
                continue;
            }
            let vendored = k.is_ray_vendored(&p.location) || k.is_ray_vendored(&copy.location);
            let severity = if vendored {
                Severity::Expected
            } else {
                k.severity_of(&Code::Shadowed, &name)
            };
            let vars = HintVars {
                name: &name,
                local: &p.version,
                remote: &copy.version,
            };
            let message = format!(
                "{} {} (in {}) shadows another copy, {} in {}, {side}{}",
                p.display_name,
                p.version,
                p.location,
                copy.version,
                copy.location,
                if vendored {
                    " (Ray vendors one of them)"
                } else {
                    ""
                }
            );
            let mut f = finding(severity, Code::Shadowed, &name, message)
                .hint(k.hint_for(&Code::Shadowed, vars));
            f.shadowed = vec![copy.clone()];
            out.push(place(f, p.version.clone()));
        }
    }
    same_directory_findings(s, is_local, side, out);
    let severity = k.severity_of(&Code::Unreadable, "");
    for u in &s.unreadable {
        if already.contains(&(u.path.as_str(), u.reason.as_str())) {
            continue;
        }
        let normal = k.is_ray_path(&u.path) || k.is_expected_unreadable(&u.path);
        let sev = if normal { Severity::Expected } else { severity };
        let message = format!("{} could not be read {side}: {}", u.path, u.reason);
        out.push(place(
            finding(sev, Code::Unreadable, &u.path, message),
            u.reason.clone(),
        ));
    }
}
