//! `parley-node`: everything one party of a Parley network runs.

// `sc_cli::Error` is the SDK's own (large) error type, returned as the solochain template does.
#![allow(clippy::result_large_err)]

/// jemalloc, as polkadot's node uses, for every allocation of the process (SQLite's too): glibc's
/// malloc spread a busy node over a dozen arenas and kept what was freed in them, so that its
/// memory grew with the work it had done rather than with what it holds.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read once before the first allocation: one arena per CPU, where
/// jemalloc's default is four per CPU. Over a 30-minute soak jemalloc's overhead around what a
/// node holds (its metadata, and pages half used) grew by 7-9 MiB with eight arenas on two
/// cores and by 2.6 MiB with two, for the same CPU time (README.md, "Memory over a soak").
/// `MALLOC_CONF` in a node's environment still overrides it.
#[cfg(target_os = "linux")]
#[export_name = "malloc_conf"]
pub static MALLOC_CONF: &[u8; 20] = b"percpu_arena:percpu\0";

fn main() -> sc_cli::Result<()> {
	parley_node::command::run()
}
