//! The command line: the standard Substrate node flags and subcommands.

use sc_cli::RunCmd;

/// `parley-node [SUBCOMMAND] [FLAGS]`: with no subcommand, runs the node.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// What to do instead of running the node.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// How to run the node.
	#[clap(flatten)]
	pub run: RunCmd,

	/// How to run the private data service.
	#[clap(flatten)]
	pub private_data: crate::private_data::PrivateDataParams,
}

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Print a chain spec (`--chain dev|local3|<file>`), optionally `--raw`.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a block as a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Delete the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Measure the runtime's pallets and write `weights.rs` files (built only with the
	/// `runtime-benchmarks` feature).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// API keys for apps: create, list, revoke.
	#[command(subcommand)]
	ApiKey(crate::api_keys::ApiKeyCmd),

	/// Print the data-channel PeerId and X25519 key to register on this node's identity.
	ChannelKeys(crate::channel_tools::ChannelKeysCmd),

	/// Dial a node's data channel with a fresh, unregistered key; it must be refused.
	ChannelProbe(crate::channel_tools::ChannelProbeCmd),
}
