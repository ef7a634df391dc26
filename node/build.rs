use substrate_build_script_utils::{generate_cargo_keys, rerun_if_git_head_changed};

fn main() {
	generate_cargo_keys();
	rerun_if_git_head_changed();
	// Without this, a checkout with no `.git` (CI's mirror of its clone) reruns the script, and so
	// rebuilds the node, whenever any file of the package changes, even between `cargo test` and
	// `cargo build` of the same sources.
	println!("cargo:rerun-if-changed=build.rs");
}
