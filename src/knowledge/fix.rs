//! What the fix (`manifest::fix`) knows: packages it never pins, variables it never passes
//! or advises shipping, the installers and locations of system package managers, the vendor
//! indexes of local version labels, Ray's own dependencies. Data in `fix.toml`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

const FIX_TOML: &str = include_str!("fix.toml");

/// The parsed `fix.toml`, its globs compiled.
#[derive(Debug)]
pub struct FixRules {
    pub never_pin: Fnmatch,
    pub session_env: Fnmatch,
    pub ship_env: Fnmatch,
    /// Ray's own dependencies (as written), when the local Ray's metadata cannot say.
    pub ray_dependencies: Vec<String>,
    /// INSTALLER value (lower case) → the package manager the advice names.
    pub system_installers: BTreeMap<String, String>,
    /// Location glob → the package manager that fills it, tried in key order.
    pub system_locations: Vec<(Fnmatch, String)>,
    pub vendor_indexes: Vec<VendorIndex>,
    /// Ray's `uv` runtime_env field: the first Ray release that has it.
    pub uv_min_ray: pep440_rs::Version,
    /// The distribution that, installed in a node's Python, lets Ray run `python -m uv`.
    pub uv_distribution: String,
}

/// An index that serves local version labels PyPI never has (`torch==2.2.0+cpu`).
#[derive(Debug)]
pub struct VendorIndex {
    /// Normalized package names (case-sensitive globs).
    pub packages: Fnmatch,
    /// Lower-case local labels (case-sensitive globs).
    pub labels: Fnmatch,
    /// The index URL; `{label}` is replaced by the label.
    pub url: String,
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixFile {
    never_pin: Vec<String>,
    session_env: Vec<String>,
    ship_env: Vec<String>,
    ray_dependencies: Vec<String>,
    uv: UvFile,
    system_installers: BTreeMap<String, String>,
    system_locations: BTreeMap<String, String>,
    vendor_indexes: Vec<VendorIndexFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UvFile {
    min_ray: String,
    distribution: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorIndexFile {
    packages: Vec<String>,
    labels: Vec<String>,
    url: String,
}

/// Why a fix rules file was refused.
#[derive(Debug, thiserror::Error)]
pub enum FixRulesError {
    #[error("fix rules: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("fix rules: [uv] min_ray '{0}' is not a PEP 440 version")]
    Version(String),
    #[error("fix rules: pattern list {0:?} does not compile: {1}")]
    Pattern(Vec<String>, regex::Error),
}

impl FixRules {
    pub fn parse(text: &str) -> Result<FixRules, FixRulesError> {
        let f: FixFile = toml::from_str(text)?;
        let vendor_indexes = f
            .vendor_indexes
            .into_iter()
            .map(|v| {
                Ok(VendorIndex {
                    packages: Fnmatch::new(&v.packages, false)?,
                    labels: Fnmatch::new(&v.labels, false)?,
                    url: v.url,
                })
            })
            .collect::<Result<_, FixRulesError>>()?;
        let system_locations = f
            .system_locations
            .into_iter()
            .map(|(glob, manager)| Ok((Fnmatch::new(&[glob], false)?, manager)))
            .collect::<Result<_, FixRulesError>>()?;
        Ok(FixRules {
            never_pin: Fnmatch::new(&f.never_pin, true)?,
            session_env: Fnmatch::new(&f.session_env, true)?,
            ship_env: Fnmatch::new(&f.ship_env, true)?,
            ray_dependencies: f.ray_dependencies,
            system_installers: f
                .system_installers
                .into_iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect(),
            system_locations,
            vendor_indexes,
            uv_min_ray: f
                .uv
                .min_ray
                .parse()
                .map_err(|_| FixRulesError::Version(f.uv.min_ray.clone()))?,
            uv_distribution: f.uv.distribution,
        })
    }
}

/// The bundled fix rules, parsed once.
pub fn fix_rules() -> &'static FixRules {
    static RULES: OnceLock<FixRules> = OnceLock::new();
    RULES.get_or_init(|| FixRules::parse(FIX_TOML).expect("knowledge/fix.toml is valid (tested)"))
}

/// A list of fnmatch globs (`*`, `?`, `[0-9]`, `[!a]`) as Python's `fnmatchcase` reads
/// them, compiled to one anchored regex. Unlike [`super::GlobSet`] it has character
/// classes, which the vendor labels (`cu[0-9]*`) need.
#[derive(Debug)]
pub struct Fnmatch(Option<Regex>);

impl Fnmatch {
    pub fn new(patterns: &[String], case_insensitive: bool) -> Result<Fnmatch, FixRulesError> {
        if patterns.is_empty() {
            return Ok(Fnmatch(None));
        }
        let alternatives: Vec<String> = patterns.iter().map(|p| translate(p)).collect();
        let flags = if case_insensitive { "(?si)" } else { "(?s)" };
        Regex::new(&format!("{flags}\\A(?:{})\\z", alternatives.join("|")))
            .map(|re| Fnmatch(Some(re)))
            .map_err(|e| FixRulesError::Pattern(patterns.to_vec(), e))
    }

    /// True when any pattern matches the whole text.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.as_ref().is_some_and(|re| re.is_match(text))
    }
}

/// One fnmatch glob as a regex (the translation of Python's `fnmatch.translate`).
fn translate(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                // The class ends at the first ']' after an optional '!' and a leading ']'.
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                    continue;
                }
                let body: String = chars[i..j].iter().collect();
                i = j + 1;
                let (negate, body) = match body.strip_prefix('!') {
                    Some(rest) => (true, rest.to_string()),
                    None => (false, body),
                };
                out.push('[');
                if negate {
                    out.push('^');
                }
                // Every character literal except '-', which makes ranges.
                for ch in body.chars() {
                    if ch == '-' {
                        out.push(ch);
                    } else {
                        out.push_str(&regex::escape(&ch.to_string()));
                    }
                }
                out.push(']');
            }
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(p: &[&str], ci: bool) -> Fnmatch {
        Fnmatch::new(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>(), ci).unwrap()
    }

    #[test]
    fn bundled_rules_parse() {
        let rules = fix_rules();
        assert!(rules.never_pin.is_match("ray") && rules.never_pin.is_match("Genevars"));
        assert!(
            rules.session_env.is_match("ray_address") && rules.session_env.is_match("TERM_PROGRAM")
        );
        assert!(!rules.session_env.is_match("AWS_ACCESS_KEY_ID"));
        assert!(rules.ship_env.is_match("PYTHONPATH"));
        assert_eq!(
            rules.system_installers["debian"],
            "the system package manager (apt)"
        );
        assert!(rules.vendor_indexes[0].url.contains("{label}"));
        assert!(rules.ray_dependencies.iter().any(|d| d == "protobuf"));
        assert_eq!(rules.uv_min_ray.to_string(), "2.40.0");
        assert_eq!(rules.uv_distribution, "uv");
    }

    #[test]
    fn fnmatch_has_classes_and_negation() {
        let labels = globs(&["cpu", "cu[0-9]*", "rocm[!a-z]*"], false);
        assert!(labels.is_match("cpu") && labels.is_match("cu121") && labels.is_match("rocm6.1"));
        assert!(!labels.is_match("cuda") && !labels.is_match("rocmx") && !labels.is_match("CPU"));
        let locations = globs(&["/usr/lib/python3.*/dist-packages"], false);
        assert!(locations.is_match("/usr/lib/python3.11/dist-packages"));
        assert!(!locations.is_match("/usr/lib/python3/dist-packages"));
        // Regex syntax in a glob is literal; an unclosed class is a literal '['.
        assert!(globs(&["a+b(c)[x"], false).is_match("a+b(c)[x"));
        assert!(globs(&["[]]x"], false).is_match("]x"));
        assert!(globs(&["RAY_*"], true).is_match("ray_job_id"));
        assert!(!globs(&[], true).is_match(""));
    }

    #[test]
    fn a_malformed_rules_file_is_refused() {
        let bad = FIX_TOML.replace("min_ray = \"2.40.0\"", "min_ray = \"two\"");
        assert!(matches!(
            FixRules::parse(&bad),
            Err(FixRulesError::Version(_))
        ));
        assert!(matches!(
            FixRules::parse("never_pin = 1"),
            Err(FixRulesError::Toml(_))
        ));
    }
}
