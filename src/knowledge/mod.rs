//! What a difference means: critical packages, hints, severities and Ray-injected noise,
//! loaded once from the bundled data file `knowledge.toml`. Code asks questions
//! ("how severe is a minor bump of numpy?", "did Ray set this variable?"); the answers
//! live in the data file.

pub mod fix;
pub mod glob;
mod judgements;
mod secrets;
mod symptoms;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::finding::{Code, Severity, SeverityKey};
pub use crate::finding::Table;
pub use glob::GlobSet;
pub use secrets::{secret_rules, SecretRules};
pub use symptoms::{symptom_data, DirectionMarkers, Symptom, SymptomData};
pub use judgements::{
    accelerators, credential_files, AcceleratorKnowledge, CredentialFileKnowledge, DriverCuda,
    Judgement,
};

/// The bundled known incompatibilities (parsed by `deps::rules`, whose format user
/// rules files share).
pub const RULES_TOML: &str = include_str!("rules.toml");

/// The bundled knowledge file.
pub(crate) const KNOWLEDGE_TOML: &str = include_str!("knowledge.toml");

/// The parsed knowledge file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knowledge {
    pub packages: HashMap<String, PackageKnowledge>,
    pub severity: SeverityTables,
    pub hints: HashMap<String, Hint>,
    pub env: EnvKnowledge,
    pub ray_paths: RayPaths,
    pub unreadable: UnreadableKnowledge,
    pub per_node: PerNodeRule,
    #[serde(skip)]
    globs: Globs,
}

/// What is known about one package (by PEP 503 name).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageKnowledge {
    #[serde(default)]
    pub critical: bool,
    /// Build and install tooling (pip, uv, wheel...): code does not import it, so its
    /// differences are judged with the lenient `[severity.tooling]` table.
    #[serde(default)]
    pub tooling: bool,
    #[serde(default)]
    pub symptom: Option<String>,
    #[serde(default)]
    pub fix: Option<String>,
    /// How a difference in the local version label alone (`+cpu` vs `+cu121`) is judged.
    #[serde(default)]
    pub local_label: Option<LocalLabelRule>,
    /// Severity of this package existing only locally, overriding the table.
    #[serde(default)]
    pub only_local: Option<Severity>,
    /// Severities of this package's version differences by code, overriding the table
    /// (pydantic-core: any difference breaks pickled models).
    #[serde(default)]
    pub severity: HashMap<String, Severity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalLabelRule {
    pub severity: Severity,
    pub message: String,
    pub symptom: String,
    pub fix: String,
}

/// Severities by finding code, one table per kind of subject.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityTables {
    pub critical: HashMap<String, Severity>,
    pub package: HashMap<String, Severity>,
    pub tooling: HashMap<String, Severity>,
    pub python: HashMap<String, Severity>,
    pub platform: HashMap<String, Severity>,
    pub env: HashMap<String, Severity>,
    pub other: HashMap<String, Severity>,
}

/// The symptom a difference causes and its fix; templates (see the data file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    pub symptom: String,
    pub fix: String,
}

/// `[env]`: the classes of variable names, in the file's order (see the data file).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvKnowledge {
    class: toml::Table,
    #[serde(skip)]
    pub classes: Vec<EnvClassData>,
}

/// One `[env.class.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvClassData {
    #[serde(skip)]
    pub name: String,
    pub patterns: Vec<String>,
    /// Differs everywhere and means nothing: `expected`, and left out of node grouping.
    #[serde(default)]
    pub noise: bool,
    /// Said in the message of a noise class's differences: "(set by Ray)".
    #[serde(default)]
    pub note: Option<String>,
    #[serde(skip)]
    globs: GlobSet,
}

/// The classes the comparison gives a meaning of its own (the others are noise).
const CREDENTIAL_CLASS: &str = "cloud_credentials";
const IMPORTANT_CLASS: &str = "important";

impl EnvKnowledge {
    /// The classes of `[env.class]`, in order, checked: a noise class has a note, any
    /// other is one the comparison knows.
    fn read_classes(&mut self) -> Result<(), String> {
        for (name, value) in &self.class {
            let mut class: EnvClassData = value
                .clone()
                .try_into()
                .map_err(|e| format!("[env.class.{name}]: {e}"))?;
            if class.noise && class.note.is_none() {
                return Err(format!("[env.class.{name}]: a noise class needs a note"));
            }
            if !class.noise && ![CREDENTIAL_CLASS, IMPORTANT_CLASS].contains(&name.as_str()) {
                return Err(format!(
                    "[env.class.{name}]: not noise, and not a class the comparison knows \
                     ({CREDENTIAL_CLASS}, {IMPORTANT_CLASS})"
                ));
            }
            class.name = name.clone();
            class.globs = GlobSet::new(&class.patterns, true);
            self.classes.push(class);
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RayPaths {
    pub sys_path: Vec<String>,
    pub package_locations: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnreadableKnowledge {
    /// Paths whose being unreadable is normal.
    pub expected: Vec<String>,
}

/// When a variable is per-node identity rather than environment (see `[per_node]` in the
/// data file and `compare::nodes`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerNodeRule {
    /// Fewer nodes than this say nothing about what is per node.
    pub min_nodes: usize,
    /// The share of nodes (0..1) that must each hold a value of their own.
    pub unique_share: f64,
}

/// The pattern lists, compiled once.
#[derive(Debug, Default)]
struct Globs {
    ray_sys_path: GlobSet,
    ray_package_locations: GlobSet,
    expected_unreadable: GlobSet,
}

/// What kind of variable a name is, for judging its differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvClass {
    /// A noise class of the data file (Ray's own, the shell session's): the index of
    /// its `[env.class]` table.
    Noise(usize),
    CloudCredential,
    Important,
    Ordinary,
}

impl EnvClass {
    /// Differs everywhere and means nothing.
    pub fn is_noise(self) -> bool {
        matches!(self, EnvClass::Noise(_))
    }
}

/// Values substituted into hint templates.
#[derive(Debug, Default, Clone, Copy)]
pub struct HintVars<'a> {
    pub name: &'a str,
    pub local: &'a str,
    pub remote: &'a str,
}

impl Knowledge {
    /// Parses a knowledge file (the bundled one is [`knowledge()`]).
    pub fn parse(text: &str) -> Result<Knowledge, String> {
        let mut k: Knowledge = toml::from_str(text).map_err(|e| e.to_string())?;
        k.env.read_classes()?;
        k.globs = Globs {
            ray_sys_path: GlobSet::new(&k.ray_paths.sys_path, false),
            ray_package_locations: GlobSet::new(&k.ray_paths.package_locations, false),
            expected_unreadable: GlobSet::new(&k.unreadable.expected, false),
        };
        Ok(k)
    }

    pub fn package(&self, name: &str) -> Option<&PackageKnowledge> {
        self.packages.get(name)
    }

    pub fn is_critical(&self, name: &str) -> bool {
        self.packages.get(name).is_some_and(|p| p.critical)
    }

    /// The severity of a finding code. A code missing from the data file is a bug the
    /// tests catch; at run time it falls back to `warning` rather than hiding anything.
    pub fn severity(&self, table: Table, code: &str) -> Severity {
        let t = match table {
            Table::Critical => &self.severity.critical,
            Table::Package => &self.severity.package,
            Table::Tooling => &self.severity.tooling,
            Table::Python => &self.severity.python,
            Table::Platform => &self.severity.platform,
            Table::Env => &self.severity.env,
            Table::Other => &self.severity.other,
        };
        t.get(code).copied().unwrap_or(Severity::Warning)
    }

    /// The default severity of a finding of `code` about `subject` (a package's name
    /// for the package codes), from the severity tables. Codes judged elsewhere (see
    /// [`SeverityKey`]) fall back to `warning`.
    pub fn severity_of(&self, code: &Code, subject: &str) -> Severity {
        match code.severity_key() {
            SeverityKey::Table(table, key) => self.severity(table, key),
            SeverityKey::PackageTable(key) => {
                self.package_severity(subject, self.package_table(subject), key)
            }
            SeverityKey::Accelerators(_)
            | SeverityKey::CredentialFiles(_)
            | SeverityKey::Requirements
            | SeverityKey::Rule => Severity::Warning,
        }
    }

    /// The severity of a version difference `code` of package `name`: the package's own
    /// where the data file gives one, else `table`'s.
    pub fn package_severity(&self, name: &str, table: Table, code: &str) -> Severity {
        self.packages
            .get(name)
            .and_then(|p| p.severity.get(code))
            .copied()
            .unwrap_or_else(|| self.severity(table, code))
    }

    /// The package table for a package: critical, tooling, or any other package.
    pub fn package_table(&self, name: &str) -> Table {
        match self.packages.get(name) {
            Some(p) if p.critical => Table::Critical,
            Some(p) if p.tooling => Table::Tooling,
            _ => Table::Package,
        }
    }

    /// The rendered hint for a generic code, if the data file has one.
    pub fn hint(&self, code: &str, vars: HintVars<'_>) -> Option<String> {
        self.hints
            .get(code)
            .map(|h| render_hint(&h.symptom, &h.fix, vars))
    }

    /// The rendered hint for a finding of `code`, if the data file has one (hints are
    /// keyed by the code's text).
    pub fn hint_for(&self, code: &Code, vars: HintVars<'_>) -> Option<String> {
        self.hint(code.as_str(), vars)
    }

    /// The hint for a version difference of a package: its own symptom and fix where the
    /// data file has them, else the generic ones.
    pub fn package_hint(&self, code: &str, vars: HintVars<'_>) -> Option<String> {
        let generic = self.hints.get(code).or_else(|| self.hints.get("version"))?;
        let own = self.packages.get(vars.name);
        let symptom = own
            .and_then(|p| p.symptom.as_deref())
            .unwrap_or(&generic.symptom);
        let fix = own.and_then(|p| p.fix.as_deref()).unwrap_or(&generic.fix);
        Some(render_hint(symptom, fix, vars))
    }

    /// The class of a variable: the first `[env.class]` whose patterns match its name.
    pub fn env_class(&self, name: &str) -> EnvClass {
        let found = self
            .env
            .classes
            .iter()
            .enumerate()
            .find(|(_, c)| c.globs.is_match(name));
        match found {
            None => EnvClass::Ordinary,
            Some((i, c)) if c.noise => EnvClass::Noise(i),
            Some((_, c)) if c.name == CREDENTIAL_CLASS => EnvClass::CloudCredential,
            Some(_) => EnvClass::Important,
        }
    }

    /// What the message of a noise class's difference adds: " (set by Ray)".
    pub fn noise_note(&self, class: EnvClass) -> Option<String> {
        match class {
            EnvClass::Noise(i) => self.env.classes[i].note.as_ref().map(|n| format!(" ({n})")),
            _ => None,
        }
    }

    /// True for sys.path entries Ray adds to its workers (vendored packages, runtime envs).
    pub fn is_ray_path(&self, path: &str) -> bool {
        self.globs.ray_sys_path.is_match(path)
    }

    /// True for unreadable entries that are normal (the stdlib zip CPython always lists).
    pub fn is_expected_unreadable(&self, path: &str) -> bool {
        self.globs.expected_unreadable.is_match(path)
    }

    /// True for package locations where Ray vendors its own dependencies.
    pub fn is_ray_vendored(&self, location: &str) -> bool {
        self.globs.ray_package_locations.is_match(location)
    }
}

/// `symptom; fix`, each template filled (see [`fill`]).
pub fn render_hint(symptom: &str, fix: &str, vars: HintVars<'_>) -> String {
    format!("{}; {}", fill(symptom, vars), fill(fix, vars))
}

/// Fills `{name}`, `{local}`, `{remote}` and `{module}` (the import name guessed from a
/// package name) into a template. `{{` and `}}` stand for literal braces; an unknown
/// placeholder is kept as written.
pub fn fill(template: &str, vars: HintVars<'_>) -> String {
    fill_with(template, vars, &[])
}

/// [`fill`], with placeholders of the caller's own (`("supported", "12.2")` fills
/// `{supported}`): the one template filler of the knowledge files.
pub fn fill_with(template: &str, vars: HintVars<'_>, extra: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let Some(close) = tail.find('}').filter(|_| tail.starts_with('{')) else {
            // A lone brace is literal.
            out.push_str(&tail[..1]);
            rest = &tail[1..];
            continue;
        };
        match &tail[1..close] {
            "name" => out.push_str(vars.name),
            "local" => out.push_str(vars.local),
            "remote" => out.push_str(vars.remote),
            "module" => out.push_str(&vars.name.replace(['-', '.'], "_")),
            other => match extra.iter().find(|(key, _)| *key == other) {
                Some((_, value)) => out.push_str(value),
                None => out.push_str(&tail[..=close]),
            },
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The bundled knowledge, parsed once.
pub fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| {
        Knowledge::parse(KNOWLEDGE_TOML).expect("knowledge/knowledge.toml is valid (tested)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_file_parses_and_lists_the_critical_packages() {
        let k = Knowledge::parse(KNOWLEDGE_TOML).unwrap();
        for name in [
            "numpy",
            "torch",
            "pyarrow",
            "attrs",
            "pydantic",
            "ray",
            "cloudpickle",
            "pandas",
        ] {
            assert!(k.is_critical(name), "{name} must be critical");
        }
        assert!(!k.is_critical("requests"));
        // Package keys are PEP 503 names, or lookups by normalized name would miss them.
        for name in k.packages.keys() {
            let normalized = pep508_rs::PackageName::new(name.clone()).unwrap();
            assert_eq!(
                normalized.as_ref(),
                name,
                "package key {name} is not normalized"
            );
        }
    }

    #[test]
    fn every_code_the_comparison_uses_has_a_severity() {
        let k = knowledge();
        let versions = [
            "version.major",
            "version.minor",
            "version.patch",
            "version.pre",
            "version.post",
            "version.dev",
            "version.local",
            "version.string",
            "only_local",
            "only_remote",
            "shadowed",
        ];
        for code in versions {
            assert!(k.severity.critical.contains_key(code), "critical.{code}");
            assert!(k.severity.package.contains_key(code), "package.{code}");
        }
        for code in [
            "python.implementation",
            "python.minor",
            "python.patch",
            "python.release",
            "python.abi",
        ] {
            assert!(k.severity.python.contains_key(code), "{code}");
            assert!(k.hints.contains_key(code), "hint {code}");
        }
        for code in ["platform.system", "platform.machine", "platform.libc"] {
            assert!(k.severity.platform.contains_key(code), "{code}");
            assert!(k.hints.contains_key(code), "hint {code}");
        }
        for code in [
            "only_local",
            "only_remote",
            "value_differs",
            "cannot_tell",
            "credential_missing",
            "important_differs",
        ] {
            assert!(k.severity.env.contains_key(code), "env.{code}");
        }
        for code in ["sys_path", "unreadable", "unreachable", "runtime_env", "genevars"] {
            assert!(k.severity.other.contains_key(code), "other.{code}");
        }
    }

    #[test]
    fn every_code_has_a_knowledge_entry() {
        let k = knowledge();
        let table = |t: Table| match t {
            Table::Critical => &k.severity.critical,
            Table::Package => &k.severity.package,
            Table::Tooling => &k.severity.tooling,
            Table::Python => &k.severity.python,
            Table::Platform => &k.severity.platform,
            Table::Env => &k.severity.env,
            Table::Other => &k.severity.other,
        };
        for code in Code::examples() {
            match code.severity_key() {
                SeverityKey::Table(t, key) => {
                    assert!(table(t).contains_key(key), "{code}: [severity.{t:?}] {key}")
                }
                SeverityKey::PackageTable(key) => {
                    for t in [Table::Critical, Table::Package, Table::Tooling] {
                        assert!(table(t).contains_key(key), "{code}: [severity.{t:?}] {key}");
                    }
                }
                SeverityKey::Accelerators(key) => {
                    assert!(accelerators().judgement(key).is_some(), "{code}: [{key}]")
                }
                SeverityKey::CredentialFiles(key) => {
                    assert!(credential_files().judgement(key).is_some(), "{code}: [{key}]")
                }
                // Decided by the requirement checker and by each rule.
                SeverityKey::Requirements | SeverityKey::Rule => {}
            }
        }
    }

    #[test]
    fn every_severity_in_the_tables_belongs_to_a_code() {
        let k = knowledge();
        let keyed: std::collections::HashSet<(String, &str)> = Code::examples()
            .iter()
            .flat_map(|c| match c.severity_key() {
                SeverityKey::Table(t, key) => vec![(format!("{t:?}"), key)],
                SeverityKey::PackageTable(key) => ["Critical", "Package", "Tooling"]
                    .iter()
                    .map(|t| (t.to_string(), key))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let tables = [
            ("Critical", &k.severity.critical),
            ("Package", &k.severity.package),
            ("Tooling", &k.severity.tooling),
            ("Python", &k.severity.python),
            ("Platform", &k.severity.platform),
            ("Env", &k.severity.env),
            ("Other", &k.severity.other),
        ];
        for (name, t) in tables {
            for key in t.keys() {
                assert!(
                    keyed.contains(&(name.to_string(), key.as_str())),
                    "[severity.{name}] {key} is no code's severity"
                );
            }
        }
    }

    #[test]
    fn hints_render_with_the_values() {
        let k = knowledge();
        let vars = HintVars {
            name: "numpy",
            local: "1.26.4",
            remote: "2.2.6",
        };
        let hint = k.package_hint("version.major", vars).unwrap();
        assert!(hint.contains("ArrowInvalid"), "{hint}");
        assert!(hint.ends_with("pin numpy==1.26.4"), "{hint}");
        let attrs = k
            .package_hint(
                "version.major",
                HintVars {
                    name: "attrs",
                    local: "23.2.0",
                    remote: "24.2.0",
                },
            )
            .unwrap();
        assert!(attrs.contains("Enum.__new__() missing 1 required positional argument"));
        let missing = k
            .hint(
                "only_local",
                HintVars {
                    name: "my-pkg",
                    local: "1.0",
                    remote: "",
                },
            )
            .unwrap();
        assert_eq!(
            missing,
            "ModuleNotFoundError (No module named ...) on workers wherever code imports my-pkg; add my-pkg==1.0 to the manifest's pip list (result.fix_manifest() does)"
        );
        let cred = k
            .hint(
                "credential_missing",
                HintVars {
                    name: "AWS_ACCESS_KEY_ID",
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(cred.starts_with("permission denied / storage authentication failures"));
        assert!(
            cred.contains("{\"AWS_ACCESS_KEY_ID\": os.environ[\"AWS_ACCESS_KEY_ID\"]}"),
            "{cred}"
        );
    }

    #[test]
    fn env_classes_come_from_the_data() {
        let k = knowledge();
        for name in [
            "RAY_JOB_ID",
            "RAY_RAYLET_PID",
            "OMP_NUM_THREADS",
            "SPT_NOENV",
            "PYTHONBREAKPOINT",
        ] {
            assert_eq!(k.noise_note(k.env_class(name)).as_deref(), Some(" (set by Ray)"), "{name}");
        }
        assert_eq!(
            k.env_class("AWS_SECRET_ACCESS_KEY"),
            EnvClass::CloudCredential
        );
        assert_eq!(
            k.env_class("GOOGLE_APPLICATION_CREDENTIALS"),
            EnvClass::CloudCredential
        );
        assert_eq!(k.env_class("AZURE_STORAGE_KEY"), EnvClass::CloudCredential);
        assert_eq!(k.env_class("MY_API_KEY"), EnvClass::CloudCredential);
        assert_eq!(
            k.noise_note(k.env_class("SHLVL")).as_deref(),
            Some(" (shell/session variable)")
        );
        assert_eq!(k.env_class("PYTHONPATH"), EnvClass::Important);
        assert_eq!(k.env_class("MY_SETTING"), EnvClass::Ordinary);
        assert!(k.is_ray_path("/v/lib/python3.11/site-packages/ray/thirdparty_files"));
        assert!(k.is_ray_path("/v/lib/python3.11/site-packages/ray/_private/workers"));
        assert!(!k.is_ray_path("/v/lib/python3.11/site-packages"));
        assert!(k.is_ray_vendored("/v/site-packages/ray/thirdparty_files"));
        assert!(k.is_expected_unreadable("/root/.pyenv/versions/3.11.7/lib/python311.zip"));
        assert!(!k.is_expected_unreadable("/opt/lib/site-packages"));
    }

    #[test]
    fn templates_keep_unknown_placeholders_and_lone_braces() {
        let vars = HintVars {
            name: "scikit-learn",
            local: "1",
            remote: "2",
        };
        assert_eq!(
            fill("{module} {x} } {{ {local}", vars),
            "scikit_learn {x} } { 1"
        );
        assert_eq!(fill("open { end", vars), "open { end");
        assert_eq!(
            fill_with("{name} needs CUDA {supported} {other}", vars, &[("supported", "12.2")]),
            "scikit-learn needs CUDA 12.2 {other}"
        );
    }

    #[test]
    fn a_malformed_knowledge_file_is_refused() {
        assert!(Knowledge::parse("packages = 3").is_err());
        let with = |class: &str| format!("{KNOWLEDGE_TOML}\n{class}\n");
        let no_note = with("[env.class.x]\nnoise = true\npatterns = [\"X\"]");
        assert!(Knowledge::parse(&no_note).unwrap_err().contains("needs a note"));
        let unknown = with("[env.class.x]\npatterns = [\"X\"]");
        assert!(Knowledge::parse(&unknown).unwrap_err().contains("not noise"));
    }
}
