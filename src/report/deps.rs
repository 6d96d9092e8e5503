//! The dependency check's outputs (`genevars check`): one line per finding with its hint,
//! and the JSON document `genevars.dependencies/1`. Both are written as Python's
//! `json.dumps` wrote them before they moved here, so scripts that read them see the
//! same bytes.

use std::fmt::Write;

use serde::Serialize;

use super::controls::escape_controls;
use super::text::counts;
use crate::finding::{Finding, Summary};
use crate::redact;

/// The JSON document's `schema`.
pub const DEPENDENCIES_SCHEMA: &str = "genevars.dependencies/1";

/// The text report when there is nothing to say.
const NOTHING_FOUND: &str = "No broken requirements and no known incompatibilities.";

/// Where a finding's hint starts: after the severity (8) and category (11) columns.
const HINT_INDENT: usize = 21;

/// One line per finding, in the order given (most severe first), each hint on the next
/// line; control characters from metadata written as escapes, credentials masked.
pub fn dependency_report(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return NOTHING_FOUND.to_string();
    }
    let mut lines = Vec::with_capacity(findings.len() * 2);
    for f in findings {
        lines.push(format!(
            "{:8} {:11} {}",
            f.severity.as_str().to_uppercase(),
            f.category.as_str(),
            f.message
        ));
        if let Some(hint) = f.hint.as_deref().filter(|h| !h.is_empty()) {
            lines.push(format!("{:HINT_INDENT$}hint: {hint}", ""));
        }
    }
    let text: Vec<_> = lines.iter().map(|l| escape_controls(l)).collect();
    redact::masked(&text.join("\n"))
}

/// One line: `OK`, or `PROBLEMS FOUND` when a finding is an error, with the counts.
pub fn dependency_headline(findings: &[Finding]) -> String {
    let summary = Summary::of(findings);
    let verdict = if summary.errors == 0 { "OK" } else { "PROBLEMS FOUND" };
    format!("genevars check: {verdict}: {}", counts(&summary))
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    summary: Summary,
    findings: &'a [Finding],
}

/// The findings as `genevars.dependencies/1` JSON: indented by `indent` spaces, or on
/// one line with `", "` and `": "` between items when `None` (Python's defaults).
pub fn dependency_json(findings: &[Finding], indent: Option<usize>) -> String {
    let doc = Document {
        schema: DEPENDENCIES_SCHEMA,
        summary: Summary::of(findings),
        findings,
    };
    redact::masked(&python_json(&doc, indent))
}

/// `value` as Python's `json.dumps(value, indent=indent)` writes it: ASCII only
/// (`ensure_ascii`), DEL escaped too.
pub fn python_json<T: Serialize>(value: &T, indent: Option<usize>) -> String {
    let mut out = Vec::new();
    let written = match indent {
        Some(n) => {
            let spaces = vec![b' '; n];
            let formatter = serde_json::ser::PrettyFormatter::with_indent(&spaces);
            value.serialize(&mut serde_json::Serializer::with_formatter(
                &mut out, formatter,
            ))
        }
        None => value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            SpacedFormatter,
        )),
    };
    written.expect("plain data serializes");
    let text = String::from_utf8(out).expect("serde_json writes UTF-8");
    ascii_only(&text)
}

/// Every character past `~` as a `\uXXXX` escape (surrogate pairs beyond the BMP); such
/// characters only occur inside JSON strings, where the escape means the same.
fn ascii_only(text: &str) -> String {
    if text.bytes().all(|b| b < 0x7f) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut units = [0u16; 2];
    for c in text.chars() {
        if (c as u32) < 0x7f {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out
}

/// Python's one-line separators: `", "` between items, `": "` after a key.
struct SpacedFormatter;

impl serde_json::ser::Formatter for SpacedFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Code, Severity};

    fn findings() -> Vec<Finding> {
        vec![
            Finding::new(
                Severity::Error,
                Code::RequirementUnsatisfied,
                "torch",
                "torch 2.1.0 requires numpy<2, but numpy 2.0.1 is installed\n\x1b[2J",
            )
            .hint(Some("pin numpy<2 — or upgrade torch".to_string())),
            Finding::new(
                Severity::Warning,
                Code::RequirementMissing,
                "pkg",
                "pkg needs extra from https://user:s3cret@example.com/simple",
            )
            .hint(Some(String::new())),
        ]
    }

    #[test]
    fn report_has_a_line_per_finding_with_its_hint_escaped_and_masked() {
        let text = dependency_report(&findings());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[0],
            "ERROR    requirement torch 2.1.0 requires numpy<2, but numpy 2.0.1 is installed\\n\\x1b[2J"
        );
        assert_eq!(
            lines[1],
            format!("{}hint: pin numpy<2 — or upgrade torch", " ".repeat(21))
        );
        assert!(lines[2].starts_with("WARNING  requirement pkg needs extra from https://"));
        assert!(!text.contains("s3cret"), "{text}");
        assert_eq!(dependency_report(&[]), NOTHING_FOUND);
    }

    #[test]
    fn headline_says_problems_when_a_finding_is_an_error_and_counts_each_severity() {
        let all = findings();
        assert_eq!(
            dependency_headline(&all),
            "genevars check: PROBLEMS FOUND: 1 error, 1 warning, 0 info, 0 expected"
        );
        assert_eq!(
            dependency_headline(&all[1..]),
            "genevars check: OK: 0 errors, 1 warning, 0 info, 0 expected"
        );
        assert_eq!(
            dependency_headline(&[]),
            "genevars check: OK: 0 errors, 0 warnings, 0 info, 0 expected"
        );
    }

    #[test]
    fn json_is_what_python_json_dumps_wrote() {
        let json = dependency_json(&findings()[..1], Some(2));
        assert!(json.starts_with(
            "{\n  \"schema\": \"genevars.dependencies/1\",\n  \"summary\": {\n    \"errors\": 1,\n    \"warnings\": 0,"
        ));
        assert!(json.contains("\"message\": \"torch 2.1.0 requires numpy<2, but numpy 2.0.1 is installed\\n\\u001b[2J\","));
        assert!(json.contains("\"hint\": \"pin numpy<2 \\u2014 or upgrade torch\""));
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["findings"][0]["code"], "requirement.unsatisfied");
        assert!(!dependency_json(&findings(), None).contains("s3cret"));
        assert_eq!(
            dependency_json(&[], None),
            "{\"schema\": \"genevars.dependencies/1\", \"summary\": {\"errors\": 0, \"warnings\": 0, \"info\": 0, \"expected\": 0}, \"findings\": []}"
        );
        assert_eq!(
            python_json(&"\u{7f}\u{1F600}", None),
            "\"\\u007f\\ud83d\\ude00\""
        );
    }
}
