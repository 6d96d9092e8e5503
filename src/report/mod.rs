//! Reports: text (the sections geneva users know), JSON, and HTML for notebooks.
//!
//! Every renderer reads a [`Comparison`](crate::compare::Comparison), whose values are
//! already safe to show; snapshots passed alongside are redacted again before they are
//! written, so a revealed secret in a snapshot never reaches a report unless the
//! comparison itself was asked to reveal values (`CompareOptions::reveal_values`).

pub mod controls;
pub mod deps;
pub mod html;
pub mod json;
pub mod text;

pub use controls::escape_controls;
pub use deps::{dependency_headline, dependency_json, dependency_report, DEPENDENCIES_SCHEMA};
pub use html::to_html;
pub use json::{redacted_snapshot, shown_snapshot, to_json};
pub use text::{to_text, TextOptions};

use crate::compare::Comparison;
use crate::snapshot::Snapshot;

/// How a part of the verdict reads: for colour in a terminal, for style in HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Bad,
    Warn,
    Good,
}

impl Tone {
    /// The ANSI colour of the text report.
    pub(crate) fn ansi(self) -> &'static str {
        match self {
            Tone::Bad => "1;31",
            Tone::Warn => "33",
            Tone::Good => "32",
        }
    }

    /// The CSS colour of the HTML report.
    pub(crate) fn css(self) -> &'static str {
        match self {
            Tone::Bad => "#c62828",
            Tone::Warn => "#e65100",
            Tone::Good => "#2e7d32",
        }
    }
}

/// The verdict every report leads with, in parts: what could not be compared (never
/// hidden behind "OK"), then the problems found, else "OK". Same rule as
/// [`Comparison::ok`].
pub(crate) fn verdict(c: &Comparison) -> Vec<(String, Tone)> {
    let mut parts = Vec::new();
    if c.nothing_compared() {
        parts.push((format!("NOTHING COMPARED: 0 of {} nodes answered", c.node_count), Tone::Bad));
    } else if let Some(i) = &c.incomplete {
        parts.push((format!("INCOMPLETE: {} of {} nodes compared", i.compared, i.selected), Tone::Bad));
    }
    if c.summary.errors > 0 {
        parts.push(("PROBLEMS FOUND".to_string(), Tone::Bad));
    } else if c.summary.warnings > 0 {
        parts.push(("WARNINGS".to_string(), Tone::Warn));
    }
    if parts.is_empty() {
        parts.push(("OK".to_string(), Tone::Good));
    }
    parts
}

/// The snapshots a comparison was made from, for the renderers that embed them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshots<'a> {
    pub local: Option<&'a Snapshot>,
    pub remote: Option<&'a Snapshot>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::testutil::*;
    use crate::compare::{compare_pair, CompareOptions};
    use crate::snapshot::EnvValue;

    fn pair() -> (Snapshot, Snapshot) {
        let mut local = with_packages(snapshot(), &[("numpy", "1.26.4"), ("mine", "1.0")]);
        local.env.insert(
            "MY_API_KEY".into(),
            EnvValue::Plain("canary-in-report".into()),
        );
        let remote = with_env(
            with_packages(snapshot(), &[("numpy", "2.2.6")]),
            &[("RAY_JOB_ID", "01")],
        );
        (local, remote)
    }

    #[test]
    fn json_has_the_contract_keys_and_no_secret() {
        let (local, remote) = pair();
        let c = compare_pair(&local, &remote, &CompareOptions::default());
        let text = to_json(
            &c,
            Snapshots {
                local: Some(&local),
                remote: Some(&remote),
            },
            false,
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema"], "genevars.comparison/1");
        for key in [
            "summary",
            "findings",
            "local",
            "remote",
            "env_diffs",
            "pkg_diffs",
            "sys_path_diffs",
            "groups",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(
            v["pkg_diffs"]["version_mismatch"][0],
            serde_json::json!(["numpy", "1.26.4", "2.2.6"])
        );
        assert_eq!(v["local"]["env"]["MY_API_KEY"]["withheld"], "secret");
        assert!(!text.contains("canary-in-report"));
    }

    #[test]
    fn reports_reveal_values_only_when_asked() {
        let (local, remote) = pair();
        let snaps = Snapshots {
            local: Some(&local),
            remote: Some(&remote),
        };
        let reveal = CompareOptions {
            reveal_values: true,
            ..CompareOptions::default()
        };
        let c = compare_pair(&local, &remote, &reveal);
        let json = to_json(&c, snaps, false);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["local"]["env"]["MY_API_KEY"], "canary-in-report");
        assert_eq!(v["options"]["reveal_values"], true);
        let text = to_text(
            &c,
            snaps,
            TextOptions {
                show_all: true,
                color: false,
            },
        );
        assert!(text.contains("canary-in-report"), "{text}");
        assert!(text.contains("=== LOCAL SNAPSHOT (JSON, values revealed) ==="));
        assert!(to_html(&c, true).contains("canary-in-report"));
        let hidden = compare_pair(&local, &remote, &CompareOptions::default());
        assert!(!to_html(&hidden, true).contains("canary-in-report"));
    }

    #[test]
    fn text_hides_expected_unless_show_all() {
        let (local, remote) = pair();
        let c = compare_pair(&local, &remote, &CompareOptions::default());
        let snaps = Snapshots {
            local: Some(&local),
            remote: Some(&remote),
        };
        let plain = to_text(&c, snaps, TextOptions::default());
        assert!(
            plain.starts_with("genevars: local vs remote: PROBLEMS FOUND: 1 error, 2 warnings"),
            "{plain}"
        );
        assert!(!plain.contains("RAY_JOB_ID"));
        assert!(!plain.contains('\x1b'));
        let full = to_text(
            &c,
            snaps,
            TextOptions {
                show_all: true,
                color: true,
            },
        );
        assert!(full.contains("RAY_JOB_ID"));
        assert!(full.contains("=== LOCAL SNAPSHOT (JSON, secrets withheld) ==="));
        assert!(full.contains('\x1b'));
        assert!(!full.contains("canary-in-report"));
    }
}
