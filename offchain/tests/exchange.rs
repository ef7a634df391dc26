//! The exchange end to end on loopback, with real channels, stores and crypto, against an
//! in-memory chain: private delivery and confirmation, hold-back of later pins behind a missing
//! payload, rejection of a tampered payload, store-and-forward to an offline node, and
//! reconciliation.

use futures::future::BoxFuture;
use parley_offchain::{
	batch::{Author, BatchMessage, BatchPayload},
	envelope::{self, PairSigner},
	store::{collections::MESSAGES, query::ListQuery},
	types::{Group, MessageKind},
	ChainBlock, ChainView, Exchange, ExchangeConfig, MessageState, NodeIdentity, NodeKeys,
	PinSubmission, PinnedBatch, Submitter,
};
use sp_core::{crypto::Pair as _, sr25519};
use std::{
	sync::{Arc, Mutex},
	time::Duration,
};

/// A chain in memory: node identities, and the pins nodes submitted, turned into blocks on
/// demand.
#[derive(Default)]
struct MemChain {
	nodes: Mutex<Vec<NodeIdentity>>,
	submitted: Mutex<Vec<(u32, PinSubmission)>>,
	acknowledged: Mutex<Vec<[u8; 32]>>,
	height: Mutex<u64>,
	blocks: Mutex<Vec<ChainBlock>>,
	skipped: Mutex<Vec<([u8; 16], u32)>>,
}

struct View(Arc<MemChain>);
impl ChainView for View {
	fn nodes(&self) -> Result<Vec<NodeIdentity>, String> {
		Ok(self.0.nodes.lock().unwrap().clone())
	}
	fn best_block(&self) -> u64 {
		*self.0.height.lock().unwrap()
	}
	fn skip_after(&self) -> u64 {
		2
	}
}

struct MemSubmitter(Arc<MemChain>, u32);
impl Submitter for MemSubmitter {
	fn submit_pin(&self, pin: PinSubmission) -> BoxFuture<'static, Result<(), String>> {
		let mut submitted = self.0.submitted.lock().unwrap();
		if !submitted.iter().any(|(_, p)| p.batch_id == pin.batch_id) {
			submitted.push((self.1, pin));
		}
		Box::pin(async { Ok(()) })
	}
	fn acknowledge(&self, batch_hash: [u8; 32]) {
		self.0.acknowledged.lock().unwrap().push(batch_hash);
	}
	fn submit_skip(&self, batch_id: [u8; 16]) -> BoxFuture<'static, Result<(), String>> {
		self.0.skipped.lock().unwrap().push((batch_id, self.1));
		Box::pin(async { Ok(()) })
	}
}

struct Party {
	exchange: Exchange,
	node: NodeIdentity,
	dir: Option<tempfile::TempDir>,
	tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Party {
	/// Stops the party abruptly (its tasks are aborted mid-flight) and hands back its folder.
	async fn crash(mut self) -> tempfile::TempDir {
		for task in self.tasks.drain(..) {
			task.abort();
			let _ = task.await;
		}
		self.dir.take().expect("a running party owns its folder")
	}
}

impl Drop for Party {
	fn drop(&mut self) {
		for task in &self.tasks {
			task.abort();
		}
	}
}

fn free_port() -> u16 {
	std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn config(dir: &std::path::Path, port: u16) -> ExchangeConfig {
	let mut config = ExchangeConfig::new(dir.to_path_buf());
	config.channel.listen = format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap();
	config.batch_timeout = Duration::from_millis(20);
	config.fetch_after = Duration::from_millis(300);
	config.retry_base = Duration::from_millis(100);
	config.retry_max = Duration::from_millis(500);
	config.test_hooks = true;
	config
}

/// Registers node `id` (seed `//<name>`) on the chain, listening on `port`.
fn register(
	chain: &MemChain,
	id: u32,
	name: &str,
	dir: &std::path::Path,
	port: u16,
) -> NodeIdentity {
	let keys = NodeKeys::load_or_create(dir, Some(&format!("//{name}"))).unwrap();
	let pair = sr25519::Pair::from_string(&format!("//{name}"), None).unwrap();
	let node = NodeIdentity {
		id,
		did: format!("did:parley:node/{name}"),
		account: pair.public().0,
		peer_id: keys.peer_id_bytes(),
		encryption_key: keys.encryption.public(),
		multiaddrs: vec![format!("/ip4/127.0.0.1/tcp/{port}")],
		active: true,
	};
	chain.nodes.lock().unwrap().push(node.clone());
	node
}

async fn start(
	chain: &Arc<MemChain>,
	node: &NodeIdentity,
	name: &str,
	dir: tempfile::TempDir,
	port: u16,
) -> Party {
	let keys = NodeKeys::load_or_create(dir.path(), Some(&format!("//{name}"))).unwrap();
	let signer =
		Arc::new(PairSigner(sr25519::Pair::from_string(&format!("//{name}"), None).unwrap()));
	let (exchange, tasks) = Exchange::start(
		config(dir.path(), port),
		keys,
		signer,
		Arc::new(View(chain.clone())),
		Arc::new(MemSubmitter(chain.clone(), node.id)),
	)
	.await
	.unwrap();
	let tasks = tasks.into_iter().map(|(_, task)| tokio::spawn(task)).collect();
	Party { exchange, node: node.clone(), dir: Some(dir), tasks }
}

/// Turns the pins submitted so far into the next block, and hands it to every party.
async fn produce_block(chain: &MemChain, parties: &[&Party]) {
	let pins: Vec<(u32, PinSubmission)> = chain.submitted.lock().unwrap().drain(..).collect();
	let number = {
		let mut height = chain.height.lock().unwrap();
		*height += 1;
		*height
	};
	let block = ChainBlock {
		number,
		hash: [number as u8; 32],
		pins: pins
			.into_iter()
			.enumerate()
			.map(|(i, (author, pin))| PinnedBatch {
				block: number,
				event_index: i as u32,
				namespace: pin.namespace,
				sequence: number * 100 + i as u64,
				author,
				batch_id: pin.batch_id,
				batch_hash: pin.batch_hash,
				contexts: pin.contexts,
			})
			.collect(),
		acknowledgements: vec![],
		skips: chain.skipped.lock().unwrap().drain(..).collect(),
		..Default::default()
	};
	chain.blocks.lock().unwrap().push(block.clone());
	for party in parties {
		party.exchange.on_block(block.clone()).await;
	}
}

/// Hands a party that was offline every block it has not processed, as the node does on start.
async fn catch_up(chain: &MemChain, party: &Party) {
	let next = party.exchange.next_block().await.unwrap();
	let blocks: Vec<ChainBlock> =
		chain.blocks.lock().unwrap().iter().filter(|b| b.number >= next).cloned().collect();
	for block in blocks {
		party.exchange.on_block(block).await;
	}
}

/// Waits (bounded) until `check` holds, producing blocks meanwhile.
async fn eventually<F, Fut>(chain: &MemChain, parties: &[&Party], what: &str, mut check: F)
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = bool>,
{
	for _ in 0..150 {
		if check().await {
			return;
		}
		produce_block(chain, parties).await;
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	panic!("timed out waiting until {what}");
}

async fn state_of(party: &Party, id: &str) -> Option<MessageState> {
	party.exchange.store().message(id).await.unwrap().map(|m| m.state)
}

async fn three_parties() -> (Arc<MemChain>, Party, Party, Party) {
	let chain = Arc::new(MemChain::default());
	let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
	let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
	let names = ["insurer-a", "provider", "insurer-b"];
	let nodes: Vec<_> = (0..3)
		.map(|i| register(&chain, i as u32 + 1, names[i], dirs[i].path(), ports[i]))
		.collect();
	let mut dirs = dirs.into_iter();
	let a = start(&chain, &nodes[0], names[0], dirs.next().unwrap(), ports[0]).await;
	let p = start(&chain, &nodes[1], names[1], dirs.next().unwrap(), ports[1]).await;
	let b = start(&chain, &nodes[2], names[2], dirs.next().unwrap(), ports[2]).await;
	(chain, a, p, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_message_reaches_only_its_group_and_is_confirmed_after_its_pin() {
	let (chain, a, p, b) = three_parties().await;
	let group = a
		.exchange
		.create_group("default", "claims", std::slice::from_ref(&p.node.did))
		.await
		.unwrap();
	let id = a
		.exchange
		.send_private(
			"default",
			&group,
			vec!["claim-42".into()],
			"claim".into(),
			serde_json::json!({"amount": 1200}),
		)
		.await
		.unwrap();
	let all = [&a, &p, &b];
	eventually(&chain, &all, "the provider confirms the message", || async {
		state_of(&p, &id).await == Some(MessageState::Confirmed)
	})
	.await;
	let got = p.exchange.store().message(&id).await.unwrap().unwrap();
	assert_eq!(got.data, serde_json::json!({"amount": 1200}));
	assert_eq!(got.author, a.node.did);
	eventually(&chain, &all, "the sender confirms its own message", || async {
		state_of(&a, &id).await == Some(MessageState::Confirmed)
	})
	.await;
	// insurer-b saw the pin but holds nothing it can open, and no message.
	assert_eq!(state_of(&b, &id).await, None);
	let none = b.exchange.list(&MESSAGES, "default", &ListQuery::default()).await.unwrap();
	assert!(none.items.is_empty());
	let batch: [u8; 16] = hex::decode(got.batch.unwrap()).unwrap().try_into().unwrap();
	assert!(b.exchange.store().sealed(&batch).await.unwrap().is_none());
	eventually(&chain, &all, "insurer-b learns it is not a recipient", || async {
		b.exchange.store().pin_state(&batch).await.unwrap().as_deref() == Some("not_for_us")
	})
	.await;
	// The provider acknowledged it (through the offchain worker), and the sender has a receipt.
	assert!(!chain.acknowledged.lock().unwrap().is_empty());
	assert_eq!(a.exchange.store().receipts(&batch).await.unwrap(), vec![p.node.did.clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_reaches_every_node() {
	let (chain, a, p, b) = three_parties().await;
	let id = p
		.exchange
		.send_broadcast("default", vec!["news".into()], String::new(), serde_json::json!("hello"))
		.await
		.unwrap();
	let all = [&a, &p, &b];
	eventually(&chain, &all, "both insurers confirm the broadcast", || async {
		state_of(&a, &id).await == Some(MessageState::Confirmed)
			&& state_of(&b, &id).await == Some(MessageState::Confirmed)
	})
	.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_payload_is_rejected_and_later_messages_still_flow() {
	let (chain, a, p, b) = three_parties().await;
	let group =
		a.exchange.create_group("default", "g", std::slice::from_ref(&p.node.did)).await.unwrap();
	a.exchange.tamper_next_delivery().unwrap();
	let bad = a
		.exchange
		.send_private("default", &group, vec!["t".into()], String::new(), serde_json::json!(1))
		.await
		.unwrap();
	let all = [&a, &p, &b];
	eventually(&chain, &all, "the provider rejects the tampered batch", || async {
		let events = p.exchange.store().events_after(0, 100).await.unwrap();
		events.iter().any(|e| e.kind == "message_rejected")
	})
	.await;
	assert_eq!(state_of(&p, &bad).await, None, "a rejected message is never released");
	let good = a
		.exchange
		.send_private("default", &group, vec!["t".into()], String::new(), serde_json::json!(2))
		.await
		.unwrap();
	eventually(&chain, &all, "the next message on the same topic is confirmed", || async {
		state_of(&p, &good).await == Some(MessageState::Confirmed)
	})
	.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_payload_holds_back_only_its_own_context() {
	let (chain, a, p, b) = three_parties().await;
	let store = p.exchange.store();
	let provider_key =
		NodeKeys::load_or_create(tempfile::tempdir().unwrap().path(), Some("//provider")).unwrap();
	let group = Group {
		id: [9; 16],
		namespace: "default".into(),
		name: "g".into(),
		members: vec![a.node.id, p.node.id],
		secret: [7; 32],
	};
	let author = Author { node: a.node.id, did: a.node.did.clone() };
	let payload = |batch: u8, topic: &str, nonce: u64| BatchPayload {
		batch_id: [batch; 16],
		namespace: "default".into(),
		kind: MessageKind::Private,
		author: author.clone(),
		group: Some(group.clone()),
		messages: vec![BatchMessage {
			id: [batch; 16],
			topics: vec![topic.into()],
			tag: String::new(),
			data: format!("{batch}").into_bytes(),
			nonces: vec![nonce],
			created: 0,
			cid: None,
			attachments: vec![],
			transfer: None,
		}],
	};
	// Three batches from insurer-a: x#0 and x#1 on topic x, y#0 on topic y, pinned in that order.
	let batches = [payload(1, "x", 0), payload(2, "x", 1), payload(3, "y", 0)];
	let pins: Vec<PinnedBatch> = batches
		.iter()
		.enumerate()
		.map(|(i, b)| PinnedBatch {
			block: 1,
			event_index: i as u32,
			namespace: "default".into(),
			sequence: i as u64,
			author: a.node.id,
			batch_id: b.batch_id,
			batch_hash: b.hash(),
			contexts: b.contexts(),
		})
		.collect();
	let deliver = |b: &BatchPayload| {
		use codec::Encode;
		let env =
			envelope::seal(&provider_key.encryption.public(), b.batch_id, b.hash(), &b.encode())
				.unwrap();
		(b.batch_id, b.hash(), env.encode())
	};
	// The payloads of x#1 and y#0 arrive; x#0's does not (yet).
	for b in &batches[1..] {
		let (id, hash, bytes) = deliver(b);
		store.store_sealed(&id, a.node.id, &hash, &bytes).await.unwrap();
	}
	p.exchange.on_block(ChainBlock { number: 1, hash: [1; 32], pins, ..Default::default() }).await;
	let id_of = |b: u8| parley_offchain::store::uuid_string(&[b; 16]);
	eventually(&chain, &[&b], "y#0 is released though x#0 is missing", || async {
		state_of(&p, &id_of(3)).await == Some(MessageState::Confirmed)
	})
	.await;
	assert_eq!(state_of(&p, &id_of(2)).await, None, "x#1 waits for x#0");
	// x#0 arrives: both x messages are released, x#0 first.
	let (id, hash, bytes) = deliver(&batches[0]);
	store.store_sealed(&id, a.node.id, &hash, &bytes).await.unwrap();
	eventually(&chain, &[&b], "x#0 and x#1 are released", || async {
		state_of(&p, &id_of(2)).await == Some(MessageState::Confirmed)
	})
	.await;
	let seq = |m: parley_offchain::Message| m.confirm_sequence.unwrap();
	let x0 = seq(store.message(&id_of(1)).await.unwrap().unwrap());
	let x1 = seq(store.message(&id_of(2)).await.unwrap().unwrap());
	let y0 = seq(store.message(&id_of(3)).await.unwrap().unwrap());
	assert!(y0 < x0 && x0 < x1, "order per context: y0={y0} x0={x0} x1={x1}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_recipient_gets_its_batch_when_it_comes_back_even_if_the_sender_restarts() {
	let chain = Arc::new(MemChain::default());
	let (dir_a, dir_p) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
	let (port_a, port_p) = (free_port(), free_port());
	let node_a = register(&chain, 1, "insurer-a", dir_a.path(), port_a);
	let node_p = register(&chain, 2, "provider", dir_p.path(), port_p);
	let a = start(&chain, &node_a, "insurer-a", dir_a, port_a).await;
	// The provider is offline while insurer-a creates a group and sends.
	let group =
		a.exchange.create_group("default", "g", std::slice::from_ref(&node_p.did)).await.unwrap();
	let id = a
		.exchange
		.send_private(
			"default",
			&group,
			vec!["t".into()],
			String::new(),
			serde_json::json!({"k": "v"}),
		)
		.await
		.unwrap();
	eventually(&chain, &[&a], "the sender has pinned and confirmed its own message", || async {
		state_of(&a, &id).await == Some(MessageState::Confirmed)
	})
	.await;
	tokio::time::sleep(Duration::from_millis(800)).await;
	assert!(
		a.exchange.store().pending_op_count().await.unwrap() > 0,
		"the delivery is still queued"
	);
	// The sender crashes and restarts; its outbox survives in its database.
	let dir_a = a.crash().await;
	let a = start(&chain, &node_a, "insurer-a", dir_a, port_a).await;
	catch_up(&chain, &a).await;
	let p = start(&chain, &node_p, "provider", dir_p, port_p).await;
	// The provider, back, catches up with the chain from its cursor.
	catch_up(&chain, &p).await;
	eventually(&chain, &[&a, &p], "the provider confirms the message exactly once", || async {
		state_of(&p, &id).await == Some(MessageState::Confirmed)
	})
	.await;
	let query = ListQuery::parse([("state".to_string(), "confirmed".to_string())]).unwrap();
	let confirmed = p.exchange.list(&MESSAGES, "default", &query).await.unwrap();
	assert_eq!(confirmed.items.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_deactivated_on_chain_is_cut_off() {
	let (chain, a, p, b) = three_parties().await;
	let group =
		a.exchange.create_group("default", "g", std::slice::from_ref(&p.node.did)).await.unwrap();
	let first = a
		.exchange
		.send_private("default", &group, vec!["t".into()], String::new(), serde_json::json!(1))
		.await
		.unwrap();
	let all = [&a, &p, &b];
	eventually(&chain, &all, "the provider confirms while insurer-a is in force", || async {
		state_of(&p, &first).await == Some(MessageState::Confirmed)
	})
	.await;
	// Governance deactivates insurer-a; every node sees it on the next block.
	chain.nodes.lock().unwrap().iter_mut().find(|n| n.id == a.node.id).unwrap().active = false;
	for party in all {
		party.exchange.refresh_identities().await.unwrap();
	}
	let peer = libp2p::PeerId::from_bytes(&a.node.peer_id).unwrap();
	let request = parley_offchain::channel::protocol::BatchRequest::Fetch([0; 16]);
	assert!(
		p.exchange.channel().request_batch(peer, request).await.is_err(),
		"the provider no longer talks to it"
	);
	tokio::time::sleep(Duration::from_millis(300)).await;
	let connected = p.exchange.channel().connected_peers().await.unwrap();
	assert!(!connected.contains(&peer), "its connection was closed");
	// And what it sends no longer reaches anyone.
	let second = a
		.exchange
		.send_private("default", &group, vec!["t".into()], String::new(), serde_json::json!(2))
		.await;
	assert!(second.is_err(), "a deactivated node cannot send");
}
