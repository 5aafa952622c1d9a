//! The library's modules form layers that only import downwards.
//!
//! Every `crate::…` path in the code under `src/` (comments and string literals skipped,
//! `src/bin` excluded) is mapped from the file's top-level module to the module it names
//! (a root re-export such as `crate::Limits` counts as the module it comes from). The
//! resulting module graph must be acyclic, and every arrow must go to a lower rank:
//!
//! | rank | modules | why there |
//! |---|---|---|
//! | 9 | `transform` | runs everything below on one image |
//! | 8 | `pipeline` | executes a plan; returns the crate-wide error |
//! | 7 | `error` | the crate-wide error wraps every layer's error, analysis included |
//! | 6 | `analyze` | asset documents: decodes, resizes, plans previews, builds asset URLs |
//! | 5 | `plan` | geometry and encoding from header facts and a spec |
//! | 4 | `codec` | bytes ⇄ pixels, typed EXIF orientation |
//! | 3 | `ops` | pure pixel operations |
//! | 2 | `url` | image URLs: asset IDs and query parameters |
//! | 1 | `params`, `asset` | the query dialect; asset IDs |
//! | 0 | `pixels`, `limits`, `format` | buffers, resource limits, format names |

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The rank of every top-level module; a module may only import modules of a lower rank.
const RANKS: &[(&str, u32)] = &[
    ("transform", 9),
    ("pipeline", 8),
    ("error", 7),
    ("analyze", 6),
    ("plan", 5),
    ("codec", 4),
    ("ops", 3),
    ("url", 2),
    ("params", 1),
    ("asset", 1),
    ("pixels", 0),
    ("limits", 0),
    ("format", 0),
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a Rust file with comments, string literals and char literals blanked out, so
/// that only real paths remain (doc links to higher layers are fine).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && (at(i + 1) == '"' || (at(i + 1) == '#' && !at(i.wrapping_sub(1)).is_alphanumeric()))
        {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let rest: String = chars[j..].iter().collect();
            let end = rest.find(&closing).map_or(chars.len(), |k| {
                j + rest[..k].chars().count() + closing.chars().count()
            });
            out.push_str("\"\"");
            i = end;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                // Skip the escaped character, then find the closing quote.
                let mut j = i + 3;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if at(i + 2) == '\'' {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The first segment of every `crate::` path: `crate::a::b` gives `a`, `crate::{a, b::c}`
/// gives `a` and `b`.
fn crate_paths(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (pos, _) in code.match_indices("crate::") {
        let before = code[..pos].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = code[pos + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level items of the group, split on commas outside nested braces.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        let name = ident(&group[i..]);
                        if !name.is_empty() && name != "self" {
                            found.push(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

/// The modules declared in `lib.rs`, and the module each root re-export comes from.
fn root_names(lib: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let code = code_only(lib);
    let mut modules = BTreeSet::new();
    let mut reexports = BTreeMap::new();
    for stmt in code.split(';') {
        let words: Vec<&str> = stmt.split_whitespace().collect();
        let tail: Vec<&str> = words
            .iter()
            .copied()
            .skip_while(|w| *w == "pub" || w.starts_with("pub(") || w.starts_with('#'))
            .collect();
        match tail.as_slice() {
            ["mod", name] => {
                modules.insert((*name).to_owned());
            }
            ["use", ..] => {
                let path = tail[1..].join(" ");
                let module = path.split("::").next().unwrap_or("").trim().to_owned();
                let names = match (path.find('{'), path.rfind('}')) {
                    (Some(a), Some(b)) => path[a + 1..b].to_owned(),
                    _ => path.rsplit("::").next().unwrap_or("").to_owned(),
                };
                for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let name = name.rsplit("::").next().unwrap_or(name);
                    reexports.insert(name.to_owned(), module.clone());
                }
            }
            _ => {}
        }
    }
    (modules, reexports)
}

/// Every arrow `from → to` between top-level modules, with a file that makes it.
fn module_graph() -> BTreeMap<(String, String), String> {
    let src = src_dir();
    let lib = fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let (modules, reexports) = root_names(&lib);
    assert!(modules.len() >= RANKS.len(), "lib.rs declares {modules:?}");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("a path").as_os_str();
        let first = first.to_str().expect("UTF-8 path");
        if first == "bin" || first == "lib.rs" {
            continue;
        }
        let from = first.trim_end_matches(".rs").to_owned();
        let text = fs::read_to_string(&file).expect("readable source");
        for name in crate_paths(&code_only(&text)) {
            let to = if modules.contains(&name) {
                name.clone()
            } else if let Some(module) = reexports.get(&name) {
                module.clone()
            } else {
                panic!(
                    "{}: crate::{name} is neither a module nor a root re-export",
                    rel.display()
                );
            };
            if to != from {
                edges
                    .entry((from.clone(), to))
                    .or_insert_with(|| rel.display().to_string());
            }
        }
    }
    edges
}

fn rank(module: &str) -> u32 {
    RANKS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| panic!("module {module} has no rank in RANKS"))
}

#[test]
fn every_module_has_a_rank() {
    let lib = fs::read_to_string(src_dir().join("lib.rs")).expect("src/lib.rs");
    let (modules, _) = root_names(&lib);
    let ranked: BTreeSet<String> = RANKS.iter().map(|(m, _)| (*m).to_owned()).collect();
    assert_eq!(modules, ranked);
}

#[test]
fn the_module_graph_is_acyclic() {
    let edges = module_graph();
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from).or_default().push(to);
    }
    // Depth-first search; a node met again while on the stack closes a cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = stack.iter().position(|n| *n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        stack.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let cycle = visit(node, &graph, &mut Vec::new(), &mut done);
        assert_eq!(cycle, None, "import cycle");
    }
}

#[test]
fn every_import_points_down() {
    let edges = module_graph();
    assert!(
        edges.contains_key(&("transform".to_owned(), "pipeline".to_owned())),
        "the scan found no transform → pipeline import: {edges:?}"
    );
    let upward: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| rank(from) <= rank(to))
        .map(|((from, to), file)| {
            format!(
                "{from} (rank {}) → {to} (rank {}) in src/{file}",
                rank(from),
                rank(to)
            )
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports that do not point down:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_scanner_reads_paths_and_skips_comments_and_strings() {
    let cases: &[(&str, &[&str])] = &[
        ("use crate::codec::probe;", &["codec"]),
        (
            "use crate::{Error, ImageFormat as F, params::{Fit, Crop}};",
            &["Error", "ImageFormat", "params"],
        ),
        ("let x = crate::ops::resize(a);", &["ops"]),
        ("/// See [`crate::transform()`].\nfn f() {}", &[]),
        (
            "// crate::plan\n/* crate::plan /* nested */ crate::plan */",
            &[],
        ),
        (
            "let s = \"crate::plan\"; let r = r#\"crate::\"plan\"#;",
            &[],
        ),
        ("let q = '\"'; use crate::url::X;", &["url"]),
        (
            "fn f<'a>(x: &'a str) -> crate::asset::AssetId {}",
            &["asset"],
        ),
        ("pub(crate) fn g() {} $crate::limits::Limits", &["limits"]),
    ];
    for (code, want) in cases {
        assert_eq!(crate_paths(&code_only(code)), *want, "{code:?}");
    }
}
