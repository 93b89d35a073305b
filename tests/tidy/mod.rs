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
