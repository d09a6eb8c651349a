//! The progress of `--all` on stderr: customers fetched of `recordsCount`, pages, rate and time
//! left, through `indicatif`. Drawn only where someone watches it: stderr a terminal that is
//! not dumb, not `--quiet`, and not the terminal the customers themselves stream to; in colour
//! unless `NO_COLOR` says otherwise. Cleared when the walk ends, however it ends.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What decides whether the bar is drawn, read from the process once.
#[derive(Clone, Copy, Debug)]
pub struct Watchers {
    /// stderr is a terminal, and not a dumb one.
    pub stderr_terminal: bool,
    /// stdout is the same kind of terminal (customers stream to it).
    pub stdout_terminal: bool,
    /// `NO_COLOR` is set to something.
    pub no_color: bool,
}

impl Watchers {
    /// The process's own terminals and environment.
    pub fn of_this_process() -> Watchers {
        let dumb = std::env::var("TERM").is_ok_and(|term| term == "dumb");
        Watchers {
            stderr_terminal: std::io::stderr().is_terminal() && !dumb,
            stdout_terminal: std::io::stdout().is_terminal(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        }
    }
}

/// The bar of one walk, or nothing when nobody watches.
pub struct Progress {
    bar: Option<ProgressBar>,
    page_size: u64,
    skipped: i64,
}

impl Progress {
    /// The bar for a walk of pages of `page_size` starting `skipped` customers in, if it is to
    /// be drawn: `streams_to_stdout` when customers print to stdout as they come.
    pub fn new(
        watchers: Watchers,
        quiet: bool,
        streams_to_stdout: bool,
        page_size: u64,
        skipped: i64,
    ) -> Progress {
        let drawn =
            watchers.stderr_terminal && !quiet && !(streams_to_stdout && watchers.stdout_terminal);
        let bar = drawn.then(|| {
            if watchers.no_color {
                console::set_colors_enabled_stderr(false);
            }
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(spinner_style());
            bar.set_message("waiting for the first page");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            page_size: page_size.max(1),
            skipped,
        }
    }

    /// Whether the bar is drawn.
    #[cfg(test)]
    fn is_drawn(&self) -> bool {
        self.bar.is_some()
    }

    /// One more customer fetched; `records_count` once the first page has said it.
    pub fn one_more(&mut self, records_count: Option<i64>) {
        let Some(bar) = &self.bar else {
            return;
        };
        if bar.length().is_none()
            && let Some(total) = records_count
        {
            let total = u64::try_from(total.saturating_sub(self.skipped).max(0)).unwrap_or(0);
            bar.set_length(total);
            bar.set_style(bar_style());
        }
        bar.inc(1);
        let fetched = bar.position();
        // The page changes with its first customer only.
        if (fetched - 1) % self.page_size != 0 {
            return;
        }
        let pages = fetched.div_ceil(self.page_size);
        match bar.length() {
            Some(total) => bar.set_message(format!(
                "page {pages} of {}",
                total.div_ceil(self.page_size).max(pages)
            )),
            None => bar.set_message(format!("page {pages}")),
        }
    }

    /// Takes the bar off the terminal.
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner:.cyan} {pos} customers, {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{bar:30.cyan/blue} {human_pos}/{human_len} customers, {msg}, {per_sec}, {eta} left",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("█▉▊▋▌▍▎▏ ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watchers(stderr_terminal: bool, stdout_terminal: bool) -> Watchers {
        Watchers {
            stderr_terminal,
            stdout_terminal,
            no_color: false,
        }
    }

    #[test]
    fn drawn_only_where_someone_watches_it() {
        let drawn = |w: Watchers, quiet: bool, streams: bool| {
            let mut progress = Progress::new(w, quiet, streams, 10, 0);
            let drawn = progress.is_drawn();
            progress.clear();
            drawn
        };
        assert!(
            drawn(watchers(true, false), false, true),
            "customers to a pipe"
        );
        assert!(
            drawn(watchers(true, true), false, false),
            "a table, printed at the end"
        );
        assert!(
            !drawn(watchers(true, true), false, true),
            "customers to the same terminal"
        );
        assert!(!drawn(watchers(true, false), true, true), "--quiet");
        assert!(
            !drawn(watchers(false, false), false, true),
            "stderr not a terminal"
        );
    }

    #[test]
    fn pages_and_totals_follow_the_customers() {
        let mut progress = Progress {
            bar: Some(ProgressBar::hidden()),
            page_size: 10,
            skipped: 5,
        };
        for _ in 0..11 {
            progress.one_more(Some(45));
        }
        let bar = progress.bar.as_ref().unwrap();
        assert_eq!(bar.length(), Some(40), "recordsCount less the offset");
        assert_eq!(bar.position(), 11);
        assert_eq!(bar.message(), "page 2 of 4");
    }
}
