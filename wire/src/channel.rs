//! What nodes say to each other on the data channel, and the frame that carries each message:
//! a 4-byte little-endian length, then that many bytes of SCALE, decoded whole.
//!
//! Two request-response protocols (the names are in `parley-offchain`'s channel):
//! - `/parley/batch/1`: sealed batches and their signed receipts, fetches of missing batches
//!   (reconciliation), and sealed group announcements;
//! - `/parley/blob/1`: blobs, pulled in chunks from an offset, so a broken transfer resumes where
//!   it stopped.

use crate::{
	envelope::{Envelope, Receipt},
	types::{BatchId, Hash},
};
use codec::{Decode, DecodeAll, Encode};

/// A request on the batch protocol.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum BatchRequest {
	/// Here is a batch sealed to you; answer with a signed receipt.
	Deliver(Envelope),
	/// Send me batch `batch_id` sealed to my key, if I am one of its recipients.
	Fetch(BatchId),
	/// Here is a group (with its secret) sealed to you, as its member. The envelope's `batch_id`
	/// carries the group id.
	AnnounceGroup(Envelope),
}

/// Why a peer refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Refusal {
	/// The receiver's inbound queue is full; try again later.
	Busy,
	/// The request does not make sense (wrong sizes, unknown sender, …).
	BadRequest,
	/// The receiver could not store it.
	Internal,
	/// The receiver does not know this node as an identity in force.
	UnknownSender,
}

/// A response on the batch protocol.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum BatchResponse {
	/// The batch is stored; here is my signed receipt.
	Receipt(Receipt),
	/// The batch you asked for, sealed to you.
	Batch(Envelope),
	/// The group announcement is stored.
	Accepted,
	/// I do not have it (yet).
	NotFound,
	/// You are not a recipient of that batch.
	NotRecipient,
	/// The request was refused.
	Refused(Refusal),
}

/// A request on the blob protocol.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlobRequest {
	/// The blob's blake2-256 hash.
	pub hash: Hash,
	/// Where to start.
	pub offset: u64,
	/// At most this many bytes.
	pub max_len: u32,
}

/// A response on the blob protocol.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum BlobResponse {
	/// Bytes from the requested offset; `total` is the blob's whole size.
	Chunk {
		/// The blob's size.
		total: u64,
		/// The bytes.
		data: Vec<u8>,
	},
	/// No such blob here, or you may not have it.
	NotFound,
	/// The request was refused.
	Refused(Refusal),
}

/// Why a frame was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
	/// Fewer than the 4 bytes of the length prefix.
	#[error("a frame starts with a 4-byte length")]
	NoLength,
	/// The announced length is over the bound: refused before anything is allocated.
	#[error("message of {len} bytes is over the bound of {max}")]
	TooLong {
		/// The announced length.
		len: usize,
		/// The bound.
		max: usize,
	},
	/// The body is shorter or longer than the announced length.
	#[error("frame announces {announced} bytes but carries {carried}")]
	WrongLength {
		/// The announced length.
		announced: usize,
		/// The bytes after the prefix.
		carried: usize,
	},
	/// The body is not one whole message of the expected type: trailing bytes are a misbehaving
	/// peer's, not padding.
	#[error("{0}")]
	Malformed(String),
}

/// The length a frame's 4-byte prefix announces, if it is within `max`.
pub fn frame_len(prefix: [u8; 4], max: usize) -> Result<usize, FrameError> {
	let len = u32::from_le_bytes(prefix) as usize;
	if len > max {
		return Err(FrameError::TooLong { len, max });
	}
	Ok(len)
}

/// Decodes a frame's body: exactly one `M`, nothing after it.
pub fn decode_body<M: Decode>(body: &[u8]) -> Result<M, FrameError> {
	M::decode_all(&mut &body[..]).map_err(|e| FrameError::Malformed(e.to_string()))
}

/// Decodes a whole frame (prefix and body) of at most `max` body bytes.
pub fn decode_frame<M: Decode>(frame: &[u8], max: usize) -> Result<M, FrameError> {
	let (prefix, body) = frame.split_first_chunk::<4>().ok_or(FrameError::NoLength)?;
	let len = frame_len(*prefix, max)?;
	if body.len() != len {
		return Err(FrameError::WrongLength { announced: len, carried: body.len() });
	}
	decode_body(body)
}

/// Encodes `message` as a frame, if its body is within `max` bytes.
pub fn encode_frame<M: Encode>(message: &M, max: usize) -> Result<Vec<u8>, FrameError> {
	let body = message.encode();
	if body.len() > max {
		return Err(FrameError::TooLong { len: body.len(), max });
	}
	let mut frame = Vec::with_capacity(4 + body.len());
	frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
	frame.extend_from_slice(&body);
	Ok(frame)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_frame_round_trips_within_its_bound() {
		let request = BatchRequest::Fetch([7; 16]);
		let frame = encode_frame(&request, 64).unwrap();
		assert_eq!(decode_frame::<BatchRequest>(&frame, 64), Ok(request.clone()));
		assert_eq!(
			encode_frame(&request, 8),
			Err(FrameError::TooLong { len: 17, max: 8 }),
			"writing past the bound fails locally"
		);
	}

	#[test]
	fn lying_lengths_trailing_bytes_and_garbage_are_refused() {
		// A peer announcing more than the bound is refused before anything is allocated.
		let lying = [1_000_000u32.to_le_bytes().to_vec(), vec![0; 16]].concat();
		assert_eq!(
			decode_frame::<BatchRequest>(&lying, 64),
			Err(FrameError::TooLong { len: 1_000_000, max: 64 })
		);
		// A length that does not match what follows.
		let short = [20u32.to_le_bytes().to_vec(), vec![1; 17]].concat();
		assert!(matches!(
			decode_frame::<BatchRequest>(&short, 64),
			Err(FrameError::WrongLength { announced: 20, carried: 17 })
		));
		// Trailing bytes after a whole message.
		let mut padded = BatchRequest::Fetch([7; 16]).encode();
		padded.extend_from_slice(&[0, 0, 0]);
		assert!(matches!(decode_body::<BatchRequest>(&padded), Err(FrameError::Malformed(_))));
		// Garbage within the bound is an error, not a panic.
		assert!(decode_body::<BatchRequest>(&[0xff; 4]).is_err());
		assert_eq!(decode_frame::<BatchRequest>(&[1, 2], 64), Err(FrameError::NoLength));
	}
}
