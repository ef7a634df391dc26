//! Two small subcommands for operating the private data channel:
//! - `parley-node channel-keys`: prints the data-channel PeerId and X25519 public key to register
//!   on a node's identity (creating the key files if missing);
//! - `parley-node channel-probe`: dials a node's channel with a fresh, unregistered key and
//!   reports whether it was let in (it must not be).

use parley_offchain::{
	channel::{self, protocol::BatchRequest, ChannelConfig},
	NodeKeys,
};
use std::{path::PathBuf, time::Duration};

/// `parley-node channel-keys`: prints this node's data-channel identity and encryption key.
#[derive(Debug, Clone, clap::Args)]
pub struct ChannelKeysCmd {
	/// Folder of the key files (`channel.key`, `x25519.key`); created if missing.
	#[arg(long, value_name = "DIR", required_unless_present = "dev_seed")]
	pub dir: Option<PathBuf>,

	/// Derive the keys from a dev seed (e.g. `//Alice`), as `--alice` does, instead of files.
	#[arg(long, value_name = "SEED")]
	pub dev_seed: Option<String>,
}

impl ChannelKeysCmd {
	/// Prints `{"peer_id", "peer_id_hex", "encryption_key"}` as JSON.
	pub fn run(&self) -> sc_cli::Result<()> {
		let keys = match &self.dir {
			Some(dir) => NodeKeys::load_or_create(dir, self.dev_seed.as_deref()),
			None => {
				let dir = tempfile::tempdir().map_err(|e| sc_cli::Error::Input(e.to_string()))?;
				NodeKeys::load_or_create(dir.path(), self.dev_seed.as_deref())
			}
		}
		.map_err(sc_cli::Error::Input)?;
		let out = serde_json::json!({
			"peer_id": keys.channel.public().to_peer_id().to_string(),
			"peer_id_hex": format!("0x{}", hex::encode(keys.peer_id_bytes())),
			"encryption_key": format!("0x{}", hex::encode(keys.encryption.public())),
		});
		println!("{out}");
		Ok(())
	}
}

/// `parley-node channel-probe`: checks that a channel refuses an unregistered peer.
#[derive(Debug, Clone, clap::Args)]
pub struct ChannelProbeCmd {
	/// The channel to dial: `/ip4/…/tcp/…/p2p/<peer id>`.
	#[arg(value_name = "MULTIADDR")]
	pub target: String,

	/// How long to wait for an answer, in seconds.
	#[arg(long, default_value_t = 10)]
	pub timeout: u64,
}

impl ChannelProbeCmd {
	/// Prints `{"peer_id", "accepted", "detail"}` as JSON: `accepted` is true only if the target
	/// answered a request from this fresh key.
	pub fn run(&self) -> sc_cli::Result<()> {
		// Logs go to stderr; `-l`-style directives can be given in RUST_LOG.
		let _ = sc_cli::LoggerBuilder::new(std::env::var("RUST_LOG").unwrap_or_default()).init();
		let runtime = tokio::runtime::Builder::new_multi_thread()
			.worker_threads(1)
			.enable_all()
			.build()
			.map_err(|e| sc_cli::Error::Application(Box::new(e)))?;
		let target: libp2p::Multiaddr =
			self.target.parse().map_err(|e| sc_cli::Error::Input(format!("target: {e}")))?;
		let peer = target
			.iter()
			.find_map(|p| match p {
				libp2p::multiaddr::Protocol::P2p(peer) => Some(peer),
				_ => None,
			})
			.ok_or_else(|| sc_cli::Error::Input("the target must end in /p2p/<peer id>".into()))?;
		let timeout = Duration::from_secs(self.timeout);
		let (accepted, detail, me) = runtime.block_on(async move {
			let keypair = libp2p::identity::Keypair::generate_ed25519();
			let me = keypair.public().to_peer_id();
			let config = ChannelConfig {
				listen: "/ip4/127.0.0.1/tcp/0".parse().expect("valid multiaddr"),
				request_timeout: timeout,
				..Default::default()
			};
			let (client, _inbound, event_loop) = match channel::start(keypair, config) {
				Ok(started) => started,
				Err(e) => return (false, format!("cannot start a channel: {e}"), me),
			};
			tokio::spawn(event_loop);
			if let Err(e) = client.set_peers(vec![(peer, vec![target])]).await {
				return (false, e.to_string(), me);
			}
			match tokio::time::timeout(
				timeout,
				client.request_batch(peer, BatchRequest::Fetch([0; 16])),
			)
			.await
			{
				Ok(Ok(response)) => (true, format!("answered: {response:?}"), me),
				Ok(Err(e)) => (false, e.to_string(), me),
				Err(_) => (false, "no answer in time".to_string(), me),
			}
		});
		println!(
			"{}",
			serde_json::json!({ "peer_id": me.to_string(), "accepted": accepted, "detail": detail })
		);
		Ok(())
	}
}
