//! Generates the Wireshark 4.0 bindings from the installed headers (bindgen)
//! and builds the C shim (cc) that wraps macros, static inlines and every
//! call that can throw.

use std::env;
use std::path::PathBuf;
use std::process::Command;

/// Include directories of the installed Wireshark (pkg-config, with a fallback).
fn include_dirs() -> Vec<PathBuf> {
    let out = Command::new("pkg-config")
        .args(["--cflags-only-I", "wireshark"])
        .output();
    let mut dirs: Vec<PathBuf> = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .filter_map(|s| s.strip_prefix("-I"))
            .map(PathBuf::from)
            .collect(),
        _ => Vec::new(),
    };
    if dirs.is_empty() {
        dirs = [
            "/usr/include/wireshark",
            "/usr/include/glib-2.0",
            "/usr/lib/x86_64-linux-gnu/glib-2.0/include",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
    }
    dirs
}

fn main() {
    println!("cargo:rerun-if-changed=csrc/shim.c");
    println!("cargo:rerun-if-changed=csrc/shim.h");
    println!("cargo:rerun-if-changed=csrc/wrapper.h");
    let incs = include_dirs();

    let mut cc = cc::Build::new();
    cc.file("csrc/shim.c")
        .include("csrc")
        .warnings(true)
        .flag_if_supported("-Wno-unused-parameter");
    for d in &incs {
        cc.include(d);
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
        .allowlist_function("create_dissector_handle")
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
    let bindings = b
        .generate()
        .expect("bindgen failed on the Wireshark headers");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    bindings
        .write_to_file(out.join("bindings.rs"))
        .expect("cannot write bindings");

    println!("cargo:rustc-link-lib=dylib=wireshark");
    println!("cargo:rustc-link-lib=dylib=wsutil");
    println!("cargo:rustc-link-lib=dylib=glib-2.0");
}
