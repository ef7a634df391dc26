//! The two narrow things the off-chain half needs from the chain, as traits the node implements
//! (and tests implement in memory):
//! - [`ChainView`]: the node identities, and the bounds a pin must keep to, as of the latest
//!   imported block;
//! - [`Submitter`]: submit this node's signed `pins.pin_batch` (and the tokens pallet calls apps
//!   ask for), and hand verified batches to the pins pallet's offchain worker, which
//!   acknowledges them on-chain.
//!
//! Blocks themselves come in through [`crate::Exchange::on_block`], in order, as [`ChainBlock`]s:
//! what the node read from each block (pins, acknowledgements, skips, failed pins, token events).

use crate::{
	tokens::{Account, ExtrinsicOutcome, PoolId, SubmittedTx, TokenCall, TokenRecord},
	types::{BatchId, Hash, NodeId, NodeIdentity},
};
use codec::{Decode, Encode};
use futures::future::BoxFuture;

/// Reads identities from the chain.
pub trait ChainView: Send + Sync + 'static {
	/// Every node identity, in force or not, as of the latest imported block.
	fn nodes(&self) -> Result<Vec<NodeIdentity>, String>;

	/// The number of the latest imported block.
	fn best_block(&self) -> u64;

	/// The bounds the pins pallet enforces (contexts per pin, namespace length, skip delay), as
	/// of the latest imported block: batches are cut to fit them.
	fn pin_limits(&self) -> Result<PinLimits, String>;

	/// What `account` holds in `pool` as of the latest imported block: an amount, or a number
	/// of items; `None` if the pool does not exist.
	fn token_balance(&self, _pool: PoolId, _account: Account) -> Result<Option<u128>, String> {
		Err("this chain view does not read token balances".into())
	}

	/// Up to `limit` indexes of the items `account` holds in non-fungible `pool`.
	fn token_items(
		&self,
		_pool: PoolId,
		_account: Account,
		_limit: u32,
	) -> Result<Vec<u64>, String> {
		Err("this chain view does not read token items".into())
	}

	/// Who holds item `index` of non-fungible `pool`.
	fn item_owner(&self, _pool: PoolId, _index: u64) -> Result<Option<Account>, String> {
		Err("this chain view does not read token items".into())
	}

	/// The member orgs with their validators, and the open motions with their votes, as of the
	/// latest imported block.
	fn governance(&self) -> Result<Governance, String> {
		Err("this chain view does not read governance".into())
	}
}

/// Who governs the network (`GovernanceApi`): the members and the open motions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Governance {
	/// The member orgs, in identity order.
	pub members: Vec<Member>,
	/// The open motions, oldest first.
	pub motions: Vec<Motion>,
}

/// A member org: one vote, one validator node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
	/// The org's DID.
	pub org: String,
	/// Its admin account, which votes for it.
	pub admin: Account,
	/// The DID of the node the members chose as its validator.
	pub validator: String,
	/// That node's account.
	pub validator_account: Account,
	/// Whether that node is in the current session's validator set.
	pub validating: bool,
	/// Whether it will be in the next session's (in force, with the voted session keys).
	pub next_session: bool,
}

/// An open motion of the members.
#[derive(Clone, Debug, PartialEq)]
pub struct Motion {
	/// The proposal index that `governance.vote` takes.
	pub index: u32,
	/// The collective's proposal hash.
	pub hash: Hash,
	/// Its kind: `AdmitOrg`, `RemoveOrg`, `ReplaceValidator`, `UpgradeRuntime`, `SetParameter`
	/// or `SkipBatch`.
	pub kind: String,
	/// What it decides, as the node renders it (DIDs, hashes, the parameter).
	pub decision: serde_json::Value,
	/// The ayes it needs to pass.
	pub threshold: u32,
	/// The admin accounts that voted aye, the proposer first.
	pub ayes: Vec<Account>,
	/// The admin accounts that voted nay.
	pub nays: Vec<Account>,
	/// The block its voting period ends in.
	pub end: u64,
}

/// The bounds the pins pallet enforces, read from the chain (`PinsApi::limits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinLimits {
	/// Most contexts in one pin.
	pub max_contexts: u32,
	/// Longest namespace, in bytes.
	pub max_namespace_len: u32,
	/// Blocks a pin must be old before `pins.skip_batch` accepts it.
	pub skip_after: u64,
}

/// Most pins in one [`Submitter::submit_pins`] (the pins pallet's `MAX_PINS_PER_CALL`).
pub const MAX_PINS_PER_SUBMISSION: usize = 64;

/// A pin this node asks the chain to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinSubmission {
	/// Namespace.
	pub namespace: String,
	/// Batch id.
	pub batch_id: BatchId,
	/// Batch hash.
	pub batch_hash: Hash,
	/// Contexts.
	pub contexts: Vec<Hash>,
}

/// The block a transaction's mortal era of `mortality` blocks is born at: the last finalized
/// block while it is within half an era of the best block, else the best block.
///
/// The transaction pool validates a transaction against each block it builds on (the fork-aware
/// pool keeps a view per block), and a view of a block below the era's birth, or on another fork,
/// refuses it (`AncientBirthBlock`, or a bad proof for another birth hash), while a view made
/// during the refusal may still hold it and let it land. The finalized block is an ancestor of
/// every view, so an era born there is valid in all of them. When finality stalls (a party cut
/// off for longer than half an era), an era born there would leave too little of its life, so it
/// is born at the best block.
pub fn era_birth(best: u64, finalized: u64, mortality: u64) -> u64 {
	if best.saturating_sub(finalized) <= mortality / 2 {
		finalized.min(best)
	} else {
		best
	}
}

/// This node's transactions that the pool accepted and the chain has not yet taken, by nonce:
/// what a submitter's next nonce must pass.
///
/// The pool's own ready set is not enough. The fork-aware pool answers `ready()` from its newest
/// view, and a view built for a new block copies the pool's transactions when it starts; one
/// accepted while the view is being built goes to the older views only, so for a while the newest
/// view does not hold it. A nonce taken from that view alone would be the same again, and one of
/// the two transactions would never land. A transaction leaves this book when the chain's nonce
/// passes it, when its era ends, or when the pool drops it (usurped, dropped, invalid), so that
/// its nonce is used again and later transactions do not wait on a gap.
#[derive(Debug, Default)]
pub struct InFlight {
	by_nonce: std::collections::BTreeMap<u32, InFlightTx>,
}

/// One transaction in [`InFlight`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct InFlightTx {
	/// Its hash, so that news of a transaction that no longer holds the nonce is ignored.
	hash: [u8; 32],
	/// The last block it may be in (its era's end).
	valid_until: u64,
}

impl InFlight {
	/// The nonce for the next transaction, given the account's nonce at the best block
	/// (`chain_nonce`), the best block's number, and the nonce the pool's ready set implies
	/// (`pool_next`, at least `chain_nonce`): the larger of `pool_next` and the first nonce from
	/// `chain_nonce` that no transaction in flight holds. Forgets first what the chain took and
	/// what can no longer land.
	pub fn next_nonce(&mut self, chain_nonce: u32, best: u64, pool_next: u32) -> u32 {
		self.by_nonce.retain(|nonce, tx| *nonce >= chain_nonce && tx.valid_until >= best);
		let mut own = chain_nonce;
		while self.by_nonce.contains_key(&own) {
			own += 1;
		}
		own.max(pool_next)
	}

	/// Records that the pool accepted the transaction `hash` with `nonce`, valid until block
	/// `valid_until`.
	pub fn accepted(&mut self, nonce: u32, hash: [u8; 32], valid_until: u64) {
		self.by_nonce.insert(nonce, InFlightTx { hash, valid_until });
	}

	/// Forgets the transaction `hash` at `nonce`, which the pool dropped: its nonce is free
	/// again. News of a transaction that no longer holds the nonce changes nothing.
	pub fn dropped(&mut self, nonce: u32, hash: [u8; 32]) {
		if self.by_nonce.get(&nonce).is_some_and(|tx| tx.hash == hash) {
			self.by_nonce.remove(&nonce);
		}
	}

	/// How many transactions are in flight.
	pub fn len(&self) -> usize {
		self.by_nonce.len()
	}

	/// Whether none is.
	pub fn is_empty(&self) -> bool {
		self.by_nonce.is_empty()
	}
}

/// What a submitter tells once a transaction is signed, before it goes to the pool: its hash and
/// era, so that the caller can keep them where a crash cannot lose them.
pub type OnSigned = Box<dyn FnOnce(SubmittedTx) -> BoxFuture<'static, Result<(), String>> + Send>;

/// Writes to the chain on this node's behalf.
pub trait Submitter: Send + Sync + 'static {
	/// Submits `pins.pin_batch`, signed by this node's account. Resolves once the transaction
	/// pool accepted it (not when it is in a block).
	fn submit_pin(&self, pin: PinSubmission) -> BoxFuture<'static, Result<(), String>>;

	/// Submits `pins.pin_batches`, signed by this node's account: `pins` (at most
	/// [`MAX_PINS_PER_SUBMISSION`]) in one transaction, made on-chain in the order given; the
	/// pallet passes over the pins this node made already. Resolves once the transaction pool
	/// accepted it.
	fn submit_pins(&self, pins: Vec<PinSubmission>) -> BoxFuture<'static, Result<(), String>>;

	/// Records that this node received and verified the batch with `batch_hash`, for the pins
	/// pallet's offchain worker to acknowledge on-chain.
	fn acknowledge(&self, batch_hash: Hash);

	/// Submits `pins.skip_batch`, signed by this node's account: every node stops waiting for
	/// that batch (an operator's way out of a context blocked by a batch that never arrives).
	fn submit_skip(&self, batch_id: BatchId) -> BoxFuture<'static, Result<(), String>>;

	/// Submits a tokens pallet call signed by this node's account. Once it is signed, and
	/// before it goes to the pool, `signed` is told its hash and era (and an error from it stops
	/// the transaction there). Resolves with the same once the transaction pool accepted it.
	fn submit_tokens(
		&self,
		_call: TokenCall,
		_signed: OnSigned,
	) -> BoxFuture<'static, Result<SubmittedTx, String>> {
		Box::pin(async { Err("this submitter does not submit token calls".to_string()) })
	}
}

/// A `BatchPinned` event, in chain order.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PinnedBatch {
	/// The block it was pinned in.
	pub block: u64,
	/// Its index among the block's events, which orders pins within a block.
	pub event_index: u32,
	/// The namespace it was pinned in.
	pub namespace: String,
	/// Its sequence in that namespace.
	pub sequence: u64,
	/// The node identity that pinned it.
	pub author: NodeId,
	/// The batch id.
	pub batch_id: BatchId,
	/// The batch hash.
	pub batch_hash: Hash,
	/// Its contexts.
	pub contexts: Vec<Hash>,
}

/// A pin that is in a block but failed: a `pins.pin_batch` extrinsic that failed
/// (`ExtrinsicFailed`), each pin of a failed `pins.pin_batches`, or one pin of it the pallet
/// refused (`PinRefused`). The chain
/// shows every party the same failure, so every party stops waiting for the contexts it named
/// (unless its signer did pin that batch: then it was a resubmitted duplicate), and its author
/// sends the messages again or rejects them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedPin {
	/// The account that signed it.
	pub signer: [u8; 32],
	/// The batch id it named.
	pub batch_id: BatchId,
	/// The batch hash it named.
	pub batch_hash: Hash,
	/// The contexts it named.
	pub contexts: Vec<Hash>,
	/// The dispatch error, by name: `Pins.TooManyContexts`, `Pins.InvalidNamespace`, …
	pub error: String,
}

/// A `BatchSkipped` or `BatchSkippedByVote` event: a batch every node stops waiting for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedBatch {
	/// The node that pinned it: a batch is its author's (another node's pin of the same id is
	/// another batch).
	pub author: NodeId,
	/// Its id.
	pub batch_id: BatchId,
	/// Whether the members voted the skip (`BatchSkippedByVote`); otherwise its author skipped
	/// it.
	pub by_vote: bool,
}

/// What the node reports about one block, in block order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainBlock {
	/// Block number.
	pub number: u64,
	/// Block hash.
	pub hash: Hash,
	/// Its `BatchPinned` events, in event order.
	pub pins: Vec<PinnedBatch>,
	/// Its `BatchAcknowledged` events: (batch hash, acknowledging node).
	pub acknowledgements: Vec<(Hash, NodeId)>,
	/// Its `BatchSkipped` and `BatchSkippedByVote` events.
	pub skips: Vec<SkippedBatch>,
	/// Identities registered or verified in it: (identity id, DID if known, what happened).
	pub identities: Vec<(u32, Option<String>, String)>,
	/// Its tokens pallet events, in event order.
	pub tokens: Vec<TokenRecord>,
	/// Its extrinsics' hashes and outcomes (to settle the token operations this node submitted).
	pub extrinsics: Vec<ExtrinsicOutcome>,
	/// Its pins that failed (see [`FailedPin`]), in extrinsic order.
	pub failed_pins: Vec<FailedPin>,
}

#[cfg(test)]
mod tests {
	use super::{era_birth, InFlight};

	/// The race it closes: the pool's newest view does not hold a transaction just accepted
	/// (`pool_next` is still the chain's nonce), and the next transaction must not take its nonce.
	#[test]
	fn a_transaction_the_pools_newest_view_misses_keeps_its_nonce() {
		let mut book = InFlight::default();
		assert_eq!(book.next_nonce(7, 100, 7), 7);
		book.accepted(7, [1; 32], 163);
		assert_eq!(book.next_nonce(7, 100, 7), 8, "the view without it does not free nonce 7");
		book.accepted(8, [2; 32], 163);
		// The pool knows of one more (say, sent before a restart): its count wins.
		assert_eq!(book.next_nonce(7, 100, 10), 10);
		// The chain took 7 and 8: they are forgotten, and the next is the chain's.
		assert_eq!(book.next_nonce(9, 101, 9), 9);
		assert!(book.is_empty());
	}

	/// A transaction the pool dropped frees its nonce, so that the next one fills the gap rather
	/// than leaving later ones waiting on it; news of an older holder of a nonce is ignored; and
	/// a transaction whose era ended is forgotten.
	#[test]
	fn a_dropped_or_expired_transaction_frees_its_nonce() {
		let mut book = InFlight::default();
		for (nonce, hash) in [(3, [3; 32]), (4, [4; 32]), (5, [5; 32])] {
			book.accepted(nonce, hash, 50);
		}
		// The pool dropped 4 (5 now waits in its future queue, so the ready set ends at 4).
		book.dropped(4, [4; 32]);
		assert_eq!(book.next_nonce(3, 10, 4), 4, "the gap is filled first");
		book.accepted(4, [44; 32], 50);
		// Late news about the first holder of 4 does not free the new one's nonce.
		book.dropped(4, [4; 32]);
		assert_eq!(book.next_nonce(3, 10, 3), 6);
		assert_eq!(book.len(), 3);
		// Past block 50 none of them can land: all are forgotten.
		assert_eq!(book.next_nonce(3, 51, 3), 3);
		assert!(book.is_empty());
	}

	#[test]
	fn an_era_is_born_at_the_finalized_block_unless_finality_lags_half_an_era() {
		assert_eq!(era_birth(103, 100, 64), 100);
		assert_eq!(era_birth(132, 100, 64), 100);
		// Finality stalled: born at 100 it would end 31 blocks from now; born at the best block
		// it has the whole era.
		assert_eq!(era_birth(133, 100, 64), 133);
		assert_eq!(era_birth(0, 0, 64), 0);
		// Whatever the birth, it is not after the best block, and the era (64 blocks from its
		// birth) has at least half its length left.
		for (best, finalized) in [(103, 100), (132, 100), (133, 100), (5000, 10), (7, 9)] {
			let born = era_birth(best, finalized, 64);
			assert!(born <= best, "{best} {finalized}");
			assert!(born + 64 >= best + 32, "{best} {finalized}");
		}
	}
}
