//! Answers what peers ask on the channel:
//! - a **delivery**: store the sealed batch as-is (it is opened only when matched to its pin) and
//!   return a receipt signed by this node's account;
//! - a **fetch** (reconciliation): send a batch this node authored or released, re-sealed to the
//!   asker, if the asker is one of its recipients;
//! - a **group announcement**: open it and keep the group, if this node is a member;
//! - a **blob chunk**: read it from the blob store.
//!
//! The channel only lets in nodes in force, but every request is still checked against the
//! sender's identity; a malformed one is refused and logged, never trusted.

use crate::exchange::{Exchange, LOG};
use crate::{
	batch::BatchPayload,
	channel::{
		protocol::{BatchRequest, BatchResponse, BlobRequest, BlobResponse, Refusal},
		Inbound,
	},
	envelope::{self, Envelope, Receipt},
	types::{Group, MessageKind, NodeId, NodeIdentity},
};
use codec::{DecodeAll, Encode};
use libp2p::PeerId;
use tokio::sync::mpsc;

/// Blob chunks served at once. Chunks are read off the inbound loop, so a long transfer neither
/// waits behind deliveries nor holds them up; this bounds the chunks held in memory for answers
/// not yet handed to the channel, whatever number of chunks peers ask for.
const BLOB_CHUNKS_SERVED_AT_ONCE: usize = 4;

/// Runs the inbound handler until the channel stops.
pub(crate) async fn run(exchange: Exchange, mut inbound: mpsc::Receiver<Inbound>) {
	let serving = std::sync::Arc::new(tokio::sync::Semaphore::new(BLOB_CHUNKS_SERVED_AT_ONCE));
	let readers = ReadersSeen::default();
	while let Some(item) = inbound.recv().await {
		match item {
			Inbound::Connected(peer) => {
				if let Some(node) = exchange.node_by_peer(&peer) {
					match exchange.inner.store.wake_ops_for(node.id).await {
						Ok(n) if n > 0 => {
							log::info!(target: LOG, "{} is back; retrying {n} pending send(s) now", node.did);
							exchange.inner.send.operations_due();
						}
						Ok(_) => {}
						Err(e) => log::warn!(target: LOG, "cannot wake sends to {}: {e}", node.did),
					}
					exchange.inner.confirm.payload_arrived();
				}
			}
			// `_queued` gives the request's bytes back to the queue once it is answered.
			Inbound::Batch { peer, request, reply, queued: _queued } => {
				let response = on_batch_request(&exchange, peer, request).await;
				let _ = reply.send(response);
			}
			Inbound::Blob { peer, request, reply, queued } => {
				let Ok(permit) = serving.clone().acquire_owned().await else { continue };
				let (exchange, readers) = (exchange.clone(), readers.clone());
				tokio::spawn(async move {
					let response = on_blob_request(&exchange, &readers, peer, request).await;
					let _ = reply.send(response);
					drop((permit, queued));
				});
			}
		}
	}
}

async fn on_batch_request(
	exchange: &Exchange,
	peer: PeerId,
	request: BatchRequest,
) -> BatchResponse {
	let Some(sender) = exchange.node_by_peer(&peer).filter(|n| n.active) else {
		log::warn!(target: LOG, "request from {peer}, which is not a node in force; refused");
		return BatchResponse::Refused(Refusal::UnknownSender);
	};
	let result = match request {
		BatchRequest::Deliver(envelope) => on_delivery(exchange, &sender, envelope).await,
		BatchRequest::Fetch(batch_id) => on_fetch(exchange, &sender, batch_id).await,
		BatchRequest::AnnounceGroup(envelope) => on_group(exchange, &sender, envelope).await,
	};
	result.unwrap_or_else(|(refusal, why)| {
		log::warn!(target: LOG, "refused a request from {}: {why}", sender.did);
		BatchResponse::Refused(refusal)
	})
}

type Answer = Result<BatchResponse, (Refusal, String)>;

async fn on_delivery(exchange: &Exchange, sender: &NodeIdentity, envelope: Envelope) -> Answer {
	let me = exchange.me().map_err(|e| (Refusal::Internal, e.to_string()))?;
	if envelope.encapped_key.len() != 32 || envelope.ciphertext.is_empty() {
		return Err((Refusal::BadRequest, "malformed envelope".into()));
	}
	let bound = exchange.inner.config.unpinned_sealed_max_bytes;
	let unpinned = exchange
		.inner
		.store
		.unpinned_sealed_bytes(sender.id)
		.await
		.map_err(|e| (Refusal::Internal, e.to_string()))?;
	let size = envelope.encoded_size() as u64;
	// A batch already pinned is always taken: only what may never be pinned is bounded.
	let pinned = exchange
		.inner
		.store
		.pin_state(&envelope.batch_id)
		.await
		.map_err(|e| (Refusal::Internal, e.to_string()))?
		.is_some();
	if !pinned && unpinned.max(0) as u64 + size > bound {
		return Err((
			Refusal::Busy,
			format!("{} has {unpinned} bytes stored here for batches not pinned yet; the bound is {bound}", sender.did),
		));
	}
	let new = exchange
		.inner
		.store
		.store_sealed(&envelope.batch_id, sender.id, &envelope.claimed_hash, &envelope.encode())
		.await
		.map_err(|e| (Refusal::Internal, e.to_string()))?;
	if new {
		log::info!(target: LOG, "stored sealed batch {} from {}", hex::encode(envelope.batch_id), sender.did);
		exchange.inner.confirm.payload_arrived();
	}
	let receipt =
		Receipt::sign(&*exchange.inner.signer, envelope.batch_id, envelope.claimed_hash, me.did)
			.ok_or((Refusal::Internal, "the node account key is not available to sign".into()))?;
	Ok(BatchResponse::Receipt(receipt))
}

async fn on_fetch(exchange: &Exchange, asker: &NodeIdentity, batch_id: [u8; 16]) -> Answer {
	let store = &exchange.inner.store;
	let internal = |e: crate::store::StoreError| (Refusal::Internal, e.to_string());
	if exchange.inner.hooks.is_withheld(&batch_id) {
		return Ok(BatchResponse::NotFound);
	}
	let Some(sealed) = store.sealed(&batch_id).await.map_err(internal)? else {
		return Ok(BatchResponse::NotFound);
	};
	let authored = store.authored_batch(&batch_id).await.map_err(internal)?.is_some();
	let released =
		store.pin_state(&batch_id).await.map_err(internal)?.as_deref() == Some("released");
	let readers = store.batch_readers(&batch_id).await.map_err(internal)?;
	if let Some(answer) = fetch_refusal(asker.id, authored, released, readers.as_deref()) {
		return Ok(answer);
	}
	let envelope =
		Envelope::decode_all(&mut &sealed[..]).map_err(|e| (Refusal::Internal, e.to_string()))?;
	let bytes = exchange
		.inner
		.encryption
		.open(&envelope)
		.map_err(|e| (Refusal::Internal, e.to_string()))?;
	// A batch for sale this node bought is kept locked as it came; only its seller sends it.
	if crate::sale::locked(&bytes).is_some() {
		return Ok(BatchResponse::NotFound);
	}
	let payload = BatchPayload::decode_all(&mut &bytes[..])
		.map_err(|e| (Refusal::Internal, e.to_string()))?;
	if !is_recipient(&payload.kind, payload.group.as_ref(), payload.author.node, asker.id) {
		return Ok(BatchResponse::NotRecipient);
	}
	// The seller sends a batch for sale again locked, as it delivered it.
	let bytes =
		crate::exchange::sales::delivery_bytes(exchange, &batch_id, envelope.claimed_hash, bytes)
			.await
			.map_err(|e| (Refusal::Internal, e))?;
	let resealed = envelope::seal(&asker.encryption_key, batch_id, envelope.claimed_hash, &bytes)
		.map_err(|e| (Refusal::Internal, e.to_string()))?;
	log::info!(target: LOG, "sent batch {} again to {} (reconciliation)", hex::encode(batch_id), asker.did);
	Ok(BatchResponse::Batch(resealed))
}

async fn on_group(exchange: &Exchange, sender: &NodeIdentity, envelope: Envelope) -> Answer {
	let me = exchange.me().map_err(|e| (Refusal::Internal, e.to_string()))?;
	let bytes = exchange
		.inner
		.encryption
		.open(&envelope)
		.map_err(|e| (Refusal::BadRequest, format!("group announcement: {e}")))?;
	let group =
		Group::decode_all(&mut &bytes[..]).map_err(|e| (Refusal::BadRequest, e.to_string()))?;
	if !announcement_holds(&group, &envelope, &bytes, me.id, sender.id) {
		return Err((Refusal::BadRequest, "group announcement does not hold together".into()));
	}
	if let Some(known) = exchange
		.inner
		.store
		.group(&group.id)
		.await
		.map_err(|e| (Refusal::Internal, e.to_string()))?
	{
		if known != group {
			return Err((Refusal::BadRequest, "a different group already has this id".into()));
		}
	}
	exchange
		.inner
		.store
		.save_group(&group, &[])
		.await
		.map_err(|e| (Refusal::Internal, e.to_string()))?;
	Ok(BatchResponse::Accepted)
}

/// Blobs that nodes were found allowed to read, so that the chunks of one transfer after the
/// first are not each checked against the store. Only a yes is remembered: who may read a blob
/// only ever grows (messages carrying it are never taken back), while a no may turn into a yes
/// when a message arrives. At most [`READERS_REMEMBERED`] are kept; when full it is emptied, as
/// the store's group memory is, and a transfer under way costs one more store check.
#[derive(Clone, Default)]
struct ReadersSeen(
	std::sync::Arc<parking_lot::Mutex<std::collections::HashSet<(crate::types::Hash, NodeId)>>>,
);

/// How many (blob, node) permissions [`ReadersSeen`] keeps.
const READERS_REMEMBERED: usize = 4096;

impl ReadersSeen {
	fn knows(&self, hash: crate::types::Hash, node: NodeId) -> bool {
		self.0.lock().contains(&(hash, node))
	}

	fn remember(&self, hash: crate::types::Hash, node: NodeId) {
		let mut seen = self.0.lock();
		if seen.len() >= READERS_REMEMBERED {
			seen.clear();
		}
		seen.insert((hash, node));
	}
}

async fn on_blob_request(
	exchange: &Exchange,
	seen: &ReadersSeen,
	peer: PeerId,
	request: BlobRequest,
) -> BlobResponse {
	let Some(asker) = exchange.node_by_peer(&peer).filter(|n| n.active) else {
		return BlobResponse::Refused(Refusal::UnknownSender);
	};
	if !seen.knows(request.hash, asker.id) {
		match exchange.inner.store.blob_readers(&hex::encode(request.hash)).await {
			Ok(readers) if may_read_blob(readers.as_deref(), asker.id) => {
				seen.remember(request.hash, asker.id)
			}
			Ok(_) => return BlobResponse::NotFound,
			Err(e) => {
				log::warn!(target: LOG, "cannot check who may read blob {}: {e}", hex::encode(request.hash));
				return BlobResponse::Refused(Refusal::Internal);
			}
		}
	}
	let max = exchange.inner.config.channel.max_blob_chunk.min(request.max_len as usize);
	match exchange.inner.blobs.read_chunk(&request.hash, request.offset, max) {
		Ok(Some((total, data))) => BlobResponse::Chunk { total, data },
		Ok(None) => BlobResponse::NotFound,
		Err(e) => {
			log::warn!(target: LOG, "cannot read blob {}: {e}", hex::encode(request.hash));
			BlobResponse::Refused(Refusal::Internal)
		}
	}
}

/// Why `asker` may not have a batch sent again (a fetch), decided before anything is opened;
/// `None` if it may. Only a batch this node authored or released (verified) is handed out, and
/// a private one only to its group's members (`readers`, as the store knows them), so a
/// stranger's request costs this node no decryption. The refusal is the answer to give.
fn fetch_refusal(
	asker: NodeId,
	authored: bool,
	released: bool,
	readers: Option<&[NodeId]>,
) -> Option<BatchResponse> {
	if !authored && !released {
		return Some(BatchResponse::NotFound);
	}
	match readers {
		Some(readers) if !readers.contains(&asker) => Some(BatchResponse::NotRecipient),
		_ => None,
	}
}

/// Whether `asker` is a recipient of an opened batch of `kind` by `author`: a member of its
/// group if it is private, anyone for a broadcast; never its author (who has it).
fn is_recipient(kind: &MessageKind, group: Option<&Group>, author: NodeId, asker: NodeId) -> bool {
	let member = match (kind, group) {
		(MessageKind::Private, Some(group)) => group.members.contains(&asker),
		_ => true,
	};
	member && asker != author
}

/// Whether a group announcement from `sender` holds together: its id is the one the envelope
/// names and covers its members (so a member relaying the group cannot change who is in it),
/// the envelope's hash is the group's, and both this node and the sender are members.
fn announcement_holds(
	group: &Group,
	envelope: &Envelope,
	bytes: &[u8],
	me: NodeId,
	sender: NodeId,
) -> bool {
	group.id == envelope.batch_id
		&& group.holds_together()
		&& crate::types::blake2_256(bytes) == envelope.claimed_hash
		&& group.members.contains(&me)
		&& group.members.contains(&sender)
}

/// Whether `asker` may read a blob: only nodes that receive a message carrying it (`readers`),
/// or anyone if no private message carries it (a broadcast's blob).
fn may_read_blob(readers: Option<&[NodeId]>, asker: NodeId) -> bool {
	readers.is_none_or(|readers| readers.contains(&asker))
}

/// Chunks of one blob asked for at once: the next chunks are on their way while one is written,
/// so a stream is not idle for a round trip per chunk. A fetch holds at most this many chunks
/// (`ChannelConfig::max_blob_chunk` each) on their way, plus the one being written and the one
/// waiting for it.
const CHUNKS_IN_FLIGHT: usize = 4;

/// Pulls blob `hash` of `size` bytes (the attachment's size, which the pinned manifest commits
/// to) from `peer` in chunks into the blob store, resuming a partial copy, with
/// [`CHUNKS_IN_FLIGHT`] chunks asked for ahead. Each chunk is written (and hashed) on the file
/// threads while the next ones are asked for and arrive, so a stream waits for a write only
/// when the one before it is not done yet. The peer's word on the size counts for nothing: a
/// chunk that disagrees with `size`, or would run past it, ends the fetch before anything more
/// is written. Returns the blob's size.
pub async fn fetch_blob(
	exchange: &Exchange,
	peer: PeerId,
	hash: crate::types::Hash,
	size: u64,
) -> Result<u64, String> {
	let blobs = exchange.inner.blobs.clone();
	if let Some(size) = blobs.size(&hash) {
		return Ok(size);
	}
	let partial = on_file(move || blobs.resume(&hash)).await?;
	let mut copy = Copy { idle: Some(partial), writing: None };
	let fetched = fetch_chunks(exchange, peer, hash, size, &mut copy).await;
	if fetched.is_err() {
		// The fetch ends with its last write, not before: the next source resumes from the
		// partial copy, and must not read it while a write this fetch started still grows it.
		let _ = copy.settled().await;
	}
	fetched
}

/// Asks `peer` for the chunks of blob `hash` that `copy` lacks and appends them to it, then
/// checks the whole: [`fetch_blob`]'s loop.
async fn fetch_chunks(
	exchange: &Exchange,
	peer: PeerId,
	hash: crate::types::Hash,
	size: u64,
	copy: &mut Copy,
) -> Result<u64, String> {
	let chunk = (exchange.inner.config.channel.max_blob_chunk as u64).max(1);
	// Where the next chunk must start: the bytes here plus those being written.
	let mut next = copy.idle.as_ref().map_or(0, |partial| partial.len());
	// Where the next chunk asked for starts; chunks from `next` to here are on their way.
	let mut asked = next;
	let mut in_flight = futures::stream::FuturesOrdered::new();
	// The chunk that came last, to be written once more chunks are asked for.
	let mut arrived: Option<Vec<u8>> = None;
	let mut spent = Spent::new();
	loop {
		// Chunks are asked for ahead before a write is waited for, so the peer always has
		// `CHUNKS_IN_FLIGHT` to send.
		while asked < size && in_flight.len() < CHUNKS_IN_FLIGHT {
			let (at, max_len) = (asked, chunk.min(size - asked) as u32);
			let channel = exchange.inner.channel.clone();
			in_flight.push_back(async move {
				let request = BlobRequest { hash, offset: at, max_len };
				(at, max_len, channel.request_blob(peer, request).await)
			});
			asked += u64::from(max_len);
		}
		if let Some(data) = arrived.take() {
			spent.writing(copy.append(data)).await?;
		}
		if next >= size {
			// All here (or a partial copy longer than the blob, which cannot match): check it.
			let partial = spent.writing(copy.settled()).await?;
			let checking = std::time::Instant::now();
			let whole = on_file(move || partial.finish()).await?;
			log::debug!(
				target: LOG,
				"blob {} from {peer}: {} bytes in {} ms; first chunk after {} ms, then {} ms waiting for chunks and {} for writes; {} ms to check and sync",
				hex::encode(hash),
				size,
				spent.started.elapsed().as_millis(),
				spent.first_chunk.unwrap_or_default().as_millis(),
				spent.chunks.as_millis(),
				spent.writes.as_millis(),
				checking.elapsed().as_millis(),
			);
			if whole {
				return Ok(size);
			}
			return Err("blob does not match its hash; discarded".into());
		}
		let waiting = std::time::Instant::now();
		let Some((at, max_len, answer)) = futures::StreamExt::next(&mut in_flight).await else {
			return Err("no chunk left to ask for".into());
		};
		match spent.first_chunk {
			None => spent.first_chunk = Some(spent.started.elapsed()),
			Some(_) => spent.chunks += waiting.elapsed(),
		}
		match answer.map_err(|e| e.to_string())? {
			BlobResponse::Chunk { total, data } => {
				check_chunk(size, at, max_len, total, data.len())?;
				if at != next {
					return Err(format!("chunk at {at} does not follow the {next} bytes here"));
				}
				if data.len() < max_len as usize {
					// A peer that sends smaller chunks than asked: the chunks asked for ahead
					// start at the wrong places, so ask again from here.
					in_flight = futures::stream::FuturesOrdered::new();
					asked = next + data.len() as u64;
				}
				next += data.len() as u64;
				arrived = Some(data);
			}
			BlobResponse::NotFound => return Err("peer does not have the blob".into()),
			BlobResponse::Refused(why) => return Err(format!("peer refused: {why:?}")),
		}
	}
}

/// Where a fetch's time went, for the debug log: what a slow stream waits for.
struct Spent {
	/// When the fetch began asking.
	started: std::time::Instant,
	/// From the start to the first chunk's answer.
	first_chunk: Option<std::time::Duration>,
	/// Waiting for the chunks after the first.
	chunks: std::time::Duration,
	/// Waiting for a write to be done before the next could start, or before the check.
	writes: std::time::Duration,
}

impl Spent {
	/// Starts the clock.
	fn new() -> Self {
		let zero = std::time::Duration::ZERO;
		Self { started: std::time::Instant::now(), first_chunk: None, chunks: zero, writes: zero }
	}

	/// Awaits `write`, counting the wait as the writes'.
	async fn writing<T>(&mut self, write: impl std::future::Future<Output = T>) -> T {
		let waiting = std::time::Instant::now();
		let done = write.await;
		self.writes += waiting.elapsed();
		done
	}
}

/// A blob's partial copy while a fetch fills it: at most one chunk is being written (on the
/// file threads) at a time, while the next chunks arrive.
struct Copy {
	/// The copy, when no write has it.
	idle: Option<crate::blobs::PartialBlob>,
	/// The write that has it.
	writing: Option<tokio::task::JoinHandle<Result<crate::blobs::PartialBlob, String>>>,
}

impl Copy {
	/// The copy, once the write under way (if any) is done; or why that write failed.
	async fn settled(&mut self) -> Result<crate::blobs::PartialBlob, String> {
		if let Some(writing) = self.writing.take() {
			return writing.await.map_err(|e| format!("a blob write did not finish: {e}"))?;
		}
		self.idle.take().ok_or_else(|| "an earlier write of this copy failed".into())
	}

	/// Starts writing `data` at the copy's end, once the write before it is done.
	async fn append(&mut self, data: Vec<u8>) -> Result<(), String> {
		let mut partial = self.settled().await?;
		self.writing = Some(tokio::spawn(on_file(move || {
			partial.append(&data)?;
			Ok(partial)
		})));
		Ok(())
	}
}

/// Runs a blob's file work (hashing a resumed copy, an append, the final sync) through
/// [`crate::blobs::on_disk`].
async fn on_file<T: Send + 'static>(
	work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, String> {
	crate::blobs::on_disk(work).await.map_err(|e| e.to_string())
}

/// Whether a chunk a peer sent, of `len` bytes for a blob it says has `total`, fits the blob of
/// `size` bytes being fetched from `offset` with at most `max_len` bytes asked.
fn check_chunk(size: u64, offset: u64, max_len: u32, total: u64, len: usize) -> Result<(), String> {
	if total != size {
		return Err(format!("peer says the blob has {total} bytes; its attachment has {size}"));
	}
	if len == 0 {
		return Err("peer sent an empty chunk".into());
	}
	if len as u64 > u64::from(max_len) || len as u64 > size - offset {
		return Err(format!(
			"peer sent {len} bytes at {offset}, more than was asked or the blob has"
		));
	}
	Ok(())
}

#[cfg(test)]
mod tests;
