//! The pin room: this node's pins go on-chain here, in the order their batches were made.
//!
//! A batch's pin (`pins.pin_batch`: its id, hash and contexts; never its payload) is submitted
//! by [`pin`] when the outbox (in [`crate::send`]) finds its operation due; the operation stays
//! open until the pin is seen on-chain, and is submitted again if it does not appear in time.
//! What the chain says of this node's pins reaches this room as a message: the confirm room
//! notes, with each block it records, which of this node's pins landed or failed in it, and
//! wakes the outbox; [`settle`] applies the notes to this node's batches, messages and pin
//! operations (`Store::settle_pin_outcomes`). A pin that failed on-chain fails its operation
//! with the chain's error, and is never submitted again.
//!
//! Pins run one at a time, in the order their batches were made, and a pin is submitted only
//! once every earlier open pin has been submitted by this run of the node (so with a lower
//! nonce) and is not in doubt (see [`PinOrder`]): a batch whose pin was lost from the pool in a
//! crash, or whose submission failed, holds back the later ones, which would otherwise land
//! first and reorder this node's broadcasts (private messages are also held in order by their
//! nonces at every recipient). When the oldest open pin is in doubt (every open pin is, after a
//! restart), it goes on-chain with the open pins after it in one `pins.pin_batches`
//! transaction ([`pin_together`]), which makes them in order: a restart or a lost pin costs one
//! round to the chain per [`MAX_PINS_PER_SUBMISSION`] open pins, not one per pin.

use crate::{
	chain::{PinSubmission, MAX_PINS_PER_SUBMISSION},
	exchange::{Exchange, LOG},
	store::OutboxOp,
	types::now_ms,
};
use std::{collections::HashSet, time::Duration};

/// Most open pins looked at to keep them in order (more are simply not due yet).
pub(crate) const PIN_WINDOW: i64 = 1024;

/// How soon to look again whether a pin in doubt landed (about one finality round here).
const IN_DOUBT_RECHECK: Duration = Duration::from_secs(6);

/// What this run of the node knows of its open pins, to get them on-chain in the order their
/// batches were made. Pins submitted one after the other get increasing nonces, so they land in
/// order while each stays in the transaction pool; a pin that may have left the pool is *in
/// doubt*, and no later pin is submitted until it is seen on-chain: every pin open when the node
/// starts (the pool did not survive; the node's view of its nonce may also be stale until it has
/// caught up), and a pin submitted again because it did not land in time.
pub(crate) struct PinOrder {
	/// Pins this run submitted (or found on-chain), still open.
	submitted: HashSet<String>,
	/// Open pins in doubt.
	in_doubt: HashSet<String>,
	/// The open pins, oldest first, as read at the start of this outbox pass (`None`: they
	/// could not be read, and no pin is submitted).
	open: Option<Vec<OutboxOp>>,
}

impl PinOrder {
	/// The order at start: every open pin in doubt, and due now.
	pub(crate) async fn start(exchange: &Exchange) -> Self {
		let store = &exchange.inner.store;
		let in_doubt = match store.open_pins(PIN_WINDOW).await {
			Ok(open) => open.into_iter().map(|op| op.id).collect(),
			Err(e) => {
				log::warn!(target: LOG, "cannot read the open pins: {e}");
				HashSet::new()
			}
		};
		if let Err(e) = store.pins_due_now().await {
			log::warn!(target: LOG, "cannot reschedule the open pins: {e}");
		}
		Self { submitted: HashSet::new(), in_doubt, open: None }
	}

	/// Reads the open pins, once per outbox pass, and forgets the pins no longer open. (A pin
	/// made during the pass is not among them; it is the newest, so the rule still holds.)
	pub(crate) async fn read_open(&mut self, exchange: &Exchange) {
		self.open = match exchange.inner.store.open_pins(PIN_WINDOW).await {
			Ok(open) => {
				let is_open: HashSet<&str> = open.iter().map(|op| op.id.as_str()).collect();
				self.submitted.retain(|s| is_open.contains(s.as_str()));
				self.in_doubt.retain(|s| is_open.contains(s.as_str()));
				Some(open)
			}
			Err(e) => {
				log::warn!(target: LOG, "cannot read the open pins: {e}");
				None
			}
		};
	}

	/// Whether pin `id` may be submitted now: every open pin made before it was submitted by
	/// this run and is not in doubt.
	pub(crate) fn may_submit(&self, id: &str) -> bool {
		let Some(open) = &self.open else { return false };
		open.iter()
			.take_while(|o| o.id != id)
			.all(|o| self.submitted.contains(&o.id) && !self.in_doubt.contains(&o.id))
	}

	/// The open pins to submit together when pin `id` is due: if it is the oldest open pin and
	/// in doubt, it and the open pins after it, up to [`MAX_PINS_PER_SUBMISSION`], oldest first.
	pub(crate) fn together_behind(&self, id: &str) -> Option<Vec<OutboxOp>> {
		let open = self.open.as_ref()?;
		let oldest = open.first()?;
		(oldest.id == id && self.in_doubt.contains(id))
			.then(|| open.iter().take(MAX_PINS_PER_SUBMISSION).cloned().collect())
	}

	/// Records a run of pins submitted together: each stays in doubt until it is seen on-chain
	/// (the oldest one leads the next try), so no later pin goes alone ahead of them.
	pub(crate) fn ran_together(&mut self, together: &[OutboxOp], submitted: bool) {
		if submitted {
			for op in together {
				self.submitted.insert(op.id.clone());
				self.in_doubt.insert(op.id.clone());
			}
		}
	}

	/// How soon to look again whether pin `id` landed: sooner while it is in doubt, or about to
	/// be (submitting it again is harmless: a duplicate fails on-chain and voids nothing).
	pub(crate) fn recheck_after(&self, exchange: &Exchange, id: &str) -> Duration {
		let after = exchange.inner.config.pin_resubmit_after;
		if self.in_doubt.contains(id) || self.submitted.contains(id) {
			after.min(IN_DOUBT_RECHECK)
		} else {
			after
		}
	}

	/// Records a run of pin `id`; `submitted` if it was submitted or found on-chain. A pin
	/// submitted once already did not land in time: it is in doubt from now on.
	pub(crate) fn ran(&mut self, id: String, submitted: bool) {
		if !submitted {
			return;
		}
		if self.submitted.contains(&id) {
			self.in_doubt.insert(id);
		} else {
			self.submitted.insert(id);
		}
	}
}

/// Settles what the chain said of this node's pins since the last call (the outbox runs it
/// before each pass): landed pins close their operations; failed ones fail them and put their
/// messages back to be batched again (the batcher is woken) or reject them.
pub(crate) async fn settle(exchange: &Exchange) {
	match exchange.inner.store.settle_pin_outcomes().await {
		Ok(settled) => {
			if settled.failed > 0 {
				exchange.inner.send.messages_ready();
			}
			if settled.failed > 0 || settled.landed > 0 {
				exchange.inner.events.written();
			}
		}
		Err(e) => {
			log::warn!(target: LOG, "cannot settle the chain's word on this node's pins: {e}")
		}
	}
}

/// Whether the pin of `batch_id` is already known on-chain: landed (by this node's own pin; a
/// rival's copy of it, same id, is not this pin), or landed or failed in a block whose word
/// waits to be settled. Such a pin is never submitted again.
async fn known_on_chain(
	exchange: &Exchange,
	me: crate::types::NodeId,
	batch_id: &crate::types::BatchId,
) -> Result<bool, String> {
	let store = &exchange.inner.store;
	Ok(store.pin_state_of(me, batch_id).await.map_err(|e| e.to_string())?.is_some()
		|| store.pin_outcome_waiting(batch_id).await.map_err(|e| e.to_string())?)
}

/// Submits the pins of `together` (the oldest open pins, led by one in doubt) in one
/// `pins.pin_batches`, oldest first, passing over those seen on-chain meanwhile, and looks at
/// each again after the in-doubt recheck; true if they were submitted. A failure is retried
/// with backoff, led by the oldest pin.
pub(crate) async fn pin_together(exchange: &Exchange, together: &[OutboxOp]) -> bool {
	let store = &exchange.inner.store;
	let Some(oldest) = together.first() else { return false };
	let submission: Result<usize, String> = async {
		let me = exchange.me().map_err(|e| e.to_string())?.id;
		let mut pins = Vec::with_capacity(together.len());
		for op in together {
			let batch_id = op.batch_id.ok_or("pin without a batch")?;
			if known_on_chain(exchange, me, &batch_id).await? {
				continue;
			}
			let (batch_hash, contexts, _, namespace) = store
				.authored_batch(&batch_id)
				.await
				.map_err(|e| e.to_string())?
				.ok_or("no such authored batch")?;
			pins.push(PinSubmission { namespace, batch_id, batch_hash, contexts });
		}
		let count = pins.len();
		if count > 0 {
			exchange.inner.submitter.submit_pins(pins).await?;
		}
		Ok(count)
	}
	.await;
	let submitted = submission.is_ok();
	let recorded = match submission {
		Ok(count) => {
			log::info!(
				target: LOG,
				"{count} open pins submitted together, in order, from batch {}",
				oldest.batch_id.map(hex::encode).unwrap_or_default()
			);
			let recheck = exchange.inner.config.pin_resubmit_after.min(IN_DOUBT_RECHECK);
			let due = now_ms() + recheck.as_millis() as i64;
			let note =
				format!("submitted together with {count} open pins; waiting for the pin on-chain");
			let mut recorded = Ok(());
			for op in together {
				recorded = recorded.and(store.retry_op(&op.id, op.attempts, due, &note).await);
			}
			recorded
		}
		Err(error) => {
			let attempts = oldest.attempts + 1;
			let delay = exchange.backoff(attempts);
			log::debug!(target: LOG, "open pins from {} not submitted (attempt {attempts}, next in {delay:?}): {error}", oldest.id);
			store.retry_op(&oldest.id, attempts, now_ms() + delay.as_millis() as i64, &error).await
		}
	};
	if let Err(e) = recorded {
		log::warn!(target: LOG, "cannot record outbox progress: {e}");
	}
	submitted
}

/// Submits a pin; `Ok(Some(recheck))` means submitted, check again after that long.
pub(crate) async fn pin(
	exchange: &Exchange,
	op: &OutboxOp,
	recheck: Duration,
) -> Result<Option<Duration>, String> {
	let batch_id = op.batch_id.ok_or("pin without a batch")?;
	let store = &exchange.inner.store;
	let me = exchange.me().map_err(|e| e.to_string())?.id;
	if known_on_chain(exchange, me, &batch_id).await? {
		return Ok(None);
	}
	let (batch_hash, contexts, _, mut namespace) = store
		.authored_batch(&batch_id)
		.await
		.map_err(|e| e.to_string())?
		.ok_or("no such authored batch")?;
	let delay = exchange.inner.hooks.take_pin_delay();
	if delay > 0 {
		log::warn!(target: LOG, "TEST HOOK: the pin of batch {} waits {delay} ms", hex::encode(batch_id));
		return Ok(Some(Duration::from_millis(delay)));
	}
	if exchange.inner.hooks.take_pin_failure() {
		log::warn!(target: LOG, "TEST HOOK: the pin of batch {} names a namespace the chain refuses", hex::encode(batch_id));
		namespace.push('-');
	}
	exchange
		.inner
		.submitter
		.submit_pin(PinSubmission { namespace, batch_id, batch_hash, contexts })
		.await?;
	log::info!(target: LOG, "pin of batch {} submitted", hex::encode(batch_id));
	exchange.crash_point(crate::exchange::hooks::CrashStep::PinSubmitted, &batch_id);
	Ok(Some(recheck))
}
