//! The crate's layout keeps to its rules: its top-level modules import one another without a
//! circle (so each step of a message's life depends only on the leaves and earlier steps), and
//! no source file grows past about 500 lines.

use std::{
	collections::{BTreeMap, BTreeSet},
	fs,
	path::{Path, PathBuf},
};

/// The most lines a file under `src/` may have.
const MAX_LINES: usize = 520;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
	for entry in fs::read_dir(dir).expect("readable src dir") {
		let path = entry.expect("a dir entry").path();
		if path.is_dir() {
			rust_files(&path, out);
		} else if path.extension().is_some_and(|e| e == "rs") {
			out.push(path);
		}
	}
}

/// The top-level modules each top-level module names with `crate::…` in code (comments are
/// left out), including the first segments of `use crate::{a::…, b, …}` groups.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
	let mut files = Vec::new();
	rust_files(src, &mut files);
	let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
	for file in files {
		let rel = file.strip_prefix(src).expect("under src");
		let first = rel.components().next().expect("a component").as_os_str().to_string_lossy();
		let module = first.trim_end_matches(".rs").to_string();
		if module == "lib" {
			continue;
		}
		let text = fs::read_to_string(&file).expect("readable source");
		let code: String = text
			.lines()
			.filter(|l| !l.trim_start().starts_with("//"))
			.collect::<Vec<_>>()
			.join("\n");
		let deps = graph.entry(module.clone()).or_default();
		let mut rest = code.as_str();
		while let Some(at) = rest.find("crate::") {
			rest = &rest[at + "crate::".len()..];
			if let Some(group) = rest.strip_prefix('{') {
				// A `use crate::{…}` group: the first segment of each item at depth one.
				let mut depth = 0usize;
				let mut item = String::new();
				let mut at_start = true;
				for c in group.chars() {
					match c {
						'{' => depth += 1,
						'}' if depth == 0 => break,
						'}' => depth -= 1,
						',' if depth == 0 => at_start = true,
						c if depth == 0 && at_start && (c.is_alphanumeric() || c == '_') => {
							item.push(c)
						}
						_ if depth == 0 && !item.is_empty() => {
							deps.insert(std::mem::take(&mut item));
							at_start = false;
						}
						_ => {}
					}
				}
				if !item.is_empty() {
					deps.insert(item);
				}
			} else {
				let name: String =
					rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
				deps.insert(name);
			}
		}
		deps.remove(&module);
	}
	let modules: BTreeSet<String> = graph.keys().cloned().collect();
	for deps in graph.values_mut() {
		deps.retain(|d| modules.contains(d));
	}
	graph
}

/// A circle in `graph`, if there is one, as the modules along it.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
	fn visit(
		node: &str,
		graph: &BTreeMap<String, BTreeSet<String>>,
		path: &mut Vec<String>,
		done: &mut BTreeSet<String>,
	) -> Option<Vec<String>> {
		if let Some(at) = path.iter().position(|p| p == node) {
			let mut circle = path[at..].to_vec();
			circle.push(node.to_string());
			return Some(circle);
		}
		if done.contains(node) {
			return None;
		}
		path.push(node.to_string());
		for next in graph.get(node).into_iter().flatten() {
			if let Some(circle) = visit(next, graph, path, done) {
				return Some(circle);
			}
		}
		path.pop();
		done.insert(node.to_string());
		None
	}
	let mut done = BTreeSet::new();
	graph.keys().find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

fn src() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn top_level_modules_import_without_a_circle() {
	let graph = module_graph(&src());
	// The graph is read for real: the steps depend on the leaves.
	assert!(graph["exchange"].contains("store"), "{graph:?}");
	assert!(graph["api"].contains("exchange"), "{graph:?}");
	assert!(graph["send"].contains("pin"), "{graph:?}");
	assert!(graph["start"].contains("confirm"), "{graph:?}");
	// The handle and its shared leaves know no room: a room is reached only through the loop
	// `start.rs` spawned for it.
	for room in ["send", "pin", "receive", "confirm", "start"] {
		assert!(!graph["exchange"].contains(room), "exchange names {room}: {graph:?}");
	}
	assert!(graph["store"].contains("chain"), "{graph:?}");
	if let Some(circle) = find_circle(&graph) {
		panic!("modules import in a circle: {}", circle.join(" -> "));
	}
}

#[test]
fn the_circle_finder_finds_a_circle() {
	let graph: BTreeMap<String, BTreeSet<String>> =
		[("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"])]
			.into_iter()
			.map(|(m, d)| (m.to_string(), d.into_iter().map(String::from).collect()))
			.collect();
	let circle = find_circle(&graph).expect("a circle");
	assert_eq!(circle.first(), circle.last());
	assert_eq!(circle.len(), 4, "{circle:?}");
	let mut open = graph.clone();
	open.get_mut("c").unwrap().clear();
	assert_eq!(find_circle(&open), None);
}

#[test]
fn no_source_file_is_over_about_500_lines() {
	let mut files = Vec::new();
	rust_files(&src(), &mut files);
	let long: Vec<String> = files
		.iter()
		.filter_map(|f| {
			let lines = fs::read_to_string(f).expect("readable").lines().count();
			(lines > MAX_LINES).then(|| format!("{} ({lines} lines)", f.display()))
		})
		.collect();
	assert!(files.len() > 30, "found only {} files", files.len());
	assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}
