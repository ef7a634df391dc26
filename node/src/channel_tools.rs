//! Two small subcommands for operating the private data channel:
//! - `parley-node channel-keys`: prints the data-channel PeerId and X25519 public key to register
//!   on a node's identity (creating the key files if missing);
//! - `parley-node channel-probe`: dials a node's channel, with a fresh unregistered key or as a
//!   given node, asks it one thing (a batch, or to take a group) and prints the answer, so that
//!   a test can show from outside that the channel refuses strangers and rivals.

use codec::{DecodeAll, Encode};
use parley_offchain::{
	batch::BatchPayload,
	channel::{
		self,
		protocol::{BatchRequest, BatchResponse},
		ChannelConfig,
	},
	envelope::{self, EncryptionKey, Envelope},
	types::{blake2_256, BatchId, Group},
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

/// `parley-node channel-probe`: asks a node's channel one question and prints its answer, to check
/// from outside that the channel holds against a stranger or a rival party.
///
/// With no key options it dials with a fresh key that no identity on-chain names (the channel
/// must not let it in). With `--dev-seed` or `--keys` it dials as the node those keys belong to,
/// as a rival party's own node could.
#[derive(Debug, Clone, clap::Args)]
pub struct ChannelProbeCmd {
	/// The channel to dial: `/ip4/…/tcp/…/p2p/<peer id>`.
	#[arg(value_name = "MULTIADDR")]
	pub target: String,

	/// How long to wait for an answer, in seconds.
	#[arg(long, default_value_t = 10)]
	pub timeout: u64,

	/// Dial with the channel keys a dev seed derives (e.g. `//Charlie`), as that node would.
	#[arg(long, value_name = "SEED", conflicts_with = "keys")]
	pub dev_seed: Option<String>,

	/// Dial with the key files in this folder (`channel.key`, `x25519.key`).
	#[arg(long, value_name = "DIR")]
	pub keys: Option<PathBuf>,

	/// Ask for this batch (hex id, dashes allowed), as reconciliation does; a batch that comes
	/// back is opened with the probe's key and its group and message count are printed.
	#[arg(long, value_name = "BATCH_ID", conflicts_with = "announce_group")]
	pub fetch: Option<String>,

	/// Announce this group, given as JSON `{"id", "namespace", "name", "members", "secret"}`
	/// (ids and secret in hex, members as node ids), sealed to `--seal-to`, exactly as given:
	/// its id is not derived again unless `--derive-id` says so.
	#[arg(long, value_name = "JSON", requires = "seal_to")]
	pub announce_group: Option<String>,

	/// The target's X25519 encryption key (hex), for `--announce-group`.
	#[arg(long, value_name = "KEY")]
	pub seal_to: Option<String>,

	/// Give the announced group the id its contents derive (a new group) instead of its own.
	#[arg(long, requires = "announce_group")]
	pub derive_id: bool,
}

/// A group as `--announce-group` takes it and a fetched batch's group is printed.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct GroupJson {
	id: String,
	namespace: String,
	name: String,
	members: Vec<u32>,
	secret: String,
}

impl GroupJson {
	fn of(group: &Group) -> Self {
		GroupJson {
			id: hex::encode(group.id),
			namespace: group.namespace.clone(),
			name: group.name.clone(),
			members: group.members.clone(),
			secret: hex::encode(group.secret),
		}
	}

	fn group(&self) -> Result<Group, String> {
		Ok(Group {
			id: fixed_hex(&self.id, "id")?,
			namespace: self.namespace.clone(),
			name: self.name.clone(),
			members: self.members.clone(),
			secret: fixed_hex(&self.secret, "secret")?,
		})
	}
}

/// `N` bytes from hex (an optional `0x` and dashes allowed), or why not.
fn fixed_hex<const N: usize>(text: &str, what: &str) -> Result<[u8; N], String> {
	let clean: String = text.trim_start_matches("0x").chars().filter(|c| *c != '-').collect();
	let bytes = hex::decode(&clean).map_err(|e| format!("{what}: {e}"))?;
	bytes.try_into().map_err(|_| format!("{what}: expected {N} bytes"))
}

/// What the probe asks.
enum Question {
	Fetch(BatchId),
	Announce(Envelope),
}

impl ChannelProbeCmd {
	/// Prints `{"peer_id", "accepted", "answer", "detail"}` as JSON: `accepted` is true only if
	/// the target answered at all; `answer` names the answer (`batch`, `not_recipient`,
	/// `not_found`, `accepted`, `refused:<why>`…). A fetched batch adds `group` and `messages`;
	/// an announced group adds `group_id`, the id it was sent under.
	pub fn run(&self) -> sc_cli::Result<()> {
		// Logs go to stderr; `-l`-style directives can be given in RUST_LOG.
		let _ = sc_cli::LoggerBuilder::new(std::env::var("RUST_LOG").unwrap_or_default()).init();
		let input = |e: String| sc_cli::Error::Input(e);
		let keys = match (&self.keys, &self.dev_seed) {
			(Some(dir), _) => Some(NodeKeys::load_or_create(dir, None).map_err(input)?),
			(None, Some(seed)) => {
				let dir = tempfile::tempdir().map_err(|e| input(e.to_string()))?;
				Some(NodeKeys::load_or_create(dir.path(), Some(seed)).map_err(input)?)
			}
			(None, None) => None,
		};
		let mut announced = None;
		let question = match (&self.fetch, &self.announce_group) {
			(Some(batch), _) => Question::Fetch(fixed_hex(batch, "batch id").map_err(input)?),
			(None, Some(json)) => {
				let given: GroupJson =
					serde_json::from_str(json).map_err(|e| input(format!("group: {e}")))?;
				let mut group = given.group().map_err(input)?;
				if self.derive_id {
					group.id = group.derived_id();
				}
				let to: [u8; 32] =
					fixed_hex(self.seal_to.as_deref().unwrap_or_default(), "seal-to")
						.map_err(input)?;
				announced = Some(hex::encode(group.id));
				let bytes = group.encode();
				let sealed = envelope::seal(&to, group.id, blake2_256(&bytes), &bytes)
					.map_err(|e| input(format!("cannot seal the group: {e}")))?;
				Question::Announce(sealed)
			}
			(None, None) => Question::Fetch([0; 16]),
		};
		let runtime = tokio::runtime::Builder::new_multi_thread()
			.worker_threads(1)
			.enable_all()
			.build()
			.map_err(|e| sc_cli::Error::Application(Box::new(e)))?;
		let target: libp2p::Multiaddr =
			self.target.parse().map_err(|e| input(format!("target: {e}")))?;
		let peer = target
			.iter()
			.find_map(|p| match p {
				libp2p::multiaddr::Protocol::P2p(peer) => Some(peer),
				_ => None,
			})
			.ok_or_else(|| input("the target must end in /p2p/<peer id>".into()))?;
		let timeout = Duration::from_secs(self.timeout);
		let keypair = match &keys {
			Some(keys) => keys.channel.clone(),
			None => libp2p::identity::Keypair::generate_ed25519(),
		};
		let me = keypair.public().to_peer_id();
		let answer = runtime.block_on(async move {
			let config = ChannelConfig {
				listen: "/ip4/127.0.0.1/tcp/0".parse().expect("valid multiaddr"),
				request_timeout: timeout,
				..Default::default()
			};
			let (client, _inbound, event_loop) = channel::start(keypair, config)
				.map_err(|e| format!("cannot start a channel: {e}"))?;
			tokio::spawn(event_loop);
			client.set_peers(vec![(peer, vec![target])]).await.map_err(|e| e.to_string())?;
			let request = match question {
				Question::Fetch(id) => BatchRequest::Fetch(id),
				Question::Announce(sealed) => BatchRequest::AnnounceGroup(sealed),
			};
			match tokio::time::timeout(timeout, client.request_batch(peer, request)).await {
				Ok(Ok(response)) => Ok(response),
				Ok(Err(e)) => Err(e.to_string()),
				Err(_) => Err("no answer in time".to_string()),
			}
		});
		let out = match answer {
			Ok(response) => {
				let mut out = serde_json::json!({
					"peer_id": me.to_string(),
					"accepted": true,
					"answer": answer_name(&response),
					"detail": format!("answered: {response:?}"),
				});
				if let Some(id) = &announced {
					out["group_id"] = id.as_str().into();
				}
				if let (BatchResponse::Batch(sealed), Some(keys)) = (&response, &keys) {
					out["detail"] = describe_batch(&keys.encryption, sealed, &mut out).into();
				}
				out
			}
			Err(detail) => serde_json::json!({
				"peer_id": me.to_string(), "accepted": false, "answer": null, "detail": detail,
			}),
		};
		println!("{out}");
		Ok(())
	}
}

/// The answer's name in the probe's output.
fn answer_name(response: &BatchResponse) -> String {
	match response {
		BatchResponse::Receipt(_) => "receipt".into(),
		BatchResponse::Batch(_) => "batch".into(),
		BatchResponse::Accepted => "accepted".into(),
		BatchResponse::NotFound => "not_found".into(),
		BatchResponse::NotRecipient => "not_recipient".into(),
		BatchResponse::Refused(why) => format!("refused:{why:?}"),
	}
}

/// Opens a fetched batch with the probe's key and adds its group and message count to `out`;
/// returns what happened in words.
fn describe_batch(key: &EncryptionKey, sealed: &Envelope, out: &mut serde_json::Value) -> String {
	let bytes = match key.open(sealed) {
		Ok(bytes) => bytes,
		Err(e) => return format!("a batch came back that this key cannot open: {e}"),
	};
	if parley_offchain::sale::locked(&bytes).is_some() {
		return "a batch for sale came back, locked".into();
	}
	match BatchPayload::decode_all(&mut &bytes[..]) {
		Ok(payload) => {
			out["messages"] = payload.messages.len().into();
			if let Some(group) = &payload.group {
				out["group"] = serde_json::to_value(GroupJson::of(group)).unwrap_or_default();
			}
			format!("batch {} opened", hex::encode(payload.batch_id))
		}
		Err(e) => format!("a batch came back that does not decode: {e}"),
	}
}
