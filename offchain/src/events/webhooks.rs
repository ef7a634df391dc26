//! Webhook subscriptions: each is a connection of its own; every event is POSTed to its URL
//! (no redirects, bounded answer), a 2xx acks it, anything else is retried with backoff, and
//! with `reply` a JSON answer with a `data` field is sent back as a reply message.

use super::{Delivery, EventHub, LOG};
use crate::store::{Subscription, Transport};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long one webhook call may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// Webhook options.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookOptions {
	/// Where to POST events (http).
	pub url: String,
	/// Whether a JSON response with `data` becomes a reply message.
	#[serde(default)]
	pub reply: bool,
}

/// The most of a webhook's answer that is read (a reply message's JSON); a longer answer fails
/// the delivery, which is retried.
const WEBHOOK_MAX_RESPONSE: usize = 1 << 20;

/// Posts one delivery; its answer's body if the webhook took it (a 2xx status).
async fn post_webhook(
	client: &reqwest::Client,
	url: &str,
	body: Vec<u8>,
) -> Result<Vec<u8>, String> {
	let mut response = client
		.post(url)
		.header(reqwest::header::CONTENT_TYPE, "application/json")
		.body(body)
		.send()
		.await
		.map_err(|e| e.to_string())?;
	if !response.status().is_success() {
		return Err(format!("status {}", response.status()));
	}
	let mut answer = Vec::new();
	while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
		if answer.len() + chunk.len() > WEBHOOK_MAX_RESPONSE {
			return Err(format!("answer longer than {WEBHOOK_MAX_RESPONSE} bytes"));
		}
		answer.extend_from_slice(&chunk);
	}
	Ok(answer)
}

impl EventHub {
	/// Starts delivery of every webhook subscription (at node start).
	pub async fn start_webhooks(&self) {
		match self.exchange.store().webhook_subscriptions().await {
			Ok(subs) => {
				for sub in subs {
					self.start_webhook(sub).await;
				}
			}
			Err(e) => log::warn!(target: LOG, "cannot read webhook subscriptions: {e}"),
		}
	}

	pub(super) async fn start_webhook(&self, sub: Subscription) {
		let Transport::Webhook { url, reply } = sub.transport.clone() else { return };
		let key = (sub.namespace.clone(), sub.name.clone());
		if self.active.lock().expect("hub lock").contains_key(&key) {
			return;
		}
		let (namespace, name) = key;
		let active = self.activate(sub).await;
		let (tx, rx) = mpsc::channel(1024);
		active.dispatch.lock().expect("dispatch lock").connections.push((0, tx));
		active.wake.notify_one();
		let hub = self.clone();
		tokio::spawn(async move { hub.webhook(namespace, name, url, reply, rx).await });
	}

	async fn webhook(
		&self,
		namespace: String,
		name: String,
		url: String,
		reply: bool,
		mut rx: mpsc::Receiver<Delivery>,
	) {
		let client = match reqwest::Client::builder()
			.timeout(WEBHOOK_TIMEOUT)
			// A webhook is called at the address it names, never at another it redirects to.
			.redirect(reqwest::redirect::Policy::none())
			.build()
		{
			Ok(client) => client,
			Err(e) => {
				log::error!(target: LOG, "webhook {name}: no HTTP client: {e}");
				return;
			}
		};
		while let Some(delivery) = rx.recv().await {
			let body = serde_json::to_vec(&delivery).expect("deliveries serialize");
			let mut attempts = 0u32;
			loop {
				let outcome = post_webhook(&client, &url, body.clone()).await;
				match outcome {
					Ok(response) => {
						if reply {
							self.reply(&delivery, &response).await;
						}
						if let Err(e) = self.ack(&namespace, &name, delivery.event.sequence).await {
							log::warn!(target: LOG, "webhook {name}: cannot record ack: {e}");
						}
						break;
					}
					Err(e) => {
						attempts += 1;
						let delay = self.exchange.backoff(attempts);
						log::info!(target: LOG, "webhook {name} to {url} failed ({e}); retrying in {delay:?}");
						tokio::time::sleep(delay).await;
						let gone = !self
							.active
							.lock()
							.expect("hub lock")
							.contains_key(&(namespace.clone(), name.clone()));
						if gone {
							return;
						}
					}
				}
			}
		}
	}

	/// Sends a webhook's JSON response `{ "data": … , "topic"?: …, "tag"?: … }` back as a reply.
	async fn reply(&self, delivery: &Delivery, response: &[u8]) {
		let Ok(serde_json::Value::Object(body)) =
			serde_json::from_slice::<serde_json::Value>(response)
		else {
			return;
		};
		let Some(data) = body.get("data").cloned() else { return };
		let Ok(original) = self.exchange.message(&delivery.event.reference).await else { return };
		let topics = match body.get("topic").and_then(|t| t.as_str()) {
			Some(t) => vec![t.to_string()],
			None => original.topics.clone(),
		};
		let tag = body.get("tag").and_then(|t| t.as_str()).unwrap_or("reply").to_string();
		let send = crate::exchange::MessageRequest {
			namespace: original.namespace.clone(),
			topics,
			tag,
			data,
			cid: Some(original.id.clone()),
			..Default::default()
		};
		let result = match &original.group {
			Some(group) => self.exchange.send_private_message(group, send).await,
			None => self.exchange.send_broadcast_message(send).await,
		};
		if let Err(e) = result {
			log::warn!(target: LOG, "webhook reply to {} not sent: {e}", original.id);
		}
	}
}
