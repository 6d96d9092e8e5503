//! The fix: what closes the gaps a comparison found. Pins of the local versions (with the
//! vendor index a local label needs), the variables to pass from local, the installer Ray
//! should use, and advice for what no runtime_env can ship (editable installs, OS and conda
//! packages, Ray itself and its dependencies, Python and the platform).
//!
//! It reads a [`Comparison`] with its local snapshot, or comparison JSON that may carry no
//! more than geneva's keys (`pkg_diffs`, `env_diffs`): both become one [`FixSource`].
//! What it knows (names it never pins, session variables...) is `knowledge/fix.toml`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::error::{ManifestError, Result};
use super::exact_pin;
use super::model::Installer;
use crate::compare::{Category, Comparison, ComparisonKind, EnvDiffs, Finding, PkgDiffs, Severity};
use crate::finding::{Code, FixAction};
use crate::knowledge::fix::{fix_rules, FixRules};
use crate::snapshot::{DirectUrl, DistKind, Package, Snapshot};

/// What a fix puts in a manifest, and what it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fix {
    /// `name==version`, sorted by name.
    pub pins: Vec<String>,
    /// Vendor indexes the pins need, in the order first needed.
    pub extra_index_urls: Vec<String>,
    /// Variables set only locally, to pass with their local values; sorted.
    pub env_from_local: Vec<String>,
    /// What no index can install or a runtime_env cannot change, and what to do instead.
    pub advice: Vec<String>,
    /// Who installs the pins on the workers: uv where every compared node group can.
    pub installer: Installer,
}

/// What a fix reads of a comparison.
#[derive(Debug, Clone)]
pub struct FixSource<'a> {
    /// Every finding, of every node group.
    pub findings: &'a [Finding],
    /// The local environment's packages.
    pub local_packages: &'a [Package],
    /// The raw diffs, judged by no finding when the input had geneva's keys only: the top
    /// level's, then each node group's.
    pub diffs: Vec<(&'a PkgDiffs, &'a EnvDiffs)>,
    /// Each remote side compared (every node group, or the one remote of a pair) as its
    /// package differences from local: what it has installed is told from them.
    pub remotes: Vec<&'a PkgDiffs>,
    /// Subjects judged by findings whose code this version does not know (comparison
    /// JSON of another version): they cover their diffs, and the fix leaves them alone.
    pub judged_unknown: &'a [(Category, String)],
}

impl<'a> FixSource<'a> {
    /// The fix's view of a comparison made from `local`.
    pub fn of(comparison: &'a Comparison, local: &'a Snapshot) -> FixSource<'a> {
        let groups = &comparison.groups;
        let remotes = if !groups.is_empty() {
            groups.iter().map(|g| &g.pkg_diffs).collect()
        } else if comparison.kind == ComparisonKind::Nodes {
            Vec::new() // no node was compared
        } else {
            vec![&comparison.pkg_diffs]
        };
        FixSource {
            findings: &comparison.findings,
            local_packages: &local.packages,
            diffs: std::iter::once((&comparison.pkg_diffs, &comparison.env_diffs))
                .chain(groups.iter().map(|g| (&g.pkg_diffs, &g.env_diffs)))
                .collect(),
            remotes,
            judged_unknown: &[],
        }
    }
}

/// The fix for a comparison.
pub fn fix(source: &FixSource<'_>) -> Fix {
    Fixer::new(fix_rules(), source).run(source)
}

/// The fix for comparison JSON (`genevars.comparison/1`, or a dict with geneva's keys
/// only). Lenient like the dicts it stands for: a missing or odd key is read as absent.
pub fn fix_from_json(text: &str) -> Result<Fix> {
    let limit = crate::input::InputKind::Snapshot.limit();
    if text.len() as u64 > limit {
        return Err(ManifestError::OverLimit {
            input: "comparison JSON".into(),
            problem: format!("it is {} bytes long", text.len()),
            limit: format!("{} MiB", limit / (1024 * 1024)),
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| ManifestError::ComparisonJson {
        message: e.to_string(),
    })?;
    let Some(doc) = value.as_object() else {
        return Err(ManifestError::ComparisonJson {
            message: "it is not a JSON object".into(),
        });
    };
    let owned = lenient::Doc::read(doc);
    Ok(fix(&owned.source()))
}

/// The fix being built.
struct Fixer<'a> {
    rules: &'a FixRules,
    /// Local packages by PEP 503 name (a later entry of a name wins).
    local: HashMap<String, &'a Package>,
    ray_dependencies: HashSet<String>,
    /// Packages and variables already considered.
    seen: HashSet<(Category, String)>,
    pins: BTreeMap<String, String>,
    indexes: Vec<String>,
    env_names: Vec<String>,
    advice: Vec<String>,
}

impl<'a> Fixer<'a> {
    fn new(rules: &'a FixRules, source: &FixSource<'a>) -> Fixer<'a> {
        let local: HashMap<String, &Package> = source
            .local_packages
            .iter()
            .map(|p| (normalized(&p.name), p))
            .collect();
        let ray_dependencies = match local.get("ray") {
            Some(ray) if !ray.requires_dist.is_empty() => required_names(ray),
            _ => rules
                .ray_dependencies
                .iter()
                .map(|n| normalized(n))
                .collect(),
        };
        Fixer {
            rules,
            local,
            ray_dependencies,
            seen: HashSet::new(),
            pins: BTreeMap::new(),
            indexes: Vec::new(),
            env_names: Vec::new(),
            advice: Vec::new(),
        }
    }

    fn run(mut self, source: &FixSource<'_>) -> Fix {
        // What some finding judged (Ray's own noise included): the diff fallbacks skip those.
        let covered: HashSet<(Category, String)> = source
            .findings
            .iter()
            .map(|f| key(f.category, &f.subject))
            .chain(source.judged_unknown.iter().map(|(c, s)| key(*c, s)))
            .collect();
        for f in source.findings {
            if f.severity == Severity::Expected || f.subject.is_empty() {
                continue;
            }
            let (local, remote) = (f.local.as_deref(), f.remote.as_deref());
            // What to do comes from the code's type (`Code::fix_action`).
            match f.code.fix_action() {
                FixAction::Nothing => {}
                FixAction::AdviseConda => {
                    if let Some(local) = local {
                        let version = local.split(' ').next().unwrap_or(local);
                        let subject = &f.subject;
                        self.add_advice(format!(
                            "conda package {subject} {local} is not a pip package: install it on \
                             the nodes with conda (conda install {subject}={version}) or run the \
                             workers on an image that has it (.worker_image(...))"
                        ));
                    }
                }
                FixAction::PinPackage => {
                    if local.is_some() && local != remote {
                        self.consider_package(&f.subject, local, remote);
                    }
                }
                FixAction::PassVariable => {
                    if local.is_some() && remote.is_none() {
                        self.consider_env(&f.subject);
                    }
                }
                FixAction::AdviseImage => {
                    if matches!(f.severity, Severity::Error | Severity::Warning) {
                        self.add_advice(format!(
                            "{} {}: local {}, remote {}; a runtime_env cannot change this: run \
                             the workers on a matching image (.worker_image(...))",
                            f.category.as_str(),
                            f.subject,
                            local.unwrap_or("None"),
                            remote.unwrap_or("None"),
                        ));
                    }
                }
            }
        }
        // Diffs no finding judged (comparison JSON with geneva's keys only): same rules.
        for (pkg, env) in &source.diffs {
            for (name, local, remote) in &pkg.version_mismatch {
                if !covered.contains(&key(Category::Package, name)) {
                    self.consider_package(name, Some(local), Some(remote));
                }
            }
            for name in &pkg.only_local {
                if !covered.contains(&key(Category::Package, name)) {
                    let version = self.local.get(&normalized(name)).map(|p| p.version.clone());
                    self.consider_package(name, version.as_deref().filter(|v| !v.is_empty()), None);
                }
            }
            for name in &env.only_local {
                if !covered.contains(&key(Category::Env, name)) {
                    self.consider_env(name);
                }
            }
        }
        let installer = if !self.pins.is_empty()
            && every_remote_has_uv(self.rules, &self.local, &source.remotes)
        {
            Installer::Uv
        } else {
            Installer::Pip
        };
        self.env_names.sort();
        Fix {
            pins: self.pins.into_values().collect(),
            extra_index_urls: self.indexes,
            env_from_local: self.env_names,
            advice: self.advice,
            installer,
        }
    }

    fn add_advice(&mut self, text: String) {
        if !self.advice.contains(&text) {
            self.advice.push(text);
        }
    }

    fn consider_package(
        &mut self,
        subject: &str,
        local_version: Option<&str>,
        remote: Option<&str>,
    ) {
        let name = normalized(subject);
        let Some(local_version) = local_version else {
            return;
        };
        if !self.seen.insert((Category::Package, name.clone())) {
            return;
        }
        let package = self.local.get(&name).copied();
        let version = package
            .map(|p| p.version.as_str())
            .filter(|v| !v.is_empty())
            .unwrap_or(local_version)
            .to_string();
        if self.rules.never_pin.is_match(&name) {
            if name == "ray" {
                self.add_advice(format!(
                    "ray {version} differs on the cluster: a runtime_env cannot change Ray; \
                     use the cluster's Ray version locally or a matching image (.worker_image)"
                ));
            }
            return;
        }
        let label = format!(
            "{} {version}",
            package
                .map(|p| p.display_name.as_str())
                .filter(|d| !d.is_empty())
                .unwrap_or(&name)
        );
        if let Some(p) = package {
            if let Some(manager) = self.system_manager(p) {
                self.add_advice(format!(
                    "{label} is installed by {manager}, not pip (in {}): install it on the nodes \
                     with {manager}, or run the workers on an image that has it (.worker_image(...))",
                    p.location
                ));
                return;
            }
            if let Some(direct) = &p.direct_url {
                self.add_advice(direct_url_advice(p, direct, &label));
                return;
            }
        }
        let cluster = remote
            .filter(|r| !r.is_empty())
            .map(|r| format!(" (the cluster has {r})"))
            .unwrap_or_default();
        if self.ray_dependencies.contains(&name) {
            self.add_advice(format!(
                "{label} differs{cluster}, but Ray itself depends on {name}: a runtime_env pin \
                 would change Ray's own dependencies on the workers, and pip may try to change \
                 Ray, which Ray refuses ('Changing the ray version is not allowed'); align \
                 {name} with the cluster locally, or use a matching image (.worker_image(...))"
            ));
            return;
        }
        if package.is_some_and(|p| required_names(p).contains("ray")) {
            self.add_advice(format!(
                "{label} requires ray: pinning it could make pip change the Ray version on the \
                 workers, which Ray refuses ('Changing the ray version is not allowed'); install \
                 it in the cluster image, or pin a release that accepts the cluster's Ray"
            ));
            return;
        }
        let index = match self.vendor_index(&name, &version) {
            Label::None => None,
            Label::Served(url) => Some(url),
            Label::Unserved => {
                self.add_advice(format!(
                    "{label} has a local version label that no public index serves: pin it with \
                     the index it came from (.add_extra_index_url(...)), or install the same \
                     build on the cluster"
                ));
                return;
            }
        };
        let Some(pin) = exact_pin(&name, &version) else {
            self.add_advice(format!(
                "{name} {version}: the version is not PEP 440, so pip cannot pin it with ==; \
                 install the same build on the cluster, or ship it with .py_modules([...])"
            ));
            return;
        };
        self.pins.insert(name, pin);
        if let Some(index) = index {
            if !self.indexes.contains(&index) {
                self.indexes.push(index);
            }
        }
    }

    fn consider_env(&mut self, subject: &str) {
        if !self.seen.insert((Category::Env, subject.to_string())) {
            return;
        }
        if !is_identifier(subject) {
            self.add_advice(format!(
                "{subject} is set only locally, but its name is not one a runtime_env can pass: \
                 set it on the cluster nodes (or rename it)"
            ));
        } else if self.rules.ship_env.is_match(subject) {
            self.add_advice(format!(
                "{subject} is set only locally and points at local files: ship those \
                 directories with .py_modules([...]) or .working_dir(...)"
            ));
        } else if !self.rules.session_env.is_match(subject) {
            self.env_names.push(subject.to_string());
        }
    }

    /// The package manager that owns a package pip did not install (python-apt from apt,
    /// a conda package), or None.
    fn system_manager(&self, package: &Package) -> Option<&'a str> {
        let installer = package
            .installer
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_lowercase();
        if let Some(manager) = self.rules.system_installers.get(&installer) {
            return Some(manager);
        }
        if !installer.is_empty() {
            return None; // pip, uv, poetry...: an installer pip can stand in for.
        }
        let location = package.location.trim_end_matches('/');
        self.rules
            .system_locations
            .iter()
            .find(|(glob, _)| glob.is_match(location))
            .map(|(_, manager)| manager.as_str())
    }

    /// The index that serves `name==version` when the version has a local label.
    fn vendor_index(&self, name: &str, version: &str) -> Label {
        let Some((_, label)) = version.split_once('+') else {
            return Label::None;
        };
        let label = label.to_lowercase();
        self.rules
            .vendor_indexes
            .iter()
            .find(|i| i.packages.is_match(name) && i.labels.is_match(&label))
            .map_or(Label::Unserved, |i| {
                Label::Served(i.url.replace("{label}", &label))
            })
    }
}

/// What a local version label means for a pin.
enum Label {
    /// No label.
    None,
    /// A vendor index serves it.
    Served(String),
    /// No known index serves it.
    Unserved,
}

/// Whether uv can install the pins on every remote side compared: Ray there knows the `uv`
/// field, and the uv distribution is installed (Ray runs `python -m uv`, and would
/// otherwise pip-install uv first). A side has what local has unless its diffs say
/// otherwise.
fn every_remote_has_uv(
    rules: &FixRules,
    local: &HashMap<String, &Package>,
    remotes: &[&PkgDiffs],
) -> bool {
    let has = |diffs: &PkgDiffs, name: &str| -> Option<String> {
        if let Some((_, _, remote)) = diffs
            .version_mismatch
            .iter()
            .find(|t| normalized(&t.0) == name)
        {
            return Some(remote.clone());
        }
        let local_version = local.get(name).map(|p| p.version.clone());
        let only = |names: &[String]| names.iter().any(|n| normalized(n) == name);
        if only(&diffs.only_remote) {
            // Installed there, at a version the diffs do not say.
            Some(String::new())
        } else if only(&diffs.only_local) {
            None
        } else {
            local_version
        }
    };
    !remotes.is_empty()
        && remotes.iter().all(|diffs| {
            let ray_ok = has(diffs, "ray")
                .and_then(|v| v.parse::<pep440_rs::Version>().ok())
                .is_some_and(|v| v >= rules.uv_min_ray);
            ray_ok && has(diffs, &rules.uv_distribution).is_some()
        })
}

fn key(category: Category, subject: &str) -> (Category, String) {
    if category == Category::Package {
        (category, normalized(subject))
    } else {
        (category, subject.to_string())
    }
}

/// The PEP 503 name (pep508_rs's `PackageName`); a name that is not one stays as given.
pub fn normalized(name: &str) -> String {
    pep508_rs::PackageName::new(name.to_string())
        .map(|n| n.to_string())
        .unwrap_or_else(|_| name.to_string())
}

/// Normalized names a package requires outside its extras.
fn required_names(package: &Package) -> HashSet<String> {
    package
        .requires_dist
        .iter()
        .filter_map(|req| {
            let (spec, marker) = req.split_once(';').unwrap_or((req, ""));
            if marker.contains("extra") {
                return None;
            }
            let spec = spec.trim_start();
            let end = spec
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
                .unwrap_or(spec.len());
            let name = &spec[..end];
            name.starts_with(|c: char| c.is_ascii_alphanumeric())
                .then(|| normalized(name))
        })
        .collect()
}

/// A Python identifier in ASCII: a name a runtime_env's `env_vars` can pass.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Advice for a package installed from a URL, a directory or version control (PEP 610).
fn direct_url_advice(package: &Package, direct: &DirectUrl, label: &str) -> String {
    let url = direct.url.as_str();
    let place = url.strip_prefix("file://").unwrap_or(url);
    let how = if direct.editable {
        let legacy = if package.kind == DistKind::EggInfo {
            " (setup.py develop)"
        } else {
            ""
        };
        format!("is an editable install{legacy} from {place}")
    } else {
        match direct.kind.as_str() {
            "dir" => format!("was installed from the local directory {place}"),
            "vcs" => format!("was installed from version control ({place})"),
            _ => format!("was installed from {place}"),
        }
    };
    if direct.kind == "dir" {
        let modules = top_level_dirs(package, place);
        let mut ship = format!(".working_dir({})", py_repr(place));
        if !modules.is_empty() {
            let list: Vec<String> = modules.iter().map(|m| py_repr(m)).collect();
            ship = format!(".py_modules([{}]) or {ship}", list.join(", "));
        }
        return format!(
            "{label} {how}, not from a package index: ship its code with {ship}, or publish it \
             to an index and pin it"
        );
    }
    format!(
        "{label} {how}, not from a package index: ship its source with .py_modules([...]) or \
         .working_dir(...), or publish it to an index and pin it"
    )
}

/// The package directories of a local install, from its `top_level.txt`: what `py_modules`
/// ships. Empty when that cannot be told.
fn top_level_dirs(package: &Package, place: &str) -> Vec<String> {
    const MAX_CHARS: usize = 65536;
    if package.metadata_path.is_empty() || !Path::new(place).is_dir() {
        return Vec::new();
    }
    let path = Path::new(&package.metadata_path).join("top_level.txt");
    // Non-blocking: a FIFO posing as the file reads as empty.
    let Ok(file) = crate::input::open_for_reading(&path) else {
        return Vec::new();
    };
    let mut bytes = Vec::new();
    if file
        .take(4 * MAX_CHARS as u64)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return Vec::new();
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Vec::new();
    };
    let text: String = text.chars().take(MAX_CHARS).collect();
    text.lines()
        .map(str::trim)
        .filter(|n| !n.is_empty() && is_identifier(n))
        .map(|n| Path::new(place).join(n))
        .filter(|d| d.is_dir())
        .map(|d| d.to_string_lossy().into_owned())
        .collect()
}

/// A string as Python's `repr` writes it, for advice the user pastes into Python.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Comparison JSON read as the dicts it stands for.
mod lenient {
    use super::*;
    use serde_json::Map;

    /// The parts of a comparison document the fix reads, owned.
    pub(super) struct Doc {
        findings: Vec<Finding>,
        judged_unknown: Vec<(Category, String)>,
        packages: Vec<Package>,
        diffs: Vec<(PkgDiffs, EnvDiffs)>,
        /// Indexes into `diffs` of the remote sides.
        remotes: Vec<usize>,
    }

    impl Doc {
        pub(super) fn read(doc: &Map<String, Value>) -> Doc {
            let groups = array(doc.get("groups"));
            let (mut findings, mut judged_unknown) = (Vec::new(), Vec::new());
            let every = array(doc.get("findings"))
                .chain(groups.clone().flat_map(|g| array(g.get("findings"))));
            for read in every.filter_map(finding) {
                match read {
                    Ok(f) => findings.push(f),
                    Err(subject) => judged_unknown.push(subject),
                }
            }
            let packages = doc
                .get("local")
                .map(|l| array(l.get("packages")).filter_map(package).collect())
                .unwrap_or_default();
            let mut diffs = vec![section(doc)];
            diffs.extend(groups.clone().filter_map(Value::as_object).map(section));
            let remotes = if diffs.len() > 1 {
                (1..diffs.len()).collect()
            } else if doc.get("kind").and_then(Value::as_str) == Some("nodes") {
                Vec::new()
            } else {
                vec![0]
            };
            Doc {
                findings,
                judged_unknown,
                packages,
                diffs,
                remotes,
            }
        }

        pub(super) fn source(&self) -> FixSource<'_> {
            FixSource {
                findings: &self.findings,
                local_packages: &self.packages,
                diffs: self.diffs.iter().map(|(p, e)| (p, e)).collect(),
                remotes: self.remotes.iter().map(|&i| &self.diffs[i].0).collect(),
                judged_unknown: &self.judged_unknown,
            }
        }
    }

    fn array(value: Option<&Value>) -> impl Iterator<Item = &Value> + Clone {
        value.and_then(Value::as_array).into_iter().flatten()
    }

    /// A string as is, a number or boolean as its text; null (and anything else) is absent.
    fn text(value: Option<&Value>) -> Option<String> {
        match value? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
            _ => None,
        }
    }

    fn texts(value: Option<&Value>) -> Vec<String> {
        array(value).filter_map(|v| text(Some(v))).collect()
    }

    /// A finding, or the `(category, subject)` of one whose code this version does not know.
    fn finding(value: &Value) -> Option<std::result::Result<Finding, (Category, String)>> {
        let o = value.as_object()?;
        let category: Category = serde_json::from_value(o.get("category")?.clone()).ok()?;
        // An unknown severity is judged like a real difference, not as Ray's noise.
        let severity = text(o.get("severity"))
            .and_then(|s| Severity::parse(&s))
            .unwrap_or(Severity::Info);
        let subject = text(o.get("subject")).unwrap_or_default();
        let Some(code) = text(o.get("code")).and_then(|c| Code::parse(&c, category)) else {
            return Some(Err((category, subject)));
        };
        let f = Finding::new(severity, code, subject, String::new());
        Some(Ok(f.values(text(o.get("local")), text(o.get("remote")))))
    }

    /// A package dict with its odd or missing values made plain, read as the snapshot's
    /// own `Package` (whose other fields have defaults).
    fn package(value: &Value) -> Option<Package> {
        let o = value.as_object()?;
        let s = |k: &str| text(o.get(k)).unwrap_or_default();
        let kind = match o.get("kind").and_then(Value::as_str) {
            Some(k @ ("egg-info" | "egg")) => k,
            _ => "dist-info",
        };
        let direct_url = o.get("direct_url").and_then(Value::as_object).map(|d| {
            serde_json::json!({
                "url": text(d.get("url")).unwrap_or_default(),
                "editable": d.get("editable").and_then(Value::as_bool).unwrap_or(false),
                "kind": text(d.get("kind")).unwrap_or_default(),
            })
        });
        serde_json::from_value(serde_json::json!({
            "name": s("name"),
            "display_name": s("display_name"),
            "version": s("version"),
            "location": s("location"),
            "metadata_path": s("metadata_path"),
            "kind": kind,
            "installer": text(o.get("installer")),
            "direct_url": direct_url,
            "requires_dist": texts(o.get("requires_dist")),
        }))
        .ok()
    }

    fn section(o: &Map<String, Value>) -> (PkgDiffs, EnvDiffs) {
        let pkg = o.get("pkg_diffs");
        let version_mismatch = array(pkg.and_then(|p| p.get("version_mismatch")))
            .filter_map(|t| match t.as_array().map(Vec::as_slice) {
                Some([name, local, remote]) => Some((
                    text(Some(name))?,
                    text(Some(local))?,
                    text(Some(remote)).unwrap_or_default(),
                )),
                _ => None,
            })
            .collect();
        let pkg_diffs = PkgDiffs {
            only_local: texts(pkg.and_then(|p| p.get("only_local"))),
            only_remote: texts(pkg.and_then(|p| p.get("only_remote"))),
            version_mismatch,
        };
        let env_diffs = EnvDiffs {
            only_local: texts(o.get("env_diffs").and_then(|e| e.get("only_local"))),
            ..EnvDiffs::default()
        };
        (pkg_diffs, env_diffs)
    }
}

#[cfg(test)]
#[path = "fix_tests.rs"]
mod tests;
