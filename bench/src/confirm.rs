//! Confirmations: one durable WebSocket subscription per party to the run's `message_confirmed`
//! events, and the ledger that matches each to the message sent, counting each (message,
//! recipient) once and timing it from the send on this process's one clock.

use crate::{
	network::{Party, Rest},
	report::Recorder,
};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::Instant,
};
use tokio::sync::OwnedSemaphorePermit;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

/// A message in flight: who must still confirm it.
struct Pending {
	kind: usize,
	sender: usize,
	sent_at: Instant,
	/// The recipients (party indexes, as bits) that have not confirmed it yet.
	waiting: u8,
	/// Its worker's slot, given back once every recipient confirmed.
	_slot: Option<OwnedSemaphorePermit>,
}

#[derive(Default)]
struct State {
	pending: HashMap<String, Pending>,
	/// Confirmations that arrived before the send's answer named the message (bits by party).
	early: HashMap<String, u8>,
	/// Messages every recipient confirmed, by their sender (to tell a duplicate from the
	/// sender's own confirmation).
	finished: HashMap<String, usize>,
	duplicates: u64,
}

/// The run's ledger of sent and confirmed messages.
#[derive(Clone)]
pub struct Ledger {
	state: Arc<Mutex<State>>,
	recorder: Recorder,
}

impl Ledger {
	/// A ledger that reports each confirmation to `recorder`.
	pub fn new(recorder: Recorder) -> Self {
		Self { state: Default::default(), recorder }
	}

	/// Message `id` of `kind`, sent by party `sender` at `sent_at`, is to be confirmed by the
	/// parties in `recipients` (bits); `slot` is held until they all have.
	pub fn sent(
		&self,
		id: String,
		kind: usize,
		sender: usize,
		sent_at: Instant,
		recipients: u8,
		slot: Option<OwnedSemaphorePermit>,
	) {
		let mut guard = self.state.lock().expect("no panic holds the ledger");
		let state = &mut *guard;
		let early = state.early.remove(&id).unwrap_or(0);
		let mut pending = Pending { kind, sender, sent_at, waiting: recipients, _slot: slot };
		let now = Instant::now();
		for party in 0..8 {
			if early & pending.waiting & (1 << party) != 0 {
				pending.waiting &= !(1 << party);
				self.recorder.confirmed(kind, now - sent_at);
			}
		}
		if pending.waiting == 0 {
			state.finished.insert(id, sender);
		} else {
			state.pending.insert(id, pending);
		}
	}

	/// Party `party` confirmed message `id`.
	fn confirmed(&self, party: usize, id: &str) {
		let now = Instant::now();
		let mut guard = self.state.lock().expect("no panic holds the ledger");
		let state = &mut *guard;
		let bit = 1u8 << party;
		if let Some(pending) = state.pending.get_mut(id) {
			if pending.waiting & bit != 0 {
				pending.waiting &= !bit;
				self.recorder.confirmed(pending.kind, now - pending.sent_at);
				if pending.waiting == 0 {
					let sender = pending.sender;
					state.pending.remove(id);
					state.finished.insert(id.to_string(), sender);
				}
			} else if pending.sender != party {
				state.duplicates += 1;
			}
		} else if let Some(&sender) = state.finished.get(id) {
			if sender != party {
				state.duplicates += 1;
			}
		} else {
			let early = state.early.entry(id.to_string()).or_default();
			if *early & bit != 0 {
				state.duplicates += 1;
			}
			*early |= bit;
		}
	}

	/// How many messages still wait for a recipient, and how many confirmations came twice.
	pub fn outstanding(&self) -> (usize, u64) {
		let state = self.state.lock().expect("no panic holds the ledger");
		(state.pending.len(), state.duplicates)
	}
}

/// Subscribes (as `name`) to `party`'s `message_confirmed` events on topics matching `topic`,
/// from now on (made over REST, then read over the event WebSocket), and reports each to
/// `ledger` as party `index`'s confirmation, acking it. Returns once the subscription is
/// started; the events are read in a task of their own.
pub async fn subscribe(
	rest: &Rest,
	party: &Party,
	index: usize,
	name: &str,
	topic: &str,
	ledger: Ledger,
) -> Result<(), String> {
	let filter = json!({ "types": ["message_confirmed"], "topic": topic });
	subscribe_events(rest, party, name, filter, move |event| {
		if let Some(id) = event.get("reference").and_then(Value::as_str) {
			ledger.confirmed(index, id);
		}
	})
	.await
}

/// Blob transfers seen at the recipients: (bytes, milliseconds the transfer took).
#[derive(Clone, Default)]
pub struct Streams(Arc<Mutex<Vec<(u64, u64)>>>);

impl Streams {
	/// Each transfer's rate in MB/s, slowest first.
	pub fn rates(&self) -> Vec<f64> {
		let streams = self.0.lock().expect("no panic holds the streams");
		let mut rates: Vec<f64> = streams
			.iter()
			.filter(|(_, millis)| *millis > 0)
			.map(|(bytes, millis)| *bytes as f64 / 1e3 / *millis as f64)
			.collect();
		rates.sort_by(f64::total_cmp);
		rates
	}
}

/// Subscribes (as `name`) to `party`'s `blob_received` events from now on, and records each
/// transfer's bytes and time (the event's `size` and `millis`) in `streams`.
pub async fn subscribe_blobs(
	rest: &Rest,
	party: &Party,
	name: &str,
	streams: Streams,
) -> Result<(), String> {
	let filter = json!({ "types": ["blob_received"] });
	subscribe_events(rest, party, name, filter, move |event| {
		let detail = &event["detail"];
		if let (Some(size), Some(millis)) = (detail["size"].as_u64(), detail["millis"].as_u64()) {
			streams.0.lock().expect("no panic holds the streams").push((size, millis));
		}
	})
	.await
}

/// Makes subscription `name` with `filter` on `party` from now on (over REST), then reads it over
/// the event WebSocket in a task of its own, handing each event to `on_event` and acking it.
async fn subscribe_events(
	rest: &Rest,
	party: &Party,
	name: &str,
	filter: Value,
	on_event: impl Fn(&Value) + Send + 'static,
) -> Result<(), String> {
	let mut request = format!("ws://127.0.0.1:{}/api/v1/ws", party.rest_port)
		.into_client_request()
		.map_err(|e| e.to_string())?;
	request.headers_mut().insert(
		"authorization",
		format!("Bearer {}", party.api_key).parse().map_err(|_| "a bad API key")?,
	);
	// Made first over REST, so that its offset is set before any message of the run is sent.
	let options = json!({
		"name": name,
		"filter": filter,
		"firstEvent": "newest",
		"readAhead": 1000,
	});
	let made = rest.post(party, "/subscriptions", &options).await?;
	if !(200..300).contains(&made.status) {
		return Err(format!("{}: subscription: {} {}", party.name, made.status, made.body));
	}
	let (socket, _) = tokio_tungstenite::connect_async(request)
		.await
		.map_err(|e| format!("{}: event WebSocket: {e}", party.name))?;
	let (mut sink, mut stream) = socket.split();
	let start = json!({ "type": "start", "name": name });
	sink.send(Message::text(start.to_string())).await.map_err(|e| e.to_string())?;
	let party_name = party.name.clone();
	let name = name.to_string();
	tokio::spawn(async move {
		while let Some(frame) = stream.next().await {
			let text = match frame {
				Ok(Message::Text(text)) => text,
				Ok(Message::Close(_)) | Err(_) => break,
				Ok(_) => continue,
			};
			let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else { continue };
			match frame.get("type").and_then(Value::as_str) {
				Some("event") => {
					let event = &frame["event"];
					on_event(event);
					let ack = json!({ "type": "ack", "name": name, "sequence": event["sequence"] });
					if sink.send(Message::text(ack.to_string())).await.is_err() {
						break;
					}
				}
				Some("error") => eprintln!("[bench] {party_name}: subscription error: {frame}"),
				_ => {}
			}
		}
		eprintln!("[bench] {party_name}: the event WebSocket closed");
	});
	Ok(())
}
