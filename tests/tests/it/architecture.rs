//! The client's modules depend on each other in one direction: spec → generated.rs → the
//! hand-written layer, with no module importing one that imports it back. Read off the
//! sources (what `crate::…` and the crate's own name reach, root re-exports resolved to the
//! module that defines them; comments, doc links and unit tests left out), so a new import
//! that closes a loop fails here with the loop named.

use std::collections::{BTreeMap, BTreeSet};

use workspace_tests::workspace_root;

const CRATE_NAME: &str = "enkash_customer_search";

/// `module → the modules its code names`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = workspace_root().join("crates/enkash-customer-search/src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let exports = root_exports(&lib);
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let is_file = path.extension().is_some_and(|e| e == "rs");
        if module == "lib" || !(is_file || path.is_dir()) {
            continue;
        }
        // A module that is a folder is all its files together.
        let code = rust_files(&path)
            .iter()
            .map(|file| code_only(&std::fs::read_to_string(file).unwrap()))
            .collect::<Vec<_>>()
            .join("\n");
        let uses: BTreeSet<String> = referenced_names(&code)
            .into_iter()
            .filter_map(|name| {
                if graph_has_module(&src, &name) {
                    Some(name)
                } else {
                    exports.get(&name).cloned()
                }
            })
            .filter(|used| *used != module)
            .collect();
        graph.insert(module, uses);
    }
    graph
}

fn graph_has_module(src: &std::path::Path, name: &str) -> bool {
    src.join(format!("{name}.rs")).exists() || src.join(name).is_dir()
}

/// `path` if it is a file, else every `.rs` file under it.
fn rust_files(path: &std::path::Path) -> Vec<std::path::PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .unwrap()
        .flat_map(|entry| rust_files(&entry.unwrap().path()))
        .filter(|file| file.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// `name → module` for every `pub use module::{…}` in lib.rs (`types` is the generated
/// module's).
fn root_exports(lib: &str) -> BTreeMap<String, String> {
    let mut exports = BTreeMap::new();
    for statement in code_only(lib).split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        for name in names.split([',', '{', '}']).map(str::trim) {
            if !name.is_empty() {
                exports.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    exports
}

/// The source without comments and without its `#[cfg(test)] mod tests`.
fn code_only(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment after each `crate::` (or the crate's own name), `use` groups
/// included: `crate::{a, b::c}` names `a` and `b`.
fn referenced_names(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for prefix in ["crate::", &format!("{CRATE_NAME}::")] {
        for (at, _) in code.match_indices(prefix) {
            let rest = &code[at + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for item in group.split(',') {
                    let first = item.trim().split("::").next().unwrap_or("").trim();
                    if !first.is_empty() {
                        names.insert(first.to_string());
                    }
                }
            } else {
                let first: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.insert(first);
            }
        }
    }
    names
}

/// A loop in `graph`, as the modules along it, if there is one.
fn find_loop(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut cycle = path[at..].to_vec();
            cycle.push(module.to_string());
            return Some(cycle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_string());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| visit(module, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_of_the_client_imports_one_that_imports_it_back() {
    let graph = module_graph();
    // The reading works: these edges are known to exist.
    assert!(graph["generated"].contains("hooks"), "{graph:#?}");
    assert!(graph["search"].contains("call"), "{graph:#?}");
    assert!(graph["call"].contains("generated"), "{graph:#?}");
    assert!(graph["auth"].contains("call"), "{graph:#?}");
    assert!(graph["client"].contains("auth"), "{graph:#?}");
    if let Some(cycle) = find_loop(&graph) {
        panic!(
            "the client's modules import each other in a loop: {}\n{graph:#?}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_hook_context_and_the_value_types_import_nothing_of_the_crate() {
    let graph = module_graph();
    for leaf in [
        "hooks",
        "redact",
        "retry",
        "secret",
        "open_enum",
        "lenient_date_time",
        "lenient_integer",
    ] {
        assert_eq!(graph[leaf], BTreeSet::new(), "{leaf} imports");
    }
}

#[test]
fn the_pager_knows_only_the_paging_errors() {
    let graph = module_graph();
    assert_eq!(graph["paginate"], BTreeSet::from(["error".to_string()]));
}

#[test]
fn a_loop_is_found_and_named() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(m, uses)| (m.into(), uses.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(
        find_loop(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let mut acyclic = graph;
    acyclic.get_mut("c").unwrap().clear();
    assert_eq!(find_loop(&acyclic), None);
}
