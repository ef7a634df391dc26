//! The blob chunks this node answers each peer with, written one at a time per peer in the order
//! they were ready.
//!
//! Written at once, the chunks a peer asked for ahead share the connection frame by frame and
//! all arrive together, about as late as the last: the asker's first chunk then came 17-29 ms
//! after asking for 8 MiB blobs, where the author had read it 2-4 ms after, and the writes of the
//! chunks that came together queued behind one another. One at a time, each chunk arrives as
//! soon as the wire allows and is written while the next arrives. What waits is bounded by the
//! streams a connection may open (`ChannelConfig::max_concurrent_streams`): an answer whose
//! request failed (its peer gone, or its time out) is dropped at once, not held until its turn.

use super::protocol::{BlobRequest, BlobResponse, ScaleCodec};
pub(super) use libp2p::request_response::InboundRequestId;
use libp2p::{
	request_response::{self, ResponseChannel},
	PeerId,
};
use std::collections::{HashMap, VecDeque};

/// The request-response behaviour of the blob protocol.
type Blobs = request_response::Behaviour<ScaleCodec<BlobRequest, BlobResponse>>;

/// The blob answers of every peer being answered.
#[derive(Default)]
pub(super) struct BlobAnswers(HashMap<PeerId, PeerAnswers>);

/// One peer's blob answers.
#[derive(Default)]
struct PeerAnswers {
	/// The request whose answer is being written.
	on_wire: Option<InboundRequestId>,
	/// Answers ready, waiting for it.
	ready: VecDeque<(InboundRequestId, ResponseChannel<BlobResponse>, BlobResponse)>,
}

impl BlobAnswers {
	/// The answer to request `id` from `peer` is ready: written now, or after those before it.
	pub(super) fn ready(
		&mut self,
		blobs: &mut Blobs,
		peer: PeerId,
		id: InboundRequestId,
		channel: ResponseChannel<BlobResponse>,
		response: BlobResponse,
	) {
		self.0.entry(peer).or_default().ready.push_back((id, channel, response));
		self.send_next(blobs, peer);
	}

	/// The answer to request `id` from `peer` was written, or the request failed: the next may
	/// go, and an answer still waiting for a request that failed is dropped.
	pub(super) fn done(&mut self, blobs: &mut Blobs, peer: PeerId, id: InboundRequestId) {
		let Some(answers) = self.0.get_mut(&peer) else { return };
		if answers.on_wire == Some(id) {
			answers.on_wire = None;
		} else {
			answers.ready.retain(|(waiting, ..)| *waiting != id);
		}
		self.send_next(blobs, peer);
	}

	/// Starts writing the next answer ready for `peer`, unless one is being written.
	fn send_next(&mut self, blobs: &mut Blobs, peer: PeerId) {
		let Some(answers) = self.0.get_mut(&peer) else { return };
		if answers.on_wire.is_some() {
			return;
		}
		while let Some((id, channel, response)) = answers.ready.pop_front() {
			if blobs.send_response(channel, response).is_ok() {
				answers.on_wire = Some(id);
				return;
			}
			log::debug!(target: super::LOG, "a blob chunk could not be sent: {peer} went away");
		}
		self.0.remove(&peer);
	}
}
