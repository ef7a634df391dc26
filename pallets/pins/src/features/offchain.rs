//! The offchain worker that acknowledges, on-chain, the batches this node received and verified.
//!
//! The node's private data service appends the hash of every batch it released (and did not
//! author) to a queue in offchain local storage ([`ACK_QUEUE_KEY`]). On each block this worker
//! signs an [`AckPayload`] with the node's account key (key type [`crate::KEY_TYPE`]) and submits
//! it as an unsigned transaction ([`Call::submit_acknowledgement`]): no fee and no account nonce,
//! so it never races the node's own signed pins. Entries leave the queue once the chain shows
//! the acknowledgement, or once the batch can no longer be acknowledged.
//!
//! What a node signs names this chain and a lifetime: a domain tag ([`ACK_DOMAIN`]), the genesis
//! hash and an expiry block at most [`ACK_LIFETIME`] blocks ahead. A signed acknowledgement
//! therefore cannot be replayed on another chain, nor taken for another kind of signed message,
//! nor kept and submitted later (once old records are pruned, say). In the pool it ranks below
//! every signed transaction (priority 0 in the runtime), and it pays for the escrows it really
//! releases, not for the most it could (the rest of the reserved weight is refunded).

use crate::pallet::*;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use frame_support::pallet_prelude::*;
use frame_system::{
	offchain::{SendUnsignedTransaction, SignedPayload, Signer, SigningTypes},
	pallet_prelude::BlockNumberFor,
};
use pallet_identities::NodeRegistry;
use sp_core::H256;
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
	traits::{IdentifyAccount, SaturatedConversion, Zero},
	transaction_validity::{InvalidTransaction, TransactionValidity, ValidTransaction},
};

/// The offchain local storage key of the acknowledgement queue: SCALE `Vec<(H256, u32)>` of
/// (batch hash, block of the last submission, 0 for never).
pub const ACK_QUEUE_KEY: &[u8] = b"parley::pins::ack-queue";
/// Most entries the queue keeps; the oldest go first.
pub const ACK_QUEUE_MAX: usize = 4096;
/// Most acknowledgements submitted per block.
const MAX_PER_BLOCK: usize = 32;
/// Blocks to wait before submitting an acknowledgement again.
const RESUBMIT_AFTER: u32 = 5;

/// The domain tag that begins every signed acknowledgement.
pub const ACK_DOMAIN: [u8; 8] = *b"prly/ack";
/// Most blocks a signed acknowledgement stays valid after the block it was made on.
pub const ACK_LIFETIME: u32 = 32;

/// What a node signs to acknowledge a batch.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct AckPayload<Public, Hash> {
	/// Always [`ACK_DOMAIN`]: this signature is an acknowledgement and nothing else.
	pub domain: [u8; 8],
	/// The genesis hash of the chain it is for.
	pub genesis: Hash,
	/// The node that pinned the batch (the hash covers the batch's true author; a copy's pin
	/// names the same content).
	pub author: pallet_identities::IdentityId,
	/// The batch acknowledged.
	pub batch_hash: H256,
	/// The last block it may be included in (at most [`ACK_LIFETIME`] blocks after the block it
	/// was made on).
	pub expires: u32,
	/// The acknowledging node's account key.
	pub public: Public,
}

impl<T: SigningTypes> SignedPayload<T> for AckPayload<T::Public, T::Hash> {
	fn public(&self) -> T::Public {
		self.public.clone()
	}
}

impl<T: Config> Pallet<T> {
	/// Runs once per imported block on a node with offchain workers enabled.
	pub(crate) fn acknowledge_queued(block: BlockNumberFor<T>) {
		let block: u32 = block.saturated_into();
		let signer = Signer::<T, T::NodeKey>::any_account();
		let my_nodes: Vec<pallet_identities::IdentityId> = Signer::<T, T::NodeKey>::all_accounts()
			.accounts_from_keys()
			.filter_map(|account| T::Nodes::active_node(&account.id))
			.collect();
		if my_nodes.is_empty() || !signer.can_sign() {
			return;
		}
		let queue = StorageValueRef::persistent(ACK_QUEUE_KEY);
		let mut to_send: Vec<(pallet_identities::IdentityId, H256)> = Vec::new();
		let result =
			queue.mutate(|stored: Result<Option<Vec<(H256, u32)>>, StorageRetrievalError>| {
				let mut entries = stored.ok().flatten().unwrap_or_default();
				entries.retain(|(hash, _)| Self::still_to_acknowledge(hash, &my_nodes));
				for (hash, last) in entries.iter_mut() {
					if to_send.len() < MAX_PER_BLOCK
						&& (*last == 0 || block >= last.saturating_add(RESUBMIT_AFTER))
					{
						// Not pinned yet: it stays queued until it is.
						let Some(author) = Self::pin_to_acknowledge(hash, &my_nodes) else {
							continue;
						};
						to_send.push((author, *hash));
						*last = block;
					}
				}
				Ok::<_, ()>(entries)
			});
		if let Err(MutateStorageError::ConcurrentModification(_)) = result {
			// The node appended meanwhile; the next block picks it up.
			return;
		}
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let expires = block.saturating_add(ACK_LIFETIME);
		for (author, hash) in to_send {
			let sent = signer.send_unsigned_transaction(
				|account| AckPayload {
					domain: ACK_DOMAIN,
					genesis,
					author,
					batch_hash: hash,
					expires,
					public: account.public.clone(),
				},
				|ack, signature| Call::submit_acknowledgement { ack, signature },
			);
			if let Some((_, Err(()))) = sent {
				log::debug!(target: "parley::pins", "acknowledgement of {hash:?} not accepted by the pool");
			}
		}
	}

	/// Whether one of `my_nodes` still has to acknowledge `hash`: not yet pinned (it may be
	/// soon), or pinned by another node under a pin that can still be acknowledged, and not yet
	/// acknowledged by it.
	fn still_to_acknowledge(hash: &H256, my_nodes: &[pallet_identities::IdentityId]) -> bool {
		let pins = Self::pins_of_hash(*hash);
		pins.is_empty() || Self::pin_to_acknowledge(hash, my_nodes).is_some()
	}

	/// The author under whose pin one of `my_nodes` acknowledges `hash`: a pin of another node's
	/// that is not skipped, while that node has not acknowledged the hash. Any such pin names
	/// the same content (a copier's pin of the hash too), so which one does not matter; there is
	/// at most one per node.
	fn pin_to_acknowledge(
		hash: &H256,
		my_nodes: &[pallet_identities::IdentityId],
	) -> Option<pallet_identities::IdentityId> {
		if my_nodes.iter().any(|node| Self::batch_by_hash(*node, *hash).is_some()) {
			return None;
		}
		let pending = my_nodes.iter().any(|node| !Acknowledgements::<T>::contains_key(hash, node));
		Self::pins_of_hash(*hash)
			.into_iter()
			.find(|(author, id)| {
				pending && !my_nodes.contains(author) && Self::skipped(*author, *id).is_none()
			})
			.map(|(author, _)| author)
	}

	/// Checks an unsigned acknowledgement before it enters the pool.
	pub(crate) fn validate_acknowledgement(
		ack: &AckPayload<T::Public, T::Hash>,
		signature: &T::Signature,
	) -> TransactionValidity {
		let now: u32 = frame_system::Pallet::<T>::block_number().saturated_into();
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		// Another domain or chain, or a lifetime longer than allowed: not an acknowledgement of
		// this chain's, whatever it was signed for.
		if ack.domain != ACK_DOMAIN
			|| ack.genesis != genesis
			|| ack.expires > now.saturating_add(ACK_LIFETIME)
		{
			return InvalidTransaction::BadProof.into();
		}
		if ack.expires < now {
			return InvalidTransaction::Stale.into();
		}
		if !SignedPayload::<T>::verify::<T::NodeKey>(ack, signature.clone()) {
			return InvalidTransaction::BadProof.into();
		}
		let who = ack.public.clone().into_account();
		let node = T::Nodes::active_node(&who).ok_or(InvalidTransaction::BadSigner)?;
		let batch_id =
			Self::batch_by_hash(ack.author, ack.batch_hash).ok_or(InvalidTransaction::Stale)?;
		if ack.author == node
			|| Self::batch_by_hash(node, ack.batch_hash).is_some()
			|| Acknowledgements::<T>::contains_key(ack.batch_hash, node)
			|| Self::skipped(ack.author, batch_id).is_some()
		{
			return InvalidTransaction::Stale.into();
		}
		ValidTransaction::with_tag_prefix("ParleyAcknowledgement")
			.priority(T::UnsignedPriority::get())
			.and_provides((ack.batch_hash, node))
			.longevity((ack.expires - now).max(1) as u64)
			.propagate(true)
			.build()
	}
}
