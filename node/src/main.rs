//! `parley-node`: everything one party of a Parley network runs.

// `sc_cli::Error` is the SDK's own (large) error type, returned as the solochain template does.
#![allow(clippy::result_large_err)]

/// jemalloc, as polkadot's node uses, for every allocation of the process (SQLite's too): glibc's
/// malloc spread a busy node over a dozen arenas and kept what was freed in them, so that its
/// memory grew with the work it had done rather than with what it holds.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> sc_cli::Result<()> {
	parley_node::command::run()
}
