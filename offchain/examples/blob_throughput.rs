//! Measures the data channel's blob throughput on loopback: one node serves a blob from its blob
//! store, the other pulls it in chunks over `/parley/blob/1` (noise-encrypted, yamux-multiplexed
//! TCP), writes it to its own blob store and checks its hash. Prints MB/s, and how long the
//! final hash check and sync took.
//!
//! `cargo run --release -p parley-offchain --example blob_throughput -- [size MiB] [chunk KiB] [in flight]`
//! (scripts/bench-channel.sh runs it).

use parley_offchain::{
	blobs::BlobStore,
	channel::{
		self,
		protocol::{BlobRequest, BlobResponse},
		ChannelConfig, Inbound,
	},
};
use std::time::Instant;

fn free_port() -> u16 {
	std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
	let args: Vec<String> = std::env::args().collect();
	let size_mib: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
	let chunk_kib: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1024);
	let in_flight: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(4).max(1);
	let dir = tempfile::tempdir().unwrap();

	// The serving node and its blob.
	let source = BlobStore::new(&dir.path().join("a")).unwrap();
	let mut blob = vec![0u8; size_mib * 1024 * 1024];
	for (i, byte) in blob.iter_mut().enumerate() {
		*byte = (i.wrapping_mul(2654435761) >> 13) as u8;
	}
	let (hash, size) = source.import(&mut &blob[..]).unwrap();
	drop(blob);

	let config = |port: u16| ChannelConfig {
		listen: format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap(),
		max_blob_chunk: chunk_kib * 1024,
		..Default::default()
	};
	let (port_a, port_b) = (free_port(), free_port());
	let (key_a, key_b) = (
		libp2p::identity::Keypair::generate_ed25519(),
		libp2p::identity::Keypair::generate_ed25519(),
	);
	let (peer_a, peer_b) = (key_a.public().to_peer_id(), key_b.public().to_peer_id());
	let (a, mut inbound_a, loop_a) = channel::start(key_a, config(port_a)).unwrap();
	let (b, _inbound_b, loop_b) = channel::start(key_b, config(port_b)).unwrap();
	tokio::spawn(loop_a);
	tokio::spawn(loop_b);
	a.set_peers(vec![(peer_b, vec![format!("/ip4/127.0.0.1/tcp/{port_b}").parse().unwrap()])])
		.await
		.unwrap();
	b.set_peers(vec![(peer_a, vec![format!("/ip4/127.0.0.1/tcp/{port_a}").parse().unwrap()])])
		.await
		.unwrap();
	let max_chunk = chunk_kib * 1024;
	tokio::spawn(async move {
		while let Some(item) = inbound_a.recv().await {
			if let Inbound::Blob { request, reply, .. } = item {
				let response = match source.read_chunk(
					&request.hash,
					request.offset,
					max_chunk.min(request.max_len as usize),
				) {
					Ok(Some((total, data))) => BlobResponse::Chunk { total, data },
					_ => BlobResponse::NotFound,
				};
				let _ = reply.send(response);
			}
		}
	});

	// The pulling node.
	let target = BlobStore::new(&dir.path().join("b")).unwrap();
	// The connection is up before the clock starts, as between nodes that talk all day.
	let _ = b.request_blob(peer_a, BlobRequest { hash, offset: 0, max_len: 1 }).await;
	let started = Instant::now();
	// Chunks asked for ahead, as a node's fetch does (`in_flight` at once).
	let mut partial = target.resume(&hash).unwrap();
	let mut asked = 0u64;
	let mut pending = futures::stream::FuturesOrdered::new();
	while partial.len() < size {
		while asked < size && pending.len() < in_flight {
			let request = BlobRequest { hash, offset: asked, max_len: max_chunk as u32 };
			let b = b.clone();
			pending.push_back(async move { b.request_blob(peer_a, request).await });
			asked += (max_chunk as u64).min(size - asked);
		}
		match futures::StreamExt::next(&mut pending)
			.await
			.expect("a chunk asked for")
			.expect("chunk")
		{
			BlobResponse::Chunk { data, .. } => partial.append(&data).unwrap(),
			other => panic!("unexpected {other:?}"),
		}
	}
	let moved = started.elapsed();
	assert!(partial.finish().unwrap(), "hash checks");
	let seconds = started.elapsed().as_secs_f64();
	println!(
		"blob transfer over the data channel: {} MiB in {:.1} ms = {:.1} MB/s (chunks of {} KiB, {} asked for at once, hash verified and synced; the final hash check and sync took {:.2} ms)",
		size / (1024 * 1024),
		seconds * 1e3,
		size as f64 / 1e6 / seconds,
		chunk_kib,
		in_flight,
		seconds * 1e3 - moved.as_secs_f64() * 1e3,
	);
}
