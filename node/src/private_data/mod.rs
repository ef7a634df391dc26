//! Wires Parley's private data service (`parley-offchain`) into the node: its keys, its
//! database, its data channel, the chain follower, the pin submitter, and the command-line flags
//! that configure them.

pub mod archive;
mod follower;
mod submitter;
mod view;

pub use archive::EventArchive;
pub use follower::ConfirmOn;

use crate::service::FullClient;
use parley_offchain::{
	access::{ApiKeys, KeyFile},
	Exchange, ExchangeConfig, NodeKeys,
};
use sc_service::{Configuration, TaskManager};
use sp_keystore::KeystorePtr;
use std::{net::IpAddr, path::PathBuf, sync::Arc, time::Duration};

/// Flags of the private data service.
#[derive(Debug, Clone, clap::Args)]
pub struct PrivateDataParams {
	/// Do not run the private data service (channel, store, `parley_*` RPC).
	#[arg(long)]
	pub no_private_data: bool,

	/// Port of the private data channel.
	#[arg(long, value_name = "PORT", default_value_t = 40333)]
	pub channel_port: u16,

	/// Address the private data channel listens on.
	#[arg(long, value_name = "IP", default_value = "0.0.0.0")]
	pub channel_ip: IpAddr,

	/// A peer's channel address, `/ip4/…/tcp/…/p2p/<peer id>`, used besides the multiaddrs
	/// registered on-chain. Repeatable.
	#[arg(long = "channel-peer", value_name = "MULTIADDR")]
	pub channel_peers: Vec<String>,

	/// The channel's ed25519 key file (created if missing). Default: `<base>/parley/channel.key`.
	#[arg(long, value_name = "PATH")]
	pub channel_key_file: Option<PathBuf>,

	/// The X25519 encryption key file (created if missing). Default: `<base>/parley/x25519.key`.
	#[arg(long, value_name = "PATH")]
	pub encryption_key_file: Option<PathBuf>,

	/// The private database: `sqlite://<path>` or `postgres://…`. Default: SQLite in
	/// `<base>/parley/parley.db`.
	#[arg(long, value_name = "URL")]
	pub database_url: Option<String>,

	/// Which blocks confirm pins.
	#[arg(long, value_enum, default_value_t = ConfirmOn::Finalized)]
	pub confirm_on: ConfirmOn,

	/// Most messages per batch.
	#[arg(long, default_value_t = 200)]
	pub batch_max_messages: usize,

	/// How long (ms) a batch waits for more messages.
	#[arg(long, default_value_t = 200)]
	pub batch_timeout_ms: u64,

	/// Largest sealed batch sent or accepted on the channel, in bytes.
	#[arg(long, default_value_t = 16 * 1024 * 1024)]
	pub max_batch_bytes: usize,

	/// Largest blob chunk, in bytes.
	#[arg(long, default_value_t = 1024 * 1024)]
	pub max_blob_chunk: usize,

	/// Concurrent channel streams per connection and protocol.
	#[arg(long, default_value_t = 64)]
	pub max_channel_streams: usize,

	/// Channel requests queued before peers are told to retry later.
	#[arg(long, default_value_t = 256)]
	pub inbound_queue: usize,

	/// Most bytes of channel requests queued before peers are told to retry later (a delivery
	/// is up to `--max-batch-bytes`).
	#[arg(long, default_value_t = 64 * 1024 * 1024)]
	pub inbound_queue_bytes: usize,

	/// Most bytes of sealed payloads one peer may keep here for batches it has not pinned yet;
	/// its further deliveries are refused as busy until its pins land.
	#[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
	pub max_unpinned_bytes: u64,

	/// Hours after which a sealed payload whose batch was never pinned is forgotten.
	#[arg(long, value_name = "HOURS", default_value_t = 24)]
	pub unpinned_ttl_hours: u64,

	/// Port of the REST API.
	#[arg(long, value_name = "PORT", default_value_t = 5000)]
	pub rest_port: u16,

	/// Address the REST API listens on.
	#[arg(long, value_name = "IP", default_value = "127.0.0.1")]
	pub rest_ip: IpAddr,

	/// Do not serve the REST API.
	#[arg(long)]
	pub no_rest: bool,

	/// The longest a REST call with `confirm=true` (or a request/reply) may wait, in seconds;
	/// a longer `timeout` is cut to it, and so is the 60 s default.
	#[arg(long, value_name = "SECONDS", default_value_t = 600)]
	pub rest_max_wait_secs: u64,

	/// The API keys file (made by `parley-node api-key create`). If it exists when the node
	/// starts, every REST, WebSocket and `parley_*` JSON-RPC call needs a key from it, and the
	/// `parley_*` methods are served only at the REST port's `/rpc`. Default:
	/// `<base>/parley/api-keys.json`.
	#[arg(long, value_name = "PATH")]
	pub api_keys: Option<PathBuf>,

	/// Serve the REST API or the `parley_*` RPC on a non-loopback address without API keys.
	/// Without this flag such a node refuses to start: anyone who can reach the address could
	/// read and send this party's private data.
	#[arg(long)]
	pub unsafe_open_api: bool,

	/// Web origins (such as `https://ops.example.com`) whose pages may call the REST API and
	/// its WebSocket from a browser, comma-separated. By default none: a request that a browser
	/// sends from any page but the node's own is refused (403).
	#[arg(long, value_name = "ORIGINS", value_delimiter = ',')]
	pub rest_cors: Vec<String>,

	/// Let webhooks call loopback, private and link-local addresses (receivers in the operator's
	/// own network). Off by default: such a webhook URL is refused when the subscription is made,
	/// and a host name is only connected to at the public addresses it resolves to.
	#[arg(long)]
	pub webhooks_allow_private: bool,

	/// Largest blob upload over REST, in bytes.
	#[arg(long, default_value_t = 1024 * 1024 * 1024)]
	pub max_blob_bytes: u64,

	/// After how many milliseconds a pin holding back later ones is reported (`context_blocked`).
	#[arg(long, default_value_t = 60_000)]
	pub context_block_timeout_ms: u64,

	/// Enables test-only hooks (`parley_test_tamperNextDelivery`, `parley_test_withholdNextBatch`,
	/// `parley_test_failNextPin`).
	/// Never in production.
	#[arg(long, hide = true)]
	pub unsafe_test_hooks: bool,
}

/// The running private data service: what the RPC and REST layers serve.
#[derive(Clone)]
pub struct PrivateData {
	/// The exchange.
	pub exchange: Exchange,
	/// Its event subscriptions.
	pub hub: parley_offchain::events::EventHub,
	/// The API keys its calls are checked against.
	pub keys: ApiKeys,
}

/// Refuses an open node (no API keys) on a non-loopback address, unless `--unsafe-open-api`.
fn check_open_api(
	params: &PrivateDataParams,
	config: &Configuration,
	keys: &ApiKeys,
	key_file: &KeyFile,
) -> Result<(), String> {
	if keys.enforced() || params.unsafe_open_api {
		return Ok(());
	}
	let rpc = config.rpc.addr.iter().flatten().map(|e| e.listen_addr.ip());
	let rest = (!params.no_rest).then_some(params.rest_ip);
	match rest.into_iter().chain(rpc).find(|ip| !ip.is_loopback()) {
		None => Ok(()),
		Some(ip) => Err(format!(
			"refusing to serve the private data API on {ip} without API keys: anyone who can \
			 reach it could read and send this party's private data. Create a key with \
			 `parley-node api-key create --file {} --name <app> --scope write`, or pass \
			 --unsafe-open-api if this is really what you want",
			key_file.path().display()
		)),
	}
}

/// Everything the service needs from the node.
pub struct Deps<'a> {
	pub config: &'a Configuration,
	pub client: Arc<FullClient>,
	pub backend: Arc<sc_service::TFullBackend<parley_runtime::opaque::Block>>,
	pub pool:
		Arc<sc_transaction_pool::TransactionPoolHandle<parley_runtime::opaque::Block, FullClient>>,
	pub keystore: KeystorePtr,
	pub task_manager: &'a TaskManager,
}

/// The node account key: the first sr25519 key of type `prly` in the keystore. A node started
/// with a dev seed (`--alice`, …) gets that seed's key inserted first.
fn node_account(
	keystore: &KeystorePtr,
	dev_seed: Option<&str>,
) -> Option<sp_core::sr25519::Public> {
	if let Some(seed) = dev_seed {
		if let Err(e) = keystore.sr25519_generate_new(pallet_pins::KEY_TYPE, Some(seed)) {
			log::warn!(target: "parley", "cannot insert the dev node account key: {e}");
		}
	}
	keystore.sr25519_public_keys(pallet_pins::KEY_TYPE).into_iter().next()
}

/// Starts the service and its tasks (essential: if one fails, the node stops). Returns `None`
/// if it is switched off or this node has no account key.
pub async fn start(
	params: &PrivateDataParams,
	deps: Deps<'_>,
) -> Result<Option<PrivateData>, String> {
	if params.no_private_data {
		return Ok(None);
	}
	let dev_seed = deps.config.dev_key_seed.clone();
	let Some(account) = node_account(&deps.keystore, dev_seed.as_deref()) else {
		log::warn!(
			target: "parley",
			"no node account key (sr25519, key type `prly`) in the keystore: the private data \
			 service is off. Insert one with `parley-node key insert --key-type prly --scheme sr25519`."
		);
		return Ok(None);
	};
	let data_dir = deps.config.base_path.config_dir(deps.config.chain_spec.id()).join("parley");
	std::fs::create_dir_all(&data_dir)
		.map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
	let key_file =
		KeyFile::new(params.api_keys.clone().unwrap_or_else(|| data_dir.join("api-keys.json")));
	let api_keys = ApiKeys::from_file(key_file.clone())?;
	check_open_api(params, deps.config, &api_keys, &key_file)?;
	let keys = NodeKeys::load_or_create_files(
		&params.channel_key_file.clone().unwrap_or_else(|| data_dir.join("channel.key")),
		&params.encryption_key_file.clone().unwrap_or_else(|| data_dir.join("x25519.key")),
		dev_seed.as_deref(),
	)?;
	log::info!(
		target: "parley",
		"node account 0x{}, channel peer {}, encryption key 0x{}",
		hex::encode(account.0),
		keys.channel.public().to_peer_id(),
		hex::encode(keys.encryption.public())
	);
	let mut config = ExchangeConfig::new(data_dir);
	config.database_url = params.database_url.clone();
	config.channel.listen = format!(
		"/{}/{}/tcp/{}",
		if params.channel_ip.is_ipv4() { "ip4" } else { "ip6" },
		params.channel_ip,
		params.channel_port
	)
	.parse()
	.map_err(|e| format!("channel address: {e}"))?;
	config.channel.max_batch_bytes = params.max_batch_bytes;
	config.channel.max_blob_chunk = params.max_blob_chunk;
	config.channel.max_concurrent_streams = params.max_channel_streams;
	config.channel.inbound_queue = params.inbound_queue;
	config.channel.inbound_queue_bytes = params.inbound_queue_bytes.max(params.max_batch_bytes);
	config.peer_addrs = params
		.channel_peers
		.iter()
		.map(|a| a.parse().map_err(|e| format!("--channel-peer {a}: {e}")))
		.collect::<Result<_, _>>()?;
	config.batch_max_messages = params.batch_max_messages.max(1);
	config.batch_timeout = Duration::from_millis(params.batch_timeout_ms);
	// Leave room for the envelope's own framing inside the channel's bound.
	config.batch_max_bytes = params.max_batch_bytes.saturating_sub(64 * 1024).max(1024);
	config.test_hooks = params.unsafe_test_hooks;
	config.context_block_after = Duration::from_millis(params.context_block_timeout_ms);
	config.unpinned_sealed_max_bytes = params.max_unpinned_bytes;
	config.unpinned_sealed_ttl = Duration::from_secs(params.unpinned_ttl_hours.max(1) * 3600);

	let submitter = submitter::ChainSubmitter::new(
		deps.client.clone(),
		deps.pool.clone(),
		deps.keystore.clone(),
		account,
		&deps.backend,
	);
	let signer = Arc::new(submitter::KeystoreSigner { keystore: deps.keystore.clone(), account });
	let view = Arc::new(view::RuntimeView { client: deps.client.clone() });
	let (exchange, tasks) =
		Exchange::start(config, keys, signer, view, Arc::new(submitter)).await?;
	let spawner = deps.task_manager.spawn_essential_handle();
	for (name, task) in tasks {
		spawner.spawn(name, Some("parley"), task);
	}
	spawner.spawn(
		"parley-follower",
		Some("parley"),
		Box::pin(follower::follow(
			deps.client.clone(),
			deps.backend.clone(),
			exchange.clone(),
			params.confirm_on,
		)),
	);
	let hub = parley_offchain::events::EventHub::new(exchange.clone())
		.allowing_private_webhooks(params.webhooks_allow_private);
	hub.start_webhooks().await;
	if !params.no_rest {
		let rest = parley_offchain::api::RestConfig {
			listen: std::net::SocketAddr::new(params.rest_ip, params.rest_port),
			max_blob: params.max_blob_bytes,
			allowed_origins: params.rest_cors.clone(),
			max_wait: Duration::from_secs(params.rest_max_wait_secs),
			default_wait: Duration::from_secs(params.rest_max_wait_secs.min(60)),
			..Default::default()
		};
		let rpc = crate::rpc::keyed::router(
			crate::rpc::parley_module(exchange.clone(), hub.clone()).map_err(|e| e.to_string())?,
		);
		let (exchange, hub, keys) = (exchange.clone(), hub.clone(), api_keys.clone());
		spawner.spawn(
			"parley-rest",
			Some("parley"),
			Box::pin(async move {
				if let Err(e) = parley_offchain::api::serve(exchange, hub, rest, keys, rpc).await {
					log::error!(target: "parley", "{e}");
				}
			}),
		);
	}
	Ok(Some(PrivateData { exchange, hub, keys: api_keys }))
}
