//! `cargo xtask lint`: Spectral (`spectral:oas`) and Redocly (`recommended`) over every spec,
//! both required to report nothing at all, warnings included.
//!
//! The tools are npm packages pinned in `openapi/package.json` and its lock; `npm ci` installs
//! exactly those versions the first time (or whenever the lock changes).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::codegen::TARGETS;
use crate::{Result, project_root};

pub fn run() -> Result<()> {
    let root = project_root()?;
    let openapi_dir = root.join("openapi");
    install_tools(&openapi_dir)?;
    let mut failures = Vec::new();
    for target in TARGETS {
        let spec = root.join(target.spec);
        let spec = spec.to_str().ok_or("spec path is not UTF-8")?;
        let spectral = [
            "spectral",
            "lint",
            "--ruleset",
            ".spectral.yaml",
            "--fail-severity",
            "hint",
            spec,
        ];
        let redocly = [
            "redocly",
            "lint",
            "--config",
            "redocly.yaml",
            "--lint-config",
            "error",
            "--max-problems",
            "1000",
            spec,
        ];
        for tool in [&spectral[..], &redocly[..]] {
            if !run_tool(&openapi_dir, tool)? {
                failures.push(format!("{} found problems in {}", tool[0], target.spec));
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n").into())
    }
}

/// `npm ci` unless `node_modules` was installed from this very lock file. Compared by content,
/// not by time: in a fresh clone every file is new, and CI links in a `node_modules` kept
/// outside the clone.
fn install_tools(openapi_dir: &Path) -> Result<()> {
    let lock = fs::read(openapi_dir.join("package-lock.json"))
        .map_err(|e| format!("cannot read openapi/package-lock.json: {e}"))?;
    let stamp = openapi_dir.join(INSTALLED_FROM);
    if fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(openapi_dir)
        .status()
        .map_err(|e| format!("cannot run npm (is Node.js installed?): {e}"))?;
    if !status.success() {
        return Err("npm ci failed in openapi/".into());
    }
    fs::write(&stamp, &lock).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(())
}

/// The lock file `node_modules` was last installed from, copied there after `npm ci` (here and
/// by `.ci/cache`).
const INSTALLED_FROM: &str = "node_modules/.installed-from.package-lock.json";

/// Runs `args[0]` from `node_modules/.bin` with the rest as its arguments; true if it passed.
fn run_tool(dir: &Path, args: &[&str]) -> Result<bool> {
    let bin = dir.join("node_modules/.bin").join(args[0]);
    let status = Command::new(&bin)
        .args(&args[1..])
        // Redocly would otherwise check for updates and send usage data; the network is closed.
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_NOTIFICATIONS", "true")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    Ok(status.success())
}
