//! Dispatch of the command line to the node service and the subcommands.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use parley_runtime::opaque::Block;
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Parley Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/parley-network/parley/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"local3" => Box::new(chain_spec::local3_chain_spec()?),
			"" => {
				return Err("no chain given: use --dev, --chain local<N> (N parties, e.g. \
				            local3) or --chain <spec.json>"
					.into())
			}
			local if local.strip_prefix("local").is_some_and(|n| n.parse::<usize>().is_ok()) => {
				let n = local["local".len()..].parse().expect("checked just above");
				Box::new(chain_spec::local_chain_spec(n)?)
			}
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			}
		})
	}
}

/// The trie cache a Parley node keeps unless `--trie-cache-size` says otherwise: 8 MiB.
///
/// Substrate's default (1 GiB) is sized for Polkadot's state. A Parley chain's state is small
/// (pins are forgotten after `RetainFor` blocks), but every block writes new trie nodes and the
/// cache keeps each until it is full, so a node's own memory rises for as long as the cache is
/// filling (measured with jemalloc's heap profile). With 1 GiB it grew by several MiB a minute;
/// with 64 MiB the cache took 20 minutes of the soak to fill; with 16 MiB it was full by minute
/// 6-16 and then held 7.8-12.0 MB of trie nodes. With 8 MiB a node's own memory in the soak was
/// 11-13 MiB lower, for the same throughput at the soak's rate and at the mix's peak (README.md,
/// "Memory over a soak").
const TRIE_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// How long the transaction pool refuses a transaction it has seen leave it, unless
/// `--tx-ban-seconds` says otherwise: 2 minutes.
///
/// Substrate's default (30 minutes) guards a public network against a peer that gossips the
/// same invalid or already-included transaction again and again. Here the pool's ban list, one
/// copy per view of the pool (one view per recent block), grew for the whole 30 minutes of the
/// soak (1.0 to 4.3 MB per node in heap profiles) and held 0.5-1.0 MB with 2 minutes. Nothing
/// Parley sends needs the longer ban: the node's submitter signs every submission afresh with
/// the account's next nonce, so it never sends a banned hash again, and a stale transaction
/// that anyone sends after its ban ends is refused for its nonce (`Stale`), not included twice.
const TX_BAN_SECONDS: u64 = 120;

/// Whether `flag` is among the arguments (as `flag VALUE` or `flag=VALUE`).
fn flag_given(args: &[String], flag: &str) -> bool {
	args.iter().any(|a| a == flag || a.strip_prefix(flag).is_some_and(|rest| rest.starts_with('=')))
}

/// Applies Parley's own defaults where the operator gave no value: the trie cache and the
/// transaction pool's ban. `args` is the command line the `cli` was parsed from.
fn apply_parley_defaults(cli: &mut Cli, args: &[String]) {
	if !flag_given(args, "--trie-cache-size") {
		cli.run.import_params.trie_cache_size = TRIE_CACHE_BYTES;
	}
	if cli.run.pool_config.tx_ban_seconds.is_none() {
		cli.run.pool_config.tx_ban_seconds = Some(TX_BAN_SECONDS);
	}
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();
	apply_parley_defaults(&mut cli, &std::env::args().collect::<Vec<_>>());

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		}
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		}
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		}
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		}
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		}
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		}
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		}
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			use frame_benchmarking_cli::BenchmarkCmd;
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				BenchmarkCmd::Pallet(cmd) => cmd
					.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ()>(Some(
						config.chain_spec,
					)),
				_ => Err("only `benchmark pallet` is wired into parley-node".into()),
			})
		}
		Some(Subcommand::ApiKey(cmd)) => cmd.run(),
		Some(Subcommand::ChannelKeys(cmd)) => cmd.run(),
		Some(Subcommand::ChannelProbe(cmd)) => cmd.run(),
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		}
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let private_data = cli.private_data.clone();
			let cors_given = cli.run.rpc_params.rpc_cors.is_some();
			runner.run_node_until_exit(|mut config| async move {
				// Substrate trusts every web origin on a `--dev` node unless told otherwise; a
				// Parley node serves private data there, so it keeps the list it uses on any other
				// chain (local pages and polkadot.js.org) until the operator passes `--rpc-cors`.
				if !cors_given && config.rpc.cors.is_none() {
					let list: Vec<String> =
						DEFAULT_RPC_CORS.iter().map(|o| o.to_string()).collect();
					// Each listening address carries its own copy of the list.
					for endpoint in config.rpc.addr.iter_mut().flatten() {
						if endpoint.cors.is_none() {
							endpoint.cors = Some(list.clone());
						}
					}
					config.rpc.cors = Some(list);
				}
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
						sc_network::NetworkWorker<
							Block,
							<Block as sp_runtime::traits::Block>::Hash,
						>,
					>(config, private_data)
					.await
					.map_err(sc_cli::Error::Service),
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(config, private_data)
							.await
							.map_err(sc_cli::Error::Service)
					}
				}
			})
		}
	}
}

/// The web origins whose pages may call JSON-RPC on 9944 when the operator does not pass
/// `--rpc-cors`: Substrate's list for a chain that is not `--dev`. A page of any other origin is
/// refused (403) over HTTP and WebSocket alike (Parley's `sc-rpc-server`, `vendor/README.md`).
const DEFAULT_RPC_CORS: &[&str] = &[
	"http://localhost:*",
	"http://127.0.0.1:*",
	"https://localhost:*",
	"https://127.0.0.1:*",
	"https://polkadot.js.org",
];

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;

	/// Parses `args` as the node's command line and applies Parley's defaults, as `run` does.
	fn parsed(args: &[&str]) -> Cli {
		let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
		let mut cli = Cli::try_parse_from(&args).expect("a valid command line");
		apply_parley_defaults(&mut cli, &args);
		cli
	}

	#[test]
	fn a_node_without_flags_gets_parleys_trie_cache_and_pool_ban() {
		let cli = parsed(&["parley-node", "--chain", "local3"]);
		assert_eq!(cli.run.import_params.trie_cache_size, 8 * 1024 * 1024);
		assert_eq!(cli.run.pool_config.tx_ban_seconds, Some(120));
	}

	#[test]
	fn the_operators_values_win_over_parleys_defaults() {
		let cli = parsed(&["parley-node", "--trie-cache-size", "0", "--tx-ban-seconds", "1800"]);
		assert_eq!(cli.run.import_params.trie_cache_size, 0);
		assert_eq!(cli.run.pool_config.tx_ban_seconds, Some(1800));

		let cli = parsed(&["parley-node", "--trie-cache-size=1048576", "--tx-ban-seconds=60"]);
		assert_eq!(cli.run.import_params.trie_cache_size, 1_048_576);
		assert_eq!(cli.run.pool_config.tx_ban_seconds, Some(60));
	}

	#[test]
	fn a_flag_that_only_starts_like_the_trie_cache_flag_is_not_it() {
		let args: Vec<String> =
			["parley-node", "--trie-cache-sizes=5"].iter().map(|a| a.to_string()).collect();
		assert!(!flag_given(&args, "--trie-cache-size"));
		assert!(flag_given(&["--trie-cache-size=5".to_string()], "--trie-cache-size"));
	}
}
