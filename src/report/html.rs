//! HTML for notebooks (`_repr_html_`): fits a notebook cell, errors first, every value
//! escaped, severities readable without colour.

use std::fmt::Write;

use super::controls;
use crate::compare::{Comparison, ComparisonKind, Finding, Severity, Summary};

/// Rows shown before the table is cut (the full list is in the JSON).
const MAX_ROWS: usize = 200;

/// Markup escaped, and controls written as visible escapes (see [`controls`]).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if controls::is_unsafe(c) => controls::push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// How a severity reads without colour, and its colour.
fn label(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Error => ("✖ ERROR", "#c62828"),
        Severity::Warning => ("▲ WARNING", "#e65100"),
        Severity::Info => ("ℹ info", "#1565c0"),
        Severity::Expected => ("· expected", "#616161"),
    }
}

/// Node ids are 56 hex characters: 12 are shown, the whole id on hover.
fn node_id(id: &str) -> String {
    let short: String = id.chars().take(12).collect();
    format!("<span title=\"{}\">{}</span>", escape(id), escape(&short))
}

/// A value in a cell: long ones cut, the whole value on hover.
fn value(text: &str) -> String {
    const SHOWN_CHARS: usize = 60;
    if text.chars().count() <= SHOWN_CHARS {
        return format!("<code>{}</code>", escape(text));
    }
    let cut: String = text.chars().take(SHOWN_CHARS - 1).collect();
    format!("<code title=\"{}\">{}…</code>", escape(text), escape(&cut))
}

/// Up to `shown` node ids, then how many more.
fn node_ids<'a>(ids: impl ExactSizeIterator<Item = &'a str>, shown: usize) -> String {
    let total = ids.len();
    let mut parts: Vec<String> = ids.take(shown).map(node_id).collect();
    if total > shown {
        parts.push(format!("… {} more", total - shown));
    }
    parts.join(", ")
}

// Scoped to the block: a notebook cell is ~1,100 px wide, so tables take the cell's width
// and wrap long values instead of widening the page.
const STYLE: &str = "<style>\
.genevars-comparison{font-family:system-ui,sans-serif;font-size:13px;max-width:100%;overflow-wrap:anywhere}\
.genevars-comparison table{border-collapse:collapse;width:100%;table-layout:fixed;margin:4px 0 10px}\
.genevars-comparison th,.genevars-comparison td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
.genevars-comparison th{font-weight:600}\
.genevars-comparison code{font-size:12px}\
.genevars-comparison summary{cursor:pointer;font-weight:600;margin:6px 0}\
.genevars-comparison .hint{color:#555;font-style:italic}\
</style>";

/// The findings table; `with_nodes` adds a column naming the nodes of each finding.
fn findings_table(html: &mut String, rows: &[&Finding], with_nodes: bool) {
    html.push_str(
        "<table><colgroup><col style=\"width:9em\"><col style=\"width:16%\"><col style=\"width:20%\">",
    );
    if with_nodes {
        html.push_str("<col style=\"width:14%\">");
    }
    html.push_str("<col></colgroup><thead><tr><th>severity</th><th>subject</th><th>local → remote</th>");
    if with_nodes {
        html.push_str("<th>nodes</th>");
    }
    html.push_str("<th>what it means</th></tr></thead><tbody>");
    for f in rows.iter().take(MAX_ROWS) {
        let (words, colour) = label(f.severity);
        let values = match (&f.local, &f.remote) {
            (None, None) => String::new(),
            (local, remote) => format!(
                "{} → {}",
                value(local.as_deref().unwrap_or("—")),
                value(remote.as_deref().unwrap_or("—"))
            ),
        };
        let hint = f
            .hint
            .as_deref()
            .map(|h| format!("<br><span class=\"hint\">{}</span>", escape(h)))
            .unwrap_or_default();
        let _ = write!(
            html,
            "<tr class=\"gv-{}\"><td style=\"color:{colour};font-weight:bold\">{words}</td>\
             <td><code>{}</code><br><small>{}</small></td><td>{values}</td>",
            f.severity.as_str(),
            escape(&f.subject),
            f.category.as_str(),
        );
        if with_nodes {
            let _ = write!(html, "<td>{}</td>", node_ids(f.nodes.iter().map(String::as_str), 3));
        }
        let _ = write!(html, "<td>{}{hint}</td></tr>", escape(&f.message));
    }
    if rows.len() > MAX_ROWS {
        let _ = write!(
            html,
            "<tr><td colspan=\"5\">… {} more (see to_json())</td></tr>",
            rows.len() - MAX_ROWS
        );
    }
    html.push_str("</tbody></table>");
}

fn counts(s: &Summary) -> String {
    format!(
        "{} error(s), {} warning(s), {} info, {} expected",
        s.errors, s.warnings, s.info, s.expected
    )
}

/// The comparison for a notebook cell: the verdict, then the findings that matter in
/// one block per node group (collapsible; groups with errors open), the drift matrix,
/// and the expected findings behind a toggle (open with `show_all`).
pub fn to_html(c: &Comparison, show_all: bool) -> String {
    let mut html = String::from("<div class=\"genevars-comparison\">");
    html.push_str(STYLE);
    let verdict: Vec<String> = super::verdict(c)
        .into_iter()
        .map(|(words, tone)| format!("<b style=\"color:{}\">{}</b>", tone.css(), escape(&words)))
        .collect();
    let what = match c.kind {
        ComparisonKind::Pair => "local vs remote".to_string(),
        ComparisonKind::Nodes => format!(
            "local vs {} node(s), {} distinct environment(s)",
            c.node_count,
            c.groups.len()
        ),
        ComparisonKind::Many => format!("{} vs {} other environment(s)", escape(&c.local.label), c.groups.len()),
    };
    let _ = write!(
        html,
        "<p><b>genevars</b>: {what}: {}: {}</p>",
        verdict.join("; "),
        counts(&c.summary)
    );
    let shown: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Expected && !f.repeat)
        .collect();
    let expected: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Expected)
        .collect();
    if c.groups.is_empty() || c.kind == ComparisonKind::Pair {
        if shown.is_empty() {
            html.push_str("<p>No differences that matter.</p>");
        } else {
            findings_table(&mut html, &shown, c.kind == ComparisonKind::Nodes);
        }
    } else {
        // Local alone, nodes that could not be compared, and what every group shares.
        let everywhere: Vec<&Finding> = shown.iter().copied().filter(|f| f.group.is_none()).collect();
        if !everywhere.is_empty() {
            html.push_str("<details open><summary>Every node, and nodes not compared</summary>");
            findings_table(&mut html, &everywhere, true);
            html.push_str("</details>");
        }
        for g in &c.groups {
            let rows: Vec<&Finding> = shown.iter().copied().filter(|f| f.group == Some(g.index)).collect();
            let name = g.label.clone().unwrap_or_else(|| format!("group {}", g.index));
            let _ = write!(
                html,
                "<details{}><summary>{}: {} node(s): {} — {}</summary>",
                if g.summary.errors > 0 { " open" } else { "" },
                escape(&name),
                g.nodes.len(),
                node_ids(g.nodes.iter().map(|n| n.node_id.as_str()), 5),
                counts(&g.summary)
            );
            if rows.is_empty() {
                html.push_str("<p>Same as local, but for what is expected.</p>");
            } else {
                findings_table(&mut html, &rows, false);
            }
            html.push_str("</details>");
        }
    }
    if let Some(m) = c.matrix.as_ref().filter(|m| !m.rows.is_empty()) {
        html.push_str("<details open><summary>What the environments disagree on</summary><table><thead><tr><th>subject</th>");
        for column in &m.columns {
            let _ = write!(html, "<th>{}</th>", escape(column));
        }
        html.push_str("<th>severity</th></tr></thead><tbody>");
        for row in m.rows.iter().take(MAX_ROWS) {
            let _ = write!(html, "<tr><td><code>{}</code></td>", escape(&row.subject));
            for value in &row.values {
                let _ = write!(html, "<td>{}</td>", self::value(value.as_deref().unwrap_or("—")));
            }
            let (words, colour) = label(row.severity);
            let _ = write!(html, "<td style=\"color:{colour};font-weight:bold\">{words}</td></tr>");
        }
        html.push_str("</tbody></table></details>");
    }
    if !expected.is_empty() {
        let _ = write!(
            html,
            "<details{}><summary>{} expected (what Ray, the session or the node itself sets)</summary>",
            if show_all { " open" } else { "" },
            expected.len()
        );
        findings_table(&mut html, &expected, c.kind == ComparisonKind::Nodes);
        html.push_str("</details>");
    }
    html.push_str("</div>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<b a=\"1\">&'"),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape("a\x1b[2J\nb\u{202e}"), "a\\x1b[2J\\nb\\u202e");
    }
}
