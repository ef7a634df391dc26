//! `parley-node`: everything one party of a Parley network runs.

// `sc_cli::Error` is the SDK's own (large) error type, returned as the solochain template does.
#![allow(clippy::result_large_err)]

fn main() -> sc_cli::Result<()> {
	parley_node::command::run()
}
