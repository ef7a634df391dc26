//! Batches: what a node sends and pins.
//!
//! Outgoing messages are grouped per (namespace, author, group) into a [`BatchPayload`], which is
//! sealed to each recipient. Its [`Manifest`] (message ids with their data hashes, topics and
//! nonces) is what gets hashed: `batch_hash = blake2_256(SCALE(manifest))`. The pin carries one
//! context per topic:
//! - broadcast: `blake2_256(topic)`, in the clear, one per distinct topic;
//! - private: `blake2_256(group_secret ‖ topic ‖ author DID ‖ nonce)`, one per message and topic,
//!   where the nonce counts that author's messages on that topic in that group. Without the
//!   random group secret nobody can test guesses of topic or members against a pin.

use crate::holding::TransferRef;
use crate::types::blake2_256;
use crate::types::{BatchId, Group, Hash, MessageKind, NodeId};
use codec::{Decode, Encode};

/// What an attached data item carries.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum AttachmentContent {
	/// A JSON value, serialized.
	Json(Vec<u8>),
	/// A blob, fetched separately over the channel's blob protocol.
	Blob {
		/// Its blake2-256 hash.
		hash: Hash,
		/// Its size in bytes.
		size: u64,
	},
}

/// A data item attached to a message in a batch.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BatchAttachment {
	/// Data item id (UUID bytes).
	pub id: [u8; 16],
	/// Its name.
	pub name: String,
	/// The datatype (`name/version`) it was validated against.
	pub datatype: Option<String>,
	/// Its content.
	pub content: AttachmentContent,
}

impl BatchAttachment {
	/// The hash the manifest commits to: of the JSON text, or the blob's.
	pub fn content_hash(&self) -> Hash {
		match &self.content {
			AttachmentContent::Json(bytes) => blake2_256(bytes),
			AttachmentContent::Blob { hash, .. } => *hash,
		}
	}
}

/// One message inside a batch.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BatchMessage {
	/// Message id (UUID bytes).
	pub id: [u8; 16],
	/// Its topics (at least one).
	pub topics: Vec<String>,
	/// Its tag.
	pub tag: String,
	/// Its data: a JSON value, serialized.
	pub data: Vec<u8>,
	/// For private messages, its nonce on each topic (same order as `topics`).
	pub nonces: Vec<u64>,
	/// When the author accepted it (ms since the epoch).
	pub created: i64,
	/// The message it replies to.
	pub cid: Option<[u8; 16]>,
	/// Data items attached.
	pub attachments: Vec<BatchAttachment>,
	/// The token transfer this message goes with: it is released only once that transfer,
	/// carrying [`BatchMessage::hash`], is on-chain.
	pub transfer: Option<TransferRef>,
}

impl BatchMessage {
	/// The message's own hash, which a token transfer carries to go with it:
	/// `blake2_256(SCALE(id, data hash, topics, tag, cid, attachments, transfer))`. Nonces and
	/// times are left out: they are only fixed when the message is batched.
	pub fn hash(&self) -> Hash {
		let attachments: Vec<([u8; 16], Hash, Option<&str>)> = self
			.attachments
			.iter()
			.map(|a| (a.id, a.content_hash(), a.datatype.as_deref()))
			.collect();
		blake2_256(
			&(
				&self.id,
				blake2_256(&self.data),
				&self.topics,
				&self.tag,
				self.cid,
				attachments,
				&self.transfer,
			)
				.encode(),
		)
	}
}

/// The author of a batch, as it names itself.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Author {
	/// Its node identity id; must equal the pin's `author_node`.
	pub node: NodeId,
	/// Its node DID (part of the masked contexts).
	pub did: String,
}

/// Everything a batch carries; this is what is sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchPayload {
	/// Batch id.
	pub batch_id: BatchId,
	/// Namespace.
	pub namespace: String,
	/// Broadcast or private.
	pub kind: MessageKind,
	/// Who sent it.
	pub author: Author,
	/// For private batches: the group, with its secret (it is only ever sent sealed).
	pub group: Option<Group>,
	/// The messages, in order.
	pub messages: Vec<BatchMessage>,
	/// Whether the author asked each recipient to acknowledge the batch on-chain (proof of
	/// receipt that anyone can read, at the cost of showing who received it). Without it a
	/// recipient acknowledges on-chain only when a payment waits on its acknowledgement; the
	/// author keeps each recipient's signed receipt off-chain either way.
	pub proof_of_receipt: bool,
}

/// The fields in order; `proof_of_receipt`, added after the first release, is encoded last and
/// only when set (as `true`), so that a payload that does not ask encodes as it always did and
/// every payload has exactly one encoding.
impl Encode for BatchPayload {
	fn size_hint(&self) -> usize {
		self.batch_id.size_hint()
			+ self.namespace.size_hint()
			+ self.kind.size_hint()
			+ self.author.size_hint()
			+ self.group.size_hint()
			+ self.messages.size_hint()
			+ usize::from(self.proof_of_receipt)
	}

	fn encode_to<T: codec::Output + ?Sized>(&self, dest: &mut T) {
		self.batch_id.encode_to(dest);
		self.namespace.encode_to(dest);
		self.kind.encode_to(dest);
		self.author.encode_to(dest);
		self.group.encode_to(dest);
		self.messages.encode_to(dest);
		if self.proof_of_receipt {
			true.encode_to(dest);
		}
	}
}

impl Decode for BatchPayload {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		Ok(Self {
			batch_id: Decode::decode(input)?,
			namespace: Decode::decode(input)?,
			kind: Decode::decode(input)?,
			author: Decode::decode(input)?,
			group: Decode::decode(input)?,
			messages: Decode::decode(input)?,
			// Last, and only when set: a payload that ends here asked for no proof (as every
			// payload sealed before the flag existed). A payload is only ever decoded whole.
			proof_of_receipt: match input.remaining_len()? {
				Some(0) => false,
				_ => match bool::decode(input)? {
					true => true,
					false => return Err("proof_of_receipt is encoded only when set".into()),
				},
			},
		})
	}
}

/// Appended to the manifest's encoding when the batch asks for proof of receipt, so that the
/// request is covered by the pinned hash (and a batch that asks none hashes as it always did).
const PROOF_OF_RECEIPT_TAG: &[u8] = b"prly/proof-of-receipt";

/// What is hashed and pinned: the batch's identity and, per message, the hash of its data.
#[derive(Encode)]
struct Manifest<'a> {
	batch_id: &'a BatchId,
	namespace: &'a str,
	kind: MessageKind,
	author: NodeId,
	group: Option<[u8; 16]>,
	messages: Vec<ManifestEntry<'a>>,
}

#[derive(Encode)]
struct ManifestEntry<'a> {
	id: &'a [u8; 16],
	data_hash: Hash,
	topics: &'a [String],
	tag: &'a str,
	nonces: &'a [u64],
	cid: Option<[u8; 16]>,
	attachments: Vec<([u8; 16], Hash, Option<&'a str>)>,
	transfer: Option<&'a TransferRef>,
}

impl BatchPayload {
	/// `blake2_256` of the SCALE-encoded manifest (followed by [`PROOF_OF_RECEIPT_TAG`] when
	/// the batch asks for proof of receipt).
	pub fn hash(&self) -> Hash {
		let mut bytes = self.manifest().encode();
		if self.proof_of_receipt {
			bytes.extend_from_slice(PROOF_OF_RECEIPT_TAG);
		}
		blake2_256(&bytes)
	}

	fn manifest(&self) -> Manifest<'_> {
		Manifest {
			batch_id: &self.batch_id,
			namespace: &self.namespace,
			kind: self.kind,
			author: self.author.node,
			group: self.group.as_ref().map(|g| g.id),
			messages: self
				.messages
				.iter()
				.map(|m| ManifestEntry {
					id: &m.id,
					data_hash: blake2_256(&m.data),
					topics: &m.topics,
					tag: &m.tag,
					nonces: &m.nonces,
					cid: m.cid,
					attachments: m
						.attachments
						.iter()
						.map(|a| (a.id, a.content_hash(), a.datatype.as_deref()))
						.collect(),
					transfer: m.transfer.as_ref(),
				})
				.collect(),
		}
	}

	/// The contexts its pin must carry, in order.
	pub fn contexts(&self) -> Vec<Hash> {
		match (&self.kind, &self.group) {
			(MessageKind::Private, Some(group)) => self
				.messages
				.iter()
				.flat_map(|m| {
					m.topics.iter().zip(&m.nonces).map(|(topic, nonce)| {
						masked_context(&group.secret, topic, &self.author.did, *nonce)
					})
				})
				.collect(),
			_ => {
				let mut contexts: Vec<Hash> = Vec::new();
				for topic in self.messages.iter().flat_map(|m| &m.topics) {
					let context = broadcast_context(topic);
					if !contexts.contains(&context) {
						contexts.push(context);
					}
				}
				contexts
			}
		}
	}
}

/// A broadcast context: `blake2_256(topic)`.
pub fn broadcast_context(topic: &str) -> Hash {
	blake2_256(topic.as_bytes())
}

/// A private context: `blake2_256(group_secret ‖ topic ‖ author ‖ nonce)`. Fields are
/// length-prefixed (SCALE) so no two inputs concatenate to the same bytes.
pub fn masked_context(group_secret: &[u8; 32], topic: &str, author_did: &str, nonce: u64) -> Hash {
	blake2_256(&(group_secret, topic, author_did, nonce).encode())
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::DecodeAll;

	fn payload(kind: MessageKind) -> BatchPayload {
		BatchPayload {
			batch_id: [1; 16],
			namespace: "default".into(),
			kind,
			author: Author { node: 3, did: "did:parley:node/a".into() },
			group: (kind == MessageKind::Private).then(|| Group {
				id: [2; 16],
				namespace: "default".into(),
				name: "g".into(),
				members: vec![3, 4],
				secret: [7; 32],
			}),
			messages: vec![
				BatchMessage {
					id: [5; 16],
					topics: vec!["claims".into(), "audit".into()],
					tag: "t".into(),
					data: b"{}".to_vec(),
					nonces: if kind == MessageKind::Private { vec![0, 0] } else { vec![] },
					created: 1,
					cid: None,
					attachments: vec![],
					transfer: None,
				},
				BatchMessage {
					id: [6; 16],
					topics: vec!["claims".into()],
					tag: "t".into(),
					data: b"{\"a\":1}".to_vec(),
					nonces: if kind == MessageKind::Private { vec![1] } else { vec![] },
					created: 2,
					cid: None,
					attachments: vec![BatchAttachment {
						id: [8; 16],
						name: "scan.pdf".into(),
						datatype: None,
						content: AttachmentContent::Blob { hash: [3; 32], size: 10 },
					}],
					transfer: None,
				},
			],
			proof_of_receipt: false,
		}
	}

	#[test]
	fn the_fuzzers_input_without_the_flag_encodes_back_to_its_own_bytes() {
		// batch_payload fuzz target, crash-8ae80c95…: a payload without the flag (an empty
		// private batch) decoded, and re-encoded with a trailing 0.
		let bytes = [
			0x02, 0x00, 0x0c, 0xf5, 0x00, 0xf5, 0x00, 0x00, 0x0c, 0x00, 0x0c, 0xf5, 0xf5, 0xf5,
			0xf5, 0xf5, 0x00, 0x01, 0x34, 0x34, 0x41, 0x38, 0x00, 0x00, 0x00,
		];
		let payload =
			BatchPayload::decode_all(&mut &bytes[..]).expect("a payload without the flag");
		assert!(!payload.proof_of_receipt);
		assert_eq!(payload.encode(), bytes);
	}

	#[test]
	fn a_payload_sealed_before_proof_of_receipt_decodes_and_hashes_as_before() {
		let base = payload(MessageKind::Private);
		// The first release's layout: the same fields, without the trailing flag.
		let old =
			(&base.batch_id, &base.namespace, base.kind, &base.author, &base.group, &base.messages)
				.encode();
		assert_eq!(base.encode(), old, "a payload that does not ask encodes as it always did");
		assert_eq!(BatchPayload::decode_all(&mut &old[..]).unwrap(), base);
		let mut asking = base.clone();
		asking.proof_of_receipt = true;
		assert_eq!(asking.encode(), [old.clone(), vec![1]].concat());
		assert_eq!(BatchPayload::decode_all(&mut &asking.encode()[..]).unwrap(), asking);
		// One encoding per payload: an explicit `false`, a byte that is not a bool, and a
		// trailing byte after the flag are refused (found by the batch_payload fuzz target).
		for tail in [vec![0], vec![2], vec![1, 0]] {
			let bytes = [old.clone(), tail.clone()].concat();
			assert!(BatchPayload::decode_all(&mut &bytes[..]).is_err(), "{tail:?}");
		}
		// The request is covered by the hash; a batch without it hashes as it always did.
		assert_ne!(asking.hash(), base.hash());
		assert_eq!(base.hash(), blake2_256(&base.manifest().encode()), "the first release's hash");
		let tagged = [base.manifest().encode(), PROOF_OF_RECEIPT_TAG.to_vec()].concat();
		assert_eq!(asking.hash(), blake2_256(&tagged));
	}

	#[test]
	fn the_hash_covers_every_message_field() {
		let base = payload(MessageKind::Broadcast);
		let mut changed = base.clone();
		changed.messages[1].data = b"{\"a\":2}".to_vec();
		assert_ne!(base.hash(), changed.hash());
		let mut changed = base.clone();
		changed.messages[0].topics[1] = "other".into();
		assert_ne!(base.hash(), changed.hash());
		let mut changed = base.clone();
		changed.author.node = 4;
		assert_ne!(base.hash(), changed.hash());
		let mut changed = base.clone();
		changed.messages[1].attachments[0].content =
			AttachmentContent::Blob { hash: [4; 32], size: 10 };
		assert_ne!(base.hash(), changed.hash(), "a different blob is a different batch");
		let mut changed = base.clone();
		changed.messages[0].transfer =
			Some(TransferRef { pool: 1, to: [9; 32], holding: crate::holding::Holding::Item(7) });
		assert_ne!(base.hash(), changed.hash(), "the declared transfer is part of the batch");
		assert_ne!(base.messages[0].hash(), changed.messages[0].hash());
		assert_eq!(base.hash(), base.clone().hash());
	}

	#[test]
	fn a_message_hash_ignores_its_nonces_and_time() {
		let base = payload(MessageKind::Private).messages[0].clone();
		let mut batched = base.clone();
		batched.nonces = vec![5, 6];
		batched.created = 99;
		assert_eq!(base.hash(), batched.hash());
		let mut other = base.clone();
		other.tag = "other".into();
		assert_ne!(base.hash(), other.hash());
	}

	#[test]
	fn broadcast_contexts_are_the_distinct_topic_hashes() {
		let contexts = payload(MessageKind::Broadcast).contexts();
		assert_eq!(contexts, vec![blake2_256(b"claims"), blake2_256(b"audit")]);
	}

	#[test]
	fn private_contexts_are_masked_per_message_topic_and_nonce() {
		let p = payload(MessageKind::Private);
		let contexts = p.contexts();
		assert_eq!(contexts.len(), 3);
		assert_eq!(contexts[0], masked_context(&[7; 32], "claims", "did:parley:node/a", 0));
		assert_eq!(contexts[2], masked_context(&[7; 32], "claims", "did:parley:node/a", 1));
		// Not guessable from the topic alone, and different per nonce, author and secret.
		assert!(!contexts.contains(&blake2_256(b"claims")));
		assert_ne!(contexts[0], contexts[2]);
		assert_ne!(contexts[0], masked_context(&[7; 32], "claims", "did:parley:node/b", 0));
		assert_ne!(contexts[0], masked_context(&[8; 32], "claims", "did:parley:node/a", 0));
	}
}
