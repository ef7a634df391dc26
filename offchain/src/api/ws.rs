//! Event subscriptions over a WebSocket on the REST port (`GET /api/v1/ws`).
//!
//! The client sends JSON text frames:
//! - `{"type": "start", "name": "<subscription>", "namespace"?: "default", "options"?: {…}}`
//!   attaches to a named subscription (created with `options` if it does not exist);
//! - `{"type": "ack", "name": "<subscription>", "namespace"?: "default", "sequence": <n>}` acks an
//!   event.
//!
//! The server sends `{"type": "event", "subscription": …, "event": {…}, "message"?: {…}}` per
//! event, and `{"type": "error", "error": "…"}` for a bad frame. Several sockets may attach to
//! one subscription: they share its events. Unacked events are delivered again after a
//! reconnect.
//!
//! A key limited to some namespaces may start and ack subscriptions only in those (an `error`
//! frame otherwise); the key itself was checked at the handshake.

use super::{auth::check_namespace, AppState};
use crate::{access::Grant, events::SubscriptionOptions};
use axum::{
	extract::{
		ws::{Message, WebSocket, WebSocketUpgrade},
		State,
	},
	response::Response,
	Extension,
};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;

/// Most acks of one connection applied together (and queued while they are).
const MAX_ACKS_AT_ONCE: usize = 1024;

/// A frame an app sends on the event WebSocket. (`options` is boxed: acks, the frequent frame,
/// stay small.)
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Frame {
	/// Attach to a subscription, creating it with `options` if it does not exist.
	Start { name: String, namespace: Option<String>, options: Option<Box<SubscriptionOptions>> },
	/// Acknowledge every event up to `sequence`.
	Ack { name: String, namespace: Option<String>, sequence: i64 },
}

pub(crate) async fn upgrade(
	State(state): State<AppState>,
	grant: Option<Extension<Grant>>,
	ws: WebSocketUpgrade,
) -> Response {
	let grant = grant.map(|Extension(g)| g).unwrap_or_else(Grant::everything);
	ws.on_upgrade(move |socket| session(state, grant, socket))
}

async fn session(state: AppState, grant: Grant, socket: WebSocket) {
	let (mut sink, mut stream) = socket.split();
	let (out, mut out_rx) = mpsc::channel::<String>(1024);
	let writer = tokio::spawn(async move {
		while let Some(text) = out_rx.recv().await {
			if sink.send(Message::Text(text.into())).await.is_err() {
				break;
			}
		}
	});
	let mut attached = Vec::new();
	let mut forwarders = Vec::new();
	let error = |e: String| serde_json::json!({ "type": "error", "error": e }).to_string();
	// Acks are applied by a task of their own, all those that came while the last were being
	// stored at once (see `EventHub::ack_many`), so a stream of acks costs one store write per
	// round, not one per event. Bounded: a client that acks faster than that waits.
	let (acks, mut acks_rx) = mpsc::channel::<(String, String, i64)>(MAX_ACKS_AT_ONCE);
	let acker = {
		let hub = state.hub.clone();
		let out = out.clone();
		tokio::spawn(async move {
			while let Some(first) = acks_rx.recv().await {
				let mut round = vec![first];
				while round.len() < MAX_ACKS_AT_ONCE {
					match acks_rx.try_recv() {
						Ok(ack) => round.push(ack),
						Err(_) => break,
					}
				}
				for e in hub.ack_many(&round).await {
					let _ = out.send(error(e.to_string())).await;
				}
			}
		})
	};
	while let Some(Ok(frame)) = stream.next().await {
		let text = match frame {
			Message::Text(text) => text.to_string(),
			Message::Close(_) => break,
			_ => continue,
		};
		let frame = match serde_json::from_str::<Frame>(&text) {
			Ok(frame) => frame,
			Err(e) => {
				let _ = out.send(error(format!("bad frame: {e}"))).await;
				continue;
			}
		};
		match frame {
			Frame::Start { name, namespace, options } => {
				let namespace = namespace.unwrap_or_else(|| "default".into());
				if let Err(refusal) = check_namespace(Some(&grant), &namespace) {
					let _ = out.send(error(refusal.to_string())).await;
					continue;
				}
				match state.hub.attach(&namespace, &name, options.map(|o| *o)).await {
					Ok((connection, mut deliveries)) => {
						attached.push((namespace, name, connection));
						let out = out.clone();
						forwarders.push(tokio::spawn(async move {
							while let Some(delivery) = deliveries.recv().await {
								let mut frame =
									serde_json::to_value(&delivery).expect("deliveries serialize");
								frame["type"] = "event".into();
								if out.send(frame.to_string()).await.is_err() {
									break;
								}
							}
						}));
					}
					Err(e) => {
						let _ = out.send(error(e.to_string())).await;
					}
				}
			}
			Frame::Ack { name, namespace, sequence } => {
				let namespace = namespace.unwrap_or_else(|| "default".into());
				if let Err(refusal) = check_namespace(Some(&grant), &namespace) {
					let _ = out.send(error(refusal.to_string())).await;
					continue;
				}
				if acks.send((namespace, name, sequence)).await.is_err() {
					break;
				}
			}
		}
	}
	// The acks read so far are applied (and their offsets stored) before the session's
	// unacked events are handed out again.
	drop(acks);
	let _ = acker.await;
	for (namespace, name, connection) in attached {
		state.hub.detach(&namespace, &name, connection);
	}
	for forwarder in forwarders {
		forwarder.abort();
	}
	writer.abort();
}
