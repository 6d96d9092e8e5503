//! Comparison JSON (`genevars.comparison/1`): findings, summary, both snapshots and
//! geneva's keys (`env_diffs`, `pkg_diffs`, `sys_path_diffs`).

use serde::Serialize;

use super::Snapshots;
use crate::compare::{
    CompareOptions, Comparison, ComparisonKind, EnvDiffs, Finding, Group, Incomplete, Matrix,
    PkgDiffs, SideInfo, Summary, SysPathDiffs, COMPARISON_SCHEMA,
};
use crate::redact;
use crate::snapshot::{EnvValue, Snapshot, WithheldValue};

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    kind: ComparisonKind,
    ok: bool,
    summary: DocumentSummary<'a>,
    findings: &'a [Finding],
    local: Option<Snapshot>,
    remote: Option<Snapshot>,
    env_diffs: &'a EnvDiffs,
    pkg_diffs: &'a PkgDiffs,
    sys_path_diffs: &'a SysPathDiffs,
    groups: &'a [Group],
    node_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    matrix: Option<&'a Matrix>,
    options: &'a CompareOptions,
    local_info: &'a SideInfo,
    remote_info: Option<&'a SideInfo>,
}

/// `summary`: the counts, and `incomplete` (which nodes were not compared, and why) only
/// when some selected node was not compared.
#[derive(Serialize)]
struct DocumentSummary<'a> {
    #[serde(flatten)]
    counts: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    incomplete: Option<&'a Incomplete>,
}

/// The comparison as JSON; `pretty` indents by two spaces.
pub fn to_json(c: &Comparison, snapshots: Snapshots<'_>, pretty: bool) -> String {
    let doc = Document {
        schema: COMPARISON_SCHEMA,
        kind: c.kind,
        ok: c.ok(),
        summary: DocumentSummary {
            counts: c.summary,
            incomplete: c.incomplete.as_ref(),
        },
        findings: &c.findings,
        local: snapshots
            .local
            .map(|s| shown_snapshot(s, c.options.reveal_values)),
        remote: snapshots
            .remote
            .map(|s| shown_snapshot(s, c.options.reveal_values)),
        env_diffs: &c.env_diffs,
        pkg_diffs: &c.pkg_diffs,
        sys_path_diffs: &c.sys_path_diffs,
        groups: &c.groups,
        node_count: c.node_count,
        matrix: c.matrix.as_ref(),
        options: &c.options,
        local_info: &c.local,
        remote_info: c.remote.as_ref(),
    };
    let text = if pretty {
        serde_json::to_string_pretty(&doc)
    } else {
        serde_json::to_string(&doc)
    };
    text.expect("a comparison always serializes")
}

/// The snapshot as a report embeds it: as recorded when the user asked to reveal values,
/// else [`redacted_snapshot`].
pub fn shown_snapshot(s: &Snapshot, reveal_values: bool) -> Snapshot {
    if reveal_values {
        s.clone()
    } else {
        redacted_snapshot(s)
    }
}

/// A copy of a snapshot safe to write anywhere: values of secret keys withheld (their
/// fingerprints kept), URL credentials masked, even if the snapshot was taken with
/// `reveal_values`.
pub fn redacted_snapshot(s: &Snapshot) -> Snapshot {
    let mut out = s.clone();
    for (key, value) in out.env.iter_mut() {
        let secret = redact::is_secret_key(key);
        let replacement = match value {
            EnvValue::Plain(_) if secret => Some(withheld("secret", None, None)),
            EnvValue::Plain(v) => redact::mask_credentials(v)
                .map(|masked| withheld("url-credentials", None, Some(masked))),
            EnvValue::Withheld(w) => {
                let display = if secret {
                    None
                } else {
                    w.display
                        .as_deref()
                        .map(|d| redact::mask_credentials(d).unwrap_or_else(|| d.to_string()))
                };
                Some(withheld(&w.withheld, w.fingerprint.clone(), display))
            }
        };
        if let Some(r) = replacement {
            *value = r;
        }
    }
    out
}

fn withheld(why: &str, fingerprint: Option<String>, display: Option<String>) -> EnvValue {
    EnvValue::Withheld(WithheldValue {
        withheld: why.to_string(),
        fingerprint,
        display,
    })
}
