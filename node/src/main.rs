//! `parley-node`: everything one party of a Parley network runs.

#![warn(missing_docs)]

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
