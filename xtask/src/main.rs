//! Project automation, run as `cargo xtask <command>` (the alias is in `.cargo/config.toml`).
//!
//! The xtask is the only way generated code is produced, so that the path from the spec to the
//! client is one command anyone can rerun: `openapi/*.yaml` → [`codegen`] → `generated.rs`.
//! Arguments are parsed by hand to keep the dependency list short: every crate here is compiled
//! before the first codegen can run.

mod additive_types;
mod bench;
mod change_report;
mod codegen;
mod filter_setters;
mod lint;
mod response_decoding;
mod spec_checks;
mod spec_constants;
mod type_substitutions;
mod unknown_fields;
mod wire_shapes;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

/// Errors carry a message for a person; the xtask prints it and exits non-zero.
type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen          regenerate the client crates from the specs in openapi/, and print what
                   the spec's change since the last commit means for downstream crates
                   (a patch, minor or major release; breaking or not, for Rust and the wire)
  codegen --since REV
                   the same, the change report against the spec at the git revision REV
  codegen --check  write nothing; fail with a diff if any generated file is stale
  lint             lint the specs with Spectral and Redocly (installs them with npm ci)
  bench            run the benchmarks, time the codegen loop and a cold build of the client,
                   and write the results and the budgets they meet into BENCHMARKS.md
  bench --quick    the same with shorter measurements (one cold build each)
  spec-suggest FILE...
                   the edits of openapi/customer-search.yaml that cassettes
                   (`enkash customers search --record`) and drift reports call for, as a
                   unified diff to review and `git apply`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(codegen::Mode::Write, None),
        ["codegen", "--since", since] => codegen::run(codegen::Mode::Write, Some(since)),
        ["codegen", "--check"] => codegen::run(codegen::Mode::Check, None),
        ["lint"] => lint::run(),
        ["bench"] => bench::run(false),
        ["bench", "--quick"] => bench::run(true),
        ["spec-suggest", files @ ..] if !files.is_empty() => {
            project_root().and_then(|root| Ok(xtask::spec_suggest::run(&root, files)?))
        }
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown arguments {args:?}\n\n{USAGE}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, found at run time (see [`workspace`]).
fn project_root() -> Result<PathBuf> {
    workspace::root()
}
