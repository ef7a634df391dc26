//! When a recipient acknowledges a batch on-chain.
//!
//! Every recipient signs a receipt for each batch it takes in, and its author keeps it
//! (`store/receipts.rs`): that is the proof of delivery, off-chain. An on-chain acknowledgement
//! is public: anyone can read from it which nodes received which batch, and so who is in which
//! private group. A recipient therefore acknowledges a batch it released on-chain only where
//! someone needs it there:
//! - the author asked for it (`proofOfReceipt` on the message; covered by the batch hash, so
//!   nobody on the way can add or strip it);
//! - an escrow waits on this node's acknowledgement of the batch (delivery versus payment):
//!   at release if the escrow is already known, or when its lock is recorded if the batch was
//!   released first.

use crate::exchange::Exchange;
use crate::{
	batch::BatchPayload,
	store::PinRow,
	tokens::{TokenEvent, TokenRecord},
};

const LOG: &str = "parley::exchange";

/// After `pin`'s payload was released here: queues the on-chain acknowledgement if the author
/// asked for proof of receipt or an escrow waits on it.
pub(crate) async fn after_release(exchange: &Exchange, pin: &PinRow, payload: &BatchPayload) {
	let Ok(me) = exchange.me().map(|m| m.id) else { return };
	if me == pin.author {
		return;
	}
	if payload.proof_of_receipt {
		exchange.inner.submitter.acknowledge(pin.batch_hash);
		return;
	}
	let escrow = match exchange.inner.store.escrow_waits_on(me, &pin.batch_hash).await {
		Ok(waits) => waits,
		Err(e) => {
			// The lock's own record (see `after_block`) acknowledges it if this check failed.
			log::warn!(target: LOG, "cannot read the escrows of batch {}: {e}", hex::encode(pin.batch_id));
			false
		}
	};
	if escrow {
		exchange.inner.submitter.acknowledge(pin.batch_hash);
	}
}

/// After a block was recorded: queues the acknowledgement of each batch released here before
/// an escrow that waits on this node's acknowledgement of it was locked.
pub(crate) async fn after_block(exchange: &Exchange, tokens: &[TokenRecord]) {
	let Ok(me) = exchange.me().map(|m| m.id) else { return };
	for record in tokens {
		let TokenEvent::EscrowLocked { batch_hash, node, escrow, .. } = &record.event else {
			continue;
		};
		// A hash-locked escrow is released by its key, never by an acknowledgement.
		let keyed = tokens.iter().any(
			|r| matches!(r.event, TokenEvent::EscrowKeyLocked { escrow: e, .. } if e == *escrow),
		);
		if *node != me || keyed {
			continue;
		}
		match exchange.inner.store.released_by_other(batch_hash, me).await {
			Ok(true) => {
				log::info!(
					target: LOG,
					"escrow {escrow} waits on batch 0x{}, released here: acknowledging it",
					hex::encode(batch_hash)
				);
				exchange.inner.submitter.acknowledge(*batch_hash);
			}
			Ok(false) => {}
			Err(e) => log::warn!(target: LOG, "cannot check the batch of escrow {escrow}: {e}"),
		}
	}
}
