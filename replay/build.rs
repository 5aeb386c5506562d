//! Generates one test per ETSI script in ../shared/etsi-sctp (relative to
//! the workspace root), named after its file; scripts listed in
//! tests/etsi-ignore.txt (name, tab, reason) are marked
//! `#[ignore = "endpoint: reason"]`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "pkt") {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let suite = manifest.join("../../shared/etsi-sctp");
    let ignore_file = manifest.join("tests/etsi-ignore.txt");
    println!("cargo:rerun-if-changed={}", suite.display());
    println!("cargo:rerun-if-changed={}", ignore_file.display());
    let ignores: Vec<(String, String)> = std::fs::read_to_string(&ignore_file)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once('\t')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        })
        .collect();
    let mut files = Vec::new();
    collect(&suite, &mut files);
    files.sort();
    let mut src = String::new();
    if files.is_empty() {
        let _ = writeln!(
            src,
            "#[test]\nfn etsi_scripts_present() {{ panic!(\"no ETSI scripts under {}\"); }}",
            suite.display()
        );
    }
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let stem = f.file_stem().expect("file").to_string_lossy().to_string();
        let name = stem.replace(['-', '.'], "_");
        if let Some((_, reason)) = ignores.iter().find(|(n, _)| *n == stem) {
            let _ = writeln!(src, "#[ignore = {:?}]", format!("endpoint: {reason}"));
        }
        let _ = writeln!(
            src,
            "#[test]\nfn {name}() {{ check({:?}, false); }}\n",
            f.display().to_string()
        );
        // The same script with every extension of the endpoint on (issue 17).
        if let Some((_, reason)) = ignores.iter().find(|(n, _)| *n == stem) {
            let _ = writeln!(src, "#[ignore = {:?}]", format!("endpoint: {reason}"));
        }
        let _ = writeln!(
            src,
            "#[test]\nfn {name}_all_extensions() {{ check({:?}, true); }}\n",
            f.display().to_string()
        );
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("etsi_tests.rs");
    std::fs::write(out, src).expect("write generated tests");
}
