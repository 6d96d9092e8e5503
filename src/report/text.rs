//! The text report: a one-glance summary (counts, then each error and warning with its
//! hint), node groups, and the sections geneva users know. Expected findings (what Ray
//! itself injects) are counted but hidden unless `show_all`.

use std::fmt::Write;

use super::controls::escape_controls;
use super::json::shown_snapshot;
use super::Snapshots;
use crate::compare::thousands;
use crate::compare::{
    Category, Comparison, ComparisonKind, Finding, Group, Matrix, Scope, Section, Severity,
    SideInfo, Summary, SysPathDiffs,
};

/// How the text report is rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Show expected findings and append both snapshots as JSON.
    pub show_all: bool,
    /// ANSI colours (the caller decides: a TTY and no `NO_COLOR`).
    pub color: bool,
}

/// Every line of the report goes through [`Out::line`], which writes the characters a
/// terminal would act on as visible escapes: whatever a node, a snapshot or a package's
/// metadata holds, it cannot clear the screen or forge a line. The report's own colours
/// are marked with `mark` (random per report, so no value can spell it) and become ESC
/// sequences only after that escaping.
struct Out {
    text: String,
    opts: TextOptions,
    mark: String,
}

impl Out {
    fn new(opts: TextOptions) -> Out {
        use std::hash::{BuildHasher, RandomState};
        let nonce = RandomState::new().hash_one(0u8);
        Out {
            text: String::new(),
            opts,
            mark: format!("\u{FDD0}{nonce:016x}\u{FDD1}"),
        }
    }

    fn line(&mut self, s: impl AsRef<str>) {
        let safe = escape_controls(s.as_ref());
        if self.opts.color {
            self.text.push_str(&safe.replace(&self.mark, "\x1b["));
        } else {
            self.text.push_str(&safe);
        }
        self.text.push('\n');
    }

    fn paint(&self, s: &str, code: &str) -> String {
        if self.opts.color {
            format!("{m}{code}m{s}{m}0m", m = self.mark)
        } else {
            s.to_string()
        }
    }

    fn tag(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "33",
            Severity::Info => "36",
            Severity::Expected => "2",
        };
        self.paint(&format!("[{}]", severity.as_str()), code)
    }

    fn header(&mut self, title: &str) {
        let h = self.paint(&format!("=== {title} ==="), "1");
        self.line("");
        self.line(h);
    }

    fn visible(&self, f: &Finding) -> bool {
        self.opts.show_all || f.severity != Severity::Expected
    }

    /// "(3 expected hidden)" after a section that hid some.
    fn hidden_note(&mut self, findings: &[&Finding], indent: &str) {
        let hidden = findings.iter().filter(|f| !self.visible(f)).count();
        if hidden > 0 {
            let note = self.paint(
                &format!(
                    "{indent}({hidden} expected hidden; --show-all / show_all=True lists them)"
                ),
                "2",
            );
            self.line(note);
        }
    }
}

/// Renders the text report.
pub fn to_text(c: &Comparison, snapshots: Snapshots<'_>, opts: TextOptions) -> String {
    let mut out = Out::new(opts);
    summary(&mut out, c);
    if let (Some(m), ComparisonKind::Many) = (&c.matrix, c.kind) {
        matrix(
            &mut out,
            m,
            "MATRIX: what differs (packages × environments)",
        );
    }
    match c.kind {
        ComparisonKind::Pair => {
            let all: Vec<&Finding> = c.findings.iter().collect();
            let remote = c.remote.clone().unwrap_or_default();
            sections(&mut out, &all, &c.local, &remote, &c.sys_path_diffs, true);
        }
        ComparisonKind::Nodes | ComparisonKind::Many => grouped(&mut out, c),
    }
    if opts.show_all {
        let reveal = c.options.reveal_values;
        let how = if reveal {
            "values revealed"
        } else {
            "secrets withheld"
        };
        for (title, snapshot) in [("LOCAL", snapshots.local), ("REMOTE", snapshots.remote)] {
            if let Some(s) = snapshot {
                out.header(&format!("{title} SNAPSHOT (JSON, {how})"));
                let json = serde_json::to_string_pretty(&shown_snapshot(s, reveal))
                    .expect("a snapshot serializes");
                // JSON escapes controls inside strings; its own newlines lay it out.
                for json_line in json.lines() {
                    out.line(json_line);
                }
            }
        }
    }
    out.text
}

/// `1 error, 0 warnings, 2 info, 3 expected`: a summary as the headlines say it.
pub(crate) fn counts(s: &Summary) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {} info, {} expected",
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        s.info,
        s.expected
    )
}

fn summary(out: &mut Out, c: &Comparison) {
    let what = match c.kind {
        ComparisonKind::Pair => "local vs remote".to_string(),
        ComparisonKind::Nodes => format!(
            "local vs {} node{}, {} distinct environment{}",
            c.node_count,
            if c.node_count == 1 { "" } else { "s" },
            c.groups.len(),
            if c.groups.len() == 1 { "" } else { "s" }
        ),
        ComparisonKind::Many => format!(
            "{} vs {} other environment(s)",
            c.local.label,
            c.groups.len()
        ),
    };
    let verdict: Vec<String> = super::verdict(c)
        .into_iter()
        .map(|(words, tone)| out.paint(&words, tone.ansi()))
        .collect();
    let verdict = verdict.join("; ");
    let hidden = if out.opts.show_all || c.summary.expected == 0 {
        ""
    } else {
        " (expected hidden)"
    };
    out.line(format!(
        "genevars: {what}: {verdict}: {}{hidden}",
        counts(&c.summary)
    ));
    // Each problem once: the drift finding that repeats a local-vs-group finding stays
    // in the JSON and the drift section (and is not counted above).
    let serious: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning && !f.repeat)
        .collect();
    for f in serious {
        let label = match f.severity {
            Severity::Error => out.paint("ERROR  ", "1;31"),
            _ => out.paint("WARNING", "33"),
        };
        out.line(format!("  {label} {}{}", f.message, where_(f, c.kind)));
        if let Some(h) = &f.hint {
            out.line(format!("          hint: {h}"));
        }
    }
}

/// " [nodes: a, b]" for findings about some nodes, " [b.json]" for one of N environments.
fn where_(f: &Finding, kind: ComparisonKind) -> String {
    if f.nodes.is_empty() || f.category.is_node_failure() {
        return String::new();
    }
    if kind == ComparisonKind::Many {
        return format!(" [{}]", f.nodes.join(", "));
    }
    const SHOWN: usize = 5;
    // A finding about a whole large group names the group, whose nodes are listed above.
    if let (Some(g), true) = (f.group, f.nodes.len() > SHOWN) {
        return format!(" [group {g}: {} nodes]", thousands(f.nodes.len()));
    }
    let ids: Vec<&str> = f.nodes.iter().take(SHOWN).map(|id| short_id(id)).collect();
    let more = f.nodes.len().saturating_sub(SHOWN);
    let extra = if more > 0 {
        format!(", … {} more", thousands(more))
    } else {
        String::new()
    };
    format!(" [nodes: {}{extra}]", ids.join(", "))
}

fn matrix(out: &mut Out, m: &Matrix, title: &str) {
    out.header(title);
    let rows: Vec<_> = m
        .rows
        .iter()
        .filter(|r| out.opts.show_all || r.severity != Severity::Expected)
        .collect();
    if rows.is_empty() {
        out.line("  (nothing differs)");
        return;
    }
    let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let first_width = rows
        .iter()
        .map(|r| r.subject.len())
        .max()
        .unwrap_or(0)
        .max(7);
    let widths: Vec<usize> = (0..m.columns.len())
        .map(|i| {
            rows.iter()
                .map(|r| cell(&r.values[i]).len())
                .chain([m.columns[i].len()])
                .max()
                .unwrap_or(1)
        })
        .collect();
    let mut head = format!("  {:first_width$}", "");
    for (col, w) in m.columns.iter().zip(&widths) {
        let _ = write!(head, "  {col:w$}");
    }
    out.line(head.trim_end());
    for r in rows {
        let mut line = format!("  {:first_width$}", r.subject);
        for (v, w) in r.values.iter().zip(&widths) {
            let _ = write!(line, "  {:w$}", cell(v));
        }
        let tag = out.tag(r.severity);
        out.line(format!("{line}  {tag}"));
    }
}

fn grouped(out: &mut Out, c: &Comparison) {
    if c.kind == ComparisonKind::Nodes {
        out.header(&format!(
            "NODES: {} node{}, {} distinct environment{}",
            thousands(c.node_count),
            if c.node_count == 1 { "" } else { "s" },
            thousands(c.groups.len()),
            if c.groups.len() == 1 { "" } else { "s" }
        ));
        for g in &c.groups {
            let accelerators = g
                .remote
                .accelerators
                .as_deref()
                .map(|a| format!(", {a}"))
                .unwrap_or_default();
            out.line(format!(
                "  group {}: {}{accelerators} — {}",
                g.index,
                node_list(g),
                counts(&g.summary)
            ));
            out.line(format!(
                "           fingerprint {}",
                &g.fingerprint[..g.fingerprint.len().min(16)]
            ));
        }
        if c.groups.is_empty() {
            out.line("  no node answered the probe: nothing was compared");
        }
        // Node identity learned from the cluster: one line each, not a difference per
        // group; then the nodes that could not be compared.
        let (failures, per_node): (Vec<&Finding>, Vec<&Finding>) = c
            .findings
            .iter()
            .filter(|f| f.code.section() == Section::Nodes)
            .partition(|f| f.scope() == Scope::Node);
        if !per_node.is_empty() {
            items(out, &per_node, |_| true, |f| f.message.clone());
        }
        for f in failures {
            let tag = out.tag(f.severity);
            out.line(format!("  {} {tag} {}", f.category.as_str(), f.message));
        }
    }
    // Findings about the local side alone (its shadowed copies, unreadable entries).
    let local_only: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.scope() == Scope::Driver)
        .collect();
    if local_only.iter().any(|f| out.visible(f)) {
        out.header("LOCAL");
        items(out, &local_only, |_| true, |f| f.message.clone());
    }
    if let (Some(m), ComparisonKind::Nodes) = (&c.matrix, c.kind) {
        matrix(out, m, "DRIFT BETWEEN NODE GROUPS: what they disagree on");
        let drift: Vec<&Finding> = c
            .findings
            .iter()
            .filter(|f| f.code.section() == Section::Drift)
            .collect();
        if !drift.is_empty() {
            out.line("");
            items(
                out,
                &drift,
                |_| true,
                |f| format!("{}{}", f.message, where_(f, c.kind)),
            );
        }
    }
    // Differences every group shares, reported once.
    let common: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.scope() == Scope::AllGroups)
        .collect();
    if let (false, Some(first)) = (common.is_empty(), c.groups.first()) {
        let reachable: usize = c.groups.iter().map(|g| g.nodes.len()).sum();
        let title = format!(
            "local vs every node ({} nodes, all groups)",
            thousands(reachable)
        );
        banner(out, &title, &common);
        sections(
            out,
            &common,
            &c.local,
            &first.remote,
            &first.sys_path_diffs,
            false,
        );
    }
    for g in &c.groups {
        let title = match &g.label {
            Some(label) => format!("{} vs {label}", c.local.label),
            None => format!("local vs group {}: {}", g.index, node_list(g)),
        };
        let mine: Vec<&Finding> = c
            .findings
            .iter()
            .filter(|f| f.scope() == Scope::Group(g.index))
            .collect();
        banner(out, &title, &mine);
        if c.kind == ComparisonKind::Nodes && !mine.iter().any(|f| out.visible(f)) {
            out.line("  nothing beyond what every node shares");
            out.hidden_note(&mine, "  ");
            continue;
        }
        sections(out, &mine, &c.local, &g.remote, &g.sys_path_diffs, false);
    }
}

fn banner(out: &mut Out, title: &str, findings: &[&Finding]) {
    let counts = counts(&Summary::of(findings.iter().copied()));
    let line = out.paint(&format!("##### {title} — {counts} #####"), "1");
    out.line("");
    out.line(line);
}

/// "3 nodes: a, b, c", or for a large group its first few nodes and where the rest are:
/// "4,997 nodes: a, b, c, d, e, … (full list in --json)".
fn node_list(g: &Group) -> String {
    const SHOWN: usize = 5;
    let names: Vec<String> = g
        .nodes
        .iter()
        .take(SHOWN)
        .map(|n| match &n.node_address {
            Some(a) => format!("{} ({a})", short_id(&n.node_id)),
            None => short_id(&n.node_id).to_string(),
        })
        .collect();
    let count = format!(
        "{} node{}",
        thousands(g.nodes.len()),
        if g.nodes.len() == 1 { "" } else { "s" }
    );
    if g.nodes.len() > SHOWN {
        format!("{count}: {}, … (full list in --json)", names.join(", "))
    } else {
        format!("{count}: {}", names.join(", "))
    }
}

/// Ray node ids are 56 hex digits; 12 identify a node in a report.
fn short_id(id: &str) -> &str {
    if id.len() > 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        &id[..12]
    } else {
        id
    }
}

/// One line per visible finding matching `keep`, then the hidden note.
fn items(
    out: &mut Out,
    findings: &[&Finding],
    keep: impl Fn(&Finding) -> bool,
    render: impl Fn(&Finding) -> String,
) {
    items_indented(out, "  ", findings, keep, render)
}

fn items_indented(
    out: &mut Out,
    indent: &str,
    findings: &[&Finding],
    keep: impl Fn(&Finding) -> bool,
    render: impl Fn(&Finding) -> String,
) {
    let chosen: Vec<&Finding> = findings.iter().copied().filter(|f| keep(f)).collect();
    let mut shown = 0;
    for f in &chosen {
        if !out.visible(f) {
            continue;
        }
        let tag = out.tag(f.severity);
        out.line(format!("{indent}{}  {tag}", render(f)));
        shown += 1;
    }
    if shown == 0 {
        out.line(format!("{indent}(none)"));
    }
    out.hidden_note(&chosen, indent);
}

/// A section of [`sections`] that lists its findings one per line.
struct Block {
    title: &'static str,
    /// Shown only when it has content, even in a report that prints empty sections.
    optional: bool,
    render: fn(&Finding) -> String,
}

/// How the text report shows each section of [`sections`]: as a [`Block`], or `None` for
/// the sections it lays out itself (the interpreter lines, sys.path, unreadable entries)
/// or elsewhere (nodes, drift, and the summary's list of errors and warnings).
fn block(section: Section) -> Option<Block> {
    let local_and_remote = |f: &Finding| {
        format!(
            "* {}: local={}  remote={}",
            f.subject,
            value(&f.local),
            value(&f.remote)
        )
    };
    let block = |title, optional, render| Some(Block { title, optional, render });
    match section {
        Section::EnvOnlyLocal => block("ENV VARS: keys only in LOCAL", false, |f| {
            format!("+ {}", f.subject)
        }),
        Section::EnvOnlyRemote => block("ENV VARS: keys only in REMOTE", false, |f| {
            format!("+ {}", f.subject)
        }),
        Section::EnvValues => block("ENV VARS: values differ", true, local_and_remote),
        Section::PackageVersions => block("PACKAGES: version mismatches", false, local_and_remote),
        Section::PackageOnlyLocal => block("PACKAGES: only in LOCAL", false, |f| {
            format!("+ {} ({})", f.subject, value(&f.local))
        }),
        Section::PackageOnlyRemote => block("PACKAGES: only in REMOTE", false, |f| {
            format!("+ {} ({})", f.subject, value(&f.remote))
        }),
        Section::Shadowed => block("PACKAGES: shadowed copies", true, |f| f.message.clone()),
        Section::Interpreter
        | Section::SysPathOnlyLocal
        | Section::SysPathOnlyRemote
        | Section::Unreadable
        | Section::Nodes
        | Section::Drift
        | Section::Summary => None,
    }
}

fn side_block(out: &mut Out, title: &str, side: &SideInfo) {
    out.line(format!("{title}:"));
    out.line(format!("  Python: {}", side.python));
    out.line(format!("  Impl  : {}", side.implementation));
    out.line(format!("  Exec  : {}", side.executable));
    out.line(format!("  OS    : {}", side.os));
}

/// "Local", or "Local (worker-3)" when the side has a label of its own.
fn side_title(title: &str, label: &str) -> String {
    if label == title.to_lowercase() {
        title.to_string()
    } else {
        format!("{title} ({label})")
    }
}

fn value(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

/// geneva's sections for one comparison. `all_sections` prints empty ones too (a plain
/// two-snapshot report); group reports print only sections with something in them.
fn sections(
    out: &mut Out,
    findings: &[&Finding],
    local: &SideInfo,
    remote: &SideInfo,
    sys_path: &SysPathDiffs,
    all_sections: bool,
) {
    let has = |pred: &dyn Fn(&Finding) -> bool| findings.iter().any(|f| pred(f));
    let is = |section: Section| move |f: &Finding| f.code.section() == section;

    out.header("PYTHON / PLATFORM");
    side_block(out, &side_title("Local", &local.label), local);
    out.line("");
    side_block(out, &side_title("Remote", &remote.label), remote);
    if has(&is(Section::Interpreter)) {
        out.line("");
        items(out, findings, is(Section::Interpreter), |f| f.message.clone());
    }

    for &section in Section::ALL {
        let Some(b) = block(section) else { continue };
        if (all_sections && !b.optional) || has(&is(section)) {
            out.header(b.title);
            items(out, findings, is(section), b.render);
        }
    }

    let path_findings: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| f.category == Category::SysPath)
        .collect();
    if all_sections || !path_findings.is_empty() {
        out.header("sys.path differences");
        for (label, section, mark) in [
            ("only in LOCAL", Section::SysPathOnlyLocal, "-"),
            ("only in REMOTE", Section::SysPathOnlyRemote, "+"),
        ] {
            let mine: Vec<&Finding> = path_findings
                .iter()
                .copied()
                .filter(|f| f.code.section() == section)
                .collect();
            out.line(format!("  {label}:"));
            items_indented(
                out,
                "    ",
                &mine,
                |_| true,
                |f| format!("{mark} {}", f.subject),
            );
        }
        out.line(format!(
            "  shared entries: {} (local {}, remote {})",
            sys_path.intersection_count, sys_path.local_count, sys_path.remote_count
        ));
    }
    if has(&is(Section::Unreadable)) {
        out.header("UNREADABLE entries");
        items(out, findings, is(Section::Unreadable), |f| f.message.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::testutil::*;
    use crate::compare::{compare_pair, CompareOptions};

    /// No character a terminal acts on, other than the newlines that end the lines and
    /// (with colour) the ESC of the report's own `ESC[...m` colours.
    fn raw_controls(text: &str, color: bool) -> Vec<char> {
        let own = |rest: &str| {
            ["0m", "1m", "2m", "32m", "33m", "36m", "1;31m"]
                .iter()
                .any(|code| rest.starts_with(&format!("[{code}")))
        };
        text.char_indices()
            .filter(|&(i, c)| {
                c != '\n'
                    && super::super::controls::is_unsafe(c)
                    && !(color && c == '\x1b' && own(&text[i + 1..]))
            })
            .map(|(_, c)| c)
            .collect()
    }

    /// A finding of every code, alone in a comparison of the kind that makes it, is
    /// shown by the text report: the section its code names is rendered. (Summary-only
    /// codes are errors and warnings there; the rest are shown at `info`.)
    #[test]
    fn every_code_reaches_a_section_of_the_text_report() {
        use crate::compare::{compare_nodes, Code, Summary};
        let opts = CompareOptions::default();
        let plain = snapshot();
        let pair = compare_pair(&plain, &plain, &opts);
        let nodes = [
            node(with_packages(snapshot(), &[("numpy", "1")]), "n0"),
            node(with_packages(snapshot(), &[("numpy", "2")]), "n1"),
        ];
        let cluster = compare_nodes(&plain, &nodes, &[], &opts);
        for code in Code::examples() {
            let section = code.section();
            let severity = if section == Section::Summary {
                Severity::Warning
            } else {
                Severity::Info
            };
            let mut f = Finding::new(severity, code.clone(), "the-subject", "the-message");
            f.local = Some("1".into());
            let mut c = match section {
                Section::Nodes | Section::Drift => cluster.clone(),
                _ => pair.clone(),
            };
            match f.code.section() {
                Section::Drift => {
                    f.group = Some(1);
                    f.nodes = vec!["n1".into()];
                }
                Section::Nodes => f.nodes = vec!["n0".into()],
                _ => {}
            }
            c.findings = vec![f];
            c.summary = Summary::of(&c.findings);
            let text = to_text(&c, Snapshots::default(), TextOptions::default());
            assert!(
                text.contains("the-subject") || text.contains("the-message"),
                "{code} ({section:?}) is not in the report:\n{text}"
            );
        }
    }

    #[test]
    fn values_from_a_node_cannot_clear_the_screen_or_forge_a_line() {
        let hostile = "\x1b[2J\r\nERROR   forged\u{9b}\u{202e}";
        let local = with_env(
            with_packages(snapshot(), &[("numpy", "1.26.4")]),
            &[("PYTHONPATH", "/a")],
        );
        let mut remote = with_env(
            with_packages(snapshot(), &[("numpy", hostile)]),
            &[("PYTHONPATH", hostile), (hostile, "1")],
        );
        remote.python.executable = hostile.to_string();
        let c = compare_pair(&local, &remote, &CompareOptions::default());
        let snaps = Snapshots {
            local: Some(&local),
            remote: Some(&remote),
        };
        for color in [false, true] {
            let text = to_text(
                &c,
                snaps,
                TextOptions {
                    show_all: true,
                    color,
                },
            );
            assert_eq!(raw_controls(&text, color), Vec::<char>::new(), "{text}");
            assert!(
                text.contains("\\x1b[2J\\r\\nERROR   forged\\x9b\\u202e"),
                "{text}"
            );
            assert!(!text.lines().any(|l| l.starts_with("ERROR   forged")));
            assert_eq!(
                text.contains("\x1b[1m=== PYTHON / PLATFORM ===\x1b[0m"),
                color
            );
        }
    }
}
