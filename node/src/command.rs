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
/// with 64 MiB the cache took 20 minutes of the soak to fill; with 16 MiB it held 6.4-10.1 MB
/// of trie nodes from about minute 11 on. With 8 MiB a node's own memory in the soak was
/// 13 MiB lower, for the same throughput at the soak's rate and at the mix's peak (README.md,
/// "Memory over a soak").
const TRIE_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// Whether `--trie-cache-size` is among the arguments (as `--trie-cache-size N` or `=N`).
fn trie_cache_size_given(args: impl IntoIterator<Item = String>) -> bool {
	args.into_iter().any(|a| a == "--trie-cache-size" || a.starts_with("--trie-cache-size="))
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();
	if !trie_cache_size_given(std::env::args()) {
		cli.run.import_params.trie_cache_size = TRIE_CACHE_BYTES;
	}

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
