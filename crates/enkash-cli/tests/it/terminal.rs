//! `enkash` in a pseudo-terminal (portable-pty), as a person runs it: the progress bar is drawn
//! on a terminal's stderr and nowhere else, leaves stdout byte for byte as it is without it,
//! respects `--quiet`, `NO_COLOR` and a dumb terminal; Ctrl-C ends a walk on a whole customer
//! with exit 130; the table fits a narrow terminal.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use serde_json::Value;

use crate::common::{TestSandbox, enkash};

/// One run of `enkash` on a pseudo-terminal: what the terminal showed, and how it ended.
struct Run {
    shown: Arc<Mutex<Vec<u8>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    // Kept open until the run ends: the child's terminal.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Run {
    /// `enkash ARGS` with stderr (and stdout, unless `stdout_to` names a file) on a terminal
    /// `columns` wide, with the environment `env` over a clean one.
    fn start(args: &[&str], env: &[(&str, &str)], columns: u16, stdout_to: Option<&Path>) -> Run {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: columns,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let binary = env!("CARGO_BIN_EXE_enkash");
        let mut command = match stdout_to {
            // The shell only moves stdout to the file, then becomes enkash.
            Some(file) => {
                let mut command = CommandBuilder::new("/bin/sh");
                command.env_clear();
                command.args(["-c", "exec \"$0\" \"$@\" > \"$ENKASH_TEST_STDOUT\"", binary]);
                command.env("ENKASH_TEST_STDOUT", file);
                command
            }
            None => {
                let mut command = CommandBuilder::new(binary);
                command.env_clear();
                command
            }
        };
        command.args(args);
        command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        command.env("TERM", "xterm-256color");
        for (name, value) in env {
            command.env(name, value);
        }
        let child = pair.slave.spawn_command(command).unwrap();
        drop(pair.slave);
        let shown = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().unwrap();
        std::thread::spawn({
            let shown = Arc::clone(&shown);
            move || {
                let mut buffer = [0; 4096];
                while let Ok(n @ 1..) = reader.read(&mut buffer) {
                    shown.lock().unwrap().extend_from_slice(&buffer[..n]);
                }
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Run {
            shown,
            child,
            writer,
            _master: pair.master,
        }
    }

    fn shown(&self) -> String {
        String::from_utf8_lossy(&self.shown.lock().unwrap()).into_owned()
    }

    /// Waits (up to 60 s) until the terminal shows `text`.
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.shown().contains(text) {
            assert!(
                Instant::now() < deadline,
                "never shown: {text:?} in {:?}",
                self.shown()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its exit code (up to 60 s), and everything the terminal showed.
    fn finish(mut self) -> (u32, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                self.child.kill().unwrap();
                panic!("enkash did not end: {:?}", self.shown());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // What was written just before the end.
        std::thread::sleep(Duration::from_millis(100));
        (status.exit_code(), self.shown())
    }
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("enkash-pty-{}-{name}", std::process::id()))
}

/// The search flags of a walk through `sandbox`.
fn walk<'a>(sandbox: &'a TestSandbox, token: &'a str, format: &'a str) -> Vec<&'a str> {
    vec![
        "--base-url",
        sandbox.base_url(),
        "--token",
        token,
        "customers",
        "search",
        "--all",
        "--page-size",
        "10",
        "--format",
        format,
    ]
}

/// Whether the terminal showed a bar of customers fetched.
fn has_bar(shown: &str) -> bool {
    shown.contains(" customers, page ")
}

#[test]
fn the_bar_is_drawn_on_a_terminal_only_and_stdout_stays_the_same() {
    let sandbox = TestSandbox::start(60);
    sandbox.faults().set_latency(Duration::from_millis(80));
    let token = sandbox.token();
    let file = scratch("bar.ndjson");
    let run = Run::start(&walk(&sandbox, &token, "ndjson"), &[], 120, Some(&file));
    let (code, shown) = run.finish();
    assert_eq!(code, 0, "{shown}");
    assert!(has_bar(&shown), "no bar on the terminal: {shown:?}");
    assert!(shown.contains("/60 customers, page "), "{shown:?}");
    assert!(shown.contains("\u{1b}[36m"), "in colour: {shown:?}");
    // Nothing of the bar is in stdout, and nothing of it is left on the terminal: its last
    // drawing is erased.
    let with_bar = std::fs::read(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let tail = &shown[shown.rfind(" customers, page ").unwrap()..];
    assert!(
        tail.contains("\u{1b}[2K") || tail.contains("\u{1b}[K"),
        "{tail:?}"
    );

    // On a pipe: the same bytes on stdout, and no bar on stderr.
    let output = enkash()
        .args(walk(&sandbox, &token, "ndjson"))
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        output.stdout, with_bar,
        "stdout is the same with and without the bar"
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn quiet_no_color_and_a_dumb_terminal_are_respected() {
    let sandbox = TestSandbox::start(30);
    sandbox.faults().set_latency(Duration::from_millis(60));
    let token = sandbox.token();
    let file = scratch("quiet.ndjson");
    let mut quiet = walk(&sandbox, &token, "ndjson");
    quiet.push("--quiet");
    for (args, env, bar, colour) in [
        (quiet, vec![], false, false),
        (
            walk(&sandbox, &token, "ndjson"),
            vec![("TERM", "dumb")],
            false,
            false,
        ),
        (
            walk(&sandbox, &token, "ndjson"),
            vec![("NO_COLOR", "1")],
            true,
            false,
        ),
    ] {
        let (code, shown) = Run::start(&args, &env, 120, Some(&file)).finish();
        assert_eq!(code, 0, "{shown}");
        assert_eq!(has_bar(&shown), bar, "{env:?} {args:?}: {shown:?}");
        assert_eq!(shown.contains("\u{1b}[36m"), colour, "{env:?}: {shown:?}");
    }
    let _ = std::fs::remove_file(&file);
}

#[test]
fn ctrl_c_ends_the_walk_on_a_whole_customer_with_valid_json_and_exit_130() {
    let sandbox = TestSandbox::start(400);
    sandbox.faults().set_latency(Duration::from_millis(150));
    let token = sandbox.token();
    let file = scratch("interrupted.json");
    let mut run = Run::start(&walk(&sandbox, &token, "json"), &[], 120, Some(&file));
    run.wait_for("/400 customers, page ");
    run.writer.write_all(b"\x03").unwrap();
    run.writer.flush().unwrap();
    let (code, shown) = run.finish();
    assert_eq!(code, 130, "{shown:?}");
    assert!(shown.contains("enkash: interrupted"), "{shown:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let customers: Value = serde_json::from_str(&text).expect("the JSON is whole");
    let count = customers.as_array().unwrap().len();
    assert!((10..400).contains(&count), "{count} customers");
    assert!(
        customers
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["customerId"].is_string())
    );
}

#[test]
fn a_narrow_terminal_gets_a_table_that_fits_it() {
    let sandbox = TestSandbox::start(12);
    let token = sandbox.token();
    let args = [
        "--base-url",
        sandbox.base_url(),
        "--token",
        &token,
        "customers",
        "search",
        "--limit",
        "12",
        "--format",
        "table",
    ];
    for columns in [50_u16, 100] {
        let (code, shown) = Run::start(&args, &[], columns, None).finish();
        assert_eq!(code, 0, "{shown}");
        let lines: Vec<&str> = shown.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 14, "a header, 12 rows and the count: {shown}");
        for line in lines {
            let width = unicode_width::UnicodeWidthStr::width(line.trim_end_matches('\r'));
            assert!(
                width <= usize::from(columns),
                "{width} > {columns}: {line:?}"
            );
        }
    }
}
