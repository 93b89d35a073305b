//! Tidy checks of the source tree itself (as rust-analyzer's tidy test does): every
//! module says what it owns, and the domain core stays free of I/O.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)
            .expect("readable source dir")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let missing: Vec<String> = rust_files(&src())
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).expect("readable source file");
            !text.trim_start().starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a //! comment: {missing:?}"
    );
}

#[test]
fn domain_does_no_io() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::io",
        "std::env",
        "std::thread",
        "std::time::SystemTime",
        "Utc::now",
        "Local::now",
        "tokio",
        "sqlx",
        "reqwest",
        "rodio",
        "cpal",
        "axum",
        "serde_json",
        "Serialize",
        "symphonia",
    ];
    let mut found = Vec::new();
    for path in rust_files(&src().join("domain")) {
        let text = std::fs::read_to_string(&path).expect("readable source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in forbidden {
                if code.contains(word) {
                    found.push(format!("{}:{}: {word}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "I/O or serde in src/domain: {found:#?}");
}

#[test]
fn no_stubs_left_in_src() {
    let mut found = Vec::new();
    for path in rust_files(&src()) {
        let text = std::fs::read_to_string(&path).expect("readable source file");
        for word in ["todo!(", "unimplemented!(", "dbg!("] {
            if text.contains(word) {
                found.push(format!("{}: {word}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "stubs in src: {found:?}");
}

/// `text` without its `//` comments (doc comments included), string contents kept.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        let mut end = line.len();
        for (i, c) in line.char_indices() {
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            }
            if !in_string && c == '/' && prev == '/' {
                end = i - 1;
                break;
            }
            prev = c;
        }
        out.push_str(&line[..end]);
        out.push('\n');
    }
    out
}

/// The top-level modules a file's code names through `crate::` (`crate::store::x`,
/// and each branch of `crate::{store, wire::y}`).
fn crate_modules(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut branch = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(ident(&branch));
                        branch.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    branch.push(c);
                }
            }
            found.push(ident(&branch));
        } else {
            found.push(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

/// The arrows of README's code map: which top-level modules each one may not name.
const ARROWS: &[(&str, &[&str])] = &[
    // The pure core names no adapter.
    (
        "domain",
        &[
            "store",
            "server",
            "agent",
            "wire",
            "schedule_file",
            "audio",
            "report",
            "cli",
        ],
    ),
    // The station agent builds without the server: neither it nor its database.
    ("agent", &["server", "store", "cli", "report"]),
    // Wire types are shapes over the domain, whoever reads or writes them.
    (
        "wire",
        &["schedule_file", "store", "server", "agent", "cli", "report"],
    ),
    // The database knows nothing of HTTP, stations' agents or the command line.
    ("store", &["server", "agent", "cli"]),
    // Schedule files are read into the domain, not into a database or the network.
    (
        "schedule_file",
        &["store", "server", "agent", "wire", "cli"],
    ),
];

#[test]
fn modules_import_only_along_the_code_map() {
    let mut found = Vec::new();
    for (dir, forbidden) in ARROWS {
        for path in rust_files(&src().join(dir)) {
            let text = std::fs::read_to_string(&path).expect("readable source file");
            for module in crate_modules(&without_comments(&text)) {
                if forbidden.contains(&module.as_str()) {
                    found.push(format!("{}: crate::{module}", path.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "imports against the code map: {found:#?}");
}

/// The one file outside `src/store` allowed to use sqlx: the agent's own SQLite (the
/// agent builds without the server's store).
const AGENT_DATABASE: &str = "agent/local.rs";

#[test]
fn sql_lives_in_the_store() {
    let src = src();
    let mut found = Vec::new();
    for path in rust_files(&src) {
        let relative = path.strip_prefix(&src).expect("under src");
        if relative.starts_with("store") || relative == Path::new(AGENT_DATABASE) {
            continue;
        }
        let code = without_comments(&std::fs::read_to_string(&path).expect("readable"));
        for (n, line) in code.lines().enumerate() {
            if line.contains("sqlx::") || line.trim_start().starts_with("use sqlx") {
                found.push(format!("{}:{}", path.display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "sqlx outside src/store: {found:#?}");
}

#[test]
fn the_tidy_scanners_see_grouped_and_commented_imports() {
    let code = without_comments(
        "use crate::{domain::X, store::{a, b}};\n/// crate::server in a doc\nlet u = \"http://x\"; // crate::agent\nuse crate::wire::Y;\n",
    );
    assert_eq!(crate_modules(&code), ["domain", "store", "wire"]);
}
