//! The `enkash` binary end to end, one test binary: against a sandbox started by each test
//! (`cli`), and against Stoplight Prism (`prism`, ignored by `cargo test`: it needs Node.js;
//! `.ci/run` runs it with `--ignored`), and in a pseudo-terminal (`terminal`).

mod cli;
mod common;
mod prism;
mod profiles;
#[cfg(unix)]
mod terminal;
