//! One pip requirement line, as pip reads it: a PEP 508 requirement (with optional
//! per-requirement options such as `--hash`), a direct URL, or a global option line.
//!
//! Ray writes the pip list of a runtime_env into a requirements file on each node, so a
//! `.pip([...])` entry and a line of a requirements file follow the same rules. Local
//! files cannot follow the list to the cluster, so references to them are refused here.

use std::str::FromStr;

use pep440_rs::{Operator, Version};
use pep508_rs::{PackageName, Requirement, VerbatimUrl, VersionOrUrl};

use super::error::{ManifestError, Result};
use crate::redact;

/// A parsed line.
#[derive(Debug, Clone)]
pub enum PipLine {
    /// A named requirement: `numpy==1.26.4`, `torch[cuda] @ https://...`, with its options.
    Named(Box<NamedRequirement>),
    /// A requirement without a name pip can still install: `git+https://...`, `https://.../x.whl`.
    Direct,
    /// A global option line, e.g. `--extra-index-url https://...`.
    Option,
}

#[derive(Debug, Clone)]
pub struct NamedRequirement {
    pub name: PackageName,
    /// The requirement without per-requirement options, as written.
    pub spec: String,
    pub requirement: Requirement<VerbatimUrl>,
}

impl NamedRequirement {
    /// The exact version this requirement pins (`==` without a wildcard, or `===`).
    pub fn pinned_version(&self) -> Option<Version> {
        match &self.requirement.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(specs)) => specs
                .iter()
                .find(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
                .map(|s| s.version().clone()),
            _ => None,
        }
    }

    /// Pinned to one version, or to one artifact by URL.
    pub fn is_pinned(&self) -> bool {
        matches!(self.requirement.version_or_url, Some(VersionOrUrl::Url(_)))
            || self.pinned_version().is_some()
    }
}

/// Options pip accepts on their own line in a requirements file (and so in Ray's pip list).
const GLOBAL_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--pre",
    "--prefer-binary",
    "--only-binary",
    "--no-binary",
    "--require-hashes",
    "--trusted-host",
    "--use-feature",
];
/// Options whose value is a location: a URL is fine, a local path is not.
const LOCATION_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
];
/// Options that take no value.
const FLAG_OPTIONS: &[&str] = &["--no-index", "--pre", "--prefer-binary", "--require-hashes"];
/// Options pip accepts after a requirement on the same line.
const PER_REQUIREMENT_OPTIONS: &[&str] = &[
    "--hash",
    "--config-settings",
    "--global-option",
    "--install-option",
];
const INCLUDE_OPTIONS: &[&str] = &["-r", "--requirement", "-c", "--constraint"];
const EDITABLE_OPTIONS: &[&str] = &["-e", "--editable"];

/// Parses one logical line (comments already stripped, continuations joined).
/// `place` names it in errors: `pip entry 2`, `requirements file 'r.txt' line 7`.
pub fn parse_line(text: &str, place: &str) -> Result<PipLine> {
    let text = text.trim();
    let shown = || masked(text);
    if text.is_empty() {
        return Err(ManifestError::InvalidValue {
            field: place.to_string(),
            problem: "is empty; remove it".to_string(),
        });
    }
    if text.starts_with('-') {
        return parse_option_line(text, place);
    }
    // pip splits a line at its first token that starts with '-': the rest are options.
    let (spec, options) = split_options(text);
    for option in &options {
        let name = option.split('=').next().unwrap_or(option);
        if !PER_REQUIREMENT_OPTIONS.contains(&name) {
            return Err(ManifestError::BadOption {
                place: place.to_string(),
                text: shown(),
                option: name.to_string(),
                problem: "is not an option pip accepts after a requirement; use --hash or --config-settings, or put global options on their own line".to_string(),
            });
        }
    }
    if let Some(what) = local_reference(spec) {
        return Err(ManifestError::LocalReference {
            place: place.to_string(),
            text: shown(),
            what,
        });
    }
    if is_url(spec) {
        return Ok(PipLine::Direct);
    }
    check_name_end(spec, place)?;
    let invalid = |message: String, column: usize| ManifestError::InvalidRequirement {
        place: place.to_string(),
        text: masked(spec),
        message,
        column,
    };
    // pep508_rs 0.9 panics on a few malformed names; a panic must never reach the user.
    let requirement = crate::guard::parse(
        || {
            Requirement::<VerbatimUrl>::from_str(spec).map_err(|err| {
                let column = err
                    .input
                    .get(..err.start)
                    .map_or(err.start, |s| s.chars().count())
                    + 1;
                invalid(masked(&err.message.to_string()), column)
            })
        },
        |panicked| invalid(format!("pep508_rs could not parse it: {panicked}"), 1),
    )?;
    if let Some(VersionOrUrl::Url(url)) = &requirement.version_or_url {
        if url.scheme() == "file" {
            return Err(ManifestError::LocalReference {
                place: place.to_string(),
                text: shown(),
                what: "points to a local file",
            });
        }
    }
    Ok(PipLine::Named(Box::new(NamedRequirement {
        name: requirement.name.clone(),
        spec: spec.to_string(),
        requirement,
    })))
}

/// PEP 508 names end with a letter or digit. Checked here because pep508_rs 0.9 panics on
/// a name ending in `.`, `-` or `_` that is followed by more text.
fn check_name_end(spec: &str, place: &str) -> Result<()> {
    let name_len = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(spec.len());
    let name = &spec[..name_len];
    match name.chars().last() {
        Some(last @ ('.' | '-' | '_')) => Err(ManifestError::InvalidRequirement {
            place: place.to_string(),
            text: masked(spec),
            message: format!("Package name must end with an alphanumeric character, not '{last}'"),
            column: name_len,
        }),
        _ => Ok(()),
    }
}

fn parse_option_line(text: &str, place: &str) -> Result<PipLine> {
    let (option, value) = split_option(text);
    let bad = |problem: &str| ManifestError::BadOption {
        place: place.to_string(),
        text: masked(text),
        option: option.to_string(),
        problem: problem.to_string(),
    };
    if INCLUDE_OPTIONS.contains(&option) {
        return Err(ManifestError::IncludedFile {
            place: place.to_string(),
            text: masked(text),
            option: option.to_string(),
        });
    }
    if EDITABLE_OPTIONS.contains(&option) {
        return match value {
            Some(v) if is_url(v) => Ok(PipLine::Direct),
            Some(_) => Err(ManifestError::LocalReference {
                place: place.to_string(),
                text: masked(text),
                what: "is an editable install of a local path",
            }),
            None => Err(bad("needs a value")),
        };
    }
    if !GLOBAL_OPTIONS.contains(&option) {
        return Err(bad("is not an option pip accepts in a requirements file"));
    }
    if FLAG_OPTIONS.contains(&option) {
        return match value {
            None => Ok(PipLine::Option),
            Some(_) => Err(bad("takes no value")),
        };
    }
    let Some(value) = value else {
        return Err(bad("needs a value"));
    };
    if LOCATION_OPTIONS.contains(&option) && !is_url(value) {
        return Err(ManifestError::LocalReference {
            place: place.to_string(),
            text: masked(text),
            what: "names a local index or directory",
        });
    }
    Ok(PipLine::Option)
}

/// `--opt=value`, `--opt value`, `-i value`, `-ivalue`.
fn split_option(text: &str) -> (&str, Option<&str>) {
    let (head, rest) = match text.find(char::is_whitespace) {
        Some(i) => (&text[..i], Some(text[i..].trim())),
        None => (text, None),
    };
    if let Some(eq) = head.find('=') {
        if head.starts_with("--") {
            return (&head[..eq], Some(&text[eq + 1..]));
        }
    }
    if !head.starts_with("--") && head.len() > 2 {
        // Short options glue their value on: `-ihttps://...`.
        let cut = head.char_indices().nth(2).map_or(head.len(), |(i, _)| i);
        return (&head[..cut], Some(text[cut..].trim()));
    }
    (head, rest.filter(|r| !r.is_empty()))
}

/// The requirement part of a line and its trailing option tokens.
fn split_options(text: &str) -> (&str, Vec<&str>) {
    let mut offset = 0;
    for token in text.split_whitespace() {
        let at = offset + text[offset..].find(token).unwrap_or(0);
        if token.starts_with('-') && at > 0 {
            let options = text[at..]
                .split_whitespace()
                .filter(|t| t.starts_with('-'))
                .collect();
            return (text[..at].trim_end(), options);
        }
        offset = at + token.len();
    }
    (text, Vec::new())
}

/// A remote URL (any scheme but `file`): `https://...`, `git+ssh://...`, `s3://...`.
pub(crate) fn is_url(text: &str) -> bool {
    let Some(pos) = text.find("://") else {
        return false;
    };
    let scheme = &text[..pos];
    !scheme.is_empty()
        && scheme != "file"
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
}

/// Why this requirement text refers to something on the local disk, if it does.
fn local_reference(spec: &str) -> Option<&'static str> {
    let lower = spec.to_ascii_lowercase();
    if lower.starts_with("file:") || lower.contains("@ file:") || lower.contains("@file:") {
        return Some("points to a local file");
    }
    if spec.starts_with(['.', '/', '~', '\\'])
        || (spec.len() > 2
            && spec.as_bytes()[1] == b':'
            && matches!(spec.as_bytes()[2], b'\\' | b'/'))
    {
        return Some("is a local path");
    }
    if spec.contains("://") || spec.contains('@') {
        return None;
    }
    if [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"]
        .iter()
        .any(|ext| lower.ends_with(ext))
    {
        return Some("is a local archive");
    }
    if spec.contains('/') || spec.contains('\\') {
        return Some("is a local path");
    }
    None
}

/// Requirement text as safe to show: URL credentials masked.
pub(crate) fn masked(text: &str) -> String {
    redact::mask_credentials(text).unwrap_or_else(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(text: &str) -> NamedRequirement {
        match parse_line(text, "pip entry 1").unwrap() {
            PipLine::Named(n) => *n,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn named_requirements_and_pins() {
        assert!(named("numpy==1.26.4").is_pinned());
        assert_eq!(named("NumPy == 1.26.4").name.as_ref(), "numpy");
        assert!(!named("numpy>=1.26").is_pinned());
        assert!(!named("numpy==1.*").is_pinned());
        assert!(named("torch @ https://download.example.com/torch-2.0.1.whl").is_pinned());
        assert!(named("requests==2.31.0 --hash=sha256:abcd").is_pinned());
        assert!(named("attrs==23.2.0; python_version < '3.12'").is_pinned());
    }

    #[test]
    fn bad_requirement_names_position() {
        let err = parse_line("numpy=1.26.4", "pip entry 3").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("pip entry 3: 'numpy=1.26.4' is not a valid requirement"),
            "{msg}"
        );
        assert!(msg.contains("column 6"), "{msg}");
        let msg = parse_line("numpy. ==1", "pip entry 1")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("must end with an alphanumeric character, not '.'"),
            "{msg}"
        );
    }

    #[test]
    fn options() {
        assert!(matches!(
            parse_line("--extra-index-url https://x.example/simple", "p").unwrap(),
            PipLine::Option
        ));
        assert!(matches!(
            parse_line("-i https://x.example/simple", "p").unwrap(),
            PipLine::Option
        ));
        assert!(matches!(
            parse_line("--index-url=https://x.example/simple", "p").unwrap(),
            PipLine::Option
        ));
        assert!(matches!(parse_line("--pre", "p").unwrap(), PipLine::Option));
        assert!(matches!(
            parse_line("-e git+https://github.com/a/b#egg=b", "p").unwrap(),
            PipLine::Direct
        ));
        assert!(matches!(
            parse_line("https://x.example/b-1.0-py3-none-any.whl", "p").unwrap(),
            PipLine::Direct
        ));
        for (line, expect) in [
            ("-r other.txt", "includes another file"),
            ("--constraint=c.txt", "includes another file"),
            ("-e .", "editable install of a local path"),
            ("./dist/pkg-1.0.whl", "is a local path"),
            ("pkg-1.0-py3-none-any.whl", "is a local archive"),
            ("pkg @ file:///tmp/pkg", "points to a local file"),
            ("-f ./wheels", "local index or directory"),
            ("--frobnicate", "is not an option pip accepts"),
            (
                "numpy==1 --no-deps",
                "not an option pip accepts after a requirement",
            ),
        ] {
            let msg = parse_line(line, "p").unwrap_err().to_string();
            assert!(msg.contains(expect), "{line}: {msg}");
        }
    }

    #[test]
    fn credentials_never_in_errors() {
        let msg = parse_line("--index-url ./x https://u:hunter2@h/simple", "p")
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(!msg.contains("hunter2"));
        let msg = parse_line("pkg @@ https://u:hunter2@h/x.whl", "p")
            .unwrap_err()
            .to_string();
        assert!(!msg.contains("hunter2"), "{msg}");
    }
}
