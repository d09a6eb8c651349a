//! The spec curator's loop on the sandbox: runs recorded with its drift faults on (fields the
//! spec lacks, enum values it does not list, date-times without an offset, `null` where the
//! spec says never), then `spec-suggest` on their cassettes. The diff is exactly the one
//! snapshotted, adds and never removes, applies to the committed spec with `git apply`, and
//! the spec it makes reads every recorded body with nothing left over. (`.ci/curator-loop`
//! goes on from there on a throwaway clone: codegen, its change report, the tests.)

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use enkash_customer_search::{CallOptions, Cassette, SearchQuery};
use enkash_customer_search_mock::{Faults, Sandbox};
use workspace_tests::{fast_retries, workspace_root};
use xtask::spec_suggest::{MARK, SPEC, Suggestions, suggest};

/// Records a walk of `pages` pages of 10 against a sandbox of 25 customers (always the same
/// ones) with `faults` on and its first search answered 503 (and retried), into `path`.
async fn record(path: &Path, faults: impl FnOnce(&Faults), pages: usize) {
    let sandbox = Sandbox::builder()
        .customers(25)
        .seed(20241010)
        .start()
        .await
        .unwrap();
    faults(sandbox.faults());
    sandbox.faults().fail_next(1, 503);
    let cassette = Cassette::create(path).unwrap();
    let client = sandbox.client().with_options(
        CallOptions::new()
            .retry_policy(fast_retries())
            .record(&cassette),
    );
    let mut customers = client.search_all(SearchQuery::new().limit(10));
    for _ in 0..pages * 10 {
        match customers.next().await {
            Some(customer) => drop(customer.unwrap()),
            None => break,
        }
    }
    cassette.finish().unwrap();
}

/// A file of its own for each call (the tests run at once in one process).
fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "spec-suggest-{name}-{}-{n}.jsonl",
        std::process::id()
    ))
}

/// The cassettes of the two runs (the spec's strays; nulls), as `(name, text)`.
async fn recorded() -> Vec<(String, String)> {
    let strays = scratch("strays");
    let nulls = scratch("nulls");
    record(
        &strays,
        |faults| {
            faults.unknown_enum_values(true);
            faults.offset_less_timestamps(true);
        },
        3,
    )
    .await;
    record(&nulls, |faults| faults.null_fields(true), 1).await;
    let files = [("strays", &strays), ("nulls", &nulls)]
        .into_iter()
        .map(|(name, path)| (name.to_string(), std::fs::read_to_string(path).unwrap()))
        .collect();
    let _ = (std::fs::remove_file(strays), std::fs::remove_file(nulls));
    files
}

fn committed_spec() -> String {
    std::fs::read_to_string(workspace_root().join(SPEC)).unwrap()
}

async fn suggestions() -> Suggestions {
    suggest(SPEC, &committed_spec(), &recorded().await).unwrap()
}

#[tokio::test]
async fn the_drift_faults_recorded_become_exactly_the_expected_spec_edit() {
    let suggestions = suggestions().await;
    // Three pages and a 503, one page and a 503.
    assert_eq!(suggestions.exchanges, 6);
    assert!(suggestions.notes.is_empty(), "{:#?}", suggestions.notes);
    insta::assert_snapshot!(suggestions.diff);

    let added: Vec<&str> = suggestions
        .diff
        .lines()
        .filter(|line| line.starts_with('+') && !line.starts_with("+++"))
        .collect();
    assert!(
        added.iter().all(|line| line.contains(MARK)),
        "every added line says it is suggested and how often it was seen:\n{added:#?}"
    );
    assert!(
        !suggestions
            .diff
            .lines()
            .any(|line| line.starts_with('-') && !line.starts_with("---")),
        "nothing is removed"
    );
}

#[tokio::test]
async fn the_edited_spec_reads_every_recorded_body_without_drift() {
    let first = suggestions().await;
    assert!(!first.diff.is_empty());
    // The same faults recorded afresh (other stand-ins) call for the same edit, and the edited
    // spec has nothing left to suggest for them.
    let again = recorded().await;
    let second = suggest(SPEC, &committed_spec(), &again).unwrap();
    assert_eq!(
        second.diff, first.diff,
        "the diff depends on shapes, not values"
    );
    let after = suggest(SPEC, &first.edited, &again).unwrap();
    assert_eq!(after.diff, "", "nothing left to suggest");
    assert!(after.notes.is_empty(), "{:#?}", after.notes);
}

#[tokio::test]
async fn the_diff_applies_to_the_committed_spec_with_git_apply() {
    let diff = suggestions().await.diff;
    let patch = scratch("patch");
    std::fs::write(&patch, &diff).unwrap();
    let output = std::process::Command::new("git")
        .args(["apply", "--check", "-v"])
        .arg(&patch)
        .current_dir(workspace_root())
        .output();
    let _ = std::fs::remove_file(&patch);
    let Ok(output) = output else {
        eprintln!("git is not installed; the apply is left to .ci/curator-loop");
        return;
    };
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
