//! Where the workspace is, decided when the xtask runs rather than when it was compiled.
//!
//! A target directory shared by several checkouts (CI keeps one outside each fresh clone) holds
//! one xtask binary for all of them: cargo sees the same package at the same relative place and
//! reuses it. A path compiled into the binary would then point at whichever clone built it,
//! perhaps one long deleted. `cargo run` (and so `cargo xtask`) sets `CARGO_MANIFEST_DIR` for
//! the process it starts, which names this checkout's `xtask/`; without it, cargo is asked.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;

/// The root of the workspace this xtask was started for.
pub fn root() -> Result<PathBuf> {
    root_from(std::env::var_os("CARGO_MANIFEST_DIR").as_deref())
}

/// `manifest_dir` is the xtask's own directory as cargo gave it at run time, if it did.
fn root_from(manifest_dir: Option<&OsStr>) -> Result<PathBuf> {
    if let Some(dir) = manifest_dir {
        let dir = Path::new(dir);
        return match dir.parent() {
            Some(root) if root.join("Cargo.toml").is_file() => Ok(root.to_path_buf()),
            _ => Err(format!(
                "CARGO_MANIFEST_DIR is {}, which is not the xtask directory of a workspace; \
                 run the xtask as `cargo xtask` from inside the workspace",
                dir.display()
            )
            .into()),
        };
    }
    located_by_cargo()
}

/// `cargo locate-project --workspace` from the current directory.
fn located_by_cargo() -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .map_err(|e| format!("cannot run cargo to find the workspace: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo cannot find a workspace from {}; run the xtask from inside one: {}",
            std::env::current_dir().unwrap_or_default().display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    let manifest = String::from_utf8(output.stdout)
        .map_err(|_| "cargo named a workspace whose path is not UTF-8")?;
    Path::new(manifest.trim())
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("cargo named {manifest:?} as the workspace manifest").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The directory this test binary was compiled from, which the xtask must not rely on.
    fn compiled_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    #[test]
    fn another_checkout_named_at_run_time_wins_over_the_compiled_path() {
        let other = std::env::temp_dir().join(format!("xtask-root-{}", std::process::id()));
        std::fs::create_dir_all(other.join("xtask")).unwrap();
        std::fs::write(other.join("Cargo.toml"), "[workspace]\n").unwrap();
        let found = root_from(Some(other.join("xtask").as_os_str()));
        std::fs::remove_dir_all(&other).unwrap();
        assert_eq!(found.unwrap(), other);
        assert_ne!(other, compiled_root());
    }

    #[test]
    fn a_directory_without_a_workspace_is_a_clear_error() {
        let err = root_from(Some(OsStr::new("/nonexistent/xtask"))).unwrap_err();
        assert!(
            err.to_string()
                .contains("not the xtask directory of a workspace"),
            "{err}"
        );
    }

    #[test]
    fn without_cargo_s_variable_cargo_is_asked_from_the_current_directory() {
        // Tests run in the package's directory, inside the checkout under test: not always the
        // one this binary was compiled from, when a target directory is shared.
        let checkout = std::env::current_dir()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        assert_eq!(located_by_cargo().unwrap(), checkout);
        assert_eq!(root().unwrap(), checkout);
    }
}
