//! `parley-node`: everything one party of a Parley network runs.

#![warn(missing_docs)]
// `sc_cli::Error` and `sc_service::Error` are the SDK's own (large) error types; every command
// and service function returns them as the solochain template does.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod channel_tools;
mod cli;
mod command;
mod private_data;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
