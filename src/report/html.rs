//! HTML for notebooks (`_repr_html_`): a compact table, errors first, every value escaped.

use std::fmt::Write;

use crate::compare::{Comparison, Severity};

/// Rows shown before the table is cut (the full list is in the JSON).
const MAX_ROWS: usize = 200;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "#c62828",
        Severity::Warning => "#ef6c00",
        Severity::Info => "#1565c0",
        Severity::Expected => "#757575",
    }
}

/// The comparison as an HTML table; expected findings only with `show_all`.
pub fn to_html(c: &Comparison, show_all: bool) -> String {
    let s = &c.summary;
    let mut html = String::from("<div class=\"genevars-comparison\">");
    let (word, word_colour) = match super::verdict(c) {
        super::Verdict::Problems => ("PROBLEMS FOUND: ", colour(Severity::Error)),
        super::Verdict::Warnings => ("WARNINGS: ", colour(Severity::Warning)),
        super::Verdict::Clean => ("OK: ", "#2e7d32"),
        super::Verdict::Incomplete => ("", ""),
    };
    let incomplete = super::incomplete_words(c)
        .map(|w| format!("<b style=\"color:{}\">{w}</b>; ", colour(Severity::Error)))
        .unwrap_or_default();
    let _ = write!(
        html,
        "<p><b>genevars</b>: {incomplete}<b style=\"color:{word_colour}\">{word}</b>{} error(s), {} warning(s), {} info, {} expected{}</p>",
        s.errors,
        s.warnings,
        s.info,
        s.expected,
        if show_all { "" } else { " (hidden)" }
    );
    if !c.groups.is_empty() && c.node_count > 0 {
        let _ = write!(
            html,
            "<p>{} node(s), {} distinct environment(s)</p>",
            c.node_count,
            c.groups.len()
        );
    }
    let rows: Vec<_> = c
        .findings
        .iter()
        .filter(|f| show_all || f.severity != Severity::Expected)
        .collect();
    if rows.is_empty() {
        html.push_str("<p>No differences.</p></div>");
        return html;
    }
    html.push_str(
        "<table style=\"border-collapse:collapse;font-size:90%\"><thead><tr>\
         <th>severity</th><th>category</th><th>subject</th><th>local</th><th>remote</th>\
         <th>nodes</th><th>message</th></tr></thead><tbody>",
    );
    for f in rows.iter().take(MAX_ROWS) {
        let nodes = if f.nodes.len() > 3 {
            format!("{} and {} more", f.nodes[..3].join(", "), f.nodes.len() - 3)
        } else {
            f.nodes.join(", ")
        };
        let hint = f
            .hint
            .as_deref()
            .map(|h| format!("<br><i>{}</i>", escape(h)))
            .unwrap_or_default();
        let _ = write!(
            html,
            "<tr><td style=\"color:{};font-weight:bold\">{}</td><td>{}</td><td><code>{}</code></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}{hint}</td></tr>",
            colour(f.severity),
            f.severity.as_str(),
            f.category.as_str(),
            escape(&f.subject),
            escape(f.local.as_deref().unwrap_or("")),
            escape(f.remote.as_deref().unwrap_or("")),
            escape(&nodes),
            escape(&f.message),
        );
    }
    if rows.len() > MAX_ROWS {
        let _ = write!(
            html,
            "<tr><td colspan=\"7\">… {} more (see to_json())</td></tr>",
            rows.len() - MAX_ROWS
        );
    }
    html.push_str("</tbody></table></div>");
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
    }
}
