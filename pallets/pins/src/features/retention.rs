//! Forgetting old pins: the chain keeps a pin, its skip and its acknowledgements for
//! `RetainFor` blocks, then drops them in the blocks' idle time, oldest first, so that storage
//! stays bounded by what the network made within the window.
//!
//! Every pin is appended to [`PinLog`] as it is made; [`Pallet::prune_old_pins`] (run from
//! `on_idle`) takes entries from its head while they are older than the window and the block
//! has weight to spare. Acknowledgements are per hash: they go with the last pin of their hash.
//!
//! Nothing a rival could replay outlives its record: a signed acknowledgement expires within
//! `ACK_LIFETIME` blocks (far less than the window, checked by `integrity_test`), pins and skips
//! are signed transactions (account nonce), and an escrow id is never reused. A pin pruned here
//! stays in every node's own store, which takes a batch of an (author, id) it already has once.

use crate::{pallet::*, BatchId};
use frame_support::{pallet_prelude::*, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_identities::IdentityId;
use sp_runtime::traits::Saturating;

/// Most acknowledgements of one hash removed with its last pin (one per node that
/// acknowledged it; more than the network has nodes).
pub const MAX_ACKS_PER_PIN: u32 = 64;

impl<T: Config> Pallet<T> {
	/// Appends the pin of `author`'s batch `batch_id`, made in `block`, to the log of pins to
	/// forget once `RetainFor` blocks old.
	pub(crate) fn log_pin(block: BlockNumberFor<T>, author: IdentityId, batch_id: BatchId) {
		PinLogBounds::<T>::mutate(|(_, next)| {
			PinLog::<T>::insert(*next, (block, author, batch_id));
			*next = next.saturating_add(1);
		});
	}

	/// The most weight forgetting one pin takes: its log entry, its record, its hash entry and
	/// skip, the other pins of its hash, and its hash's acknowledgements.
	pub fn forget_one_weight() -> Weight {
		T::DbWeight::get().reads_writes(4, 4 + u64::from(MAX_ACKS_PER_PIN))
	}

	/// Forgets pins older than `RetainFor` at block `now`, oldest first, within `limit` weight.
	/// Returns the weight used.
	pub fn prune_old_pins(now: BlockNumberFor<T>, limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		// Reading the bounds, and writing them back.
		let mut used = db.reads_writes(1, 1);
		if limit.any_lt(used.saturating_add(Self::forget_one_weight())) {
			return Weight::zero();
		}
		let (mut head, next) = PinLogBounds::<T>::get();
		let start = head;
		while head < next && limit.all_gte(used.saturating_add(Self::forget_one_weight())) {
			let Some((block, author, batch_id)) = PinLog::<T>::get(head) else {
				head += 1;
				used.saturating_accrue(db.reads(1));
				continue;
			};
			if block.saturating_add(T::RetainFor::get()) > now {
				used.saturating_accrue(db.reads(1));
				break;
			}
			PinLog::<T>::remove(head);
			head += 1;
			let acks = Self::forget_pin(author, batch_id);
			used.saturating_accrue(db.reads_writes(4, 4 + u64::from(acks)));
		}
		if head != start {
			PinLogBounds::<T>::put((head, next));
		}
		used
	}
}
