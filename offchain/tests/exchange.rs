//! The exchange end to end on loopback, with real channels, stores and crypto, against an
//! in-memory chain that enforces the pins pallet's bounds: private delivery and confirmation,
//! hold-back of later pins behind a missing payload, rejection of a tampered payload,
//! store-and-forward to an offline node, reconciliation, bursts of multi-topic messages cut to
//! the chain's context bound, pins that fail on-chain, and who may skip a batch that never arrives.

use futures::future::BoxFuture;
use parley_offchain::{
	batch::{Author, BatchMessage, BatchPayload},
	envelope::{self, PairSigner},
	store::{collections::MESSAGES, query::ListQuery},
	types::{Group, MessageKind},
	ChainBlock, ChainView, Exchange, ExchangeConfig, ExchangeError, FailedPin, Governance, Member,
	MessageState, Motion, NodeIdentity, NodeKeys, PinLimits, PinSubmission, PinnedBatch,
	SkippedBatch, Submitter,
};
use sp_core::{crypto::Pair as _, sr25519};
use std::{
	sync::{Arc, Mutex},
	time::Duration,
};

/// A chain in memory: node identities, and the pins nodes submitted, turned into blocks on
/// demand. Like the pins pallet, it refuses a pin with more than `max_contexts` contexts, a
/// namespace the pallet calls invalid, or a batch id pinned before: such a pin is in the block,
/// failed.
struct MemChain {
	nodes: Mutex<Vec<NodeIdentity>>,
	submitted: Mutex<Vec<(u32, PinSubmission)>>,
	acknowledged: Mutex<Vec<[u8; 32]>>,
	height: Mutex<u64>,
	blocks: Mutex<Vec<ChainBlock>>,
	/// Skips for the next block: by the author node, or by the members' vote.
	skipped: Mutex<Vec<SkippedBatch>>,
	/// The context bound the chain enforces.
	max_contexts: Mutex<u32>,
	/// The context bound `pin_limits` reports (as the runtime API would; a test may make the two
	/// differ, as a runtime upgrade does between a batch's cut and its pin).
	reported_max_contexts: Mutex<u32>,
	/// Every (author, batch id) pinned: a batch is its author's.
	pinned: Mutex<std::collections::HashSet<(u32, [u8; 16])>>,
	/// The members and open motions `GovernanceApi` would report.
	governance: Mutex<Governance>,
	/// The batch ids of each `submit_pins` call, in the order given.
	together: Mutex<Vec<Vec<[u8; 16]>>>,
}

impl Default for MemChain {
	fn default() -> Self {
		Self {
			nodes: Default::default(),
			submitted: Default::default(),
			acknowledged: Default::default(),
			height: Default::default(),
			blocks: Default::default(),
			skipped: Default::default(),
			max_contexts: Mutex::new(256),
			reported_max_contexts: Mutex::new(256),
			pinned: Default::default(),
			governance: Default::default(),
			together: Default::default(),
		}
	}
}

struct View(Arc<MemChain>);
impl ChainView for View {
	fn nodes(&self) -> Result<Vec<NodeIdentity>, String> {
		Ok(self.0.nodes.lock().unwrap().clone())
	}
	fn best_block(&self) -> u64 {
		*self.0.height.lock().unwrap()
	}
	fn pin_limits(&self) -> Result<PinLimits, String> {
		Ok(PinLimits {
			max_contexts: *self.0.reported_max_contexts.lock().unwrap(),
			max_namespace_len: 64,
			skip_after: 2,
		})
	}
	fn governance(&self) -> Result<Governance, String> {
		Ok(self.0.governance.lock().unwrap().clone())
	}
}

/// The pins pallet's namespace rule.
fn valid_namespace(name: &str) -> bool {
	let edge = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric());
	edge(name.bytes().next())
		&& edge(name.bytes().last())
		&& name.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
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
	/// As `pins.pin_batches`: the pins go into the pool in the order given, the author's pins
	/// made already passed over.
	fn submit_pins(&self, pins: Vec<PinSubmission>) -> BoxFuture<'static, Result<(), String>> {
		self.0.together.lock().unwrap().push(pins.iter().map(|p| p.batch_id).collect());
		let pinned = self.0.pinned.lock().unwrap();
		let mut submitted = self.0.submitted.lock().unwrap();
		for pin in pins {
			if !pinned.contains(&(self.1, pin.batch_id))
				&& !submitted.iter().any(|(_, p)| p.batch_id == pin.batch_id)
			{
				submitted.push((self.1, pin));
			}
		}
		Box::pin(async { Ok(()) })
	}
	fn acknowledge(&self, batch_hash: [u8; 32]) {
		self.0.acknowledged.lock().unwrap().push(batch_hash);
	}
	fn submit_skip(&self, batch_id: [u8; 16]) -> BoxFuture<'static, Result<(), String>> {
		self.0.skipped.lock().unwrap().push(SkippedBatch {
			author: self.1,
			batch_id,
			by_vote: false,
		});
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
	start_with(chain, node, name, dir, port, |_| {}).await
}

async fn start_with(
	chain: &Arc<MemChain>,
	node: &NodeIdentity,
	name: &str,
	dir: tempfile::TempDir,
	port: u16,
	tweak: impl FnOnce(&mut ExchangeConfig),
) -> Party {
	let keys = NodeKeys::load_or_create(dir.path(), Some(&format!("//{name}"))).unwrap();
	let signer =
		Arc::new(PairSigner(sr25519::Pair::from_string(&format!("//{name}"), None).unwrap()));
	let mut config = config(dir.path(), port);
	tweak(&mut config);
	let (exchange, tasks) = Exchange::start(
		config,
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
	let max_contexts = *chain.max_contexts.lock().unwrap() as usize;
	let (mut pinned, mut failed_pins) = (Vec::new(), Vec::new());
	for (author, pin) in pins {
		let error = if pin.contexts.len() > max_contexts {
			Some("Pins.TooManyContexts")
		} else if !valid_namespace(&pin.namespace) {
			Some("Pins.InvalidNamespace")
		} else if !chain.pinned.lock().unwrap().insert((author, pin.batch_id)) {
			Some("Pins.BatchAlreadyPinned")
		} else {
			None
		};
		match error {
			Some(error) => {
				let nodes = chain.nodes.lock().unwrap();
				let signer = nodes.iter().find(|n| n.id == author).unwrap().account;
				failed_pins.push(FailedPin {
					signer,
					batch_id: pin.batch_id,
					batch_hash: pin.batch_hash,
					contexts: pin.contexts,
					error: error.into(),
				});
			}
			None => pinned.push(PinnedBatch {
				block: number,
				event_index: pinned.len() as u32,
				namespace: pin.namespace,
				sequence: number * 100 + pinned.len() as u64,
				author,
				batch_id: pin.batch_id,
				batch_hash: pin.batch_hash,
				contexts: pin.contexts,
			}),
		}
	}
	let block = ChainBlock {
		number,
		hash: [number as u8; 32],
		pins: pinned,
		acknowledgements: vec![],
		skips: chain.skipped.lock().unwrap().drain(..).collect(),
		failed_pins,
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

/// Waits (bounded: 15 s) until `check` holds, producing blocks meanwhile.
async fn eventually<F, Fut>(chain: &MemChain, parties: &[&Party], what: &str, check: F)
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = bool>,
{
	eventually_within(chain, parties, what, 150, check).await
}

/// Waits until `check` holds, producing a block every 100 ms, at most `rounds` times.
async fn eventually_within<F, Fut>(
	chain: &MemChain,
	parties: &[&Party],
	what: &str,
	rounds: usize,
	mut check: F,
) where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = bool>,
{
	for _ in 0..rounds {
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
	three_parties_with(|_| {}).await
}

async fn three_parties_with(
	tweak: impl Fn(&mut ExchangeConfig) + Copy,
) -> (Arc<MemChain>, Party, Party, Party) {
	let chain = Arc::new(MemChain::default());
	let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
	let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
	let names = ["insurer-a", "provider", "insurer-b"];
	let nodes: Vec<_> = (0..3)
		.map(|i| register(&chain, i as u32 + 1, names[i], dirs[i].path(), ports[i]))
		.collect();
	let mut dirs = dirs.into_iter();
	let a = start_with(&chain, &nodes[0], names[0], dirs.next().unwrap(), ports[0], tweak).await;
	let p = start_with(&chain, &nodes[1], names[1], dirs.next().unwrap(), ports[1], tweak).await;
	let b = start_with(&chain, &nodes[2], names[2], dirs.next().unwrap(), ports[2], tweak).await;
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
	// The provider's summary counts it: confirmed, in the window, with a latency; no pin blocked.
	let summary = p.exchange.store().summary("default", 0).await.unwrap();
	assert_eq!(summary.messages.get("confirmed"), Some(&1));
	assert_eq!(summary.blocked, 0);
	assert_eq!(summary.per_minute.len(), 1);
	let minute = &summary.per_minute[0];
	assert_eq!(minute.confirmed, 1);
	assert_eq!(minute.minute % 60_000, 0);
	assert_eq!(minute.latency_max_ms as f64, minute.latency_mean_ms);
	let later = p.exchange.store().summary("default", minute.minute + 60_000).await.unwrap();
	assert!(later.per_minute.is_empty());
	assert!(p.exchange.store().summary("other", 0).await.unwrap().messages.is_empty());
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
	// The sender holds the provider's signed receipt; nobody asked for an on-chain
	// acknowledgement (it would show the chain who is in the group), so there is none.
	let receipts = a.exchange.store().receipt_records(&batch).await.unwrap();
	assert_eq!(
		receipts.iter().map(|r| r.node.clone()).collect::<Vec<_>>(),
		vec![p.node.did.clone()]
	);
	assert!(chain.acknowledged.lock().unwrap().is_empty());

	// A message that asks for proof of receipt: the provider acknowledges its batch on-chain.
	let proved = a
		.exchange
		.send_private_message(
			&group,
			parley_offchain::exchange::MessageRequest {
				namespace: "default".into(),
				topics: vec!["claim-42".into()],
				data: serde_json::json!({"amount": 1300}),
				proof_of_receipt: true,
				..Default::default()
			},
		)
		.await
		.unwrap();
	eventually(&chain, &all, "the provider confirms the message that asks for proof", || async {
		state_of(&p, &proved).await == Some(MessageState::Confirmed)
	})
	.await;
	let proved_batch = p.exchange.store().message(&proved).await.unwrap().unwrap().batch.unwrap();
	let pinned: Vec<[u8; 32]> = chain
		.blocks
		.lock()
		.unwrap()
		.iter()
		.flat_map(|b| &b.pins)
		.filter(|pin| hex::encode(pin.batch_id) == proved_batch)
		.map(|pin| pin.batch_hash)
		.collect();
	assert_eq!(pinned.len(), 1);
	assert_eq!(*chain.acknowledged.lock().unwrap(), pinned, "acknowledged once, that batch only");
}

/// A private message's blob goes to its group and to no one else: a member fetches it whole
/// (in chunks asked for ahead), while a node outside the group that asks the author for its
/// chunks is told there is no such blob, before and after a member was served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_blob_is_served_to_its_group_only() {
	use parley_offchain::channel::protocol::{BlobRequest, BlobResponse};
	let (chain, a, p, b) = three_parties().await;
	let group = a
		.exchange
		.create_group("default", "claims", std::slice::from_ref(&p.node.did))
		.await
		.unwrap();
	let bytes: Vec<u8> =
		(0..3 * 1024 * 1024 + 5usize).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
	let mut writer = a.exchange.blobs().writer().unwrap();
	writer.write(&bytes, u64::MAX).unwrap();
	let (hash, size) = writer.finish().unwrap();
	let item = a.exchange.create_blob_data("default", "scan.pdf".into(), hash, size).await.unwrap();
	let id = a
		.exchange
		.send_private_message(
			&group,
			parley_offchain::exchange::MessageRequest {
				namespace: "default".into(),
				topics: vec!["claim-7".into()],
				attachments: vec![item.id.clone()],
				..Default::default()
			},
		)
		.await
		.unwrap();
	let author = libp2p::PeerId::from_bytes(&a.node.peer_id).unwrap();
	let ask = |party: &Party| {
		let channel = party.exchange.channel().clone();
		async move { channel.request_blob(author, BlobRequest { hash, offset: 0, max_len: 1024 }).await }
	};
	assert!(
		matches!(ask(&b).await, Ok(BlobResponse::NotFound)),
		"a node outside the group gets nothing"
	);
	let all = [&a, &p, &b];
	eventually(&chain, &all, "the provider confirms the message with its blob", || async {
		state_of(&p, &id).await == Some(MessageState::Confirmed)
	})
	.await;
	assert_eq!(p.exchange.blobs().size(&hash), Some(size), "the member has it whole");
	let mut copy = Vec::new();
	std::io::Read::read_to_end(&mut p.exchange.blobs().open(&hash).unwrap(), &mut copy).unwrap();
	assert!(copy == bytes, "byte for byte");
	assert!(matches!(ask(&p).await, Ok(BlobResponse::Chunk { total, .. }) if total == size));
	assert!(
		matches!(ask(&b).await, Ok(BlobResponse::NotFound)),
		"still nothing for a node outside the group once a member was served"
	);
	assert_eq!(b.exchange.blobs().size(&hash), None);
}

/// How the lying peer of [`a_peer_lying_mid_blob_costs_the_fetch_never_a_corrupt_copy`] answers
/// a chunk from this offset on.
#[derive(Clone, Copy)]
enum Lie {
	/// Says the blob has another size.
	Size(u64),
	/// Sends bytes that are not the blob's (the sizes all right).
	Bytes(u64),
	/// Tells the truth.
	None,
}

/// A peer that serves a blob honestly at first and then lies (about its size, or with other
/// bytes) costs the fetch from it, never a corrupt or overgrown copy: a fetch that ends on a lie
/// ends only after its last write, so the copy holds exactly the bytes before the lie and the
/// next fetch resumes there; a copy that does not hash to the blob is discarded; and a fetch
/// from an honest source then ends with the blob byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_lying_mid_blob_costs_the_fetch_never_a_corrupt_copy() {
	use parley_offchain::channel::{
		self,
		protocol::{BlobRequest, BlobResponse},
		ChannelConfig, Inbound,
	};
	use parley_offchain::receive::inbound::fetch_blob;
	const CHUNK: usize = 64 * 1024;
	let chain = Arc::new(MemChain::default());
	let (dir, liar_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
	let (port, liar_port) = (free_port(), free_port());
	let node = register(&chain, 1, "insurer-a", dir.path(), port);
	register(&chain, 2, "provider", liar_dir.path(), liar_port);
	let a = start_with(&chain, &node, "insurer-a", dir, port, |c| {
		c.channel.max_blob_chunk = CHUNK;
	})
	.await;
	// The provider's channel, answered by hand.
	let keys = NodeKeys::load_or_create(liar_dir.path(), Some("//provider")).unwrap();
	let liar = keys.channel.public().to_peer_id();
	let config = ChannelConfig {
		listen: format!("/ip4/127.0.0.1/tcp/{liar_port}").parse().unwrap(),
		max_blob_chunk: CHUNK,
		..Default::default()
	};
	let (client, mut asked, channel_loop) = channel::start(keys.channel, config).unwrap();
	let _liar_loop = tokio::spawn(channel_loop);
	let a_peer = libp2p::PeerId::from_bytes(&a.node.peer_id).unwrap();
	client
		.set_peers(vec![(a_peer, vec![format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()])])
		.await
		.unwrap();
	let bytes: Vec<u8> =
		(0..20 * CHUNK + 77).map(|i| (i.wrapping_mul(2654435761) >> 11) as u8).collect();
	let hash = parley_offchain::types::blake2_256(&bytes);
	let size = bytes.len() as u64;
	let lie = Arc::new(Mutex::new(Lie::None));
	let offsets = Arc::new(Mutex::new(Vec::<u64>::new()));
	let _liar = tokio::spawn({
		let (bytes, lie, offsets) = (bytes.clone(), lie.clone(), offsets.clone());
		async move {
			while let Some(item) = asked.recv().await {
				let Inbound::Blob { request: BlobRequest { offset, max_len, .. }, reply, .. } =
					item
				else {
					continue;
				};
				offsets.lock().unwrap().push(offset);
				let at = offset.min(size) as usize;
				let mut data = bytes[at..(at + max_len as usize).min(bytes.len())].to_vec();
				let mut total = size;
				match *lie.lock().unwrap() {
					Lie::Size(from) if offset >= from => total = size + 1,
					Lie::Bytes(from) if offset >= from => data.iter_mut().for_each(|b| *b ^= 0x5a),
					_ => {}
				}
				let _ = reply.send(BlobResponse::Chunk { total, data });
			}
		}
	});
	let blobs = a.exchange.blobs().clone();
	let held = |blobs: &parley_offchain::blobs::BlobStore| blobs.resume(&hash).unwrap().len();

	// A lie about the size at chunk 5: the fetch fails there, the 5 chunks before it written.
	*lie.lock().unwrap() = Lie::Size(5 * CHUNK as u64);
	let error = fetch_blob(&a.exchange, liar, hash, size).await.unwrap_err();
	assert!(error.contains(&format!("its attachment has {size}")), "{error}");
	assert_eq!(
		held(&blobs),
		5 * CHUNK as u64,
		"the copy holds the chunks before the lie, all of them"
	);
	assert_eq!(blobs.size(&hash), None);

	// Other bytes from chunk 9 on: the fetch resumes at chunk 5, runs to the end, and the copy,
	// which does not hash to the blob, is discarded.
	offsets.lock().unwrap().clear();
	*lie.lock().unwrap() = Lie::Bytes(9 * CHUNK as u64);
	let error = fetch_blob(&a.exchange, liar, hash, size).await.unwrap_err();
	assert!(error.contains("does not match its hash"), "{error}");
	// (Chunks 6-8, asked for ahead of the lie, may still be answered after the clear.)
	let first = offsets.lock().unwrap().iter().min().copied();
	assert_eq!(first, Some(5 * CHUNK as u64), "resumed, not restarted");
	assert_eq!(held(&blobs), 0, "a copy that is not the blob is not kept");
	assert_eq!(blobs.size(&hash), None);

	// The truth: the blob whole, from the start.
	offsets.lock().unwrap().clear();
	*lie.lock().unwrap() = Lie::None;
	assert_eq!(fetch_blob(&a.exchange, liar, hash, size).await, Ok(size));
	assert_eq!(offsets.lock().unwrap().iter().min(), Some(&0), "a discarded copy starts over");
	assert_eq!(blobs.size(&hash), Some(size));
	let mut copy = Vec::new();
	std::io::Read::read_to_end(&mut blobs.open(&hash).unwrap(), &mut copy).unwrap();
	assert!(copy == bytes, "byte for byte");
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

/// A private batch of one message (`data` = the batch number) from `author` to `group`, on
/// `topic` with `nonce`.
fn private_batch(
	author: &Author,
	group: &Group,
	batch: u8,
	topic: &str,
	nonce: u64,
) -> BatchPayload {
	BatchPayload {
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
		proof_of_receipt: false,
	}
}

/// The pins of `batches` by `author`, in one block, in that order.
fn pins_of(author: u32, batches: &[BatchPayload]) -> Vec<PinnedBatch> {
	batches
		.iter()
		.enumerate()
		.map(|(i, b)| PinnedBatch {
			block: 1,
			event_index: i as u32,
			namespace: "default".into(),
			sequence: i as u64,
			author,
			batch_id: b.batch_id,
			batch_hash: b.hash(),
			contexts: b.contexts(),
		})
		.collect()
}

/// `batch` sealed to `key`, as its author delivers it: (batch id, hash, sealed bytes).
fn sealed_to(key: &NodeKeys, batch: &BatchPayload) -> ([u8; 16], [u8; 32], Vec<u8>) {
	use codec::Encode;
	let env =
		envelope::seal(&key.encryption.public(), batch.batch_id, batch.hash(), &batch.encode())
			.unwrap();
	(batch.batch_id, batch.hash(), env.encode())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_payload_holds_back_only_its_own_context() {
	let (chain, a, p, b) = three_parties().await;
	let store = p.exchange.store();
	let provider_key =
		NodeKeys::load_or_create(tempfile::tempdir().unwrap().path(), Some("//provider")).unwrap();
	let group = Group::new("default".into(), "g".into(), vec![a.node.id, p.node.id], [7; 32]);
	let author = Author { node: a.node.id, did: a.node.did.clone() };
	// Three batches from insurer-a: x#0 and x#1 on topic x, y#0 on topic y, pinned in that order.
	let batches = [
		private_batch(&author, &group, 1, "x", 0),
		private_batch(&author, &group, 2, "x", 1),
		private_batch(&author, &group, 3, "y", 0),
	];
	let pins = pins_of(a.node.id, &batches);
	let deliver = |b: &BatchPayload| sealed_to(&provider_key, b);
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

/// A rival that pins a batch for the provider, never delivers it and holds the connection open
/// without a word when asked for it costs that fetch its time-out, never the matcher's time: the
/// next block is recorded and another author's batch released at once (the fetch runs in the
/// receive room's own loop, not the matcher's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_never_answers_a_fetch_holds_up_nothing_else() {
	let (chain, a, p, _b) = three_parties().await;
	// A fourth node in force whose channel accepts connections and never says a word.
	let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let silent_port = silent.local_addr().unwrap().port();
	let holder = tokio::spawn(async move {
		let mut held = Vec::new();
		while let Ok((stream, _)) = silent.accept().await {
			held.push(stream);
		}
	});
	let silent_dir = tempfile::tempdir().unwrap();
	let rival = register(&chain, 4, "insurer-c", silent_dir.path(), silent_port);
	p.exchange.refresh_identities().await.unwrap();
	let provider_key =
		NodeKeys::load_or_create(tempfile::tempdir().unwrap().path(), Some("//provider")).unwrap();
	let id_of = |b: u8| parley_offchain::store::uuid_string(&[b; 16]);
	// The rival's batch for the provider: pinned, never delivered.
	let rivals = Group::new("default".into(), "r".into(), vec![rival.id, p.node.id], [8; 32]);
	let withheld =
		private_batch(&Author { node: rival.id, did: rival.did.clone() }, &rivals, 1, "x", 0);
	let pins = pins_of(rival.id, &[withheld]);
	p.exchange.on_block(ChainBlock { number: 1, hash: [1; 32], pins, ..Default::default() }).await;
	// Its fetch falls due (after 300 ms) and waits on the rival.
	tokio::time::sleep(Duration::from_secs(1)).await;
	// insurer-a's batch for the provider, delivered, and pinned in the next block.
	let group = Group::new("default".into(), "g".into(), vec![a.node.id, p.node.id], [7; 32]);
	let batch =
		private_batch(&Author { node: a.node.id, did: a.node.did.clone() }, &group, 2, "y", 0);
	let (id, hash, bytes) = sealed_to(&provider_key, &batch);
	p.exchange.store().store_sealed(&id, a.node.id, &hash, &bytes).await.unwrap();
	let mut pins = pins_of(a.node.id, &[batch]);
	pins[0].block = 2;
	pins[0].sequence = 1;
	p.exchange.on_block(ChainBlock { number: 2, hash: [2; 32], pins, ..Default::default() }).await;
	let started = std::time::Instant::now();
	while state_of(&p, &id_of(2)).await != Some(MessageState::Confirmed) {
		assert!(
			started.elapsed() < Duration::from_secs(5),
			"insurer-a's batch waits on the rival's silence"
		);
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	assert_eq!(state_of(&p, &id_of(1)).await, None, "the withheld batch is still missing");
	holder.abort();
}

/// Sends a private message whose batch insurer-a withholds from its recipients (test hook), then
/// one behind it on the same topic; returns (withheld batch (hex), withheld message, later
/// message) once the provider holds the withheld pin back.
async fn withhold_one(
	chain: &MemChain,
	all: &[&Party],
	group: &str,
	n: u64,
) -> (String, String, String) {
	let (a, p) = (all[0], all[1]);
	let topic = vec!["claims".to_string()];
	a.exchange.withhold_next_batch().unwrap();
	let lost = a
		.exchange
		.send_private("default", group, topic.clone(), String::new(), serde_json::json!(n))
		.await
		.unwrap();
	let batch_of = |id: String| async move {
		a.exchange.store().message(&id).await.unwrap().and_then(|m| m.batch)
	};
	eventually(chain, all, "the withheld batch is cut", || async {
		batch_of(lost.clone()).await.is_some()
	})
	.await;
	let batch = batch_of(lost.clone()).await.unwrap();
	let later = a
		.exchange
		.send_private("default", group, topic, String::new(), serde_json::json!(n + 1))
		.await
		.unwrap();
	eventually(chain, all, "the provider holds the withheld pin back", || async {
		let pending = p.exchange.store().pending_pins().await.unwrap();
		pending.iter().any(|pin| hex::encode(pin.batch_id) == batch)
	})
	.await;
	(batch, lost, later)
}

/// Puts copies of `author`'s pin of `batch` (signed by `rival`, one per id in `ids`) at the head
/// of the pool, if that pin is there.
fn put_copies_first(
	chain: &MemChain,
	author: u32,
	batch: [u8; 16],
	rival: u32,
	ids: &[[u8; 16]],
) -> bool {
	let mut pool = chain.submitted.lock().unwrap();
	let Some((_, pin)) = pool.iter().find(|(a, p)| *a == author && p.batch_id == batch) else {
		return false;
	};
	let copies: Vec<(u32, PinSubmission)> =
		ids.iter().map(|id| (rival, PinSubmission { batch_id: *id, ..pin.clone() })).collect();
	for (i, copy) in copies.into_iter().enumerate() {
		pool.insert(i, copy);
	}
	true
}

/// Waits (bounded: 10 s, producing no block) until `author` has a pin of `batch` in the pool,
/// then puts `copies` (signed by `rival`) before it, as a block author that front-runs it would.
async fn front_run(chain: &MemChain, author: u32, batch: [u8; 16], rival: u32, ids: &[[u8; 16]]) {
	for _ in 0..100 {
		if put_copies_first(chain, author, batch, rival, ids) {
			return;
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	panic!("the author's pin never reached the pool");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rivals_copy_of_a_pending_pin_never_takes_the_authors_place() {
	let (chain, a, p, b) = three_parties().await;
	let all = [&a, &p, &b];
	let batch_of = |party: &Party, id: String| {
		let store = party.exchange.store().clone();
		async move { store.message(&id).await.unwrap().and_then(|m| m.batch) }
	};
	let id_of = |hex_id: String| -> [u8; 16] { hex::decode(hex_id).unwrap().try_into().unwrap() };
	// A private message: insurer-b (node 3, not in the group) copies insurer-a's pending pin,
	// under the same id and under another id, and both copies land first.
	let group =
		a.exchange.create_group("default", "g", std::slice::from_ref(&p.node.did)).await.unwrap();
	let private = a
		.exchange
		.send_private("default", &group, vec!["claims".into()], String::new(), serde_json::json!(1))
		.await
		.unwrap();
	let mut batch = None;
	for _ in 0..100 {
		batch = batch_of(&a, private.clone()).await;
		if batch.is_some() {
			break;
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	let batch = id_of(batch.expect("the private batch is cut"));
	front_run(&chain, 1, batch, 3, &[batch, [0xC0; 16]]).await;
	// A broadcast: the copies carry its topic's public context too.
	let broadcast = a
		.exchange
		.send_broadcast("default", vec!["news".into()], String::new(), serde_json::json!(2))
		.await
		.unwrap();
	let mut cast = None;
	for _ in 0..100 {
		cast = batch_of(&a, broadcast.clone()).await;
		if cast.is_some() {
			break;
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	let cast = id_of(cast.expect("the broadcast batch is cut"));
	front_run(&chain, 1, cast, 3, &[cast, [0xC1; 16]]).await;
	// The author's own pins land as well (a batch is its author's), and its messages are
	// confirmed at every recipient, each once.
	eventually(&chain, &all, "both messages confirmed at the provider", || async {
		state_of(&p, &private).await == Some(MessageState::Confirmed)
			&& state_of(&p, &broadcast).await == Some(MessageState::Confirmed)
	})
	.await;
	eventually(&chain, &all, "the broadcast confirmed at insurer-b", || async {
		state_of(&b, &broadcast).await == Some(MessageState::Confirmed)
	})
	.await;
	let pinned =
		chain.blocks.lock().unwrap().iter().flat_map(|b| b.pins.clone()).collect::<Vec<_>>();
	for (author, id) in
		[(3, batch), (3, [0xC0; 16]), (1, batch), (3, cast), (3, [0xC1; 16]), (1, cast)]
	{
		assert!(
			pinned.iter().any(|pin| pin.author == author && pin.batch_id == id),
			"node {author}'s pin of {} is on-chain",
			hex::encode(id)
		);
	}
	for party in [&a, &p] {
		eventually(&chain, &all, "the copies are recognised", || async {
			let mut copied = true;
			for id in [batch, [0xC0; 16], cast, [0xC1; 16]] {
				copied &= party.exchange.store().pin_state_of(3, &id).await.unwrap().as_deref()
					== Some("copied");
			}
			copied
		})
		.await;
		for id in [batch, cast] {
			assert_eq!(
				party.exchange.store().pin_state_of(1, &id).await.unwrap().as_deref(),
				Some("released"),
				"the author's pin is the one released"
			);
		}
	}
	// The author's messages are confirmed at the author too, not failed by the copies.
	assert_eq!(state_of(&a, &private).await, Some(MessageState::Confirmed));
	// Nothing was rejected, and the provider has the messages once each.
	let events = p.exchange.store().events_after(0, 1000).await.unwrap();
	assert!(!events.iter().any(|e| e.kind == "message_rejected"), "{events:?}");
	for id in [&private, &broadcast] {
		let confirmed =
			events.iter().filter(|e| e.kind == "message_confirmed" && &e.reference == id).count();
		assert_eq!(confirmed, 1, "{id} confirmed once at the provider");
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_its_author_or_the_members_vote_skips_a_batch_that_never_arrives() {
	let (chain, a, p, b) = three_parties().await;
	let all = [&a, &p, &b];
	let group =
		a.exchange.create_group("default", "g", std::slice::from_ref(&p.node.did)).await.unwrap();
	let (batch, lost, later) = withhold_one(&chain, &all, &group, 1).await;
	// The provider, held back, may not drop another party's batch alone: refused before any
	// transaction, naming the members' vote.
	match p.exchange.skip_context(&batch).await {
		Err(ExchangeError::Forbidden(why)) => {
			assert!(
				why.contains("only its author may skip it") && why.contains("SkipBatch"),
				"{why}"
			)
		}
		other => panic!("a recipient's skip of another's batch: {other:?}"),
	}
	assert!(chain.skipped.lock().unwrap().is_empty(), "nothing submitted");
	// Its author may, once the pin is `skip_after` blocks old (refused as too early before).
	eventually(&chain, &all, "the author's skip is submitted", || async {
		match a.exchange.skip_context(&batch).await {
			Ok(skipped) => {
				assert_eq!(skipped, batch);
				true
			}
			Err(ExchangeError::InvalidInput(why)) if why.contains("too early") => false,
			Err(e) => panic!("the author's skip: {e}"),
		}
	})
	.await;
	eventually(&chain, &all, "the later message is released at the provider", || async {
		state_of(&p, &later).await == Some(MessageState::Confirmed)
	})
	.await;
	assert_eq!(state_of(&p, &lost).await, None, "the withheld message never appears");
	let events = p.exchange.store().events_after(0, 1000).await.unwrap();
	let skipped = events.iter().find(|e| e.kind == "context_skipped" && e.reference == batch);
	assert_eq!(skipped.and_then(|e| e.detail.clone()).unwrap()["by"], "author");

	// Another withheld batch, this time skipped by the members' vote (as the governance pallet's
	// `SkipBatch` does on-chain).
	let (batch, lost, later) = withhold_one(&chain, &all, &group, 3).await;
	let id: [u8; 16] = hex::decode(&batch).unwrap().try_into().unwrap();
	chain.skipped.lock().unwrap().push(SkippedBatch { author: 1, batch_id: id, by_vote: true });
	eventually(&chain, &all, "the later message is released after the vote", || async {
		state_of(&p, &later).await == Some(MessageState::Confirmed)
	})
	.await;
	assert_eq!(state_of(&p, &lost).await, None);
	let events = p.exchange.store().events_after(0, 1000).await.unwrap();
	let skipped = events.iter().find(|e| e.kind == "context_skipped" && e.reference == batch);
	let detail = skipped.and_then(|e| e.detail.clone()).unwrap();
	assert_eq!(detail["by"], "vote");
	assert_eq!(detail["node"], serde_json::Value::Null);
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

/// The ids of the messages `party` confirmed on `topic`, in the order it confirmed them (its
/// `message_confirmed` events).
async fn confirmed_on(party: &Party, topic: &str) -> Vec<String> {
	let events = party.exchange.store().events_after(0, 1_000_000).await.unwrap();
	events
		.into_iter()
		.filter(|e| e.kind == "message_confirmed" && e.topics.iter().any(|t| t == topic))
		.map(|e| e.reference)
		.collect()
}

/// Waits until `party` confirmed every one of `sent` (on each of `topics`), then checks that it
/// confirmed each exactly once and in the order sent, per topic.
async fn all_confirmed_in_order(
	chain: &MemChain,
	parties: &[&Party],
	party: &Party,
	topics: &[String],
	sent: &[String],
	what: &str,
) {
	eventually_within(chain, parties, what, 900, || async {
		confirmed_on(party, &topics[0]).await.len() >= sent.len()
	})
	.await;
	for topic in topics {
		let got = confirmed_on(party, topic).await;
		assert_eq!(got.len(), sent.len(), "{what}: every message once on {topic}");
		assert_eq!(got, sent, "{what}: in the order sent, on {topic}");
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_of_multi_topic_messages_are_cut_to_the_context_bound_and_all_confirmed_in_order() {
	// A long batch timeout lets each burst pile up, so batches are cut by the bounds rather than
	// by time: the case that wedged topics when batches ignored the chain's context bound.
	let (chain, a, p, b) = three_parties_with(|c| c.batch_timeout = Duration::from_secs(2)).await;
	let all = [&a, &p, &b];
	let pair = a
		.exchange
		.create_group("default", "pair", std::slice::from_ref(&p.node.did))
		.await
		.unwrap();
	let trio = a
		.exchange
		.create_group("default", "trio", &[p.node.did.clone(), b.node.did.clone()])
		.await
		.unwrap();
	const BURST: usize = 300;
	for width in [1usize, 2, 5] {
		let topics = |kind: &str| -> Vec<String> {
			(0..width).map(|t| format!("{kind}-{width}-t{t}")).collect()
		};
		let (to_pair, to_trio, broadcast) = (topics("pair"), topics("trio"), topics("news"));
		let (mut sent_pair, mut sent_trio, mut sent_news) = (Vec::new(), Vec::new(), Vec::new());
		for i in 0..BURST {
			let data = serde_json::json!({ "i": i, "pad": "x".repeat(100) });
			let (ex, tag) = (&a.exchange, String::new());
			let id = ex.send_private("default", &pair, to_pair.clone(), tag.clone(), data.clone());
			sent_pair.push(id.await.unwrap());
			let id = ex.send_private("default", &trio, to_trio.clone(), tag.clone(), data.clone());
			sent_trio.push(id.await.unwrap());
			let id = p.exchange.send_broadcast("default", broadcast.clone(), tag, data);
			sent_news.push(id.await.unwrap());
		}
		let what = |who: &str, kind: &str| format!("{width}-topic {kind} burst at {who}");
		all_confirmed_in_order(
			&chain,
			&all,
			&p,
			&to_pair,
			&sent_pair,
			&what("the provider", "pair"),
		)
		.await;
		all_confirmed_in_order(&chain, &all, &a, &to_pair, &sent_pair, &what("the sender", "pair"))
			.await;
		for party in [&p, &b] {
			let who = if party.node.id == p.node.id { "the provider" } else { "insurer-b" };
			all_confirmed_in_order(&chain, &all, party, &to_trio, &sent_trio, &what(who, "trio"))
				.await;
		}
		for party in [&a, &b] {
			let who = if party.node.id == a.node.id { "insurer-a" } else { "insurer-b" };
			all_confirmed_in_order(
				&chain,
				&all,
				party,
				&broadcast,
				&sent_news,
				&what(who, "broadcast"),
			)
			.await;
		}
		assert!(confirmed_on(&b, &to_pair[0]).await.is_empty(), "insurer-b is not in the pair");
	}
	// No pin failed, and every batch kept to the bound.
	for party in all {
		let events = party.exchange.store().events_after(0, 1_000_000).await.unwrap();
		assert!(!events.iter().any(|e| e.kind == "operation_failed"), "no pin failed");
	}
	let query = ListQuery::parse([("limit".to_string(), "1000".to_string())]).unwrap();
	let batches = a
		.exchange
		.list(&parley_offchain::store::collections::BATCHES, "default", &query)
		.await
		.unwrap();
	let widest = batches.items.iter().map(|b| b["contexts"].as_array().unwrap().len()).max();
	println!(
		"insurer-a cut {} batches; the widest pin has {widest:?} contexts",
		batches.items.len()
	);
	assert!(widest.is_some_and(|w| w <= 256));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_that_fails_on_chain_fails_its_operation_and_its_topic_flows_on() {
	let (chain, a, p, b) = three_parties().await;
	let all = [&a, &p, &b];
	let group =
		a.exchange.create_group("default", "g", std::slice::from_ref(&p.node.did)).await.unwrap();
	let topic = vec!["claims".to_string()];
	let first = a
		.exchange
		.send_private("default", &group, topic.clone(), String::new(), serde_json::json!(0))
		.await
		.unwrap();
	eventually(&chain, &all, "the first message is confirmed at the provider", || async {
		state_of(&p, &first).await == Some(MessageState::Confirmed)
	})
	.await;
	// The next pin names a namespace the chain refuses: it is in a block, failed.
	a.exchange.fail_next_pin().unwrap();
	let bad = a
		.exchange
		.send_private("default", &group, topic.clone(), String::new(), serde_json::json!(1))
		.await
		.unwrap();
	eventually(&chain, &all, "the sender rejects the message with the chain's error", || async {
		state_of(&a, &bad).await == Some(MessageState::Rejected)
	})
	.await;
	let message = a.exchange.store().message(&bad).await.unwrap().unwrap();
	assert_eq!(message.error.as_deref(), Some("its pin failed on-chain: Pins.InvalidNamespace"));
	// The operation is failed with the error, visible in the operations list and the events.
	let query = ListQuery::parse([
		("kind".to_string(), "pin".to_string()),
		("state".to_string(), "failed".to_string()),
	])
	.unwrap();
	let failed = a
		.exchange
		.list(&parley_offchain::store::collections::OPERATIONS, "default", &query)
		.await
		.unwrap();
	assert_eq!(failed.items.len(), 1, "one failed pin operation: {:?}", failed.items);
	let op = &failed.items[0];
	assert_eq!(op["batch"], message.batch.clone().unwrap());
	assert!(op["error"].as_str().unwrap().contains("Pins.InvalidNamespace"), "{op}");
	let events = a.exchange.store().events_after(0, 1000).await.unwrap();
	let event = events.iter().find(|e| e.kind == "operation_failed").expect("operation_failed");
	let detail = event.detail.as_ref().unwrap();
	assert_eq!(detail["error"], "Pins.InvalidNamespace");
	assert_eq!(detail["kind"], "pin");
	assert_eq!(detail["rejected"], serde_json::json!([bad]));
	assert_eq!(event.reference, op["id"].as_str().unwrap());
	// It is final: never submitted again, and a retry is refused.
	let retry = a.exchange.retry_operation(op["id"].as_str().unwrap()).await;
	assert!(retry.is_err(), "a pin that failed on-chain cannot be retried");
	// The topic is not wedged: the next message on it is confirmed at both ends, and the failed
	// one never reaches the provider.
	let next = a
		.exchange
		.send_private("default", &group, topic.clone(), String::new(), serde_json::json!(2))
		.await
		.unwrap();
	eventually(&chain, &all, "the next message on the topic is confirmed", || async {
		state_of(&p, &next).await == Some(MessageState::Confirmed)
			&& state_of(&a, &next).await == Some(MessageState::Confirmed)
	})
	.await;
	assert_eq!(state_of(&p, &bad).await, None, "the failed message never reaches the provider");
	assert_eq!(confirmed_on(&p, "claims").await, vec![first.clone(), next.clone()]);
	let ops = a.exchange.store().pending_op_count().await.unwrap();
	assert_eq!(ops, 0, "nothing left pending at the sender");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_over_the_context_bound_is_sent_again_cut_to_the_bound_never_forever() {
	// The chain enforces 8 contexts while it still reports 256, as when a runtime upgrade lowers
	// the bound between a batch's cut and its pin.
	let (chain, a, p, b) =
		three_parties_with(|c| c.batch_timeout = Duration::from_millis(500)).await;
	*chain.max_contexts.lock().unwrap() = 8;
	let all = [&a, &p, &b];
	let group =
		a.exchange.create_group("default", "g", std::slice::from_ref(&p.node.did)).await.unwrap();
	let topics = vec!["t1".to_string(), "t2".to_string()];
	let send_burst = |n: usize| {
		let (exchange, group, topics) = (a.exchange.clone(), group.clone(), topics.clone());
		async move {
			let mut ids = Vec::new();
			for i in 0..n {
				let data = serde_json::json!({ "i": i });
				ids.push(
					exchange
						.send_private("default", &group, topics.clone(), String::new(), data)
						.await
						.unwrap(),
				);
			}
			ids
		}
	};
	// While the bound reported stays wrong, the batch fails every time: its messages are sent
	// again a bounded number of times, then rejected with the chain's error.
	let doomed = send_burst(10).await;
	eventually_within(&chain, &all, "the doomed burst to be rejected", 300, || async {
		let mut all_rejected = true;
		for id in &doomed {
			all_rejected &= state_of(&a, id).await == Some(MessageState::Rejected);
		}
		all_rejected
	})
	.await;
	let message = a.exchange.store().message(&doomed[0]).await.unwrap().unwrap();
	assert_eq!(message.error.as_deref(), Some("its pin failed on-chain: Pins.TooManyContexts"));
	let events = a.exchange.store().events_after(0, 10_000).await.unwrap();
	let failures = events.iter().filter(|e| e.kind == "operation_failed").count();
	assert_eq!(failures, 3, "sent three times, then given up: no pin is resubmitted forever");
	// Once the chain reports the bound it enforces, a burst is cut to it and flows, on the same
	// topics, in order.
	*chain.reported_max_contexts.lock().unwrap() = 8;
	let sent = send_burst(20).await;
	all_confirmed_in_order(&chain, &all, &p, &topics, &sent, "the burst after the bound changed")
		.await;
	for id in &doomed {
		assert_eq!(state_of(&p, id).await, None, "a rejected message never reaches the provider");
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_fails_once_over_the_bound_is_sent_again_and_confirmed_in_order() {
	let (chain, a, p, b) =
		three_parties_with(|c| c.batch_timeout = Duration::from_millis(500)).await;
	*chain.max_contexts.lock().unwrap() = 8;
	let all = [&a, &p, &b];
	let group =
		a.exchange.create_group("default", "g", std::slice::from_ref(&p.node.did)).await.unwrap();
	let topics = vec!["t1".to_string(), "t2".to_string()];
	let mut sent = Vec::new();
	for i in 0..12 {
		let data = serde_json::json!({ "i": i });
		sent.push(
			a.exchange
				.send_private("default", &group, topics.clone(), String::new(), data)
				.await
				.unwrap(),
		);
	}
	// The first failure shows; from then on the chain reports its real bound.
	eventually(&chain, &all, "the first pin to fail over the bound", || async {
		let events = a.exchange.store().events_after(0, 10_000).await.unwrap();
		events.iter().any(|e| e.kind == "operation_failed")
	})
	.await;
	*chain.reported_max_contexts.lock().unwrap() = 8;
	all_confirmed_in_order(&chain, &all, &p, &topics, &sent, "the messages sent again").await;
	all_confirmed_in_order(&chain, &all, &a, &topics, &sent, "the sender's own copy").await;
	let events = a.exchange.store().events_after(0, 10_000).await.unwrap();
	let failed = events.iter().find(|e| e.kind == "operation_failed").unwrap();
	assert_eq!(failed.detail.as_ref().unwrap()["error"], "Pins.TooManyContexts");
	assert!(!failed.detail.as_ref().unwrap()["resent"].as_array().unwrap().is_empty());
}

/// Subscribers that come and go while events flow: `subscribe`, `attach`, `ack`, `detach` and
/// `unsubscribe` from several tasks at once, against the dispatchers they start and stop. The
/// hub's locks are never held together, so this finishes; a lock-order deadlock would freeze the
/// runtime's worker threads, which the test sees from outside the runtime.
#[test]
fn subscribers_coming_and_going_while_events_flow_never_freeze_the_hub() {
	let (done_tx, done_rx) = std::sync::mpsc::channel();
	std::thread::spawn(move || {
		let runtime = tokio::runtime::Builder::new_multi_thread()
			.worker_threads(2)
			.enable_all()
			.build()
			.unwrap();
		runtime.block_on(async move {
			let chain = Arc::new(MemChain::default());
			let (dir, port) = (tempfile::tempdir().unwrap(), free_port());
			let node = register(&chain, 1, "provider", dir.path(), port);
			let party = start(&chain, &node, "provider", dir, port).await;
			let hub = parley_offchain::events::EventHub::new(party.exchange.clone());
			let store = party.exchange.store().clone();
			let writer = tokio::spawn(async move {
				for n in 0..400 {
					let reference = format!("e{n}");
					let event = parley_offchain::store::NewEvent {
						kind: "test_event",
						namespace: "default",
						reference: &reference,
						..Default::default()
					};
					store.record_event(&event).await.unwrap();
				}
			});
			let churners: Vec<_> = (0..4)
				.map(|c| {
					let hub = hub.clone();
					tokio::spawn(async move {
						let mut received = 0;
						for round in 0..50 {
							let name = format!("s{}", (c + round) % 3);
							let options = parley_offchain::events::SubscriptionOptions {
								first_event: Some(serde_json::json!("oldest")),
								read_ahead: Some(8),
								..Default::default()
							};
							let Ok((id, mut rx)) =
								hub.attach("default", &name, Some(options)).await
							else {
								continue;
							};
							if let Ok(Some(delivery)) =
								tokio::time::timeout(Duration::from_millis(20), rx.recv()).await
							{
								received += 1;
								let _ = hub.ack("default", &name, delivery.event.sequence).await;
							}
							hub.detach("default", &name, id);
							if round % 3 == 0 {
								let _ = hub.unsubscribe("default", &name).await;
							}
						}
						received
					})
				})
				.collect();
			writer.await.unwrap();
			let mut received = 0;
			for churner in churners {
				received += churner.await.unwrap();
			}
			assert!(received > 0, "subscribers got events while they churned");
			drop(party);
		});
		let _ = done_tx.send(());
	});
	match done_rx.recv_timeout(Duration::from_secs(120)) {
		Ok(()) => {}
		Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
			panic!("the hub froze: subscribe/unsubscribe and its dispatchers deadlocked")
		}
		Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
			panic!("the churn failed (its panic is above)")
		}
	}
}

/// An app that holds one event unacked while the stream flows on: the hub reads at most
/// `MAX_WINDOW` events past the subscription's offset, so what it keeps for the subscription
/// stays bounded; once the app acks, the rest (including the next event it wants) arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_withholding_an_ack_keeps_the_hub_bounded_and_loses_nothing() {
	use parley_offchain::events::{EventHub, SubscriptionOptions, MAX_WINDOW};
	let chain = Arc::new(MemChain::default());
	let (dir, port) = (tempfile::tempdir().unwrap(), free_port());
	let node = register(&chain, 1, "provider", dir.path(), port);
	let party = start(&chain, &node, "provider", dir, port).await;
	let hub = EventHub::new(party.exchange.clone());
	let store = party.exchange.store().clone();
	let store = &store;
	let event = |kind: &'static str, reference: String| async move {
		let e = parley_offchain::store::NewEvent {
			kind,
			namespace: "default",
			reference: &reference,
			..Default::default()
		};
		store.record_event(&e).await.unwrap()
	};
	let options = SubscriptionOptions {
		first_event: Some(serde_json::json!("oldest")),
		read_ahead: Some(4),
		filter: parley_offchain::store::EventFilter {
			types: vec!["wanted".into()],
			..Default::default()
		},
		..Default::default()
	};
	let first = event("wanted", "first".into()).await;
	let others = MAX_WINDOW as usize + 1000;
	for n in 0..others {
		event("unwanted", format!("u{n}")).await;
	}
	let second = event("wanted", "second".into()).await;
	let (_id, mut rx) = hub.attach("default", "holder", Some(options)).await.unwrap();
	let delivery = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
	assert_eq!(delivery.event.sequence, first);
	// Not acked: the hub reads up to the window's end and stops there.
	let mut held = hub.progress("default", "holder").unwrap();
	for _ in 0..200 {
		if held.cursor - held.offset >= MAX_WINDOW {
			break;
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
		held = hub.progress("default", "holder").unwrap();
	}
	// And stays there.
	tokio::time::sleep(Duration::from_millis(300)).await;
	assert_eq!(hub.progress("default", "holder").unwrap(), held);
	assert_eq!(held.offset, first - 1, "{held:?}");
	assert_eq!(held.in_flight, 1, "{held:?}");
	assert!(held.cursor - held.offset <= MAX_WINDOW, "read past the window: {held:?}");
	assert!(held.done_ahead as i64 <= MAX_WINDOW, "{held:?}");
	assert!(held.done_ahead >= 1000, "the window was used: {held:?}");
	assert!(
		tokio::time::timeout(Duration::from_millis(300), rx.recv()).await.is_err(),
		"nothing past the window while the first event is held"
	);
	// The ack moves the window on; the next wanted event arrives, and nothing is left behind.
	hub.ack("default", "holder", first).await.unwrap();
	let delivery = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await.unwrap().unwrap();
	assert_eq!(delivery.event.sequence, second);
	hub.ack("default", "holder", second).await.unwrap();
	let done = hub.progress("default", "holder").unwrap();
	assert_eq!(done.offset, second, "{done:?}");
	assert_eq!(done.done_ahead, 0, "{done:?}");
}

/// Acks that come together (as an app streams them over the event WebSocket) are applied
/// together: in any order, the subscription's offset moves to the highest contiguous one and is
/// stored, and an ack of a subscription not running here is refused without holding up the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_given_together_move_and_store_the_offset_once() {
	use parley_offchain::events::{EventHub, SubscriptionOptions};
	let chain = Arc::new(MemChain::default());
	let (dir, port) = (tempfile::tempdir().unwrap(), free_port());
	let node = register(&chain, 1, "provider", dir.path(), port);
	let party = start(&chain, &node, "provider", dir, port).await;
	let hub = EventHub::new(party.exchange.clone());
	let store = party.exchange.store().clone();
	let mut sequences = Vec::new();
	for n in 0..20 {
		let reference = format!("e{n}");
		let e = parley_offchain::store::NewEvent {
			kind: "wanted",
			namespace: "default",
			reference: &reference,
			..Default::default()
		};
		sequences.push(store.record_event(&e).await.unwrap());
	}
	let options = SubscriptionOptions {
		first_event: Some(serde_json::json!("oldest")),
		read_ahead: Some(20),
		filter: parley_offchain::store::EventFilter {
			types: vec!["wanted".into()],
			..Default::default()
		},
		..Default::default()
	};
	let (_id, mut rx) = hub.attach("default", "together", Some(options)).await.unwrap();
	for expected in &sequences {
		let delivery =
			tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
		assert_eq!(delivery.event.sequence, *expected);
	}
	// All but the first, newest first, and one for a subscription that does not run here.
	let mut acks: Vec<(String, String, i64)> = sequences[1..]
		.iter()
		.rev()
		.map(|s| ("default".to_string(), "together".to_string(), *s))
		.collect();
	acks.push(("default".into(), "nowhere".into(), 1));
	let errors = hub.ack_many(&acks).await;
	assert_eq!(errors.len(), 1, "{errors:?}");
	assert!(errors[0].to_string().contains("nowhere"), "{}", errors[0]);
	let held = hub.progress("default", "together").unwrap();
	assert_eq!(held.offset, sequences[0] - 1, "the first is not acked: {held:?}");
	assert_eq!(held.done_ahead, 19, "{held:?}");
	// The first ack joins them: the offset moves over all twenty, and is stored.
	assert!(hub.ack_many(&[("default".into(), "together".into(), sequences[0])]).await.is_empty());
	let done = hub.progress("default", "together").unwrap();
	assert_eq!((done.offset, done.in_flight, done.done_ahead), (sequences[19], 0, 0), "{done:?}");
	let stored = store.subscription("default", "together").await.unwrap().unwrap();
	assert_eq!(stored.offset, sequences[19]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_group_with_changed_members_is_refused() {
	let (chain, a, p, b) = three_parties().await;
	let store = p.exchange.store();
	let provider_key =
		NodeKeys::load_or_create(tempfile::tempdir().unwrap().path(), Some("//provider")).unwrap();
	// The group insurer-a and the provider are in; insurer-a's rival copy adds insurer-b under
	// the same id and secret, and carries it in a batch to the provider, who does not know the
	// group yet.
	let genuine = Group::new("default".into(), "g".into(), vec![a.node.id, p.node.id], [5; 32]);
	let mut forged = genuine.clone();
	forged.members = vec![a.node.id, p.node.id, b.node.id];
	forged.members.sort();
	assert!(genuine.holds_together() && !forged.holds_together());
	let author = Author { node: a.node.id, did: a.node.did.clone() };
	let batches =
		[private_batch(&author, &forged, 21, "x", 0), private_batch(&author, &genuine, 22, "y", 0)];
	for batch in &batches {
		let (id, hash, bytes) = sealed_to(&provider_key, batch);
		store.store_sealed(&id, a.node.id, &hash, &bytes).await.unwrap();
	}
	let pins = pins_of(a.node.id, &batches);
	p.exchange.on_block(ChainBlock { number: 1, hash: [1; 32], pins, ..Default::default() }).await;
	let id_of = |b: u8| parley_offchain::store::uuid_string(&[b; 16]);
	eventually(&chain, &[&b], "the batch with the genuine group is confirmed", || async {
		state_of(&p, &id_of(22)).await == Some(MessageState::Confirmed)
	})
	.await;
	eventually(&chain, &[&b], "the batch with the forged group is dropped", || async {
		!p.exchange.store().pending_pins().await.unwrap().iter().any(|pin| pin.batch_id == [21; 16])
	})
	.await;
	assert_ne!(state_of(&p, &id_of(21)).await, Some(MessageState::Confirmed));
	let known = store.group(&genuine.id).await.unwrap().expect("the genuine group is known");
	assert_eq!(known.members, genuine.members, "insurer-b was not added to the group");
}

/// A webhook is a request the node makes: into the operator's own network only when the node
/// allows it, and its secret is stored but never shown back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_into_the_nodes_own_network_is_refused_at_creation_unless_allowed() {
	use parley_offchain::events::{EventHub, SubscribeError, SubscriptionOptions, WebhookOptions};
	let chain = Arc::new(MemChain::default());
	let (dir, port) = (tempfile::tempdir().unwrap(), free_port());
	let node = register(&chain, 1, "provider", dir.path(), port);
	let party = start(&chain, &node, "provider", dir, port).await;
	// Port 9 (discard) on loopback: nothing listens there, and nothing is sent in this test
	// before the subscription is refused or deleted.
	let options = |url: &str| SubscriptionOptions {
		webhook: Some(WebhookOptions {
			url: url.into(),
			reply: false,
			secret: Some("a-secret-of-sixteen-bytes".into()),
		}),
		..Default::default()
	};
	let strict = EventHub::new(party.exchange.clone());
	for url in ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook"] {
		let refused = strict.subscribe("default", "hook", options(url)).await.unwrap_err();
		assert!(
			matches!(&refused, SubscribeError::Invalid(why) if why.contains("--webhooks-allow-private")),
			"{url}: {refused}"
		);
	}
	assert!(party.exchange.store().subscription("default", "hook").await.unwrap().is_none());
	let open = EventHub::new(party.exchange.clone()).allowing_private_webhooks(true);
	let made = open.subscribe("default", "hook", options("http://127.0.0.1:9/hook")).await.unwrap();
	let shown = serde_json::to_value(&made).unwrap();
	assert_eq!(shown["transport"]["url"], "http://127.0.0.1:9/hook", "{shown}");
	assert!(!shown.to_string().contains("a-secret-of-sixteen-bytes"), "the secret is never shown");
	open.unsubscribe("default", "hook").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_lost_in_a_crash_is_pinned_again_before_any_later_batch() {
	let chain = Arc::new(MemChain::default());
	let dir_a = tempfile::tempdir().unwrap();
	let port_a = free_port();
	let node_a = register(&chain, 1, "insurer-a", dir_a.path(), port_a);
	// A resubmission timer far off: without the order rule the lost pin would wait for it while
	// later batches are pinned ahead of it.
	let slow = |c: &mut ExchangeConfig| c.pin_resubmit_after = Duration::from_secs(3600);
	let a = start_with(&chain, &node_a, "insurer-a", dir_a, port_a, slow).await;
	let send = |a: &Party, n: u32| {
		let exchange = a.exchange.clone();
		async move {
			exchange
				.send_broadcast("default", vec!["t".into()], String::new(), serde_json::json!(n))
				.await
				.unwrap()
		}
	};
	let first = send(&a, 1).await;
	for _ in 0..100 {
		if !chain.submitted.lock().unwrap().is_empty() {
			break;
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	// The pin reached the pool, and is lost with it: the node crashes before a block has it.
	assert_eq!(chain.submitted.lock().unwrap().drain(..).count(), 1, "the first pin was submitted");
	let dir_a = a.crash().await;
	let a = start_with(&chain, &node_a, "insurer-a", dir_a, port_a, slow).await;
	catch_up(&chain, &a).await;
	let second = send(&a, 2).await;
	all_confirmed_in_order(&chain, &[&a], &a, &["t".into()], &[first, second], "after the crash")
		.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pins_open_at_a_restart_go_on_chain_together_in_one_submission_in_order() {
	let chain = Arc::new(MemChain::default());
	let dir_a = tempfile::tempdir().unwrap();
	let port_a = free_port();
	let node_a = register(&chain, 1, "insurer-a", dir_a.path(), port_a);
	let slow = |c: &mut ExchangeConfig| c.pin_resubmit_after = Duration::from_secs(3600);
	let a = start_with(&chain, &node_a, "insurer-a", dir_a, port_a, slow).await;
	// Five batches, one after the other, whose pins reach the pool and are lost with it.
	let (mut sent, mut lost) = (Vec::new(), Vec::new());
	for n in 0..5 {
		sent.push(
			a.exchange
				.send_broadcast("default", vec!["t".into()], String::new(), serde_json::json!(n))
				.await
				.unwrap(),
		);
		for _ in 0..100 {
			if !chain.submitted.lock().unwrap().is_empty() {
				break;
			}
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
		let pool: Vec<_> = chain.submitted.lock().unwrap().drain(..).map(|(_, p)| p).collect();
		assert_eq!(pool.len(), 1, "batch {n} was pinned alone, as it was made");
		lost.push(pool[0].batch_id);
	}
	let dir_a = a.crash().await;
	let a = start_with(&chain, &node_a, "insurer-a", dir_a, port_a, slow).await;
	catch_up(&chain, &a).await;
	for _ in 0..100 {
		if !chain.submitted.lock().unwrap().is_empty() {
			break;
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	// All five open pins went in one submission, oldest first, and nothing else went alone.
	assert_eq!(*chain.together.lock().unwrap(), vec![lost.clone()], "one submission of the five");
	let pool: Vec<_> = chain.submitted.lock().unwrap().iter().map(|(_, p)| p.batch_id).collect();
	assert_eq!(pool, lost, "the pool holds them in the order they were made");
	// They land in one block; a batch made after them is pinned alone, behind them.
	sent.push(
		a.exchange
			.send_broadcast("default", vec!["t".into()], String::new(), serde_json::json!(5))
			.await
			.unwrap(),
	);
	all_confirmed_in_order(&chain, &[&a], &a, &["t".into()], &sent, "after the restart").await;
	assert_eq!(chain.together.lock().unwrap().len(), 1, "the batch made later was pinned alone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_names_each_voter_by_its_org_and_counts_the_blocks_left_to_vote() {
	let chain = Arc::new(MemChain::default());
	let dir = tempfile::tempdir().unwrap();
	let port = free_port();
	let node = register(&chain, 1, "provider", dir.path(), port);
	let party = start(&chain, &node, "provider", dir, port).await;
	let account = |seed: &str| sr25519::Pair::from_string(seed, None).unwrap().public().0;
	let member = |org: &str, admin: &str, validating| Member {
		org: format!("did:parley:org/{org}"),
		admin: account(admin),
		validator: format!("did:parley:node/{org}"),
		validator_account: account(&format!("//{org}")),
		validating,
		next_session: true,
	};
	let motion = |index, ayes: Vec<[u8; 32]>, nays: Vec<[u8; 32]>, end| Motion {
		index,
		hash: [index as u8; 32],
		kind: "SkipBatch".into(),
		decision: serde_json::json!({ "batch_id": "00" }),
		threshold: 2,
		ayes,
		nays,
		end,
	};
	*chain.height.lock().unwrap() = 30;
	*chain.governance.lock().unwrap() = Governance {
		members: vec![member("provider", "//Alice", true), member("insurer-a", "//Bob", false)],
		// A voter that is no longer a member (its org was removed) keeps its vote, unnamed.
		motions: vec![
			motion(0, vec![account("//Alice"), account("//Eve")], vec![account("//Bob")], 40),
			motion(1, vec![account("//Bob")], vec![], 25),
		],
	};
	let view = party.exchange.governance().unwrap();
	assert_eq!(view["best_block"], 30);
	let orgs: Vec<_> =
		view["members"].as_array().unwrap().iter().map(|m| m["org"].clone()).collect();
	assert_eq!(orgs, ["did:parley:org/provider", "did:parley:org/insurer-a"]);
	assert_eq!(view["members"][1]["validating"], false);
	assert_eq!(view["members"][0]["admin"], parley_offchain::tokens::ss58(&account("//Alice")));
	let first = &view["motions"][0];
	let voters = |list: &serde_json::Value| -> Vec<serde_json::Value> {
		list.as_array().unwrap().iter().map(|v| v["org"].clone()).collect()
	};
	assert_eq!(
		voters(&first["ayes"]),
		[serde_json::json!("did:parley:org/provider"), serde_json::Value::Null]
	);
	assert_eq!(first["ayes"][1]["account"], parley_offchain::tokens::ss58(&account("//Eve")));
	assert_eq!(voters(&first["nays"]), ["did:parley:org/insurer-a"]);
	assert_eq!((first["end"].clone(), first["ends_in_blocks"].clone()), (40.into(), 10.into()));
	assert_eq!(first["hash"], format!("0x{}", "00".repeat(32)));
	// A motion past its end (not yet closed on-chain) has no blocks left, never a negative count.
	assert_eq!(view["motions"][1]["ends_in_blocks"], 0);
}

/// A batch for sale (hash-locked delivery versus payment) at its buyer: held unopened, its
/// offer recorded once, until the sale key is on-chain; then opened and released. A locked copy
/// whose price pays anyone but the batch's author is rejected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_for_sale_is_held_until_its_key_is_on_chain_and_pays_only_its_author() {
	use codec::Encode;
	use parley_offchain::{
		sale::{self, SaleTerms},
		tokens::{PoolKind, TokenEvent, TokenRecord},
	};
	let (chain, a, p, b) = three_parties().await;
	let store = p.exchange.store();
	let provider_key =
		NodeKeys::load_or_create(tempfile::tempdir().unwrap().path(), Some("//provider")).unwrap();
	let group = Group::new("default".into(), "g".into(), vec![a.node.id, p.node.id], [7; 32]);
	let author = Author { node: a.node.id, did: a.node.did.clone() };
	let batches =
		[private_batch(&author, &group, 1, "x", 0), private_batch(&author, &group, 2, "y", 0)];
	let key = [9u8; 32];
	// Batch 1 is sold by its author; batch 2's locked copy says the price goes to insurer-b.
	for (batch, payee) in batches.iter().zip([a.node.account, b.node.account]) {
		let terms = SaleTerms { pool: 0, amount: 300, payee };
		let locked =
			sale::lock(&key, batch.batch_id, batch.hash(), &batch.encode(), terms).unwrap();
		let sealed = envelope::seal(
			&provider_key.encryption.public(),
			batch.batch_id,
			batch.hash(),
			&locked,
		)
		.unwrap();
		store
			.store_sealed(&batch.batch_id, a.node.id, &batch.hash(), &sealed.encode())
			.await
			.unwrap();
	}
	let pins = pins_of(a.node.id, &batches);
	p.exchange.on_block(ChainBlock { number: 1, hash: [1; 32], pins, ..Default::default() }).await;
	let offers = || async {
		store
			.events_after(0, 1000)
			.await
			.unwrap()
			.into_iter()
			.filter(|e| e.kind == "batch_offered")
			.collect::<Vec<_>>()
	};
	eventually(&chain, &[&b], "the sale is offered and the misdirected copy rejected", || async {
		store.pin_state(&batches[1].batch_id).await.unwrap().as_deref() == Some("rejected")
			&& !offers().await.is_empty()
	})
	.await;
	let id_of = |n: u8| parley_offchain::store::uuid_string(&[n; 16]);
	assert_eq!(state_of(&p, &id_of(1)).await, None, "not readable before the key");
	let offered = offers().await;
	assert_eq!(offered.len(), 1, "offered once: {offered:?}");
	let detail = offered[0].detail.clone().unwrap();
	assert_eq!(detail["batch"], hex::encode(batches[0].batch_id));
	assert_eq!(detail["key_hash"], hex::encode(sale::key_hash(&key)));
	assert_eq!(detail["amount"], "300");

	// The seller reveals the key to take the payment: the buyer's node opens the batch.
	let record = |event_index: u32, event: TokenEvent| TokenRecord {
		event_index,
		extrinsic: Some(1),
		event,
	};
	let batch_hash = batches[0].hash();
	let tokens = vec![
		record(
			0,
			TokenEvent::PoolCreated {
				pool: 0,
				kind: PoolKind::Fungible,
				org: 1,
				namespace: "default".into(),
				name: "coin".into(),
				symbol: "C".into(),
				decimals: 0,
				metadata_uri: String::new(),
				metadata_hash: None,
				creator: p.node.account,
			},
		),
		record(
			1,
			TokenEvent::EscrowLocked {
				escrow: 0,
				payer: p.node.account,
				payee: a.node.account,
				pool: 0,
				amount: 300,
				batch_hash,
				node: p.node.id,
				expires_at: 100,
			},
		),
		record(2, TokenEvent::EscrowKeyLocked { escrow: 0, key_hash: sale::key_hash(&key) }),
		record(3, TokenEvent::EscrowKeyRevealed { escrow: 0, batch_hash, key }),
		record(
			4,
			TokenEvent::EscrowReleased {
				escrow: 0,
				payee: a.node.account,
				amount: 300,
				batch_hash,
			},
		),
	];
	p.exchange
		.on_block(ChainBlock { number: 2, hash: [2; 32], tokens, ..Default::default() })
		.await;
	eventually(&chain, &[&b], "the sold batch is opened and released", || async {
		state_of(&p, &id_of(1)).await == Some(MessageState::Confirmed)
	})
	.await;
	let message = store.message(&id_of(1)).await.unwrap().unwrap();
	assert_eq!(message.data, serde_json::json!(1));
	assert_eq!(offers().await.len(), 1, "no second offer");
	assert_eq!(state_of(&p, &id_of(2)).await, None, "the misdirected copy stays rejected");
}

/// The REST API's document and its router agree: every operation the OpenAPI document names
/// is served (a real node's router, called on loopback with placeholder ids, answers each
/// with the handler's own answer, never the "no such route" fallback or a 405), and a path it
/// does not name is not. The other way round holds by construction: the API's routes are
/// registered only with their documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
	let chain = Arc::new(MemChain::default());
	let dir = tempfile::tempdir().unwrap();
	let port = free_port();
	let node = register(&chain, 1, "provider", dir.path(), port);
	let party = start(&chain, &node, "provider", dir, port).await;
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let listen = listener.local_addr().unwrap();
	let config = parley_offchain::api::RestConfig {
		listen,
		default_wait: Duration::from_millis(200),
		max_wait: Duration::from_millis(200),
		..Default::default()
	};
	let hub = parley_offchain::events::EventHub::new(party.exchange.clone());
	let app = parley_offchain::api::app(
		party.exchange.clone(),
		hub,
		config,
		parley_offchain::access::ApiKeys::open(),
		axum::Router::new(),
	);
	let server = tokio::spawn(async move { axum::serve(listener, app).await });
	let doc = parley_offchain::api::openapi_document();
	let client = reqwest::Client::new();
	let mut served = 0;
	for (path, item) in doc["paths"].as_object().unwrap() {
		// Placeholders: the namespace `default`, and `0` for every other path parameter.
		let mut concrete = path.replace("{ns}", "default");
		while let (Some(open), Some(close)) = (concrete.find('{'), concrete.find('}')) {
			concrete.replace_range(open..=close, "0");
		}
		for method in item.as_object().unwrap().keys() {
			let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
			let response = client
				.request(method.clone(), format!("http://{listen}{concrete}"))
				.send()
				.await
				.unwrap();
			let status = response.status();
			let body = response.text().await.unwrap();
			assert_ne!(status, 405, "{method} {path} is documented but not served");
			assert!(
				!body.contains("no such route"),
				"{method} {path} is documented but not served: {status} {body}"
			);
			served += 1;
		}
	}
	assert!(served >= 60, "{served} operations");
	let undocumented = client
		.get(format!("http://{listen}/api/v1/namespaces/default/nothing-here"))
		.send()
		.await
		.unwrap();
	assert_eq!(undocumented.status(), 404);
	assert!(undocumented.text().await.unwrap().contains("no such route"));
	server.abort();
}
