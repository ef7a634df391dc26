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
