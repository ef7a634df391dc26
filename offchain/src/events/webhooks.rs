//! Webhook subscriptions: each is a connection of its own; every event is POSTed to its URL
//! (no redirects, bounded answer), a 2xx acks it, anything else is retried with backoff, and
//! with `reply` a JSON answer with a `data` field is sent back as a reply message.
//!
//! A webhook is a request the node makes on a subscriber's behalf, so it must not become a way
//! into the operator's own network: unless the node runs with `--webhooks-allow-private`, a URL
//! that names a loopback, private, link-local or other non-public address (or `localhost`) is
//! refused when the subscription is made, and a host name is only ever connected to at the
//! public addresses it resolves to. HTTPS uses rustls with the system's root certificates. With
//! a `secret`, each delivery carries [`SIGNATURE_HEADER`], so that the receiver can check that
//! its own node sent it.

use super::{Delivery, EventHub, LOG};
use crate::store::{Subscription, Transport};
use hmac::{Hmac, Mac};
use std::{
	net::{IpAddr, SocketAddr},
	sync::Arc,
	time::Duration,
};
use tokio::sync::mpsc;

/// How long one webhook call may take, from connecting to the end of its answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting to a webhook may take.
const WEBHOOK_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The header that signs a delivery, as GitHub's `X-Hub-Signature-256`: `sha256=` and the hex
/// HMAC-SHA256 of the body under the subscription's secret.
pub const SIGNATURE_HEADER: &str = "x-parley-signature-256";

/// Fewest and most bytes of a webhook secret.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 16..=256;

/// Webhook options.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookOptions {
	/// Where to POST events (http or https).
	pub url: String,
	/// Whether a JSON response with `data` becomes a reply message.
	#[serde(default)]
	pub reply: bool,
	/// A secret shared with the receiver (16 to 256 bytes): each delivery is then signed with
	/// it ([`SIGNATURE_HEADER`]). It is stored, and never shown again.
	#[serde(default)]
	pub secret: Option<String>,
}

impl WebhookOptions {
	/// The transport these options make, if they are valid here (see [`check_webhook_url`]).
	pub fn transport(self, allow_private: bool) -> Result<Transport, String> {
		check_webhook_url(&self.url, allow_private)?;
		if let Some(secret) = &self.secret {
			if !SECRET_BYTES.contains(&secret.len()) {
				return Err(format!(
					"webhook.secret must be {} to {} bytes",
					SECRET_BYTES.start(),
					SECRET_BYTES.end()
				));
			}
		}
		Ok(Transport::Webhook { url: self.url, reply: self.reply, secret: self.secret })
	}
}

/// Checks a webhook URL: http or https, with a host and no credentials, and, unless
/// `allow_private`, naming neither `localhost` nor an address that is not public.
pub fn check_webhook_url(url: &str, allow_private: bool) -> Result<(), String> {
	let parsed = reqwest::Url::parse(url).map_err(|e| format!("webhook.url is not a URL: {e}"))?;
	if !matches!(parsed.scheme(), "http" | "https") {
		return Err("webhook.url must be an http:// or https:// URL".into());
	}
	if !parsed.username().is_empty() || parsed.password().is_some() {
		return Err(
			"webhook.url must not carry credentials (sign deliveries with webhook.secret)".into()
		);
	}
	let host = parsed.host_str().ok_or("webhook.url needs a host")?;
	let name = host.trim_start_matches('[').trim_end_matches(']');
	let internal = match name.parse::<IpAddr>() {
		Ok(ip) => !is_public(ip),
		Err(_) => {
			let name = name.trim_end_matches('.').to_ascii_lowercase();
			name == "localhost" || name.ends_with(".localhost")
		}
	};
	if internal && !allow_private {
		return Err(format!(
			"webhook.url names {host}, which is not a public address; this node refuses webhooks into its own network unless it runs with --webhooks-allow-private"
		));
	}
	Ok(())
}

/// Whether `ip` is a public unicast address: not loopback, private, link-local, unique-local,
/// shared (100.64/10), unspecified, broadcast, multicast or for documentation.
pub fn is_public(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => {
			let [a, b, ..] = v4.octets();
			!(v4.is_loopback()
				|| v4.is_private()
				|| v4.is_link_local()
				|| v4.is_unspecified()
				|| v4.is_broadcast()
				|| v4.is_multicast()
				|| v4.is_documentation()
				|| a == 0 || (a == 100 && (b & 0xc0) == 64))
		}
		IpAddr::V6(v6) => {
			if let Some(v4) = v6.to_ipv4_mapped() {
				return is_public(IpAddr::V4(v4));
			}
			let first = v6.segments()[0];
			!(v6.is_loopback()
				|| v6.is_unspecified()
				|| v6.is_multicast()
				|| (first & 0xfe00) == 0xfc00
				|| (first & 0xffc0) == 0xfe80)
		}
	}
}

/// The signature of `body` under `secret`, as [`SIGNATURE_HEADER`] carries it.
pub fn signature(secret: &str, body: &[u8]) -> String {
	// HMAC takes a key of any length: `new_from_slice` cannot fail here.
	let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes())
		.expect("HMAC accepts keys of any length");
	mac.update(body);
	format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Resolves a webhook's host name to its public addresses only, so that a name pointed at the
/// operator's own network (at any time: DNS rebinding) is never connected to.
struct PublicAddressesOnly;

impl reqwest::dns::Resolve for PublicAddressesOnly {
	fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
		let host = name.as_str().to_string();
		Box::pin(async move {
			let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
				.await?
				.filter(|a| is_public(a.ip()))
				.collect();
			if addrs.is_empty() {
				return Err(format!(
					"{host} resolves to no public address (a webhook into this node's own network needs --webhooks-allow-private)"
				)
				.into());
			}
			Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
		})
	}
}

/// The most of a webhook's answer that is read (a reply message's JSON); a longer answer fails
/// the delivery, which is retried.
const WEBHOOK_MAX_RESPONSE: usize = 1 << 20;

/// Posts one delivery; its answer's body if the webhook took it (a 2xx status).
async fn post_webhook(
	client: &reqwest::Client,
	url: &str,
	secret: Option<&str>,
	body: Vec<u8>,
) -> Result<Vec<u8>, String> {
	let mut request = client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json");
	if let Some(secret) = secret {
		request = request.header(SIGNATURE_HEADER, signature(secret, &body));
	}
	let mut response = request.body(body).send().await.map_err(|e| e.to_string())?;
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
		let Transport::Webhook { url, reply, secret } = sub.transport.clone() else { return };
		let key = (sub.namespace.clone(), sub.name.clone());
		// Made while this node allowed private webhooks, and it no longer does: not called.
		if let Err(e) = check_webhook_url(&url, self.allow_private_webhooks) {
			log::warn!(target: LOG, "webhook {} not started: {e}", sub.name);
			return;
		}
		if self.active.lock().contains_key(&key) {
			return;
		}
		let (namespace, name) = key;
		let active = self.activate(sub).await;
		let (tx, rx) = mpsc::channel(1024);
		active.dispatch.lock().connections.push((0, tx));
		active.wake.notify_one();
		let hub = self.clone();
		tokio::spawn(async move { hub.webhook(namespace, name, url, reply, secret, rx).await });
	}

	async fn webhook(
		&self,
		namespace: String,
		name: String,
		url: String,
		reply: bool,
		secret: Option<String>,
		mut rx: mpsc::Receiver<Delivery>,
	) {
		let mut builder = reqwest::Client::builder()
			.timeout(WEBHOOK_TIMEOUT)
			.connect_timeout(WEBHOOK_CONNECT_TIMEOUT)
			// A webhook is called at the address it names, never at another it redirects to.
			.redirect(reqwest::redirect::Policy::none());
		if !self.allow_private_webhooks {
			builder = builder.dns_resolver(Arc::new(PublicAddressesOnly));
		}
		let client = match builder.build() {
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
				let outcome = post_webhook(&client, &url, secret.as_deref(), body.clone()).await;
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
						self.delivery_failed(&namespace, &name, e.to_string());
						let delay = self.exchange.backoff(attempts);
						log::info!(target: LOG, "webhook {name} to {url} failed ({e}); retrying in {delay:?}");
						tokio::time::sleep(delay).await;
						let gone =
							!self.active.lock().contains_key(&(namespace.clone(), name.clone()));
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn webhooks_into_the_nodes_own_network_are_refused_unless_allowed() {
		for url in [
			"http://127.0.0.1:8080/hook",
			"http://localhost/hook",
			"http://app.localhost./hook",
			"http://10.1.2.3/",
			"http://192.168.0.10/",
			"http://172.16.0.1/",
			"http://169.254.169.254/latest/meta-data",
			"http://100.64.0.1/",
			"http://0.0.0.0/",
			"http://[::1]/",
			"http://[fe80::1]/",
			"http://[fd00::1]/",
			"http://[::ffff:127.0.0.1]/",
		] {
			let refused = check_webhook_url(url, false).unwrap_err();
			assert!(refused.contains("--webhooks-allow-private"), "{url}: {refused}");
			assert_eq!(check_webhook_url(url, true), Ok(()), "{url} with the flag");
		}
		for url in [
			"https://hooks.example.com/parley",
			"http://203.0.113.0.example.com/",
			"http://8.8.8.8/",
		] {
			assert_eq!(check_webhook_url(url, false), Ok(()), "{url}");
		}
		for url in ["ftp://hooks.example.com/", "http://user:pw@hooks.example.com/", "not a url"] {
			assert!(check_webhook_url(url, true).is_err(), "{url}");
		}
	}

	#[test]
	fn a_delivery_signature_is_the_hmac_sha256_of_its_body() {
		// RFC 4231, test case 2.
		assert_eq!(
			signature("Jefe", b"what do ya want for nothing?"),
			"sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
		);
	}

	#[test]
	fn a_secret_too_short_or_too_long_is_refused() {
		let options = |secret: &str| WebhookOptions {
			url: "https://hooks.example.com/".into(),
			reply: false,
			secret: Some(secret.into()),
		};
		assert!(options("short").transport(false).is_err());
		assert!(options(&"x".repeat(257)).transport(false).is_err());
		assert!(matches!(
			options(&"x".repeat(32)).transport(false),
			Ok(Transport::Webhook { secret: Some(_), .. })
		));
	}
}
