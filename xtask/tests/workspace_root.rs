//! The xtask works on the checkout cargo started it for, not the one it was compiled in: a
//! target directory shared by several clones hands one binary to all of them.

use std::process::Command;

#[test]
fn the_binary_works_on_the_checkout_named_at_run_time() {
    let other = std::env::temp_dir().join(format!("xtask-elsewhere-{}", std::process::id()));
    std::fs::create_dir_all(other.join("xtask")).unwrap();
    std::fs::write(other.join("Cargo.toml"), "[workspace]\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check"])
        .env("CARGO_MANIFEST_DIR", other.join("xtask"))
        .output()
        .unwrap();
    std::fs::remove_dir_all(&other).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // That checkout has no spec, so the check fails there, naming it; the compiled-in
    // checkout's spec would have passed.
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&*other.join("openapi").to_string_lossy()),
        "{stderr}"
    );
}
