//! What nodes say to each other on the channel, and the SCALE codec with size bounds that
//! carries it.
//!
//! Two request-response protocols:
//! - `/parley/batch/1`: sealed batches and their signed receipts, fetches of missing batches
//!   (reconciliation), and sealed group announcements;
//! - `/parley/blob/1`: blobs, pulled in chunks from an offset, so a broken transfer resumes where
//!   it stopped.

use crate::{
	envelope::{Envelope, Receipt},
	types::{BatchId, Hash},
};
use codec::{Decode, DecodeAll, Encode};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use std::{io, marker::PhantomData};

/// The batch protocol's name.
pub const BATCH_PROTOCOL: StreamProtocol = StreamProtocol::new("/parley/batch/1");
/// The blob protocol's name.
pub const BLOB_PROTOCOL: StreamProtocol = StreamProtocol::new("/parley/blob/1");

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

/// Length-prefixed SCALE, refusing any message longer than `max_request` / `max_response`.
pub struct ScaleCodec<Req, Resp> {
	max_request: usize,
	max_response: usize,
	_types: PhantomData<fn() -> (Req, Resp)>,
}

impl<Req, Resp> Clone for ScaleCodec<Req, Resp> {
	fn clone(&self) -> Self {
		Self { max_request: self.max_request, max_response: self.max_response, _types: PhantomData }
	}
}

impl<Req, Resp> ScaleCodec<Req, Resp> {
	/// A codec with these bounds, in bytes.
	pub fn new(max_request: usize, max_response: usize) -> Self {
		Self { max_request, max_response, _types: PhantomData }
	}
}

async fn read_bounded<T: AsyncRead + Unpin + Send, M: Decode>(
	io: &mut T,
	max: usize,
) -> io::Result<M> {
	let mut len = [0u8; 4];
	io.read_exact(&mut len).await?;
	let len = u32::from_le_bytes(len) as usize;
	if len > max {
		return Err(io::Error::new(
			io::ErrorKind::InvalidData,
			format!("message of {len} bytes is over the bound of {max}"),
		));
	}
	let mut buf = vec![0u8; len];
	io.read_exact(&mut buf).await?;
	// The whole message, or nothing: trailing bytes are a misbehaving peer's, not padding.
	M::decode_all(&mut &buf[..])
		.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

async fn write_bounded<T: AsyncWrite + Unpin + Send>(
	io: &mut T,
	bytes: Vec<u8>,
	max: usize,
) -> io::Result<()> {
	if bytes.len() > max {
		return Err(io::Error::new(
			io::ErrorKind::InvalidInput,
			format!("message of {} bytes is over the bound of {max}", bytes.len()),
		));
	}
	io.write_all(&(bytes.len() as u32).to_le_bytes()).await?;
	io.write_all(&bytes).await?;
	io.close().await
}

#[async_trait::async_trait]
impl<Req, Resp> libp2p::request_response::Codec for ScaleCodec<Req, Resp>
where
	Req: Encode + Decode + Send + 'static,
	Resp: Encode + Decode + Send + 'static,
{
	type Protocol = StreamProtocol;
	type Request = Req;
	type Response = Resp;

	async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Req>
	where
		T: AsyncRead + Unpin + Send,
	{
		read_bounded(io, self.max_request).await
	}

	async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Resp>
	where
		T: AsyncRead + Unpin + Send,
	{
		read_bounded(io, self.max_response).await
	}

	async fn write_request<T>(&mut self, _: &StreamProtocol, io: &mut T, req: Req) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_bounded(io, req.encode(), self.max_request).await
	}

	async fn write_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		res: Resp,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_bounded(io, res.encode(), self.max_response).await
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use futures::io::Cursor;
	use libp2p::request_response::Codec;

	#[tokio::test]
	async fn messages_past_the_bound_are_refused_both_ways() {
		let mut codec = ScaleCodec::<BatchRequest, BatchResponse>::new(64, 64);
		let big = BatchRequest::Fetch([7; 16]);
		// Within the bound: round-trips.
		let mut wire = Cursor::new(Vec::new());
		codec.write_request(&BATCH_PROTOCOL, &mut wire, big.clone()).await.unwrap();
		let mut read = Cursor::new(wire.into_inner());
		assert_eq!(codec.read_request(&BATCH_PROTOCOL, &mut read).await.unwrap(), big);
		// A peer announcing more than the bound is refused before anything is allocated.
		let mut lying = Cursor::new([1_000_000u32.to_le_bytes().to_vec(), vec![0; 16]].concat());
		let err = codec.read_request(&BATCH_PROTOCOL, &mut lying).await.unwrap_err();
		assert_eq!(err.kind(), io::ErrorKind::InvalidData);
		// Writing past the bound fails locally.
		let mut small = ScaleCodec::<BatchRequest, BatchResponse>::new(8, 8);
		let err = small
			.write_request(&BATCH_PROTOCOL, &mut Cursor::new(Vec::new()), big)
			.await
			.unwrap_err();
		assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
		// Garbage within the bound is a decode error, not a panic.
		let mut garbage = Cursor::new([4u32.to_le_bytes().to_vec(), vec![0xff; 4]].concat());
		assert!(codec.read_request(&BATCH_PROTOCOL, &mut garbage).await.is_err());
	}

	#[tokio::test]
	async fn a_message_with_trailing_bytes_is_refused() {
		let mut codec = ScaleCodec::<BatchRequest, BatchResponse>::new(64, 64);
		let request = BatchRequest::Fetch([7; 16]);
		let exact = request.encode();
		let mut padded = exact.clone();
		padded.extend_from_slice(&[0, 0, 0]);
		let framed = |bytes: &[u8]| {
			Cursor::new([(bytes.len() as u32).to_le_bytes().to_vec(), bytes.to_vec()].concat())
		};
		assert_eq!(
			codec.read_request(&BATCH_PROTOCOL, &mut framed(&exact)).await.unwrap(),
			request
		);
		let err = codec.read_request(&BATCH_PROTOCOL, &mut framed(&padded)).await.unwrap_err();
		assert_eq!(err.kind(), io::ErrorKind::InvalidData);
	}
}
