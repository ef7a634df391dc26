//! The aggregator: takes pins in chain order and payloads in arrival order, matches them, and
//! releases confirmed messages in pin order per context.
//!
//! For each pending pin that has a payload, in chain order:
//! 1. open the sealed payload with this node's key (and a batch for sale with its sale key,
//!    once revealed on-chain; until then it waits: `sales.rs`);
//! 2. check the batch id, that `blake2_256(manifest)` equals the pinned `batch_hash`, that the
//!    payload's author is the pin's signer, and that the contexts it implies are the pinned ones;
//! 3. check order: a broadcast waits while an earlier unreleased pin shares one of its contexts;
//!    a private batch waits while its author's earlier nonce on a (group, topic) is unreleased,
//!    or while the next expected masked context of another group member is pinned earlier and
//!    unreleased (these rules are `order.rs`'s, apart from the store);
//! 4. release (atomically: messages confirmed, nonces advanced, events written), then
//!    acknowledge on-chain through the offchain worker where that is needed
//!    (`acknowledge.rs`: the author asked for proof of receipt, or an escrow waits on it).
//!
//! A pin that failed on-chain (a `pins.pin_batch` extrinsic with an error) never comes: the
//! contexts it named are void for its signer, so later pins of that author on those contexts pass
//! over its nonces, at every party alike (see `Store::record_block`).
//!
//! A payload that fails step 1 or 2 is rejected with a `message_rejected` event and never
//! released; the nonces it spent are skipped (recognised at once when this node already tracks
//! that context, or when a later pin of the same author shows the gap), so later messages on
//! those contexts are not blocked forever. A copy that came from someone other than
//! the author and fails is discarded instead, and the batch fetched again. A payload that has not
//! arrived holds back only its own contexts, and is asked for again from its author and then from
//! the other nodes (reconciliation), by the receive room's own loop (`receive/fetch.rs`).
//!
//! A batch is its author's: the chain keys pins by (author, batch id), so a rival may pin a copy
//! of another node's pending pin (its id, hash and contexts) and get it in first. The hash covers
//! the payload's id and author, so once a payload verifies against a pin, every other pin of the
//! same hash is a copy: it becomes `copied`, is never released, and holds nothing back (nor does
//! a copy seen after the release). A masked context names its author's DID, so only that
//! author's pins can hold back the next masked context of a group member.

use crate::{
	batch::{masked_context, AttachmentContent, BatchPayload},
	chain::SkippedBatch,
	envelope::Envelope,
	store::{PinRow, Recording, Release},
	types::{now_ms, MessageKind},
};
use crate::{
	exchange::{Exchange, LOG},
	receive::fetch::fetch_blob_in_background,
};
use codec::DecodeAll;
use std::time::Duration;

mod order;

/// Runs the aggregator until the node stops.
pub(crate) async fn run(exchange: Exchange, mut blocks: crate::wakes::Blocks) {
	let inner = &exchange.inner;
	let fetch_after_ms = inner.config.fetch_after.as_millis() as i64;
	loop {
		tokio::select! {
			block = blocks.recv() => match block {
				Some(block) => {
					let recording = Recording {
						fetch_after_ms,
						me: exchange.me().ok().map(|n| n.id),
						failed_pin_authors: block
							.failed_pins
							.iter()
							.map(|f| exchange.node_by_account(&f.signer).map(|n| n.id))
							.collect(),
					};
					// A block must be recorded before anything else happens: retry until it is.
					loop {
						match inner.store.record_block(&block, &recording).await {
							Ok(()) => break,
							Err(e) => {
								log::error!(target: LOG, "cannot record block #{}: {e}; retrying", block.number);
								tokio::time::sleep(Duration::from_secs(1)).await;
							},
						}
					}
					if !block.acknowledgements.is_empty() || !block.extrinsics.is_empty() {
						inner.events.written();
					}
					if !block.pins.is_empty() || !block.failed_pins.is_empty() {
						// What the block said of this node's own pins waits for the pin room.
						inner.send.operations_due();
					}
					if !block.failed_pins.is_empty() {
						inner.events.written();
					}
					if !block.tokens.is_empty() || !block.extrinsics.is_empty() {
						// A message waiting for a token transfer settled here may go on now.
						inner.send.messages_ready();
					}
					if !block.tokens.is_empty() {
						super::acknowledge::after_block(&exchange, &block.tokens).await;
						crate::exchange::sales::after_block(&exchange, &block.tokens).await;
					}
					for skipped in &block.skips {
						skip(&exchange, skipped).await;
					}
					for (id, did, what) in &block.identities {
						let detail = serde_json::json!({ "id": id, "did": did, "event": what, "block": block.number });
						let reference = did.clone().unwrap_or_else(|| id.to_string());
						let event = crate::store::NewEvent {
							kind: "identity_confirmed",
							namespace: "default",
							reference: &reference,
							detail: Some(&detail),
							..Default::default()
						};
						if let Err(e) = inner.store.record_event(&event).await {
							log::warn!(target: LOG, "cannot record identity_confirmed: {e}");
						}
						inner.events.written();
					}
					if !block.pins.is_empty() {
						log::debug!(target: LOG, "block #{}: {} pin(s)", block.number, block.pins.len());
						// Their payloads may be missing: the receive room asks for them in time.
						inner.receive.pins_recorded();
					}
				},
				None => return,
			},
			_ = inner.confirm.next_payload() => {},
			_ = tokio::time::sleep(Duration::from_millis(500)) => {},
		}
		if let Err(e) = release_ready(&exchange).await {
			log::warn!(target: LOG, "matching pins failed, will retry: {e}");
		}
		report_blocked(&exchange).await;
	}
}

enum Verdict {
	Release(BatchPayload),
	Reject(String),
	Discard(String),
	/// The pin is a copy of another node's batch (the payload verifies against its hash but
	/// names another author).
	Copy(String),
	/// Other pins were found to be copies of this one: decide again with them out of the way.
	CopiesFound(u64),
	Wait,
}

/// Releases (or rejects) every pin that can be decided now, in chain order.
pub(crate) async fn release_ready(exchange: &Exchange) -> Result<(), String> {
	let store = &exchange.inner.store;
	loop {
		let pins = store.pending_pins().await.map_err(|e| e.to_string())?;
		let mut progressed = false;
		for (i, pin) in pins.iter().enumerate() {
			if pin.payload_from.is_none() {
				continue;
			}
			// A pass goes on past a release: the pins released in it stay in `pins` (as earlier
			// pending ones) until the next pass reads them again, which only holds later pins
			// back, never lets one pass. Any other decision starts a new pass.
			match evaluate(exchange, pin, &pins[..i], &pins).await? {
				Verdict::Wait => continue,
				Verdict::Release(payload) => {
					progressed = true;
					let released = store
						.release(Release { payload: &payload, pin })
						.await
						.map_err(|e| e.to_string())?;
					// Only a definition is read back, to be recorded as one.
					let definitions: std::collections::HashSet<String> = payload
						.messages
						.iter()
						.filter(|m| {
							crate::definitions::is_definition(payload.kind, &m.tag, &m.topics)
						})
						.map(|m| crate::store::uuid_string(&m.id))
						.collect();
					for id in released.iter().filter(|id| definitions.contains(*id)) {
						if let Ok(Some(message)) = store.message(id).await {
							if let Err(e) = crate::definitions::on_released(store, &message).await {
								log::warn!(target: LOG, "cannot record the definition in {id}: {e}");
							}
						}
					}
					exchange.inner.events.written();
					if !released.is_empty() {
						log::info!(
							target: LOG,
							"batch {} confirmed: {} message(s) released",
							hex::encode(pin.batch_id),
							released.len()
						);
						super::acknowledge::after_release(exchange, pin, &payload).await;
					}
					continue;
				}
				Verdict::Reject(reason) => {
					log::warn!(target: LOG, "batch {} rejected: {reason}", hex::encode(pin.batch_id));
					let skips = recognised_contexts(exchange, pin).await?;
					let own = exchange.me().ok().map(|m| m.id) == Some(pin.author);
					store.reject(pin, own, &reason, &skips).await.map_err(|e| e.to_string())?;
					exchange.inner.events.written();
				}
				Verdict::Copy(reason) => {
					log::warn!(
						target: LOG,
						"pin of batch {} by node {} is a copy ({reason}): ignored",
						hex::encode(pin.batch_id),
						pin.author
					);
					store.mark_copy(pin, &reason).await.map_err(|e| e.to_string())?;
				}
				Verdict::CopiesFound(n) => {
					log::warn!(
						target: LOG,
						"{n} pin(s) copying batch {} of node {} ignored",
						hex::encode(pin.batch_id),
						pin.author
					);
				}
				Verdict::Discard(reason) => {
					log::warn!(
						target: LOG,
						"copy of batch {} from node {:?} discarded ({reason}); fetching it again",
						hex::encode(pin.batch_id),
						pin.payload_from
					);
					store.discard_sealed(&pin.batch_id).await.map_err(|e| e.to_string())?;
				}
			}
			progressed = true;
			break;
		}
		if !progressed {
			return Ok(());
		}
	}
}

async fn evaluate(
	exchange: &Exchange,
	pin: &PinRow,
	earlier: &[PinRow],
	pending: &[PinRow],
) -> Result<Verdict, String> {
	let store = &exchange.inner.store;
	let from_author = pin.payload_from == Some(pin.author);
	let fail = |reason: String| {
		if from_author {
			Verdict::Reject(reason)
		} else {
			Verdict::Discard(reason)
		}
	};
	let Some(sealed) = store.sealed(&pin.batch_id).await.map_err(|e| e.to_string())? else {
		return Ok(Verdict::Wait);
	};
	let Ok(envelope) = Envelope::decode_all(&mut &sealed[..]) else {
		return Ok(fail("stored envelope is malformed".into()));
	};
	let bytes = match exchange.inner.encryption.open(&envelope) {
		Ok(bytes) => bytes,
		Err(e) => return Ok(fail(format!("payload {e}"))),
	};
	// A batch for sale opens only with its sale key, once revealed on-chain.
	let bytes = match crate::sale::locked(&bytes) {
		None => bytes,
		Some(Err(e)) => return Ok(fail(e.to_string())),
		Some(Ok(locked)) => match crate::exchange::sales::unlock(exchange, pin, &locked).await? {
			crate::exchange::sales::Unlocked::Opened(bytes) => bytes,
			crate::exchange::sales::Unlocked::Held => return Ok(Verdict::Wait),
			crate::exchange::sales::Unlocked::Refused(reason) => return Ok(fail(reason)),
		},
	};
	let Ok(payload) = BatchPayload::decode_all(&mut &bytes[..]) else {
		return Ok(fail("payload does not decode".into()));
	};
	if payload.batch_id != pin.batch_id {
		return Ok(fail("payload is for another batch".into()));
	}
	if payload.author.node != pin.author {
		// The hash covers the author: a payload of another node's that verifies against this
		// pin's hash makes this pin a copy of that node's batch.
		if payload.hash() == pin.batch_hash {
			return Ok(Verdict::Copy(format!(
				"its payload is node {}'s batch",
				payload.author.node
			)));
		}
		// Another node pinned this id too, and the payload may be that pin's: it decides there.
		if pending.iter().any(|p| p.batch_id == pin.batch_id && p.author == payload.author.node) {
			return Ok(Verdict::Wait);
		}
	}
	if payload.hash() != pin.batch_hash {
		return Ok(fail("payload hash does not match the pinned batch_hash".into()));
	}
	if payload.author.node != pin.author {
		return Ok(fail("payload author is not the node that pinned it".into()));
	}
	if let Some(author) = exchange.node(pin.author) {
		if author.did != payload.author.did {
			return Ok(fail("payload names the author by another DID".into()));
		}
	}
	if payload.contexts() != pin.contexts {
		return Ok(fail("payload contexts do not match the pinned contexts".into()));
	}
	if payload.namespace != pin.namespace {
		return Ok(fail("payload namespace does not match the pin".into()));
	}
	// The payload is this pin's: any other pending pin of its hash is a copy.
	if pending.iter().any(|p| p.batch_hash == pin.batch_hash && !same_pin(p, pin)) {
		let copies = store.mark_copies(pin).await.map_err(|e| e.to_string())?;
		if copies > 0 {
			return Ok(Verdict::CopiesFound(copies));
		}
	}
	// A message that declares a token transfer goes only with that transfer on-chain: made
	// before the pin, from the author's account, carrying the message's hash. (The author
	// pins only after its transfer is in a block, and blocks are recorded in order, so a
	// missing transfer is never going to come.)
	for message in &payload.messages {
		let Some(declared) = &message.transfer else { continue };
		let author = exchange.node(pin.author).map(|n| crate::tokens::ss58(&n.account));
		let found = store.transfer_for_message(&message.hash()).await.map_err(|e| e.to_string())?;
		let matches = found.is_some_and(|t| {
			Some(&t.from) == author.as_ref()
				&& t.pool == declared.pool
				&& t.to == crate::tokens::ss58(&declared.to)
				&& t.amount == declared.holding.amount_text()
				&& t.item == declared.holding.item()
				&& t.block <= pin.block
		});
		if !matches {
			return Ok(Verdict::Reject(format!(
				"message {} declares a token transfer that is not on-chain before its pin",
				crate::store::uuid_string(&message.id)
			)));
		}
	}
	match (payload.kind, &payload.group) {
		(MessageKind::Broadcast, None) => {
			if order::broadcast_waits(&pin.contexts, earlier) {
				return Ok(Verdict::Wait);
			}
		}
		(MessageKind::Private, Some(group)) => {
			// The group's id covers its members, so that a batch cannot carry a changed copy
			// of a group to a node that does not know it yet.
			if !group.holds_together() {
				return Ok(fail("the batch's group is not the group its id names".into()));
			}
			let me = exchange.me().map_err(|e| e.to_string())?;
			if !group.members.contains(&me.id) || !group.members.contains(&pin.author) {
				return Ok(fail(
					"private batch for a group this node (or its author) is not in".into(),
				));
			}
			match store.group(&group.id).await.map_err(|e| e.to_string())? {
				Some(known) if known.secret != group.secret || known.members != group.members => {
					return Ok(fail("group does not match the one this node knows".into()))
				}
				Some(_) => {}
				None => store.save_group(group, &[]).await.map_err(|e| e.to_string())?,
			}
			// First nonce of each topic in this batch; nonces must run on without gaps.
			let first = match order::nonce_runs(&payload.messages) {
				Ok(runs) => runs,
				Err(reason) => return Ok(fail(reason.into())),
			};
			for (topic, (nonce, _)) in first {
				let expected = store
					.expected_nonce(&group.id, topic, pin.author)
					.await
					.map_err(|e| e.to_string())?;
				if nonce > expected {
					// Earlier nonces of this author on this topic are either still to come (wait)
					// or were in batches this node rejected (skip them: they never will).
					let rejected =
						store.rejected_contexts(pin.author).await.map_err(|e| e.to_string())?;
					let context_of =
						|n| masked_context(&group.secret, topic, &payload.author.did, n);
					if !order::gap_is_void(expected, nonce, &rejected, context_of) {
						return Ok(Verdict::Wait);
					}
				}
				if nonce < expected {
					return Ok(fail(format!("nonce {nonce} on a topic was already spent")));
				}
				for member in group.members.iter().filter(|m| **m != pin.author) {
					let Some(node) = exchange.node(*member) else { continue };
					let next = store
						.expected_nonce(&group.id, topic, *member)
						.await
						.map_err(|e| e.to_string())?;
					// Only the member's own pins can carry its next masked context (it names the
					// member's DID): another node's pin that copies it holds nothing back.
					let context = masked_context(&group.secret, topic, &node.did, next);
					if order::member_holds_back(earlier, *member, &context) {
						return Ok(Verdict::Wait);
					}
				}
			}
		}
		_ => return Ok(fail("batch kind and group do not agree".into())),
	}
	// Blobs travel separately: release only once every attached blob is here.
	let mut missing = false;
	for attachment in payload.messages.iter().flat_map(|m| &m.attachments) {
		if let AttachmentContent::Blob { hash, size } = attachment.content {
			if exchange.inner.blobs.size(&hash) != Some(size) {
				missing = true;
				fetch_blob_in_background(exchange, hash, size, pin.author, &pin.namespace);
			}
		}
	}
	if missing {
		return Ok(Verdict::Wait);
	}
	Ok(Verdict::Release(payload))
}

/// Whether `a` and `b` are the same pin: a batch is its author's.
fn same_pin(a: &PinRow, b: &PinRow) -> bool {
	a.batch_id == b.batch_id && a.author == b.author
}

/// A `BatchSkipped` (by its author) or `BatchSkippedByVote` on-chain: if this node still waits for
/// that batch (that author's pin of that id), it gives up on it (as every node does), and the pins
/// behind it are released.
async fn skip(exchange: &Exchange, skipped: &SkippedBatch) {
	let store = &exchange.inner.store;
	let batch_id = &skipped.batch_id;
	let node = (!skipped.by_vote).then_some(skipped.author);
	let Ok(pins) = store.pending_pins().await else { return };
	let Some(pin) = pins.iter().find(|p| &p.batch_id == batch_id && p.author == skipped.author)
	else {
		return;
	};
	let reason = match node {
		Some(node) => format!("skipped on-chain by its author, node {node}"),
		None => "skipped on-chain by the members' vote".to_string(),
	};
	log::warn!(target: LOG, "batch {} {reason}", hex::encode(batch_id));
	let skips = recognised_contexts(exchange, pin).await.unwrap_or_default();
	let own = exchange.me().ok().map(|m| m.id) == Some(pin.author);
	match store.reject(pin, own, &reason, &skips).await {
		Ok(_) => {
			let by = if node.is_some() { "author" } else { "vote" };
			let detail =
				serde_json::json!({ "batch": hex::encode(batch_id), "node": node, "by": by });
			let event = crate::store::NewEvent {
				kind: "context_skipped",
				namespace: &pin.namespace,
				reference: &hex::encode(batch_id),
				detail: Some(&detail),
				..Default::default()
			};
			if let Err(e) = store.record_event(&event).await {
				log::warn!(target: LOG, "cannot record context_skipped: {e}");
			}
			exchange.inner.events.written();
			exchange.inner.confirm.payload_arrived();
		}
		Err(e) => log::warn!(target: LOG, "cannot skip batch {}: {e}", hex::encode(batch_id)),
	}
}

/// Reports, once each, pins that have held back later ones for longer than
/// `context_block_after`: a `context_blocked` event names the batch and its contexts, so an
/// operator can skip it (`POST …/contexts/{id}/skip`) if it will never arrive.
async fn report_blocked(exchange: &Exchange) {
	let store = &exchange.inner.store;
	let Ok(pins) = store.pending_pins().await else { return };
	let limit = exchange.inner.config.context_block_after.as_millis() as i64;
	let now = now_ms();
	for (i, pin) in pins.iter().enumerate() {
		if pin.blocked_reported || now - pin.seen < limit {
			continue;
		}
		let waiting = pins[i + 1..].iter().filter(|later| later.payload_from.is_some()).count();
		if waiting == 0 {
			continue;
		}
		log::warn!(target: LOG, "batch {} has held back {waiting} later batch(es) for {} s", hex::encode(pin.batch_id), (now - pin.seen) / 1000);
		if let Err(e) = store.report_blocked(pin, waiting).await {
			log::warn!(target: LOG, "cannot report a blocked context: {e}");
		}
		exchange.inner.events.written();
	}
}

/// The (group, topic, author DID, nonce) entries whose next masked context a rejected pin
/// carries: spending them keeps later pins on those contexts from waiting forever.
async fn recognised_contexts(
	exchange: &Exchange,
	pin: &PinRow,
) -> Result<Vec<([u8; 16], String, String, u64)>, String> {
	let store = &exchange.inner.store;
	let mut skips = Vec::new();
	for (group_id, topic, did, next) in
		store.tracked_contexts(pin.author).await.map_err(|e| e.to_string())?
	{
		let Some(group) = store.group(&group_id).await.map_err(|e| e.to_string())? else {
			continue;
		};
		if pin.contexts.contains(&masked_context(&group.secret, &topic, &did, next)) {
			skips.push((group_id, topic, did, next));
		}
	}
	Ok(skips)
}
