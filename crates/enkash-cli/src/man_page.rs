//! `enkash.1`, the man page, written by clap_mangen from the same definition as `--help` and
//! committed beside the crate's manifest, for packagers. A test fails while the committed page
//! is stale and rewrites it when `ENKASH_UPDATE_MAN_PAGE=1` asks, as the generated client is
//! kept fresh by `cargo xtask codegen --check`.
//!
//! One page holds every command: `enkash`'s own sections, then each subcommand's synopsis,
//! description and options as subsections of a section named after it.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_mangen::Man;

use crate::cli::Cli;

/// The environment variable that has the test rewrite the page.
const UPDATE: &str = "ENKASH_UPDATE_MAN_PAGE";

/// The whole page, in roff.
pub fn render() -> io::Result<Vec<u8>> {
    let command = Cli::command();
    let mut page = Vec::new();
    Man::new(command.clone()).render(&mut page)?;
    for (path, subcommand) in leaves(&command, "enkash") {
        writeln!(page, ".SH \"{}\"", path.to_uppercase())?;
        let man = Man::new(subcommand.clone().bin_name(path.clone()));
        let mut sections = Vec::new();
        man.render_synopsis_section(&mut sections)?;
        man.render_description_section(&mut sections)?;
        man.render_options_section(&mut sections)?;
        // Sections of the subcommand's own page become subsections of this one.
        let sections = String::from_utf8_lossy(&sections).replace(".SH ", ".SS ");
        page.write_all(sections.as_bytes())?;
    }
    Ok(page)
}

/// Every subcommand without subcommands of its own, with its whole name (`enkash customers
/// search`).
fn leaves(command: &clap::Command, path: &str) -> Vec<(String, clap::Command)> {
    command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .flat_map(|sub| {
            let path = format!("{path} {}", sub.get_name());
            match sub.has_subcommands() {
                true => leaves(sub, &path),
                false => vec![(path, sub.clone())],
            }
        })
        .collect()
}

#[test]
fn the_committed_man_page_is_fresh() {
    let path = workspace_tests::workspace_root().join("crates/enkash-cli/enkash.1");
    let page = render().unwrap();
    if std::env::var_os(UPDATE).is_some() {
        std::fs::write(&path, &page).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == page,
        "{} is stale: run `{UPDATE}=1 cargo test -p enkash-cli man_page` and commit it",
        path.display()
    );
    let text = String::from_utf8(page).unwrap();
    for expected in [
        ".TH enkash 1",
        ".SH \"ENKASH CUSTOMERS SEARCH\"",
        "\\-\\-pages\\-in\\-flight",
        ".SH \"ENKASH SANDBOX\"",
        ".SH \"ENKASH COMPLETIONS\"",
        "Exit codes:",
    ] {
        assert!(text.contains(expected), "{expected} in the page");
    }
}
