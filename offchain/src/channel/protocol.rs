//! The data channel's two request-response protocols, and the libp2p codec that frames their
//! messages with size bounds. The messages and their framing are in `parley_wire::channel`
//! (fuzzed there); this module reads and writes frames on libp2p streams.
//!
//! Two request-response protocols:
//! - `/parley/batch/1`: sealed batches and their signed receipts, fetches of missing batches
//!   (reconciliation), and sealed group announcements;
//! - `/parley/blob/1`: blobs, pulled in chunks from an offset, so a broken transfer resumes where
//!   it stopped.

use codec::{Decode, Encode};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use parley_wire::channel::{decode_body, encode_frame, frame_len};
pub use parley_wire::channel::{
	BatchRequest, BatchResponse, BlobRequest, BlobResponse, FrameError, Refusal,
};
use std::{io, marker::PhantomData};

/// The batch protocol's name.
pub const BATCH_PROTOCOL: StreamProtocol = StreamProtocol::new("/parley/batch/1");
/// The blob protocol's name.
pub const BLOB_PROTOCOL: StreamProtocol = StreamProtocol::new("/parley/blob/1");

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
	let invalid = |e: FrameError| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
	let mut prefix = [0u8; 4];
	io.read_exact(&mut prefix).await?;
	let len = frame_len(prefix, max).map_err(invalid)?;
	let mut body = vec![0u8; len];
	io.read_exact(&mut body).await?;
	decode_body(&body).map_err(invalid)
}

/// Frames `message`, refusing one past `max` bytes before anything is written.
fn frame<M: Encode>(message: &M, max: usize) -> io::Result<Vec<u8>> {
	encode_frame(message, max)
		.map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(io: &mut T, frame: Vec<u8>) -> io::Result<()> {
	io.write_all(&frame).await?;
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
		write_frame(io, frame(&req, self.max_request)?).await
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
		write_frame(io, frame(&res, self.max_response)?).await
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
