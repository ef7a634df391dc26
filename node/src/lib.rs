//! `parley-node`: everything one party of a Parley network runs, as a library that the binary
//! (`src/main.rs`) starts, so that tests link the same code the binary runs.

#![warn(missing_docs)]
// `sc_cli::Error` and `sc_service::Error` are the SDK's own (large) error types; every command
// and service function returns them as the solochain template does.
#![allow(clippy::result_large_err)]

mod api_keys;
pub mod chain_spec;
mod channel_tools;
mod cli;
pub mod command;
#[cfg(target_os = "linux")]
mod memory;
mod private_data;
mod rpc;
mod service;
