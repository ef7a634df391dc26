//! Durable named subscriptions, delivered at least once and in order, over WebSockets (JSON-RPC
//! on 9944, or the REST port) and webhooks.
//!
//! Each subscription has an offset: every event up to it is done (acked, or filtered out). A
//! dispatcher per active subscription reads the events after it, keeps up to `read_ahead`
//! unacked ones in flight spread over the connections attached to the subscription, and
//! advances (and stores) the offset as acks arrive. Unacked events of a connection that goes
//! away are delivered again, first; after a restart of the node or the app, delivery resumes
//! from the stored offset, so nothing is lost and there is no gap. Those rules are
//! [`dispatch`]'s, which holds one subscription's state and does no I/O; the hub here reads
//! the events, stores the offsets and sends the deliveries.
//!
//! A webhook subscription is a connection of its own: each event is POSTed to its URL, a 2xx acks
//! it, anything else is retried with exponential backoff. With `reply`, a JSON response with a
//! `data` field is sent back as a reply message (`cid` = the event's message).

use crate::{
	exchange::Exchange,
	store::{Event, EventFilter, Subscription, Transport},
	types::Message,
};
use dispatch::Dispatch;
use parking_lot::Mutex;
use serde::Serialize;
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::sync::{mpsc, Notify};

mod dispatch;
mod webhooks;

pub use webhooks::{check_webhook_url, signature, WebhookOptions, SIGNATURE_HEADER};

const LOG: &str = "parley::events";

/// An event handed to a subscriber.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
	/// The subscription it is for.
	pub subscription: String,
	/// The event.
	pub event: Event,
	/// The message the event is about, for subscriptions with `with_data`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub message: Option<Message>,
}

/// One attached connection.
pub type ConnectionId = u64;

/// How far past its offset (the first event not done) a subscription reads: an app that holds
/// one event unacked while the stream flows on gets nothing more beyond this many events until
/// it acks, so the `done` set behind it stays bounded whatever the app does.
pub const MAX_WINDOW: i64 = 4096;

/// How many events a dispatcher reads from the store at a time.
const READ_PAGE: i64 = 200;

/// Where a running subscription is: what it has done, read, and handed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
	/// Every event up to this one is done (acked or filtered out); stored.
	pub offset: i64,
	/// The last event read from the store.
	pub cursor: i64,
	/// Events handed to a connection and not acked yet.
	pub in_flight: usize,
	/// Events after the offset that are done but not contiguous with it (at most
	/// [`MAX_WINDOW`]).
	pub done_ahead: usize,
	/// Connections attached now (a webhook is one of its own).
	pub connections: usize,
	/// When an event was last acknowledged, in ms since the Unix epoch.
	pub last_ack: Option<i64>,
	/// Why the last delivery failed, if one failed since the last acknowledgement.
	pub last_error: Option<String>,
	/// When it failed, in ms since the Unix epoch.
	pub last_error_at: Option<i64>,
}

struct Active {
	dispatch: Mutex<Dispatch>,
	wake: Notify,
}

/// The subscriptions being delivered now, by (namespace, name).
type ActiveSubscriptions = HashMap<(String, String), Arc<Active>>;

/// The subscriptions of one node.
///
/// Two kinds of lock, never held together: the hub's map of running dispatchers, and each
/// dispatcher's own state. Code that needs both takes the map's entry (an `Arc`) under the hub
/// lock, releases it, then locks the dispatcher; so no two tasks can wait on each other.
#[derive(Clone)]
pub struct EventHub {
	exchange: Exchange,
	active: Arc<Mutex<ActiveSubscriptions>>,
	next_connection: Arc<Mutex<ConnectionId>>,
	/// Whether webhooks may call loopback, private and link-local addresses.
	allow_private_webhooks: bool,
}

/// Why a subscription request failed.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
	/// Bad options.
	#[error("{0}")]
	Invalid(String),
	/// No such subscription.
	#[error("no subscription {0}")]
	NotFound(String),
	/// The store failed.
	#[error(transparent)]
	Store(#[from] crate::store::StoreError),
}

/// Options of a subscription, as apps give them.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SubscriptionOptions {
	/// Which events.
	pub filter: EventFilter,
	/// Where to start when the subscription is created: `oldest`, `newest` (default), or an
	/// event sequence number.
	pub first_event: Option<serde_json::Value>,
	/// Unacked events in flight at once (default 1, at most 1000).
	pub read_ahead: Option<u32>,
	/// Whether message events carry the message.
	pub with_data: bool,
	/// Webhook delivery instead of WebSockets: `{ "url": "http://…", "reply": false }`.
	pub webhook: Option<WebhookOptions>,
}

impl EventHub {
	/// The hub of `exchange`'s node. Call [`EventHub::start_webhooks`] once at start.
	pub fn new(exchange: Exchange) -> Self {
		Self {
			exchange,
			active: Default::default(),
			next_connection: Arc::new(Mutex::new(1)),
			allow_private_webhooks: false,
		}
	}

	/// Lets webhooks call loopback, private and link-local addresses (`--webhooks-allow-private`:
	/// for receivers in the operator's own network, such as the local test network's).
	pub fn allowing_private_webhooks(mut self, allow: bool) -> Self {
		self.allow_private_webhooks = allow;
		self
	}

	/// Creates (or updates the options of) a subscription. `firstEvent` applies at creation only.
	pub async fn subscribe(
		&self,
		namespace: &str,
		name: &str,
		options: SubscriptionOptions,
	) -> Result<Subscription, SubscribeError> {
		if name.is_empty()
			|| name.len() > 64
			|| !name.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
		{
			return Err(SubscribeError::Invalid(
				"name must be 1 to 64 letters, digits, '.', '_' or '-'".into(),
			));
		}
		if let Some(re) = &options.filter.topic {
			regex::Regex::new(re)
				.map_err(|e| SubscribeError::Invalid(format!("filter.topic: {e}")))?;
		}
		let read_ahead = options.read_ahead.unwrap_or(1);
		if !(1..=1000).contains(&read_ahead) {
			return Err(SubscribeError::Invalid("readAhead must be 1 to 1000".into()));
		}
		let store = self.exchange.store();
		let offset = match &options.first_event {
			None => store.last_event().await?,
			Some(serde_json::Value::String(s)) if s == "newest" => store.last_event().await?,
			Some(serde_json::Value::String(s)) if s == "oldest" => 0,
			Some(v) => match v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())) {
				Some(n) if n >= 1 => n - 1,
				_ => {
					return Err(SubscribeError::Invalid(
						"firstEvent is oldest, newest or a sequence number".into(),
					))
				}
			},
		};
		let transport = match options.webhook {
			Some(w) => w.transport(self.allow_private_webhooks).map_err(SubscribeError::Invalid)?,
			None => Transport::Websocket,
		};
		let sub = store
			.upsert_subscription(&Subscription {
				namespace: namespace.into(),
				name: name.into(),
				filter: options.filter,
				read_ahead,
				with_data: options.with_data,
				transport,
				offset,
			})
			.await?;
		// Refresh a running dispatcher's options (the hub lock is released before the
		// dispatch lock is taken: see `EventHub`).
		let active = self.running(namespace, name);
		if let Some(active) = active {
			active.dispatch.lock().update(&sub);
			active.wake.notify_one();
		}
		if matches!(sub.transport, Transport::Webhook { .. }) {
			self.start_webhook(sub.clone()).await;
		}
		Ok(sub)
	}

	/// Deletes a subscription and stops its delivery.
	pub async fn unsubscribe(&self, namespace: &str, name: &str) -> Result<(), SubscribeError> {
		if !self.exchange.store().delete_subscription(namespace, name).await? {
			return Err(SubscribeError::NotFound(name.into()));
		}
		let removed = self.active.lock().remove(&(namespace.into(), name.into()));
		if let Some(active) = removed {
			active.dispatch.lock().connections.clear();
			active.wake.notify_one();
		}
		Ok(())
	}

	/// The dispatcher of a subscription, if it runs. Takes the hub lock alone, and releases it.
	fn running(&self, namespace: &str, name: &str) -> Option<Arc<Active>> {
		self.active.lock().get(&(namespace.into(), name.into())).cloned()
	}

	async fn activate(&self, sub: Subscription) -> Arc<Active> {
		let key = (sub.namespace.clone(), sub.name.clone());
		let mut active = self.active.lock();
		if let Some(existing) = active.get(&key) {
			return existing.clone();
		}
		let entry =
			Arc::new(Active { dispatch: Mutex::new(Dispatch::new(sub)), wake: Notify::new() });
		active.insert(key, entry.clone());
		let hub = self.clone();
		let runner = entry.clone();
		tokio::spawn(async move { hub.dispatch(runner).await });
		entry
	}

	/// Attaches a connection to subscription `name` (created with `options` if it does not
	/// exist). Returns the connection's id and its stream of deliveries.
	pub async fn attach(
		&self,
		namespace: &str,
		name: &str,
		options: Option<SubscriptionOptions>,
	) -> Result<(ConnectionId, mpsc::Receiver<Delivery>), SubscribeError> {
		let sub = match (self.exchange.store().subscription(namespace, name).await?, options) {
			(Some(sub), None) => sub,
			(_, Some(options)) => self.subscribe(namespace, name, options).await?,
			(None, None) => return Err(SubscribeError::NotFound(name.into())),
		};
		if matches!(sub.transport, Transport::Webhook { .. }) {
			return Err(SubscribeError::Invalid(format!("{name} is delivered by webhook")));
		}
		let active = self.activate(sub).await;
		let id = {
			let mut next = self.next_connection.lock();
			*next += 1;
			*next
		};
		let (tx, rx) = mpsc::channel(1024);
		active.dispatch.lock().connections.push((id, tx));
		active.wake.notify_one();
		Ok((id, rx))
	}

	/// Acknowledges event `sequence` of a subscription; returns once the offset it moved (if
	/// any) is stored.
	pub async fn ack(
		&self,
		namespace: &str,
		name: &str,
		sequence: i64,
	) -> Result<(), SubscribeError> {
		match self.ack_many(&[(namespace.to_string(), name.to_string(), sequence)]).await.pop() {
			Some(error) => Err(error),
			None => Ok(()),
		}
	}

	/// Acknowledges several events at once, (namespace, subscription, sequence) each: every ack
	/// is applied in memory, and each subscription whose offset moved has its offset stored
	/// once (the highest), all in one round of the store, before this returns. An app that acks
	/// a stream of events one by one thus costs one write per round, not one per event.
	/// Returns the errors: acks of subscriptions not running here, and failed writes.
	pub async fn ack_many(&self, acks: &[(String, String, i64)]) -> Vec<SubscribeError> {
		let now = crate::types::now_ms();
		let mut errors = Vec::new();
		let mut moved: std::collections::BTreeMap<(&str, &str), i64> = Default::default();
		let mut acked: Vec<Arc<Active>> = Vec::new();
		for (namespace, name, sequence) in acks {
			let Some(active) = self.running(namespace, name) else {
				errors.push(SubscribeError::NotFound(name.clone()));
				continue;
			};
			if let Some(offset) = active.dispatch.lock().ack(*sequence, now) {
				let highest = moved.entry((namespace, name)).or_insert(offset);
				*highest = (*highest).max(offset);
			}
			if !acked.iter().any(|a| Arc::ptr_eq(a, &active)) {
				acked.push(active);
			}
		}
		let store = self.exchange.store();
		let writes = moved
			.iter()
			.map(|((namespace, name), offset)| store.set_offset(namespace, name, *offset));
		for written in futures::future::join_all(writes).await {
			if let Err(e) = written {
				errors.push(e.into());
			}
		}
		for active in acked {
			active.wake.notify_one();
		}
		errors
	}

	/// Where subscription `name` is, if a dispatcher runs for it.
	pub fn progress(&self, namespace: &str, name: &str) -> Option<Progress> {
		let active = self.running(namespace, name)?;
		let d = active.dispatch.lock();
		Some(Progress {
			offset: d.sub.offset,
			cursor: d.cursor,
			in_flight: d.in_flight.len(),
			done_ahead: d.done.len(),
			connections: d.connections.len(),
			last_ack: d.last_ack,
			last_error: d.last_error.as_ref().map(|(_, e)| e.clone()),
			last_error_at: d.last_error.as_ref().map(|(at, _)| *at),
		})
	}

	/// Records that a delivery of subscription `name` failed (a webhook's error answer, say),
	/// for [`EventHub::progress`]; the next acknowledgement clears it.
	pub fn delivery_failed(&self, namespace: &str, name: &str, error: String) {
		if let Some(active) = self.running(namespace, name) {
			active.dispatch.lock().last_error = Some((crate::types::now_ms(), error));
		}
	}

	/// Detaches a connection; its unacked events go to the others (or wait for the next one).
	pub fn detach(&self, namespace: &str, name: &str, connection: ConnectionId) {
		let Some(active) = self.running(namespace, name) else {
			return;
		};
		active.dispatch.lock().detach(connection);
		active.wake.notify_one();
	}

	async fn dispatch(&self, active: Arc<Active>) {
		let store = self.exchange.store().clone();
		let (namespace, name) = {
			let d = active.dispatch.lock();
			(d.sub.namespace.clone(), d.sub.name.clone())
		};
		loop {
			// Read what may be handed out now.
			let (cursor, room, has_connections) = {
				let d = active.dispatch.lock();
				(d.cursor, d.room(), !d.connections.is_empty())
			};
			// A full page that moved the cursor: there may be more to read at once.
			let mut more = false;
			if has_connections && room > 0 {
				match store.events_after(cursor, READ_PAGE).await {
					Ok(events) => {
						let full = events.len() as i64 == READ_PAGE;
						self.hand_out(&active, events).await;
						let moved = active.dispatch.lock().cursor > cursor;
						more = full && moved;
					}
					Err(e) => log::warn!(target: LOG, "cannot read events: {e}"),
				}
			}
			if more {
				continue;
			}
			tokio::select! {
				_ = active.wake.notified() => {},
				_ = self.exchange.events_woken() => {},
				_ = tokio::time::sleep(Duration::from_secs(1)) => {},
			}
			// Stopped when unsubscribed, or replaced by a new dispatcher of the same name.
			match self.running(&namespace, &name) {
				Some(current) if Arc::ptr_eq(&current, &active) => {}
				_ => return,
			}
		}
	}

	/// Filters `events` (in order) and hands the matching ones to connections, up to the room
	/// `read_ahead` leaves (see [`Dispatch::hand_out`]); stores the offset if it moved.
	async fn hand_out(&self, active: &Arc<Active>, events: Vec<Event>) {
		let (deliveries, offset_changed, subscription, with_data) = {
			let mut d = active.dispatch.lock();
			let (handed, moved) = d.hand_out(events);
			let at = moved.map(|offset| (d.sub.namespace.clone(), d.sub.name.clone(), offset));
			(handed, at, d.sub.name.clone(), d.sub.with_data)
		};
		if let Some((ns, name, offset)) = offset_changed {
			let _ = self.exchange.store().set_offset(&ns, &name, offset).await;
		}
		for (sender, event) in deliveries {
			let subscription = subscription.clone();
			let message = if with_data && event.kind.starts_with("message_") {
				self.exchange.store().message(&event.reference).await.ok().flatten()
			} else {
				None
			};
			if sender.send(Delivery { subscription, event, message }).await.is_err() {
				log::debug!(target: LOG, "a subscriber went away before its delivery");
			}
		}
	}
}
