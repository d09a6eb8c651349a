//! The `enkash` binary end to end, one test binary: against a sandbox started by each test
//! (`cli`), and against Stoplight Prism (`prism`, ignored by `cargo test`: it needs Node.js;
//! `.ci/run` runs it with `--ignored`).

mod cli;
mod common;
mod prism;
