//! The vocabulary shared by every module: identities of nodes, messages and their states,
//! groups, pins as the chain reports them.

use codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// A batch's 16-byte id, as pinned on-chain.
pub type BatchId = [u8; 16];
/// A blake2-256 hash.
pub type Hash = [u8; 32];
/// A node identity's number in the identities pallet.
pub type NodeId = u32;

/// A node identity as the chain knows it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct NodeIdentity {
	/// Its identity id.
	pub id: NodeId,
	/// Its DID, `did:parley:node/<name>`.
	pub did: String,
	/// Its sr25519 account (public key): it signs pins, acknowledgements and receipts.
	pub account: [u8; 32],
	/// Its data-channel libp2p PeerId bytes.
	pub peer_id: Vec<u8>,
	/// Its X25519 encryption public key.
	pub encryption_key: [u8; 32],
	/// Its data-channel multiaddrs, as strings.
	pub multiaddrs: Vec<String>,
	/// Whether it is in force on-chain.
	pub active: bool,
}

/// An identity as the REST API shows it (node identities, from the chain).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityView {
	/// Its DID.
	pub did: String,
	/// Its kind.
	pub kind: &'static str,
	/// Its identity id.
	pub id: NodeId,
	/// Its account (hex sr25519 public key).
	pub account: String,
	/// Its data-channel PeerId.
	pub peer_id: String,
	/// Its X25519 key, hex.
	pub encryption_key: String,
	/// Its data-channel multiaddrs.
	pub multiaddrs: Vec<String>,
	/// Whether it is in force.
	pub active: bool,
}

impl IdentityView {
	/// Its W3C DID document: the account key authenticates, the X25519 key agrees keys, the
	/// data channel is a service.
	pub fn did_document(&self) -> serde_json::Value {
		let did = &self.did;
		serde_json::json!({
			"@context": ["https://www.w3.org/ns/did/v1"],
			"id": did,
			"verificationMethod": [
				{ "id": format!("{did}#account"), "type": "Sr25519VerificationKey2020", "controller": did, "publicKeyHex": self.account },
				{ "id": format!("{did}#encryption"), "type": "X25519KeyAgreementKey2019", "controller": did, "publicKeyHex": self.encryption_key }
			],
			"authentication": [format!("{did}#account")],
			"assertionMethod": [format!("{did}#account")],
			"keyAgreement": [format!("{did}#encryption")],
			"service": [{ "id": format!("{did}#channel"), "type": "ParleyDataChannel", "serviceEndpoint": self.multiaddrs, "peerId": self.peer_id }],
			"parley": { "identity": self.id, "active": self.active }
		})
	}
}

/// Broadcast (to every node) or private (to a group).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
	/// Delivered to every node in force; contexts are `blake2_256(topic)`.
	Broadcast,
	/// Delivered to the members of a group; contexts are masked.
	Private,
}

impl MessageKind {
	/// Its name in the database and the API.
	pub fn as_str(&self) -> &'static str {
		match self {
			MessageKind::Broadcast => "broadcast",
			MessageKind::Private => "private",
		}
	}

	/// Parses [`MessageKind::as_str`].
	pub fn parse(s: &str) -> Option<Self> {
		match s {
			"broadcast" => Some(MessageKind::Broadcast),
			"private" => Some(MessageKind::Private),
			_ => None,
		}
	}
}

/// Where a message is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
	/// Accepted from an app with a token transfer: waiting for that transfer to be on-chain
	/// before it is batched.
	AwaitingTransfer,
	/// Accepted from an app, waiting to be batched.
	Pending,
	/// Batched, sealed and handed to the outbox for delivery and pinning.
	Sent,
	/// Its batch's pin is on-chain; not yet released.
	Pinned,
	/// Matched to its pin, verified, and released in order.
	Confirmed,
	/// Its batch failed verification, or its pin failed on-chain; never released.
	Rejected,
}

impl MessageState {
	/// Its name in the database and the API.
	pub fn as_str(&self) -> &'static str {
		match self {
			MessageState::AwaitingTransfer => "awaiting_transfer",
			MessageState::Pending => "pending",
			MessageState::Sent => "sent",
			MessageState::Pinned => "pinned",
			MessageState::Confirmed => "confirmed",
			MessageState::Rejected => "rejected",
		}
	}

	/// Parses [`MessageState::as_str`].
	pub fn parse(s: &str) -> Option<Self> {
		Some(match s {
			"awaiting_transfer" => MessageState::AwaitingTransfer,
			"pending" => MessageState::Pending,
			"sent" => MessageState::Sent,
			"pinned" => MessageState::Pinned,
			"confirmed" => MessageState::Confirmed,
			"rejected" => MessageState::Rejected,
			_ => return None,
		})
	}
}

/// A private group: who receives its messages, and the secret that masks its pins.
///
/// Its id is derived from all the rest ([`Group::derived_id`]), so that a copy that any member
/// relays (in a group announcement, or inside a batch) cannot change who is in the group: a copy
/// with other members, or another name or secret, has another id.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Group {
	/// Its id: the first 16 bytes of a hash of the rest (hex in the API).
	pub id: [u8; 16],
	/// The namespace it belongs to.
	pub namespace: String,
	/// A display name.
	pub name: String,
	/// Its member nodes, sorted.
	pub members: Vec<NodeId>,
	/// 32 random bytes made at creation and only ever sent sealed to members.
	pub secret: [u8; 32],
}

/// The domain tag hashed before a group's contents to make its id.
const GROUP_ID_DOMAIN: &[u8] = b"prly/group";

impl Group {
	/// A group of `members` (sorted, each once) with the given `secret`, and the id they give.
	pub fn new(
		namespace: String,
		name: String,
		mut members: Vec<NodeId>,
		secret: [u8; 32],
	) -> Self {
		members.sort_unstable();
		members.dedup();
		let mut group = Group { id: [0; 16], namespace, name, members, secret };
		group.id = group.derived_id();
		group
	}

	/// The id this group's namespace, name, members and secret give: the first 16 bytes of
	/// blake2b-256 over a domain tag and their SCALE encoding.
	pub fn derived_id(&self) -> [u8; 16] {
		let digest = blake2_256(
			&(GROUP_ID_DOMAIN, &self.namespace, &self.name, &self.members, &self.secret).encode(),
		);
		let mut id = [0; 16];
		id.copy_from_slice(&digest[..16]);
		id
	}

	/// Whether this copy is the group its id names: the id is the one its contents give, and
	/// its members are sorted, each once.
	pub fn holds_together(&self) -> bool {
		self.id == self.derived_id() && self.members.windows(2).all(|w| w[0] < w[1])
	}
}

/// A message as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
	/// Its id (UUID).
	pub id: String,
	/// Its namespace.
	pub namespace: String,
	/// Broadcast or private.
	pub kind: MessageKind,
	/// The DID of the node that sent it.
	pub author: String,
	/// Its group (hex id), for private messages.
	pub group: Option<String>,
	/// Its topics.
	pub topics: Vec<String>,
	/// Its tag.
	pub tag: String,
	/// Its data: a JSON value (`null` if it only carries attachments).
	pub data: serde_json::Value,
	/// blake2-256 of its data's bytes, hex.
	pub data_hash: String,
	/// Data items sent with it: JSON values, or blobs (by hash).
	pub attachments: Vec<Attachment>,
	/// The id of the message this one replies to (request/reply).
	pub cid: Option<String>,
	/// Its state.
	pub state: MessageState,
	/// Its batch (hex id), once batched.
	pub batch: Option<String>,
	/// Why it was rejected.
	pub error: Option<String>,
	/// When it was created (ms since the epoch, sender's clock).
	pub created: i64,
	/// When it was confirmed here (ms since the epoch).
	pub confirmed: Option<i64>,
	/// Its place in this node's order of confirmed messages.
	pub confirm_sequence: Option<i64>,
	/// Its own hash, hex: what a token transfer carries to go with it.
	#[serde(default)]
	pub hash: Option<String>,
	/// The token transfer it goes with: pool, recipient, amount or index, and once on-chain
	/// the block and the sender.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub transfer: Option<serde_json::Value>,
}

/// A data item as the API shows it: a JSON value or a blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
	/// Its id (UUID).
	pub id: String,
	/// Its name (a file name for blobs).
	pub name: String,
	/// blake2-256 of its bytes (the JSON text, or the blob), hex.
	pub hash: String,
	/// Its size in bytes.
	pub size: u64,
	/// The datatype (`name/version`) it was validated against, if any.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub datatype: Option<String>,
	/// For a JSON item: the value.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub value: Option<serde_json::Value>,
	/// For a blob: its hash (download it from `/data/{id}/blob`).
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub blob: Option<String>,
}

/// blake2b with a 32-byte output (the chain's `blake2_256`).
pub fn blake2_256(data: &[u8]) -> Hash {
	blake2b_simd::Params::new()
		.hash_length(32)
		.hash(data)
		.as_bytes()
		.try_into()
		.expect("hash length is 32")
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as i64)
		.unwrap_or(0)
}
