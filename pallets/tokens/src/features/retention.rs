//! Forgetting ended escrows: the chain keeps an escrow that was released or refunded for
//! `RetainEndedFor` blocks after its timeout (the latest it could have ended), then drops it in
//! the blocks' idle time, so that storage stays bounded by the escrows of the window.
//!
//! Escrow ids are handed out in order and an escrow ends by its timeout, so one cursor
//! ([`EscrowsForgottenBelow`]) walks them: it stops at an escrow still locked, or ended within
//! the window, and moves past the rest. Nothing can be replayed against a forgotten escrow: ids
//! are never reused, and a release or refund of one fails with `UnknownEscrow`.

use crate::{pallet::*, EscrowState};
use frame_support::{pallet_prelude::*, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Forgets escrows that ended more than `RetainEndedFor` blocks after their timeout, in id
	/// order, within `limit` weight at block `now`. Returns the weight used.
	pub fn forget_ended_escrows(now: BlockNumberFor<T>, limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		// The cursor and the next id, read; the cursor written back.
		let mut used = db.reads_writes(2, 1);
		// Per escrow: its record read; it and its key hash (if hash-locked) removed.
		let step = db.reads_writes(1, 2);
		if limit.any_lt(used.saturating_add(step)) {
			return Weight::zero();
		}
		let (start, next) = (EscrowsForgottenBelow::<T>::get(), NextEscrowId::<T>::get());
		let mut cursor = start;
		while cursor < next && limit.all_gte(used.saturating_add(step)) {
			used.saturating_accrue(step);
			match Escrows::<T>::get(cursor) {
				None => {}
				Some(escrow) if escrow.state == EscrowState::Locked => break,
				Some(escrow)
					if escrow.expires_at.saturating_add(T::RetainEndedFor::get()) > now =>
				{
					break
				}
				Some(_) => {
					Escrows::<T>::remove(cursor);
					EscrowKeys::<T>::remove(cursor);
				}
			}
			cursor += 1;
		}
		if cursor != start {
			EscrowsForgottenBelow::<T>::put(cursor);
		}
		used
	}
}
