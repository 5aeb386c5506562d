//! Generates the Wireshark bindings from the headers of the Wireshark the
//! plugin will load into (bindgen) and builds the C shim (cc) that wraps
//! macros, static inlines and every call that can throw.
//!
//! Which Wireshark: `WIRESHARK_PREFIX=DIR` (headers in `DIR/include/wireshark`,
//! its `.pc` files in `DIR/lib*/pkgconfig` if any), else `WIRESHARK_SYSROOT=DIR`
//! (a root filesystem: `pkg-config wireshark` read inside it, its libraries
//! linked), else `pkg-config wireshark` as is. The version comes from the
//! headers' `ws_version.h`; build.rs emits `ws_4_2`, `ws_4_4`, `ws_4_6` cfg
//! flags (version at least 4.2, ...) and `SCTPKIT_WS_VERSION` ("4.4").

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The minor versions this source tree knows (4.0 is the oldest).
const KNOWN_MINORS: &[u32] = &[0, 2, 4, 6];

/// Runs pkg-config for wireshark with `args`, inside `sysroot` if given.
fn pkg_config(args: &[&str], sysroot: Option<&Path>, extra_path: Option<String>) -> Option<String> {
    let mut c = Command::new("pkg-config");
    c.args(args).arg("wireshark");
    if let Some(r) = sysroot {
        let libdir = [
            "usr/lib/x86_64-linux-gnu/pkgconfig",
            "usr/lib/pkgconfig",
            "usr/share/pkgconfig",
        ]
        .iter()
        .map(|d| r.join(d).display().to_string())
        .collect::<Vec<_>>()
        .join(":");
        c.env("PKG_CONFIG_LIBDIR", libdir);
        c.env("PKG_CONFIG_SYSROOT_DIR", r);
    }
    if let Some(p) = extra_path {
        let old = env::var("PKG_CONFIG_PATH").unwrap_or_default();
        c.env("PKG_CONFIG_PATH", format!("{p}:{old}"));
    }
    match c.output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => None,
    }
}

/// Include directories and library directories of the Wireshark to build for.
struct Target {
    incs: Vec<PathBuf>,
    libdirs: Vec<PathBuf>,
    sysroot: Option<PathBuf>,
}

fn target() -> Target {
    let prefix = env::var_os("WIRESHARK_PREFIX").map(PathBuf::from);
    let sysroot = env::var_os("WIRESHARK_SYSROOT").map(PathBuf::from);
    let extra = prefix.as_ref().map(|p| {
        [
            "lib/x86_64-linux-gnu/pkgconfig",
            "lib/pkgconfig",
            "lib64/pkgconfig",
        ]
        .iter()
        .map(|d| p.join(d).display().to_string())
        .collect::<Vec<_>>()
        .join(":")
    });
    let flags = |a: &str, pre: &str| -> Vec<PathBuf> {
        pkg_config(&[a], sysroot.as_deref(), extra.clone())
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|s| s.strip_prefix(pre))
            .map(PathBuf::from)
            .collect()
    };
    let mut incs = flags("--cflags-only-I", "-I");
    let mut libdirs = flags("--libs-only-L", "-L");
    if let Some(p) = &prefix {
        let ws = p.join("include/wireshark");
        if !incs.iter().any(|d| d == &ws) {
            incs.insert(0, ws);
        }
        for d in ["lib/x86_64-linux-gnu", "lib", "lib64"] {
            if p.join(d).is_dir() {
                libdirs.push(p.join(d));
            }
        }
    }
    let base = sysroot.clone().unwrap_or_else(|| PathBuf::from("/"));
    if let Some(r) = &sysroot {
        libdirs.push(r.join("usr/lib/x86_64-linux-gnu"));
        libdirs.push(r.join("lib/x86_64-linux-gnu"));
    }
    // Without pkg-config's answer: the Debian layout (glib too).
    for d in [
        "usr/include/wireshark",
        "usr/include/glib-2.0",
        "usr/lib/x86_64-linux-gnu/glib-2.0/include",
    ] {
        let d = base.join(d);
        if d.is_dir() && !incs.contains(&d) && !(prefix.is_some() && d.ends_with("wireshark")) {
            incs.push(d);
        }
    }
    Target {
        incs,
        libdirs,
        sysroot,
    }
}

/// The (major, minor, micro) that the headers' ws_version.h declares, and its path.
fn header_version(incs: &[PathBuf]) -> ((u32, u32, u32), PathBuf) {
    let path = incs
        .iter()
        .map(|d| d.join("ws_version.h"))
        .find(|p| p.is_file())
        .expect(
            "no ws_version.h in the Wireshark include path: install libwireshark-dev \
                 or set WIRESHARK_PREFIX / WIRESHARK_SYSROOT",
        );
    let text = std::fs::read_to_string(&path).expect("cannot read ws_version.h");
    let get = |name: &str| -> u32 {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("#define "))
            .find_map(|l| {
                let mut it = l.split_whitespace();
                (it.next() == Some(name)).then(|| it.next()).flatten()
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} not in {}", path.display()))
    };
    (
        (
            get("WIRESHARK_VERSION_MAJOR"),
            get("WIRESHARK_VERSION_MINOR"),
            get("WIRESHARK_VERSION_MICRO"),
        ),
        path,
    )
}

fn main() {
    println!("cargo:rerun-if-changed=csrc/shim.c");
    println!("cargo:rerun-if-changed=csrc/shim.h");
    println!("cargo:rerun-if-changed=csrc/wrapper.h");
    for v in ["WIRESHARK_PREFIX", "WIRESHARK_SYSROOT", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let t = target();
    let incs = t.incs.clone();
    let ((major, minor, micro), version_h) = header_version(&incs);
    println!("cargo:rerun-if-changed={}", version_h.display());
    assert!(
        major == 4 && minor <= 6,
        "Wireshark {major}.{minor} is not supported (4.0 to 4.6; headers: {})",
        version_h.display()
    );
    for m in KNOWN_MINORS.iter().filter(|&&m| m > 0) {
        println!("cargo:rustc-check-cfg=cfg(ws_4_{m})");
        if minor >= *m {
            println!("cargo:rustc-cfg=ws_4_{m}");
        }
    }
    println!("cargo:rustc-env=SCTPKIT_WS_VERSION={major}.{minor}");
    println!("cargo:rustc-env=SCTPKIT_WS_VERSION_FULL={major}.{minor}.{micro}");
    println!(
        "cargo:warning=building the Wireshark plugin for {major}.{minor}.{micro} ({})",
        version_h.display()
    );

    let mut cc = cc::Build::new();
    cc.file("csrc/shim.c")
        .include("csrc")
        .warnings(true)
        .flag_if_supported("-Wno-unused-parameter");
    for d in &incs {
        cc.include(d);
    }
    if let Some(r) = &t.sysroot {
        cc.flag(format!("--sysroot={}", r.display()));
    }
    cc.compile("sctpkit_shim");

    let mut b = bindgen::Builder::default()
        .header("csrc/wrapper.h")
        .clang_arg("-Icsrc")
        .allowlist_function("proto_register_protocol")
        .allowlist_function("proto_register_field_array")
        .allowlist_function("proto_register_subtree_array")
        .allowlist_function("proto_register_plugin")
        .allowlist_function("proto_get_id_by_filter_name")
        .allowlist_function("find_dissector")
        .allowlist_type("tvbuff_t")
        .allowlist_type("packet_info")
        .allowlist_type("proto_tree")
        .allowlist_function("dissector_add_uint")
        .allowlist_function("dissector_delete_uint")
        .allowlist_function("dissector_add_uint_with_preference")
        .allowlist_function("prefs_register_protocol")
        .allowlist_function("prefs_register_bool_preference")
        .allowlist_function("prefs_register_uint_preference")
        .allowlist_function("prefs_register_enum_preference")
        .allowlist_function("expert_register_protocol")
        .allowlist_function("expert_register_field_array")
        .allowlist_function("register_init_routine")
        .allowlist_function("register_cleanup_routine")
        .allowlist_function("sctpkit_.*")
        .allowlist_type("hf_register_info")
        .allowlist_type("ei_register_info")
        .allowlist_type("enum_val_t")
        .allowlist_type("value_string")
        .allowlist_type("proto_plugin")
        .allowlist_type("ftenum")
        .allowlist_type("field_display_e")
        .allowlist_type("sctpkit_op_kind")
        .allowlist_var("WIRESHARK_VERSION_MAJOR")
        .allowlist_var("WIRESHARK_VERSION_MINOR")
        .allowlist_var("WIRESHARK_VERSION_MICRO")
        .allowlist_var("WS_PLUGIN_DESC_DISSECTOR")
        .allowlist_var("COL_MAX_INFO_LEN")
        .allowlist_var("ENC_BIG_ENDIAN")
        .allowlist_var("ENC_NA")
        .allowlist_var("ENC_ASCII")
        .allowlist_var("PI_.*")
        .allowlist_var("PROTO_CHECKSUM_.*")
        .allowlist_var("proto_checksum_vals")
        .rustified_enum("ftenum")
        .rustified_enum("field_display_e")
        .layout_tests(true)
        .generate_comments(false);
    for d in &incs {
        b = b.clang_arg(format!("-I{}", d.display()));
    }
    if let Some(r) = &t.sysroot {
        b = b.clang_arg(format!("--sysroot={}", r.display()));
    }
    let bindings = b
        .generate()
        .expect("bindgen failed on the Wireshark headers");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    bindings
        .write_to_file(out.join("bindings.rs"))
        .expect("cannot write bindings");

    for d in &t.libdirs {
        println!("cargo:rustc-link-search=native={}", d.display());
    }
    println!("cargo:rustc-link-lib=dylib=wireshark");
    println!("cargo:rustc-link-lib=dylib=wsutil");
    println!("cargo:rustc-link-lib=dylib=glib-2.0");
}
