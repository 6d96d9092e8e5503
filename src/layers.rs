//! The core is a one-way pipeline: this test reads every `crate::`, `super::` and `self::`
//! path in `src/` (use statements and inline paths, test code left out) and fails on an
//! import cycle between top-level modules, on an import that goes up the layers below,
//! and on a cycle between the files of one folder (its `mod.rs`, the facade that declares
//! and re-exports them, aside).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

/// The layers, bottom first: a module may import its own layer's modules (without a
/// cycle) and those below, never those above.
const LAYERS: &[&[&str]] = &[
    &["finding", "guard", "input", "parallel"],
    &["knowledge"],
    &["snapshot", "redact"],
    &["compare", "deps"],
    &["explain", "report", "manifest", "error"],
    &["python"],
];

/// One source file: its top-level module, its file module within a folder (None for a
/// folder's `mod.rs` and for single-file modules), and its code without comments and
/// test modules.
struct Source {
    top: String,
    file: Option<String>,
    folder: bool,
    code: String,
}

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    let test_only = test_only_modules(&files);
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(&src).unwrap();
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let (top, file, folder) = match parts.as_slice() {
            [single] if single == "lib" => continue,
            [single] => (single.clone(), None, false),
            [top, file] if file == "mod" => (top.clone(), None, true),
            [top, file] => (top.clone(), Some(file.clone()), true),
            _ => panic!("{}: the test reads two levels of src/", rel.display()),
        };
        let name = file.clone().unwrap_or_else(|| top.clone());
        if test_only.contains(&(top.clone(), name)) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        out.push(Source {
            top,
            file,
            folder,
            code: production_code(&text),
        });
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // A folder of test modules (`compare/tests/`) is test code; `bin/` holds the
        // launcher, a crate of its own that sees only the library's public API.
        if path.is_dir() && path.file_name().is_some_and(|n| n != "tests" && n != "bin") {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(top module, module)` of the files declared `#[cfg(test)] mod name;`.
fn test_only_modules(files: &[PathBuf]) -> BTreeSet<(String, String)> {
    let declared =
        Regex::new(r"#\[cfg\(test\)\]\s*(?:pub(?:\(\w+\))?\s+)?mod\s+(\w+)\s*;").unwrap();
    let mut out = BTreeSet::new();
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let parent = path.parent().unwrap();
        let in_src = parent.file_name().is_some_and(|n| n == "src");
        let text = std::fs::read_to_string(path).unwrap();
        for m in declared.captures_iter(&text) {
            let name = m[1].to_string();
            // Declared in lib.rs: a top-level module; in foo.rs or foo/mod.rs: a file of foo.
            let top = match (stem.as_str(), in_src) {
                ("lib", true) => name.clone(),
                (_, true) => stem.clone(),
                ("mod", false) => parent.file_name().unwrap().to_string_lossy().to_string(),
                _ => continue,
            };
            out.insert((top, name));
        }
    }
    out
}

/// The code without comments and without the inline `#[cfg(test)] mod ... { }` blocks
/// (which, by the code's habit, end the file).
fn production_code(text: &str) -> String {
    let cut = Regex::new(r"(?m)^\s*#\[cfg\(test\)\]\s*\n\s*mod\s+\w+\s*\{").unwrap();
    let text = match cut.find(text) {
        Some(m) => &text[..m.start()],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a::{b, c::{d as e}, self}` → `a::b`, `a::c::d`, `a`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap().trim();
        return vec![path.trim_end_matches("::self").to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| match p.trim() {
            p if p.split(" as ").next().unwrap().trim() == "self" => {
                vec![prefix.trim_end_matches("::").to_string()]
            }
            p => expand(p)
                .into_iter()
                .map(|e| format!("{prefix}{e}"))
                .collect(),
        })
        .collect()
}

/// Every path in `code` that starts with `crate`, `super` or `self`, with whether it
/// is re-exported (`pub use`).
fn paths(code: &str) -> Vec<(String, bool)> {
    let uses = Regex::new(r"(?s)\b(pub(?:\([\w:]+\))?\s+)?use\s+([^;]+);").unwrap();
    let inline = Regex::new(r"\b(?:crate|super|self)(?:::\w+)+").unwrap();
    let mut out = Vec::new();
    for m in uses.captures_iter(code) {
        for p in expand(&m[2]) {
            out.push((p, m.get(1).is_some()));
        }
    }
    let rest = uses.replace_all(code, "");
    out.extend(
        inline
            .find_iter(&rest)
            .map(|m| (m.as_str().to_string(), false)),
    );
    out.into_iter()
        .filter(|(p, _)| ["crate", "super", "self"].contains(&p.split("::").next().unwrap()))
        .collect()
}

/// What a path names: `(top module, file module of that folder, if one)`.
fn resolve(
    s: &Source,
    path: &str,
    files: &BTreeMap<String, BTreeSet<String>>,
    facades: &BTreeMap<String, BTreeMap<String, String>>,
) -> Option<(String, Option<String>)> {
    let segs: Vec<&str> = path.split("::").collect();
    let absolute: Vec<&str> = match segs[0] {
        "crate" => segs[1..].to_vec(),
        // In a folder's file, `super` is the folder; elsewhere it is the crate.
        "super" if s.file.is_some() => [&[s.top.as_str()][..], &segs[1..]].concat(),
        "super" => segs[1..].to_vec(),
        "self" if s.folder && s.file.is_none() => [&[s.top.as_str()][..], &segs[1..]].concat(),
        "self" => return None,
        _ => return None,
    };
    let top = absolute.first()?.to_string();
    let next = absolute.get(1).map(|n| n.to_string());
    let file = next.and_then(|n| {
        let siblings = files.get(&top)?;
        if siblings.contains(&n) {
            Some(n)
        } else {
            facades.get(&top)?.get(&n).cloned()
        }
    });
    Some((top, file))
}

/// `(from, to)` edges between top-level modules, and per folder between its files.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn graphs() -> (Graph, BTreeMap<String, Graph>) {
    let sources = sources();
    let mut files: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in &sources {
        if let Some(f) = &s.file {
            files.entry(s.top.clone()).or_default().insert(f.clone());
        }
    }
    // What each folder's mod.rs re-exports from its files: `pub use pair::compare_pair`.
    let mut facades: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for s in sources.iter().filter(|s| s.folder && s.file.is_none()) {
        let siblings = files.get(&s.top).cloned().unwrap_or_default();
        let reexports = Regex::new(r"(?s)\bpub(?:\([\w:]+\))?\s+use\s+([^;]+);").unwrap();
        for m in reexports.captures_iter(&s.code) {
            let tree = m[1].trim().trim_start_matches("self::");
            for full in expand(tree) {
                let segs: Vec<&str> = full.split("::").collect();
                if segs.len() >= 2 && siblings.contains(segs[0]) {
                    let alias = m[1]
                        .split(',')
                        .find_map(|part| {
                            let (path, alias) = part.split_once(" as ")?;
                            path.trim()
                                .ends_with(segs[segs.len() - 1])
                                .then(|| alias.trim().trim_end_matches(['}', ' ']).to_string())
                        })
                        .unwrap_or_else(|| segs[segs.len() - 1].to_string());
                    facades
                        .entry(s.top.clone())
                        .or_default()
                        .insert(alias, segs[0].to_string());
                }
            }
        }
    }
    let mut top: Graph = BTreeMap::new();
    let mut within: BTreeMap<String, Graph> = BTreeMap::new();
    for s in &sources {
        top.entry(s.top.clone()).or_default();
        for (path, _) in paths(&s.code) {
            let Some((to_top, to_file)) = resolve(s, &path, &files, &facades) else {
                continue;
            };
            if to_top != s.top {
                top.entry(s.top.clone()).or_default().insert(to_top);
            } else if let (Some(from), Some(to)) = (&s.file, to_file) {
                if *from != to {
                    within
                        .entry(s.top.clone())
                        .or_default()
                        .entry(from.clone())
                        .or_default()
                        .insert(to);
                }
            }
        }
    }
    (top, within)
}

/// A cycle through `graph`, if there is one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|n| n == next).unwrap();
                    let mut found = stack[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Some(_) => {}
                None => {
                    if let Some(found) = visit(next, graph, state, stack) {
                        return Some(found);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node) {
            if let Some(found) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let (top, _) = graphs();
    if let Some(c) = cycle(&top) {
        panic!("import cycle between modules: {}", c.join(" → "));
    }
}

#[test]
fn imports_go_down_the_layers() {
    let (top, _) = graphs();
    let layer = |m: &str| LAYERS.iter().position(|l| l.contains(&m));
    let mut up = Vec::new();
    for (from, tos) in &top {
        let Some(lf) = layer(from) else {
            panic!("module {from} has no layer in LAYERS")
        };
        for to in tos {
            let lt = layer(to).unwrap_or_else(|| panic!("module {to} has no layer in LAYERS"));
            if lt > lf {
                up.push(format!("{from} → {to}"));
            }
        }
    }
    assert!(up.is_empty(), "imports up the layers: {up:?}");
}

#[test]
fn no_import_cycle_between_the_files_of_a_folder() {
    let (_, within) = graphs();
    let cycles: Vec<String> = within
        .iter()
        .filter_map(|(folder, g)| cycle(g).map(|c| format!("{folder}/: {}", c.join(" → "))))
        .collect();
    assert!(cycles.is_empty(), "import cycles between files: {cycles:?}");
}

#[test]
fn the_reader_sees_the_imports_it_checks() {
    assert_eq!(
        expand("crate::compare::{self as cmp, Finding, pair::{a, b as c}}"),
        [
            "crate::compare",
            "crate::compare::Finding",
            "crate::compare::pair::a",
            "crate::compare::pair::b"
        ]
    );
    let (top, within) = graphs();
    assert!(top["report"].contains("compare"), "{:?}", top["report"]);
    assert!(top["compare"].contains("finding"));
    assert!(within["compare"]["pair"].contains("comparison"));
    // Test-only files are not read: golden.rs imports report and compare from the root.
    assert!(!top.contains_key("golden"));
}
