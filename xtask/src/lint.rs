//! `cargo xtask lint`: Spectral (`spectral:oas`) and Redocly (`recommended`) over every spec,
//! both required to report nothing at all, warnings included.
//!
//! The tools are npm packages pinned in `openapi/package.json` and its lock; `npm ci` installs
//! exactly those versions the first time (or whenever the lock changes).

use std::path::Path;
use std::process::Command;

use crate::codegen::TARGETS;
use crate::{Result, project_root};

pub fn run() -> Result<()> {
    let openapi_dir = project_root().join("openapi");
    install_tools(&openapi_dir)?;
    let mut failures = Vec::new();
    for target in TARGETS {
        let spec = project_root().join(target.spec);
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

/// `npm ci` when `node_modules` is missing or older than the lock file.
fn install_tools(openapi_dir: &Path) -> Result<()> {
    let lock = openapi_dir.join("package-lock.json");
    let marker = openapi_dir.join("node_modules/.package-lock.json");
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    if modified(&marker).is_some() && modified(&marker) >= modified(&lock) {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(openapi_dir)
        .status()
        .map_err(|e| format!("cannot run npm (is Node.js installed?): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("npm ci failed in openapi/".into())
    }
}

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
