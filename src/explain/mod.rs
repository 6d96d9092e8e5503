//! From an error to its cause: which findings of a comparison most likely caused a given
//! exception or traceback, each with the evidence (`because`).
//!
//! Evidence is typed ([`Reason`]) and weighed: the error text matches a known symptom
//! (data: `knowledge/symptoms.toml`, plus every finding's own hint), the error names a
//! module of the finding's distribution (or one that exists on one side only), a traceback
//! frame lies in the distribution's files (or in a shadowed copy), and the exception crossed
//! between driver and workers. Text is matched ignoring case, whitespace and line wrapping,
//! quotes, addresses and node ids, so a pasted, re-wrapped traceback matches too.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::compare::{Category, Code, Comparison, Finding, Severity};
use crate::knowledge::GlobSet;
pub use crate::knowledge::{symptom_data, DirectionMarkers, Symptom, SymptomData};
use crate::snapshot::Snapshot;

/// An error's text is cut to this many bytes (its end: where the exception line is).
const MAX_ERROR_BYTES: usize = 1 << 20;
/// At most this many frames are mapped to distributions.
const MAX_FRAMES: usize = 2000;

impl Symptom {
    fn points_to(&self, f: &Finding) -> bool {
        let glob = |pattern: &Option<String>, text: &str| {
            pattern.as_ref().map_or(true, |p| {
                GlobSet::new(std::slice::from_ref(p), true).is_match(text)
            })
        };
        glob(&self.subject, &f.subject)
            && glob(&self.code, f.code.as_str())
            && glob(&self.category, f.category.as_str())
    }
}

/// Which side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Local,
    Remote,
}

impl Side {
    fn words(self) -> &'static str {
        match self {
            Side::Local => "locally (the driver)",
            Side::Remote => "on the workers",
        }
    }
}

/// Which way an exception crossed between the driver and the workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The driver unpickled what a worker pickled (ray.get of a result).
    WorkerToDriver,
    /// A worker raised it (RayTaskError): it ran or unpickled what the driver sent.
    DriverToWorker,
}

/// One piece of evidence that a finding caused the error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The error text matches a known symptom of this finding.
    Symptom { text: String },
    /// The error names a module of this finding's distribution.
    ModuleNamed { module: String },
    /// The failing module's distribution is installed on one side only.
    OnlyOneSide { module: String, side: Side },
    /// A traceback frame lies in this distribution's files.
    Frame { file: String, innermost: bool },
    /// A traceback frame lies in a shadowed copy, which `import` should not load.
    ShadowedFrame { file: String, location: String },
    /// The exception crossed between driver and workers.
    Crossed { direction: Direction },
}

impl Reason {
    fn weight(&self) -> u32 {
        match self {
            Reason::Symptom { .. } => 50,
            Reason::OnlyOneSide { .. } => 45,
            Reason::ModuleNamed { .. } => 40,
            Reason::ShadowedFrame { .. } => 40,
            Reason::Frame {
                innermost: true, ..
            } => 25,
            Reason::Frame { .. } => 10,
            Reason::Crossed { .. } => 10,
        }
    }

    /// The reason in words, with the finding's values where they say more.
    pub fn because(&self, f: &Finding) -> String {
        let local = f.local.as_deref().unwrap_or("absent");
        let remote = f.remote.as_deref().unwrap_or("absent");
        match self {
            Reason::Symptom { text } => {
                format!("the error text matches a known symptom of {}: {text:?}", f.subject)
            }
            Reason::ModuleNamed { module } if f.code.is_drift() => {
                format!("the error names module {module}, of {}", f.subject)
            }
            Reason::ModuleNamed { module } => format!(
                "the error names module {module}, of {} ({local} locally, {remote} on the workers)",
                f.subject
            ),
            Reason::OnlyOneSide { module, side } => format!(
                "the failing module {module} belongs to {}, installed only {}",
                f.subject,
                side.words()
            ),
            Reason::Frame { file, innermost } => format!(
                "{} traceback frame lies in {}'s files: {file}",
                if *innermost { "the innermost" } else { "a" },
                f.subject
            ),
            Reason::ShadowedFrame { file, location } => format!(
                "a traceback frame lies in a shadowed copy of {} at {location} ({file}), not the copy import should load",
                f.subject
            ),
            Reason::Crossed { direction: Direction::WorkerToDriver } => format!(
                "the exception crossed from a worker to the driver: the driver unpickled what a worker pickled ({} {remote} on the worker, {local} on the driver)",
                f.subject
            ),
            Reason::Crossed { direction: Direction::DriverToWorker } => format!(
                "the exception was raised on a worker, which ran or unpickled what the driver sent ({} {local} on the driver, {remote} on the worker)",
                f.subject
            ),
        }
    }
}

/// One finding that may have caused the error, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    pub finding: Finding,
    /// Higher is likelier; the sum of the evidence's weights.
    pub score: u32,
    pub reasons: Vec<Reason>,
    /// The reasons in words, in the same order.
    pub because: Vec<String>,
}

/// A symptom that matched, of something that does not differ between the sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedSymptom {
    pub text: String,
    /// The subject pattern it points to (a package, a variable), if any.
    pub points_to: Option<String>,
}

/// The answer to "which difference caused this error?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The exception line (`ModuleNotFoundError: No module named 'numpy._core'`).
    pub error: String,
    pub explained: bool,
    /// Likeliest first.
    pub causes: Vec<Cause>,
    pub direction: Option<Direction>,
    /// Symptoms the error shows of things that do not differ here.
    pub unmatched_symptoms: Vec<UnmatchedSymptom>,
    /// What genevars does not compare (said when nothing explains the error).
    pub cannot_see: Vec<String>,
}

/// Lower-case, without whitespace, quotes, ANSI colours, memory addresses, IP addresses
/// and long hex ids, so that texts match however they were wrapped or decorated.
pub fn normalize(text: &str) -> String {
    static NOISE: OnceLock<Regex> = OnceLock::new();
    let noise = NOISE.get_or_init(|| {
        Regex::new(concat!(
            r"\x1b\[[0-9;]*[A-Za-z]",
            r"|0x[0-9a-fA-F]+",
            r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b",
            r"|\b[0-9a-fA-F]{16,}\b",
            r#"|[\s'"`‘’“”]+"#,
        ))
        .expect("valid regex")
    });
    noise.replace_all(text, "").to_lowercase()
}

/// The exception line: the last line that looks like `SomeError: message`, else the last
/// non-empty line.
fn headline(text: &str) -> String {
    static EXC: OnceLock<Regex> = OnceLock::new();
    let exc = EXC.get_or_init(|| {
        Regex::new(r"^[A-Za-z_][\w.]*(Error|Exception|Warning|Exit|Interrupt|Failure)\b:?")
            .expect("valid regex")
    });
    let lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let found = lines.clone().filter(|l| exc.is_match(l)).last();
    let line = found.or_else(|| lines.last()).unwrap_or("");
    line.chars().take(500).collect()
}

/// Modules the error says failed (`No module named 'x.y'`, `cannot import name n from x`,
/// `module 'x' has no attribute`, `<module 'x'`).
fn failing_modules(text: &str) -> Vec<String> {
    static MODULE: OnceLock<Regex> = OnceLock::new();
    let re = MODULE.get_or_init(|| {
        Regex::new(concat!(
            r#"No module named\s+['"]?([\w.]+)"#,
            r#"|cannot import name\s+['"]?\w+['"]?\s+from\s+['"]?([\w.]+)"#,
            r#"|module\s+['"]([\w.]+)['"]\s+has no attribute"#,
            r#"|<module\s+['"]([\w.]+)['"]"#,
            r#"|Can't get attribute\s+['"]?[\w.]+['"]?\s+on\s+<module\s+['"]([\w.]+)['"]"#,
        ))
        .expect("valid regex")
    });
    // Quoted names may be wrapped across lines: also read the text with line breaks
    // (and the indentation after them) removed.
    let dewrapped: String = {
        static BREAK: OnceLock<Regex> = OnceLock::new();
        let br = BREAK.get_or_init(|| Regex::new(r"\r?\n[ \t]*").expect("valid regex"));
        br.replace_all(text, "").into_owned()
    };
    let mut out: Vec<String> = Vec::new();
    for t in [text, dewrapped.as_str()] {
        for caps in re.captures_iter(t) {
            if let Some(m) = caps.iter().skip(1).flatten().next() {
                let m = m.as_str().trim_end_matches('.').to_string();
                if !m.is_empty() && !out.contains(&m) {
                    out.push(m);
                }
            }
        }
    }
    out
}

/// Traceback frame files, outermost first.
fn frame_files(text: &str) -> Vec<String> {
    static FRAME: OnceLock<Regex> = OnceLock::new();
    let re =
        FRAME.get_or_init(|| Regex::new(r#"File "([^"\n]+)", line \d+"#).expect("valid regex"));
    re.captures_iter(text)
        .take(MAX_FRAMES)
        .map(|c| c[1].replace('\\', "/"))
        .collect()
}

/// Which way the exception crossed, from the markers in the data file.
fn direction(normalized: &str, data: &SymptomData) -> Option<Direction> {
    let has = |markers: &[String]| markers.iter().any(|m| normalized.contains(&normalize(m)));
    if has(&data.direction.worker_to_driver) {
        Some(Direction::WorkerToDriver)
    } else if has(&data.direction.driver_to_worker) {
        Some(Direction::DriverToWorker)
    } else {
        None
    }
}

/// The distribution an import name belongs to, as far as the data and the names tell:
/// the data file's table (longest dotted prefix), else the top-level name as a PEP 503 name.
fn distribution_of(module: &str, data: &SymptomData) -> String {
    let mut prefix = module;
    loop {
        if let Some(d) = data.modules.get(prefix) {
            return d.clone();
        }
        match prefix.rfind('.') {
            Some(i) => prefix = &prefix[..i],
            None => break,
        }
    }
    let top = module.split('.').next().unwrap_or(module);
    top.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The dotted module a file under a sys.path entry is (`numpy/core/x.py` → `numpy.core.x`,
/// `_foo.cpython-311-x86_64-linux-gnu.so` → `_foo`, `pkg/__init__.py` → `pkg`).
fn module_path(relative: &str) -> Option<String> {
    let parts: Vec<&str> = relative.split('/').filter(|s| !s.is_empty()).collect();
    let (last, dirs) = parts.split_last()?;
    let stem = last.split('.').next().unwrap_or("");
    let mut module: Vec<&str> = dirs.to_vec();
    if !stem.is_empty() && stem != "__init__" {
        module.push(stem);
    }
    let module = module.join(".");
    (!module.is_empty()
        && module
            .chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_alphabetic()))
    .then_some(module)
}

/// Where a frame's file lies: in which distribution, and whether in a shadowed copy.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FrameHit {
    distribution: String,
    shadowed_location: Option<String>,
}

fn under<'a>(path: &'a str, location: &str) -> Option<&'a str> {
    let loc = location.trim_end_matches(['/', '\\']);
    if loc.is_empty() {
        return None;
    }
    let loc = loc.replace('\\', "/");
    path.strip_prefix(loc.as_str())?.strip_prefix('/')
}

/// Maps a frame file to a distribution through the package locations (and shadowed copies)
/// of each side, else through a `site-packages` / `dist-packages` component of the path.
fn frame_distribution(path: &str, sides: &[&Snapshot], data: &SymptomData) -> Option<FrameHit> {
    for snap in sides {
        for p in &snap.packages {
            for copy in &p.shadowed {
                if let Some(rel) = under(path, &copy.location) {
                    if module_path(rel).is_some_and(|m| distribution_of(&m, data) == p.name) {
                        return Some(FrameHit {
                            distribution: p.name.clone(),
                            shadowed_location: Some(copy.location.clone()),
                        });
                    }
                }
            }
        }
    }
    for snap in sides {
        let locations: BTreeSet<&str> = snap.packages.iter().map(|p| p.location.as_str()).collect();
        for loc in locations {
            if let Some(module) = under(path, loc).and_then(module_path) {
                let dist = distribution_of(&module, data);
                if snap.package(&dist).is_some() {
                    return Some(FrameHit {
                        distribution: dist,
                        shadowed_location: None,
                    });
                }
            }
        }
    }
    for marker in ["/site-packages/", "/dist-packages/"] {
        if let Some(i) = path.rfind(marker) {
            let module = module_path(&path[i + marker.len()..])?;
            return Some(FrameHit {
                distribution: distribution_of(&module, data),
                shadowed_location: None,
            });
        }
    }
    None
}

/// A package's own symptom texts (knowledge.toml), cut into the fragments users see.
/// Generic hints ("ModuleNotFoundError on workers") are too broad to count as evidence.
fn package_symptoms(subject: &str) -> Vec<(String, String)> {
    let Some(k) = crate::knowledge::knowledge().package(subject) else {
        return Vec::new();
    };
    let texts = k
        .symptom
        .iter()
        .chain(k.local_label.as_ref().map(|l| &l.symptom));
    texts
        .flat_map(|t| t.split([',', '(', ')', '/', ';']))
        .flat_map(|s| s.split(" or "))
        .map(|s| (s.trim().to_string(), normalize(s)))
        .filter(|(_, n)| n.len() >= 14)
        .collect()
}

/// Ranks the findings of `comparison` by how likely each caused `error` (an exception's
/// formatted traceback, or any text holding it). `local` and `remotes` are the snapshots
/// compared, for mapping traceback frames to distributions.
pub fn explain(
    comparison: &Comparison,
    local: Option<&Snapshot>,
    remotes: &[&Snapshot],
    error: &str,
) -> Explanation {
    let data = symptom_data();
    let error = tail(error, MAX_ERROR_BYTES);
    let normalized = normalize(error);
    let direction = direction(&normalized, data);
    let modules = failing_modules(error);
    let frames = frame_files(error);
    let mut sides: Vec<&Snapshot> = local.into_iter().collect();
    sides.extend_from_slice(remotes);
    let frame_hits: Vec<(usize, String, FrameHit)> = frames
        .iter()
        .enumerate()
        .filter_map(|(i, f)| frame_distribution(f, &sides, data).map(|h| (i, f.clone(), h)))
        .collect();
    let innermost = frames.len().saturating_sub(1);

    let matched_symptoms: Vec<&Symptom> = data
        .symptom
        .iter()
        .filter(|s| normalized.contains(&normalize(&s.text)))
        .collect();

    let mut causes: Vec<Cause> = Vec::new();
    for f in &comparison.findings {
        if f.severity == Severity::Expected {
            continue;
        }
        let mut reasons: Vec<Reason> = Vec::new();
        for s in matched_symptoms.iter().filter(|s| s.points_to(f)) {
            reasons.push(Reason::Symptom {
                text: s.text.clone(),
            });
        }
        if reasons.is_empty() {
            if let Some((text, _)) = package_symptoms(&f.subject)
                .into_iter()
                .find(|(_, n)| normalized.contains(n.as_str()))
            {
                reasons.push(Reason::Symptom { text });
            }
        }
        let is_package = matches!(f.category, Category::Package | Category::Rule);
        if is_package {
            for m in &modules {
                if distribution_of(m, data) != f.subject {
                    continue;
                }
                let one_side = match f.code {
                    Code::PackageOnlyLocal => Some(Side::Local),
                    Code::PackageOnlyRemote => Some(Side::Remote),
                    _ => None,
                };
                // A side without the distribution cannot have pickled its objects.
                let pickler_lacks_it = matches!(
                    (direction, one_side),
                    (Some(Direction::WorkerToDriver), Some(Side::Local))
                        | (Some(Direction::DriverToWorker), Some(Side::Remote))
                );
                if pickler_lacks_it {
                    break;
                }
                reasons.push(match one_side {
                    Some(side) => Reason::OnlyOneSide {
                        module: m.clone(),
                        side,
                    },
                    None => Reason::ModuleNamed { module: m.clone() },
                });
                break;
            }
            let mut seen_plain = false;
            let mut seen_shadow = false;
            for (i, file, hit) in frame_hits.iter().rev() {
                if hit.distribution != f.subject {
                    continue;
                }
                match &hit.shadowed_location {
                    Some(location) if f.code == Code::Shadowed && !seen_shadow => {
                        seen_shadow = true;
                        reasons.push(Reason::ShadowedFrame {
                            file: file.clone(),
                            location: location.clone(),
                        });
                    }
                    Some(_) => {}
                    None if !seen_plain => {
                        seen_plain = true;
                        reasons.push(Reason::Frame {
                            file: file.clone(),
                            innermost: *i == innermost,
                        });
                    }
                    None => {}
                }
            }
        }
        if reasons.is_empty() {
            continue;
        }
        if let Some(direction) = direction {
            // Drift findings compare node groups with each other, not local with remote;
            // and a side without the distribution cannot have pickled its objects.
            let sides_compared = !f.code.is_drift();
            let only_local = matches!(
                f.code,
                Code::PackageOnlyLocal | Code::EnvOnlyLocal | Code::SysPathOnlyLocal
            );
            let only_remote = matches!(
                f.code,
                Code::PackageOnlyRemote | Code::EnvOnlyRemote | Code::SysPathOnlyRemote
            );
            let pickler_lacks_it = match direction {
                Direction::WorkerToDriver => only_local,
                Direction::DriverToWorker => only_remote,
            };
            if sides_compared
                && !pickler_lacks_it
                && matches!(
                    f.category,
                    Category::Package | Category::Python | Category::Rule
                )
            {
                reasons.push(Reason::Crossed { direction });
            }
        }
        let score = reasons.iter().map(Reason::weight).sum::<u32>() + severity_bonus(f.severity);
        let because = reasons.iter().map(|r| r.because(f)).collect();
        causes.push(Cause {
            finding: f.clone(),
            score,
            reasons,
            because,
        });
    }
    causes.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.finding.severity.cmp(&a.finding.severity))
            .then_with(|| a.finding.subject.cmp(&b.finding.subject))
    });

    let explained_subjects: BTreeSet<&str> =
        causes.iter().map(|c| c.finding.subject.as_str()).collect();
    let mut unmatched: Vec<UnmatchedSymptom> = Vec::new();
    for s in &matched_symptoms {
        let any_cause = causes.iter().any(|c| s.points_to(&c.finding));
        let dup = unmatched.iter().any(|u| u.points_to == s.subject);
        if !any_cause
            && !dup
            && !s
                .subject
                .as_deref()
                .is_some_and(|p| explained_subjects.contains(p))
        {
            unmatched.push(UnmatchedSymptom {
                text: s.text.clone(),
                points_to: s.subject.clone(),
            });
        }
    }
    let explained = !causes.is_empty();
    Explanation {
        error: headline(error),
        explained,
        causes,
        direction,
        unmatched_symptoms: unmatched,
        cannot_see: if explained {
            Vec::new()
        } else {
            data.cannot_see.clone()
        },
    }
}

fn severity_bonus(s: Severity) -> u32 {
    match s {
        Severity::Error => 3,
        Severity::Warning => 2,
        Severity::Info => 1,
        Severity::Expected => 0,
    }
}

/// The last `max` bytes of `text`, on a character boundary.
fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

impl Explanation {
    /// The explanation as text, likeliest cause first.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let error = if self.error.is_empty() {
            "(no error text)"
        } else {
            &self.error
        };
        out.push_str(&format!("genevars explain: {error}\n"));
        if let Some(d) = self.direction {
            out.push_str(match d {
                Direction::WorkerToDriver => {
                    "  crossed from a worker to the driver: the driver unpickled what a worker pickled\n"
                }
                Direction::DriverToWorker => "  raised on a worker (RayTaskError)\n",
            });
        }
        if self.causes.is_empty() {
            out.push_str("  nothing in this comparison explains this error.\n");
        } else {
            out.push_str("  most likely caused by:\n");
        }
        for (i, c) in self.causes.iter().enumerate() {
            let f = &c.finding;
            out.push_str(&format!(
                "  {}. [{}] {}: {} ({})\n",
                i + 1,
                f.severity.as_str(),
                f.subject,
                f.message,
                f.code
            ));
            for b in &c.because {
                out.push_str(&format!("       because {b}\n"));
            }
            if let Some(h) = &f.hint {
                out.push_str(&format!("       hint: {h}\n"));
            }
        }
        for u in &self.unmatched_symptoms {
            match &u.points_to {
                Some(p) => out.push_str(&format!(
                    "  the error shows a known symptom of {p} ({:?}), but {p} does not differ between the sides compared\n",
                    u.text
                )),
                None => out.push_str(&format!(
                    "  the error shows a known symptom ({:?}) of a difference not found here\n",
                    u.text
                )),
            }
        }
        if !self.cannot_see.is_empty() {
            out.push_str("  genevars compares packages, Python, platform, environment variables and sys.path; it cannot see:\n");
            for c in &self.cannot_see {
                out.push_str(&format!("    - {c}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
