//! Fetching what has not arrived: a pinned batch's payload, asked for again from its author and
//! then from the other nodes (reconciliation), and a confirmed message's blobs, in the
//! background, each once at a time.
//!
//! Reconciliation runs in a loop of its own ([`run`]), not in the matcher's: a node that
//! withholds a payload, or answers slowly, costs the fetches their time-outs, never the
//! recording of blocks and the release of every other context. The matcher says when a block
//! brought pins ([`crate::wakes::ToReceive::pins_recorded`]), and is woken when a payload has come.

use crate::exchange::{Exchange, LOG};
use crate::{
	channel::protocol::{BatchRequest, BatchResponse},
	types::{now_ms, Hash},
};
use codec::Encode;
use std::time::Duration;

/// Pulls blob `hash` of `size` bytes from `author` (then from the other nodes) unless it is already being
/// fetched; writes `blob_received` and wakes the aggregator when it is here.
pub(crate) fn fetch_blob_in_background(
	exchange: &Exchange,
	hash: Hash,
	size: u64,
	author: crate::types::NodeId,
	namespace: &str,
) {
	let Some(fetching) = exchange.inner.blobs.begin_fetch(hash) else { return };
	let exchange = exchange.clone();
	let namespace = namespace.to_string();
	tokio::spawn(async move {
		let me = exchange.me().ok().map(|m| m.id);
		let mut sources: Vec<_> = exchange.node(author).into_iter().collect();
		sources.extend(
			exchange.active_nodes().into_iter().filter(|n| n.id != author && Some(n.id) != me),
		);
		let mut fetched = None;
		for node in &sources {
			let Some(peer) = Exchange::peer_of(node) else { continue };
			let started = std::time::Instant::now();
			match super::inbound::fetch_blob(&exchange, peer, hash, size).await {
				Ok(size) => {
					fetched = Some((size, node.did.clone(), started.elapsed().as_millis() as u64));
					break;
				}
				Err(e) => {
					log::debug!(target: LOG, "blob {} not from {}: {e}", hex::encode(hash), node.did)
				}
			}
		}
		match fetched {
			Some((size, from, millis)) => {
				log::info!(target: LOG, "blob {} ({size} bytes) received from {from} in {millis} ms", hex::encode(hash));
				// `millis`: how long the transfer from `from` took, hash check included (none if
				// the blob was here already), so that a stream's rate can be read off the event.
				let detail = serde_json::json!({
					"hash": hex::encode(hash), "size": size, "from": from, "millis": millis,
				});
				let event = crate::store::NewEvent {
					kind: "blob_received",
					namespace: &namespace,
					reference: &hex::encode(hash),
					detail: Some(&detail),
					..Default::default()
				};
				if let Err(e) = exchange.inner.store.record_event(&event).await {
					log::warn!(target: LOG, "cannot record blob_received: {e}");
				}
				exchange.inner.events.written();
			}
			None => tokio::time::sleep(Duration::from_secs(2)).await,
		}
		drop(fetching);
		exchange.inner.confirm.payload_arrived();
	});
}

/// Runs reconciliation until the node stops: every half second, or when a block brought pins,
/// asks again for the payloads that have waited too long; now and again forgets sealed payloads
/// never pinned.
pub(crate) async fn run(exchange: Exchange) {
	let mut last_collection = tokio::time::Instant::now();
	loop {
		reconcile(&exchange).await;
		collect_unpinned(&exchange, &mut last_collection).await;
		tokio::select! {
			_ = exchange.inner.receive.next_pins() => {},
			_ = tokio::time::sleep(Duration::from_millis(500)) => {},
		}
	}
}

/// Asks again for the payloads of pins that have waited too long: first the author, then every
/// other node in force.
async fn reconcile(exchange: &Exchange) {
	let store = &exchange.inner.store;
	let Ok(pins) = store.pending_pins().await else { return };
	let now = now_ms();
	let me = exchange.me().ok().map(|m| m.id);
	for pin in pins.iter().filter(|p| p.payload_from.is_none() && p.next_fetch <= now).take(8) {
		if Some(pin.author) == me {
			continue;
		}
		let mut askers: Vec<_> = exchange.node(pin.author).into_iter().collect();
		askers.extend(
			exchange.active_nodes().into_iter().filter(|n| n.id != pin.author && Some(n.id) != me),
		);
		let mut outcome = "no node had it";
		for (i, node) in askers.iter().enumerate() {
			let Some(peer) = Exchange::peer_of(node) else { continue };
			match exchange
				.inner
				.channel
				.request_batch(peer, BatchRequest::Fetch(pin.batch_id))
				.await
			{
				Ok(BatchResponse::Batch(envelope)) if envelope.batch_id == pin.batch_id => {
					let stored = store
						.store_sealed(
							&pin.batch_id,
							node.id,
							&envelope.claimed_hash,
							&envelope.encode(),
						)
						.await;
					if stored.is_ok() {
						log::info!(target: LOG, "fetched missing batch {} from {}", hex::encode(pin.batch_id), node.did);
						exchange.inner.confirm.payload_arrived();
						outcome = "fetched";
						break;
					}
				}
				Ok(BatchResponse::NotRecipient) if i == 0 => {
					// The author says this node is not a recipient: nothing to wait for.
					let _ = store.mark_not_for_us(pin).await;
					outcome = "not for us";
					break;
				}
				Ok(_) | Err(_) => {}
			}
		}
		if outcome == "no node had it" {
			let attempts = pin.fetch_attempts + 1;
			let delay = exchange.backoff(attempts).max(Duration::from_secs(2));
			let _ = store.schedule_fetch(pin, attempts, now + delay.as_millis() as i64).await;
			log::debug!(target: LOG, "batch {} still missing; asking again in {delay:?}", hex::encode(pin.batch_id));
		}
	}
}

/// Now and again (a quarter of the TTL, at most every 10 minutes), forgets sealed payloads whose
/// batch was never pinned within `unpinned_sealed_ttl`.
async fn collect_unpinned(exchange: &Exchange, last: &mut tokio::time::Instant) {
	let ttl = exchange.inner.config.unpinned_sealed_ttl;
	let every = (ttl / 4).min(Duration::from_secs(600));
	if last.elapsed() < every {
		return;
	}
	*last = tokio::time::Instant::now();
	let before = now_ms() - ttl.as_millis() as i64;
	match exchange.inner.store.collect_unpinned_sealed(before).await {
		Ok(0) => {}
		Ok(n) => log::info!(
			target: LOG,
			"forgot {n} sealed payload(s) whose batch was not pinned within {} s",
			ttl.as_secs()
		),
		Err(e) => log::warn!(target: LOG, "cannot collect unpinned sealed payloads: {e}"),
	}
}
