//! The channel's connection rules, between two channels on loopback.

use super::*;
use std::time::Instant;

/// A loopback TCP port that nothing listens on (bound, then released).
fn free_port() -> u16 {
	std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn config(listen: &str) -> ChannelConfig {
	ChannelConfig { listen: listen.parse().unwrap(), ..Default::default() }
}

/// A partition outlasts more than one dial: both sides' dials fail, and request-response forgets
/// an address after a failed dial. Once the peer is reachable again it must still be redialled
/// at its identity's address, or the two stay apart until one of them restarts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_unreachable_for_a_while_is_dialled_again_once_it_is_back() {
	let (a_key, b_key) = (Keypair::generate_ed25519(), Keypair::generate_ed25519());
	let (a_peer, b_peer) = (a_key.public().to_peer_id(), b_key.public().to_peer_id());
	let b_listen = format!("/ip4/127.0.0.1/tcp/{}", free_port());
	let (a, _a_inbound, a_loop) = start(a_key, config("/ip4/127.0.0.1/tcp/0")).unwrap();
	tokio::spawn(a_loop);
	a.set_peers(vec![(b_peer, vec![b_listen.parse().unwrap()])]).await.unwrap();
	// Nothing listens at b's address yet: a's first dial is refused at once.
	tokio::time::sleep(Duration::from_secs(2)).await;
	assert!(a.connected_peers().await.unwrap().is_empty());
	// b comes up. It lets a in but knows no address for it, so only a's redial can join them.
	let (b, _b_inbound, b_loop) = start(b_key, config(&b_listen)).unwrap();
	tokio::spawn(b_loop);
	b.set_peers(vec![(a_peer, vec![])]).await.unwrap();
	let deadline = Instant::now() + Duration::from_secs(20);
	while !a.connected_peers().await.unwrap().contains(&b_peer) {
		assert!(Instant::now() < deadline, "a never dialled b again after its first dial failed");
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	assert!(b.connected_peers().await.unwrap().contains(&a_peer));
}

/// Takes `n` blob requests from `inbound`, in the order they came.
async fn take_blob_requests(
	inbound: &mut mpsc::Receiver<Inbound>,
	n: usize,
) -> Vec<(u64, oneshot::Sender<BlobResponse>)> {
	let mut held = Vec::new();
	while held.len() < n {
		let item = tokio::time::timeout(Duration::from_secs(20), inbound.recv())
			.await
			.expect("the requests come in time")
			.expect("the channel runs");
		if let Inbound::Blob { request, reply, .. } = item {
			held.push((request.offset, reply));
		}
	}
	held
}

/// The chunk answering the blob request at `offset`: `len` bytes of that byte.
fn chunk_at(offset: u64, len: usize) -> BlobResponse {
	BlobResponse::Chunk { total: 8 << 20, data: vec![offset as u8; len] }
}

/// Blob chunks answered to one peer go out one at a time, in the order they were ready, each
/// whole before the next, rather than all at once frame by frame; and a peer that goes away
/// while its chunks wait for the wire is answered again once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_chunks_go_to_a_peer_one_at_a_time_in_the_order_ready_and_a_leaver_is_served_again() {
	let (author_key, asker_key) = (Keypair::generate_ed25519(), Keypair::generate_ed25519());
	let (author_peer, asker_peer) =
		(author_key.public().to_peer_id(), asker_key.public().to_peer_id());
	let author_listen = format!("/ip4/127.0.0.1/tcp/{}", free_port());
	let (author, mut asked, author_loop) = start(author_key, config(&author_listen)).unwrap();
	tokio::spawn(author_loop);
	author.set_peers(vec![(asker_peer, vec![])]).await.unwrap();
	let connect = |key: Keypair| {
		let (asker, _inbound, asker_loop) = start(key, config("/ip4/127.0.0.1/tcp/0")).unwrap();
		let task = tokio::spawn(asker_loop);
		let addrs = vec![author_listen.parse().unwrap()];
		(asker, task, addrs)
	};
	let (asker, asker_task, addrs) = connect(asker_key.clone());
	asker.set_peers(vec![(author_peer, addrs)]).await.unwrap();
	// Asks for the chunks at `offsets` at once; the answers in the order they arrived (the
	// order the asker's channel handed them over, in one task).
	let ask = |asker: &ChannelClient, offsets: std::ops::Range<u64>| {
		let asker = asker.clone();
		tokio::spawn(async move {
			let mut asks: FuturesUnordered<_> = offsets
				.map(|offset| {
					let asker = asker.clone();
					async move {
						let request = BlobRequest { hash: [7; 32], offset, max_len: 1 << 20 };
						(offset, asker.request_blob(author_peer, request).await)
					}
				})
				.collect();
			let mut arrived = Vec::new();
			while let Some(answer) = asks.next().await {
				arrived.push(answer);
			}
			arrived
		})
	};

	// Six chunks asked for at once; the author answers them in the reverse order, together:
	// the first a whole MiB, the others a byte each. Written at once, the small ones would
	// overtake the large one, which needs several of the connection's flow-control windows.
	let asks = ask(&asker, 0..6);
	let held = take_blob_requests(&mut asked, 6).await;
	let mut ready: Vec<u64> = held.iter().map(|(offset, _)| *offset).collect();
	ready.reverse();
	let len = |offset: u64| if offset == ready[0] { 1 << 20 } else { 1 };
	// Once the author's channel waits for all six answers, they are ready in the order given.
	tokio::time::sleep(Duration::from_millis(200)).await;
	for (offset, reply) in held.into_iter().rev() {
		reply.send(chunk_at(offset, len(offset))).unwrap();
	}
	let mut arrived = Vec::new();
	for (offset, answer) in asks.await.unwrap() {
		let Ok(BlobResponse::Chunk { data, .. }) = answer else {
			panic!("chunk {offset}: {answer:?}")
		};
		assert!(data.len() == len(offset) && data.iter().all(|b| *b == offset as u8), "whole");
		arrived.push(offset);
	}
	assert_eq!(arrived, ready, "one at a time, in the order the author had them ready");

	// The asker asks for four more and goes away while the author writes the first answer;
	// the other three are ready only once it is gone.
	let gone = ask(&asker, 10..14);
	let mut held = take_blob_requests(&mut asked, 4).await.into_iter();
	let (offset, reply) = held.next().unwrap();
	reply.send(chunk_at(offset, 1 << 20)).unwrap();
	gone.abort();
	asker_task.abort();
	drop(asker);
	let deadline = Instant::now() + Duration::from_secs(20);
	while author.connected_peers().await.unwrap().contains(&asker_peer) {
		assert!(Instant::now() < deadline, "the asker's connection closes");
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	for (offset, reply) in held {
		let _ = reply.send(chunk_at(offset, 1 << 20));
	}
	// Back, it is answered: nothing of the answers it left behind holds the next one up.
	let (asker, _asker_task, addrs) = connect(asker_key);
	asker.set_peers(vec![(author_peer, addrs)]).await.unwrap();
	let again = ask(&asker, 20..21);
	let held = take_blob_requests(&mut asked, 1).await;
	for (offset, reply) in held {
		reply.send(chunk_at(offset, 1 << 20)).unwrap();
	}
	let answers = again.await.unwrap();
	assert!(matches!(&answers[..], [(20, Ok(BlobResponse::Chunk { data, .. }))] if data[0] == 20));
}
