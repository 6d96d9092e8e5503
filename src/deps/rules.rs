//! Known incompatibilities as data: the bundled `knowledge/rules.toml` plus user rules files.
//!
//! A rule names PEP 440 conditions on packages and says what breaks. Scope `env` rules run
//! on each environment alone (`when` = every condition holds there, `markers` = an optional
//! PEP 508 marker expression on that environment). Scope `pair` rules compare the driver
//! (`local`) with the workers (`remote`): conditions on each side and `differs` checks
//! (`version`, `major`, `minor`, `local` label). Messages may name versions as `{numpy}`
//! (env) or `{local.numpy}` / `{remote.numpy}` (pair).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerTree, PackageName};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use crate::finding::{Code, Finding, Severity};

use super::requirement::Environment;

/// The rules shipped with genevars.
pub const BUNDLED_RULES: &str = crate::knowledge::RULES_TOML;
const BUNDLED_NAME: &str = "<bundled rules.toml>";

/// Why a rules file was refused: which file, which line, what was wrong.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("{file}: line {line}: {reason}")]
    Invalid {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("{file}: cannot read rules file: {reason}")]
    Read { file: String, reason: String },
}

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Each environment alone.
    Env,
    /// The driver against the workers.
    Pair,
}

/// How a package must differ between the two sides for a pair rule to fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    /// Any PEP 440 difference of the public version (`5.0` and `5.0.0` are the same).
    Version,
    /// The first release segment differs.
    Major,
    /// The first two release segments differ.
    Minor,
    /// The local label differs (`+cpu` vs `+cu121`: another build).
    Local,
}

impl DiffKind {
    fn parse(text: &str) -> Option<DiffKind> {
        match text {
            "version" => Some(DiffKind::Version),
            "major" => Some(DiffKind::Major),
            "minor" => Some(DiffKind::Minor),
            "local" => Some(DiffKind::Local),
            _ => None,
        }
    }

    fn differs(self, a: &Version, b: &Version) -> bool {
        let segment = |v: &Version, i: usize| v.release().get(i).copied().unwrap_or(0);
        match self {
            // The local label has its own kind, so `+cpu` vs `+cu121` is not counted twice.
            DiffKind::Version => a.clone().without_local() != b.clone().without_local(),
            DiffKind::Major => segment(a, 0) != segment(b, 0),
            DiffKind::Minor => (0..2).any(|i| segment(a, i) != segment(b, i)),
            DiffKind::Local => a.local() != b.local(),
        }
    }
}

/// A package installed at a version the specifiers allow (empty specifiers: any version).
#[derive(Debug, Clone)]
pub struct Condition {
    pub package: PackageName,
    pub specifiers: VersionSpecifiers,
}

impl Condition {
    fn holds(&self, env: &Environment) -> bool {
        let Some(dist) = env.get(&self.package) else {
            return false;
        };
        if self.specifiers.is_empty() {
            return true;
        }
        dist.version
            .as_ref()
            .is_some_and(|v| self.specifiers.contains(v))
    }
}

/// One known incompatibility.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub scope: Scope,
    /// Env scope: every condition holds in the environment.
    pub when: Vec<Condition>,
    pub markers: Option<MarkerTree>,
    /// Pair scope: conditions on the driver and on the workers.
    pub local: Vec<Condition>,
    pub remote: Vec<Condition>,
    pub differs: Vec<(PackageName, DiffKind)>,
    pub severity: Severity,
    /// The package findings of this rule are about.
    pub subject: String,
    pub message: String,
    pub symptom: String,
    pub fix: String,
    /// `file:line`, so a surprising finding can be traced to its rule.
    pub origin: String,
}

/// A set of rules, in file order.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    scope: Spanned<String>,
    #[serde(default)]
    when: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    markers: Option<Spanned<String>>,
    #[serde(default)]
    local: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    remote: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    differs: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    severity: Option<Spanned<String>>,
    #[serde(default)]
    subject: Option<String>,
    message: Spanned<String>,
    symptom: String,
    fix: Spanned<String>,
}

/// Turns byte spans into `file: line N: reason` errors.
struct Source<'a> {
    file: &'a str,
    /// Offsets of the text's line breaks: a span's line is found by binary search, so
    /// naming every rule's line (its origin) stays linear in the number of rules.
    newlines: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(file: &'a str, text: &str) -> Source<'a> {
        Source {
            file,
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
        }
    }

    fn line(&self, span: Range<usize>) -> usize {
        self.newlines.partition_point(|&at| at < span.start) + 1
    }

    fn error(&self, span: Range<usize>, reason: impl Into<String>) -> RuleError {
        RuleError::Invalid {
            file: self.file.to_string(),
            line: self.line(span),
            reason: reason.into(),
        }
    }

    fn conditions(
        &self,
        id: &str,
        table: &str,
        raw: &BTreeMap<String, Spanned<String>>,
    ) -> Result<Vec<Condition>, RuleError> {
        raw.iter()
            .map(|(name, spec)| {
                let package = PackageName::from_str(name)
                    .map_err(|e| self.error(spec.span(), format!("rule {id:?}: {table}: {e}")))?;
                let text = spec.get_ref().trim();
                let text = if text == "*" { "" } else { text };
                let specifiers = VersionSpecifiers::from_str(text).map_err(|e| {
                    self.error(
                        spec.span(),
                        format!(
                            "rule {id:?}: {table}.{name} = {:?} is not a PEP 440 specifier set: {}",
                            spec.get_ref(),
                            first_line(&e.to_string())
                        ),
                    )
                })?;
                Ok(Condition {
                    package,
                    specifiers,
                })
            })
            .collect()
    }

    fn rule(&self, raw: RawRule) -> Result<Rule, RuleError> {
        let id = raw.id.get_ref().trim().to_string();
        if id.is_empty() {
            return Err(self.error(raw.id.span(), "a rule's id must not be empty"));
        }
        let scope = match raw.scope.get_ref().as_str() {
            "env" => Scope::Env,
            "pair" => Scope::Pair,
            other => {
                return Err(self.error(
                    raw.scope.span(),
                    format!("rule {id:?}: scope {other:?} is not \"env\" or \"pair\""),
                ))
            }
        };
        let when = self.conditions(&id, "when", &raw.when)?;
        let local = self.conditions(&id, "local", &raw.local)?;
        let remote = self.conditions(&id, "remote", &raw.remote)?;
        let differs = raw
            .differs
            .iter()
            .map(|(name, kind)| {
                let package = PackageName::from_str(name)
                    .map_err(|e| self.error(kind.span(), format!("rule {id:?}: differs: {e}")))?;
                let kind = DiffKind::parse(kind.get_ref()).ok_or_else(|| {
                    self.error(
                        kind.span(),
                        format!(
                            "rule {id:?}: differs.{name} = {:?}: expected \"version\", \"major\", \"minor\" or \"local\"",
                            kind.get_ref()
                        ),
                    )
                })?;
                Ok((package, kind))
            })
            .collect::<Result<Vec<_>, RuleError>>()?;
        let markers = match &raw.markers {
            Some(text) => Some(MarkerTree::from_str(text.get_ref()).map_err(|e| {
                self.error(
                    text.span(),
                    format!(
                        "rule {id:?}: markers {:?} is not a PEP 508 marker expression: {}",
                        text.get_ref(),
                        first_line(&e.to_string())
                    ),
                )
            })?),
            None => None,
        };
        match scope {
            Scope::Env => {
                if when.is_empty() {
                    return Err(self.error(
                        raw.scope.span(),
                        format!(
                            "rule {id:?}: an env rule needs a `when` table of package conditions"
                        ),
                    ));
                }
                if !(local.is_empty() && remote.is_empty() && differs.is_empty()) {
                    return Err(self.error(
                        raw.scope.span(),
                        format!("rule {id:?}: `local`, `remote` and `differs` belong to pair rules; use `when` (or scope = \"pair\")"),
                    ));
                }
            }
            Scope::Pair => {
                if !when.is_empty() || markers.is_some() {
                    return Err(self.error(
                        raw.scope.span(),
                        format!("rule {id:?}: `when` and `markers` belong to env rules; use `local` / `remote` conditions"),
                    ));
                }
                if local.is_empty() && remote.is_empty() && differs.is_empty() {
                    return Err(self.error(
                        raw.scope.span(),
                        format!("rule {id:?}: a pair rule needs `local`, `remote` or `differs` conditions"),
                    ));
                }
            }
        }
        let severity = match &raw.severity {
            Some(text) => Severity::parse(text.get_ref()).ok_or_else(|| {
                self.error(
                    text.span(),
                    format!(
                        "rule {id:?}: severity {:?} is not error, warning, info or expected",
                        text.get_ref()
                    ),
                )
            })?,
            None => Severity::Warning,
        };
        // Placeholders must name a package the rule looks at, or the message would lie.
        let allowed: BTreeSet<String> = match scope {
            Scope::Env => when.iter().map(|c| c.package.to_string()).collect(),
            Scope::Pair => local
                .iter()
                .chain(&remote)
                .map(|c| c.package.to_string())
                .chain(differs.iter().map(|(p, _)| p.to_string()))
                .flat_map(|p| [format!("local.{p}"), format!("remote.{p}")])
                .collect(),
        };
        for text in [&raw.message, &raw.fix] {
            for name in placeholders(text.get_ref()) {
                if !allowed.contains(&name) {
                    return Err(self.error(
                        text.span(),
                        format!(
                            "rule {id:?}: placeholder {{{name}}} names no package of this rule (known: {})",
                            allowed.iter().map(|a| format!("{{{a}}}")).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
        }
        let subject = raw.subject.clone().unwrap_or_else(|| {
            differs
                .first()
                .map(|(p, _)| p.to_string())
                .or_else(|| when.first().map(|c| c.package.to_string()))
                .or_else(|| remote.first().map(|c| c.package.to_string()))
                .or_else(|| local.first().map(|c| c.package.to_string()))
                .unwrap_or_else(|| id.clone())
        });
        Ok(Rule {
            origin: format!("{}:{}", self.file, self.line(raw.id.span())),
            id,
            scope,
            when,
            markers,
            local,
            remote,
            differs,
            severity,
            subject,
            message: raw.message.into_inner(),
            symptom: raw.symptom,
            fix: raw.fix.into_inner(),
        })
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// The `{name}` placeholders of a template.
fn placeholders(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        names.push(after[..end].trim().to_string());
        rest = &after[end + 1..];
    }
    names
}

fn render(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

impl Rules {
    /// The bundled rules. They are tested to parse, so this cannot fail at run time.
    pub fn bundled() -> Rules {
        Rules::parse(BUNDLED_RULES, BUNDLED_NAME).expect("the bundled rules.toml parses")
    }

    /// The bundled rules, parsed once per process (for the comparison, which runs often).
    pub fn bundled_shared() -> &'static Rules {
        static BUNDLED: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
        BUNDLED.get_or_init(Rules::bundled)
    }

    /// Parses a rules file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Rules, RuleError> {
        // toml, pep440_rs and pep508_rs read the user's text: a panic in one is this file's error.
        crate::guard::parse(
            || Rules::parse_unguarded(text, file),
            |panicked| RuleError::Invalid {
                file: file.to_string(),
                line: 1,
                reason: format!("the rules could not be parsed: {panicked}"),
            },
        )
    }

    fn parse_unguarded(text: &str, file: &str) -> Result<Rules, RuleError> {
        let source = Source::new(file, text);
        let parsed: RulesFile = toml::from_str(text)
            .map_err(|e| source.error(e.span().unwrap_or(0..0), first_line(e.message())))?;
        // Where each id was first given; its line is counted only for an error, so that
        // many rules parse in linear time.
        let mut seen = FxHashMap::default();
        let mut rules = Vec::new();
        for raw in parsed.rule {
            let id_span = raw.id.span();
            let rule = source.rule(raw)?;
            if let Some(first) = seen.insert(rule.id.clone(), id_span.clone()) {
                let line = source.line(first);
                return Err(source.error(
                    id_span,
                    format!("rule id {:?} is already used on line {line}", rule.id),
                ));
            }
            rules.push(rule);
        }
        Ok(Rules { rules })
    }

    /// Reads and parses a rules file.
    pub fn load(path: &Path) -> Result<Rules, RuleError> {
        let file = path.display().to_string();
        let text = crate::input::read_text(path, crate::input::InputKind::Rules).map_err(|e| {
            RuleError::Read {
                file: file.clone(),
                reason: e.problem.to_string(),
            }
        })?;
        Rules::parse(&text, &file)
    }

    /// These rules followed by `other`'s; a later rule with the same id replaces the
    /// earlier one, so a user file can override a bundled rule.
    pub fn extend(&mut self, other: Rules) {
        let mut index: FxHashMap<String, usize> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        for rule in other.rules {
            match index.get(&rule.id) {
                Some(&i) => self.rules[i] = rule,
                None => {
                    index.insert(rule.id.clone(), self.rules.len());
                    self.rules.push(rule);
                }
            }
        }
    }

    /// Env-scope rules that fire on one environment, as (rule, rendered message, versions).
    pub fn fire_env<'r>(&'r self, env: &Environment) -> Vec<Fired<'r>> {
        self.rules
            .iter()
            .filter(|r| r.scope == Scope::Env)
            .filter(|r| r.when.iter().all(|c| c.holds(env)))
            .filter(|r| {
                r.markers
                    .as_ref()
                    .map_or(true, |m| m.evaluate(&env.markers, &[]))
            })
            .map(|rule| {
                let values: BTreeMap<String, String> = rule
                    .when
                    .iter()
                    .map(|c| (c.package.to_string(), version_text(env, &c.package)))
                    .collect();
                Fired::new(rule, &values)
            })
            .collect()
    }

    /// Pair-scope rules that fire between the driver and the workers.
    pub fn fire_pair<'r>(&'r self, local: &Environment, remote: &Environment) -> Vec<Fired<'r>> {
        self.rules
            .iter()
            .filter(|r| r.scope == Scope::Pair)
            .filter(|r| r.local.iter().all(|c| c.holds(local)))
            .filter(|r| r.remote.iter().all(|c| c.holds(remote)))
            .filter(|r| {
                r.differs.iter().all(|(package, kind)| {
                    let version =
                        |env: &Environment| env.get(package).and_then(|d| d.version.clone());
                    match (version(local), version(remote)) {
                        (Some(a), Some(b)) => kind.differs(&a, &b),
                        _ => false,
                    }
                })
            })
            .map(|rule| {
                let mut values = BTreeMap::new();
                let packages = rule
                    .local
                    .iter()
                    .chain(&rule.remote)
                    .map(|c| &c.package)
                    .chain(rule.differs.iter().map(|(p, _)| p));
                for package in packages {
                    values.insert(format!("local.{package}"), version_text(local, package));
                    values.insert(format!("remote.{package}"), version_text(remote, package));
                }
                Fired::new(rule, &values)
            })
            .collect()
    }
}

fn version_text(env: &Environment, package: &PackageName) -> String {
    env.get(package)
        .map(|d| d.version_text.clone())
        .unwrap_or_else(|| "not installed".to_string())
}

/// A rule that fired, its templates filled in.
#[derive(Debug, Clone)]
pub struct Fired<'r> {
    pub rule: &'r Rule,
    pub message: String,
    pub fix: String,
    /// `package version` pairs the rule looked at, for the finding's value columns.
    pub versions: BTreeMap<String, String>,
}

impl<'r> Fired<'r> {
    fn new(rule: &'r Rule, values: &BTreeMap<String, String>) -> Fired<'r> {
        Fired {
            rule,
            message: render(&rule.message, values),
            fix: render(&rule.fix, values),
            versions: values.clone(),
        }
    }

    /// `symptom; fix`, the hint form the report shows.
    pub fn hint(&self) -> String {
        format!("{}; {}", self.rule.symptom, self.fix)
    }

    /// A finding with the given side values.
    pub fn finding(&self, local: Option<String>, remote: Option<String>) -> Finding {
        Finding::new(
            self.rule.severity,
            Code::rule(&self.rule.id),
            self.rule.subject.clone(),
            self.message.clone(),
        )
        .values(local, remote)
        .hint(Some(self.hint()))
    }

    /// `numpy 2.0.1, torch 2.2.2` for the packages of one side (`prefix` = `local.` or
    /// `remote.` for pair rules, empty for env rules).
    pub fn side(&self, prefix: &str) -> String {
        self.versions
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|name| (name, v)))
            .filter(|(name, _)| prefix.is_empty() || !name.contains('.'))
            .map(|(name, v)| format!("{name} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
