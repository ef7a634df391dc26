//! The private data channel: Parley's own libp2p swarm (TCP + noise + yamux) on its own port.
//!
//! One task owns the swarm and runs its event loop; everything else talks to it through a
//! cloneable [`ChannelClient`] (the pattern of rust-libp2p's file-sharing example). Requests that
//! arrive from peers are handed out as [`Inbound`] items on a bounded queue, each with a reply
//! slot; when the queue is full the peer is told it is busy and the node keeps working.
//!
//! **Who may connect comes from the chain.** The swarm only accepts (and only dials) peers in its
//! allow list, which the node keeps equal to the data-channel PeerIds of the node identities in
//! force as of the latest imported block ([`ChannelClient::set_peers`]). A refused connection is
//! logged; a node deactivated on-chain is disconnected at once.

mod answers;
mod config;
pub mod protocol;
mod queue;

pub use config::{ChannelConfig, ChannelError};
pub use queue::{Inbound, Queued};

use answers::InboundRequestId;
use codec::Encode;
use futures::{stream::FuturesUnordered, FutureExt, StreamExt};
use libp2p::{
	allow_block_list,
	identity::Keypair,
	noise,
	request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel},
	swarm::{ListenError, NetworkBehaviour, SwarmEvent},
	tcp, yamux, Multiaddr, PeerId, Swarm,
};
use protocol::{
	BatchRequest, BatchResponse, BlobRequest, BlobResponse, Refusal, ScaleCodec, BATCH_PROTOCOL,
	BLOB_PROTOCOL,
};
use std::{
	collections::{HashMap, HashSet},
	time::Duration,
};
use tokio::sync::{mpsc, oneshot};

/// Log target of the channel.
const LOG: &str = "parley::channel";

enum Command {
	Batch(PeerId, BatchRequest, oneshot::Sender<Result<BatchResponse, ChannelError>>),
	Blob(PeerId, BlobRequest, oneshot::Sender<Result<BlobResponse, ChannelError>>),
	SetPeers(Vec<(PeerId, Vec<Multiaddr>)>),
	ListenAddrs(oneshot::Sender<Vec<Multiaddr>>),
	ConnectedPeers(oneshot::Sender<Vec<PeerId>>),
}

impl Command {
	/// Answers a request with `failure` (other commands have nothing to fail).
	fn fail(self, failure: ChannelError) {
		match self {
			Command::Batch(_, _, reply) => {
				let _ = reply.send(Err(failure));
			}
			Command::Blob(_, _, reply) => {
				let _ = reply.send(Err(failure));
			}
			_ => {}
		}
	}
}

#[derive(NetworkBehaviour)]
struct Behaviour {
	allowed: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
	batches: request_response::Behaviour<ScaleCodec<BatchRequest, BatchResponse>>,
	blobs: request_response::Behaviour<ScaleCodec<BlobRequest, BlobResponse>>,
}

/// A cloneable handle to the channel task.
#[derive(Clone)]
pub struct ChannelClient {
	commands: mpsc::Sender<Command>,
	local_peer: PeerId,
	/// Longest wait for an answer, connecting included.
	deadline: Duration,
}

impl ChannelClient {
	/// This node's data-channel PeerId.
	pub fn local_peer(&self) -> PeerId {
		self.local_peer
	}

	/// Sends a batch-protocol request and waits for the answer.
	pub async fn request_batch(
		&self,
		peer: PeerId,
		request: BatchRequest,
	) -> Result<BatchResponse, ChannelError> {
		let (tx, rx) = oneshot::channel();
		self.commands
			.send(Command::Batch(peer, request, tx))
			.await
			.map_err(|_| ChannelError::Stopped)?;
		self.answer(peer, rx).await
	}

	/// Sends a blob-protocol request and waits for the answer.
	pub async fn request_blob(
		&self,
		peer: PeerId,
		request: BlobRequest,
	) -> Result<BlobResponse, ChannelError> {
		let (tx, rx) = oneshot::channel();
		self.commands
			.send(Command::Blob(peer, request, tx))
			.await
			.map_err(|_| ChannelError::Stopped)?;
		self.answer(peer, rx).await
	}

	async fn answer<T>(
		&self,
		peer: PeerId,
		rx: oneshot::Receiver<Result<T, ChannelError>>,
	) -> Result<T, ChannelError> {
		match tokio::time::timeout(self.deadline, rx).await {
			Ok(answer) => answer.map_err(|_| ChannelError::Stopped)?,
			Err(_) => Err(ChannelError::Failed { peer, reason: "no answer in time".into() }),
		}
	}

	/// Replaces the set of peers allowed to connect (and where to dial them). Peers no longer in
	/// the set are disconnected.
	pub async fn set_peers(
		&self,
		peers: Vec<(PeerId, Vec<Multiaddr>)>,
	) -> Result<(), ChannelError> {
		self.commands.send(Command::SetPeers(peers)).await.map_err(|_| ChannelError::Stopped)
	}

	/// The addresses the channel listens on.
	pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, ChannelError> {
		let (tx, rx) = oneshot::channel();
		self.commands.send(Command::ListenAddrs(tx)).await.map_err(|_| ChannelError::Stopped)?;
		rx.await.map_err(|_| ChannelError::Stopped)
	}

	/// The peers connected now.
	pub async fn connected_peers(&self) -> Result<Vec<PeerId>, ChannelError> {
		let (tx, rx) = oneshot::channel();
		self.commands.send(Command::ConnectedPeers(tx)).await.map_err(|_| ChannelError::Stopped)?;
		rx.await.map_err(|_| ChannelError::Stopped)
	}
}

/// Builds the swarm and starts listening. Returns the client, the queue of inbound requests, and
/// the event loop future to spawn (it ends when every client is dropped).
pub fn start(
	keypair: Keypair,
	config: ChannelConfig,
) -> Result<(ChannelClient, mpsc::Receiver<Inbound>, impl std::future::Future<Output = ()>), String>
{
	let local_peer = keypair.public().to_peer_id();
	let rr_config = |timeout| {
		request_response::Config::default()
			.with_request_timeout(timeout)
			.with_max_concurrent_streams(config.max_concurrent_streams)
	};
	// A blob response carries one chunk plus a little framing.
	let blob_response_max = config.max_blob_chunk + 64;
	let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
		.with_tokio()
		.with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
		.map_err(|e| format!("tcp transport: {e}"))?
		.with_behaviour(|_| Behaviour {
			allowed: Default::default(),
			batches: request_response::Behaviour::with_codec(
				ScaleCodec::new(config.max_batch_bytes, config.max_batch_bytes),
				[(BATCH_PROTOCOL, ProtocolSupport::Full)],
				rr_config(config.request_timeout),
			),
			blobs: request_response::Behaviour::with_codec(
				ScaleCodec::new(1024, blob_response_max),
				[(BLOB_PROTOCOL, ProtocolSupport::Full)],
				rr_config(config.request_timeout),
			),
		})
		.map_err(|e| format!("behaviour: {e}"))?
		.with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
		.build();
	swarm
		.listen_on(config.listen.clone())
		.map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
	let (commands, command_rx) = mpsc::channel(256);
	let (inbound_tx, inbound_rx) = mpsc::channel(config.inbound_queue);
	let event_loop = EventLoop {
		swarm,
		commands: command_rx,
		inbound: inbound_tx,
		allowed: HashSet::new(),
		addresses: HashMap::new(),
		batch_requests: HashMap::new(),
		blob_requests: HashMap::new(),
		replies: FuturesUnordered::new(),
		listen_addrs: Vec::new(),
		waiting: HashMap::new(),
		budget: queue::Budget::new(config.inbound_queue_bytes),
		max_waiting: config.max_waiting_per_peer,
		answers: Default::default(),
	};
	let deadline = config.request_timeout + Duration::from_secs(10);
	Ok((ChannelClient { commands, local_peer, deadline }, inbound_rx, event_loop.run()))
}

type PendingReply = futures::future::BoxFuture<'static, Reply>;

enum Reply {
	Batch(ResponseChannel<BatchResponse>, Option<BatchResponse>),
	Blob(PeerId, InboundRequestId, ResponseChannel<BlobResponse>, Option<BlobResponse>),
}

struct EventLoop {
	swarm: Swarm<Behaviour>,
	commands: mpsc::Receiver<Command>,
	inbound: mpsc::Sender<Inbound>,
	allowed: HashSet<PeerId>,
	/// Where each allowed peer is dialled: its identity's multiaddrs. Kept here, not only in
	/// the swarm, because request-response forgets an address after one failed dial, and a
	/// peer cut off for longer than a dial must still be redialled once it is back.
	addresses: HashMap<PeerId, Vec<Multiaddr>>,
	batch_requests:
		HashMap<OutboundRequestId, oneshot::Sender<Result<BatchResponse, ChannelError>>>,
	blob_requests: HashMap<OutboundRequestId, oneshot::Sender<Result<BlobResponse, ChannelError>>>,
	replies: FuturesUnordered<PendingReply>,
	listen_addrs: Vec<Multiaddr>,
	/// Requests to peers not connected yet; sent when the connection is up, failed if the dial
	/// fails. (Handing them to request-response at once would race its dial against ours.)
	waiting: HashMap<PeerId, Vec<Command>>,
	/// The inbound queue's byte budget.
	budget: queue::Budget,
	/// Most commands waiting for one peer's connection.
	max_waiting: usize,
	/// Blob chunks being answered, one at a time per peer.
	answers: answers::BlobAnswers,
}

impl EventLoop {
	async fn run(mut self) {
		let mut redial = tokio::time::interval(Duration::from_secs(5));
		redial.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		loop {
			tokio::select! {
				_ = redial.tick() => self.dial_missing(),
				event = self.swarm.select_next_some() => self.on_swarm_event(event),
				command = self.commands.recv() => match command {
					Some(command) => self.on_command(command),
					None => {
						log::info!(target: LOG, "all channel clients dropped; stopping");
						return;
					},
				},
				Some(reply) = self.replies.next(), if !self.replies.is_empty() => self.on_reply(reply),
			}
		}
	}

	fn on_command(&mut self, command: Command) {
		match command {
			Command::Batch(peer, _, _) | Command::Blob(peer, _, _)
				if self.allowed.contains(&peer) && !self.swarm.is_connected(&peer) =>
			{
				let waiting = self.waiting.entry(peer).or_default();
				if waiting.len() >= self.max_waiting {
					let reason =
						format!("{} requests already wait for a connection", waiting.len());
					log::debug!(target: LOG, "{peer}: {reason}; failing one more");
					command.fail(ChannelError::Failed { peer, reason });
					return;
				}
				waiting.push(command);
				self.dial_missing();
			}
			Command::Batch(peer, request, reply) => {
				if !self.allowed.contains(&peer) {
					let _ = reply.send(Err(ChannelError::Failed {
						peer,
						reason: "not a node in force".into(),
					}));
					return;
				}
				let id = self.swarm.behaviour_mut().batches.send_request(&peer, request);
				self.batch_requests.insert(id, reply);
			}
			Command::Blob(peer, request, reply) => {
				if !self.allowed.contains(&peer) {
					let _ = reply.send(Err(ChannelError::Failed {
						peer,
						reason: "not a node in force".into(),
					}));
					return;
				}
				let id = self.swarm.behaviour_mut().blobs.send_request(&peer, request);
				self.blob_requests.insert(id, reply);
			}
			Command::SetPeers(peers) => {
				let wanted: HashSet<PeerId> = peers.iter().map(|(p, _)| *p).collect();
				for gone in self.allowed.difference(&wanted).copied().collect::<Vec<_>>() {
					log::info!(target: LOG, "peer {gone} is no longer a node in force; disconnecting");
					self.swarm.behaviour_mut().allowed.disallow_peer(gone);
				}
				for (peer, addrs) in peers {
					if peer == *self.swarm.local_peer_id() {
						continue;
					}
					if self.allowed.insert(peer) {
						self.swarm.behaviour_mut().allowed.allow_peer(peer);
					}
					for addr in &addrs {
						self.swarm.add_peer_address(peer, addr.clone());
					}
					self.addresses.insert(peer, addrs);
				}
				self.allowed.retain(|p| wanted.contains(p));
				self.addresses.retain(|p, _| wanted.contains(p));
				self.dial_missing();
			}
			Command::ListenAddrs(reply) => {
				let _ = reply.send(self.listen_addrs.clone());
			}
			Command::ConnectedPeers(reply) => {
				let _ = reply.send(self.swarm.connected_peers().copied().collect());
			}
		}
	}

	/// Keeps a connection to every allowed peer, so deliveries find it open and a peer that comes
	/// back is noticed (and sent what waited for it) within seconds.
	fn dial_missing(&mut self) {
		use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
		for peer in self.allowed.clone() {
			if self.swarm.is_connected(&peer) {
				continue;
			}
			// Its identity's addresses, and any the swarm has learnt since.
			let opts = DialOpts::peer_id(peer)
				.addresses(self.addresses.get(&peer).cloned().unwrap_or_default())
				.extend_addresses_through_behaviour()
				.condition(PeerCondition::DisconnectedAndNotDialing)
				.build();
			match self.swarm.dial(opts) {
				Ok(()) | Err(libp2p::swarm::DialError::DialPeerConditionFalse(_)) => {}
				Err(e) => {
					log::debug!(target: LOG, "cannot dial {peer}: {e}");
					self.fail_waiting(peer, format!("cannot dial: {e}"));
				}
			}
		}
	}

	/// Fails the requests waiting for a connection to `peer`.
	fn fail_waiting(&mut self, peer: PeerId, reason: String) {
		for command in self.waiting.remove(&peer).unwrap_or_default() {
			command.fail(ChannelError::Failed { peer, reason: reason.clone() });
		}
	}

	fn on_reply(&mut self, reply: Reply) {
		match reply {
			Reply::Batch(channel, response) => {
				let response = response.unwrap_or(BatchResponse::Refused(Refusal::Internal));
				if self.swarm.behaviour_mut().batches.send_response(channel, response).is_err() {
					log::debug!(target: LOG, "a response could not be sent: the peer went away");
				}
			}
			Reply::Blob(peer, id, channel, response) => {
				let response = response.unwrap_or(BlobResponse::Refused(Refusal::Internal));
				let blobs = &mut self.swarm.behaviour_mut().blobs;
				self.answers.ready(blobs, peer, id, channel, response);
			}
		}
	}

	/// Logs that the node's inbound queue is full (in count or bytes; or gone) and the peer is
	/// told to retry.
	fn refused_busy(&self, peer: &PeerId, full: bool) {
		if full {
			log::warn!(target: LOG, "inbound queue full; telling {peer} to retry later");
		}
	}

	fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
		match event {
			SwarmEvent::NewListenAddr { address, .. } => {
				log::info!(target: LOG, "data channel listening on {address}/p2p/{}", self.swarm.local_peer_id());
				self.listen_addrs.push(address);
			}
			SwarmEvent::ConnectionEstablished { peer_id, num_established, .. } => {
				log::debug!(target: LOG, "connected to {peer_id}");
				if num_established.get() == 1 {
					let _ = self.inbound.try_send(Inbound::Connected(peer_id));
				}
				for command in self.waiting.remove(&peer_id).unwrap_or_default() {
					self.on_command(command);
				}
			}
			SwarmEvent::IncomingConnectionError { send_back_addr, error, .. } => match error {
				ListenError::Denied { cause } => log::warn!(
					target: LOG,
					"refused a connection from {send_back_addr}: {cause} (not a node identity in force on-chain)"
				),
				other => {
					log::debug!(target: LOG, "inbound connection from {send_back_addr} failed: {other}")
				}
			},
			SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
				log::debug!(target: LOG, "could not connect to {peer_id:?}: {error}");
				let Some(peer) = peer_id else { return };
				if !self.swarm.is_connected(&peer) {
					self.fail_waiting(peer, format!("cannot connect: {error}"));
				}
			}
			SwarmEvent::Behaviour(BehaviourEvent::Batches(event)) => self.on_batch_event(event),
			SwarmEvent::Behaviour(BehaviourEvent::Blobs(event)) => self.on_blob_event(event),
			_ => {}
		}
	}

	/// Hands an inbound request of `size` bytes to the exchange, within the byte budget and the
	/// queue's length; `Err(true)` if either is full (the request is dropped, and its share of
	/// the budget with it), `Err(false)` if the exchange is gone.
	fn enqueue(
		&mut self,
		size: usize,
		inbound: impl FnOnce(Queued) -> Inbound,
	) -> Result<(), bool> {
		let queued = self.budget.take(size).ok_or(true)?;
		self.inbound
			.try_send(inbound(queued))
			.map_err(|e| matches!(e, mpsc::error::TrySendError::Full(_)))
	}

	fn on_batch_event(&mut self, event: request_response::Event<BatchRequest, BatchResponse>) {
		use request_response::{Event, Message};
		match event {
			Event::Message { peer, message: Message::Request { request, channel, .. } } => {
				let (reply, reply_rx) = oneshot::channel();
				let size = request.encoded_size();
				let sent =
					self.enqueue(size, |queued| Inbound::Batch { peer, request, reply, queued });
				match sent {
					Ok(()) => self
						.replies
						.push(reply_rx.map(move |r| Reply::Batch(channel, r.ok())).boxed()),
					Err(full) => {
						self.refused_busy(&peer, full);
						let busy = BatchResponse::Refused(Refusal::Busy);
						let _ = self.swarm.behaviour_mut().batches.send_response(channel, busy);
					}
				}
			}
			Event::Message { message: Message::Response { request_id, response }, .. } => {
				if let Some(reply) = self.batch_requests.remove(&request_id) {
					let _ = reply.send(Ok(response));
				}
			}
			Event::OutboundFailure { peer, request_id, error } => {
				if let Some(reply) = self.batch_requests.remove(&request_id) {
					let _ =
						reply.send(Err(ChannelError::Failed { peer, reason: error.to_string() }));
				}
			}
			Event::InboundFailure { peer, error, .. } => {
				log::warn!(target: LOG, "bad or failed batch request from {peer}: {error}");
			}
			Event::ResponseSent { .. } => {}
		}
	}

	fn on_blob_event(&mut self, event: request_response::Event<BlobRequest, BlobResponse>) {
		use request_response::{Event, Message};
		match event {
			Event::Message { peer, message: Message::Request { request_id, request, channel } } => {
				let (reply, reply_rx) = oneshot::channel();
				let size = request.encoded_size();
				let sent =
					self.enqueue(size, |queued| Inbound::Blob { peer, request, reply, queued });
				match sent {
					Ok(()) => self.replies.push(
						reply_rx
							.map(move |r| Reply::Blob(peer, request_id, channel, r.ok()))
							.boxed(),
					),
					Err(full) => {
						self.refused_busy(&peer, full);
						let busy = BlobResponse::Refused(Refusal::Busy);
						let _ = self.swarm.behaviour_mut().blobs.send_response(channel, busy);
					}
				}
			}
			Event::Message { message: Message::Response { request_id, response }, .. } => {
				if let Some(reply) = self.blob_requests.remove(&request_id) {
					let _ = reply.send(Ok(response));
				}
			}
			Event::OutboundFailure { peer, request_id, error } => {
				if let Some(reply) = self.blob_requests.remove(&request_id) {
					let _ =
						reply.send(Err(ChannelError::Failed { peer, reason: error.to_string() }));
				}
			}
			Event::InboundFailure { peer, request_id, error } => {
				log::warn!(target: LOG, "bad or failed blob request from {peer}: {error}");
				self.answers.done(&mut self.swarm.behaviour_mut().blobs, peer, request_id);
			}
			Event::ResponseSent { peer, request_id } => {
				self.answers.done(&mut self.swarm.behaviour_mut().blobs, peer, request_id)
			}
		}
	}
}

#[cfg(test)]
mod tests;
