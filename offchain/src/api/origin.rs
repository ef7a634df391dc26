//! What the REST API refuses from a web page: a stranger that an operator's browser runs, which
//! can reach the node on loopback even though the node listens nowhere else.
//!
//! - **Another site's requests.** A browser names the page that makes a request in its `Origin`
//!   header (on every WebSocket handshake, every cross-site request, and every POST). A request
//!   whose `Origin` is neither the node's own (`http://<the host it was sent to>`) nor one the
//!   operator allowed (`--rest-cors`) is refused with 403 before any route runs: another site
//!   cannot open the event WebSocket, nor post a form (a multipart upload, say), nor read a
//!   response. Programs that are not browsers send no `Origin` and are not affected.
//! - **DNS rebinding.** A page can make its own host name resolve to 127.0.0.1; its requests then
//!   look same-origin but carry its name in `Host`. While the API listens on a loopback address,
//!   a request for any host name but a loopback one (`localhost`, `127.0.0.1`, `[::1]`) is
//!   refused.
//! - **Allowed origins** get CORS headers (tower-http's `CorsLayer`), so that their pages can
//!   read responses.

use super::ApiError;
use axum::{
	extract::{Request, State},
	http::{header, HeaderValue, Method, StatusCode},
	middleware::Next,
	response::{IntoResponse, Response},
};
use std::{net::SocketAddr, sync::Arc};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The origin rules of one REST server.
#[derive(Clone, Debug)]
pub struct OriginGuard {
	/// Whether the server listens on a loopback address only (then only loopback host names are
	/// served).
	loopback: bool,
	/// The origins the operator allowed.
	allowed: Arc<Vec<HeaderValue>>,
}

impl OriginGuard {
	/// The rules for a server listening on `listen` that allows `allowed` origins (each as a
	/// browser sends it: `scheme://host[:port]`; invalid ones are ignored with a warning).
	pub fn new(listen: SocketAddr, allowed: &[String]) -> Self {
		let allowed = allowed
			.iter()
			.map(|o| o.trim().trim_end_matches('/'))
			.filter(|o| !o.is_empty())
			.filter_map(|o| match HeaderValue::from_str(o) {
				Ok(v) => Some(v),
				Err(_) => {
					log::warn!(target: "parley::rest", "ignoring the invalid origin {o:?}");
					None
				}
			})
			.collect();
		Self { loopback: listen.ip().is_loopback(), allowed: Arc::new(allowed) }
	}

	/// Why a request with these `Host` and `Origin` headers is refused, if it is.
	pub fn refusal(&self, host: Option<&str>, origin: Option<&HeaderValue>) -> Option<String> {
		if self.loopback {
			match host {
				Some(host) if is_loopback_host(host) => {}
				Some(host) => {
					return Some(format!(
						"this API listens on loopback and serves only loopback host names, not {host:?}"
					))
				}
				None => return Some("a request needs a Host header".into()),
			}
		}
		let origin = origin?;
		let own = host.is_some_and(|h| origin.as_bytes() == format!("http://{h}").as_bytes());
		if own || self.allowed.iter().any(|a| a == origin) {
			return None;
		}
		Some(format!(
			"requests from the web origin {} are not allowed (the node's operator can allow it with --rest-cors)",
			String::from_utf8_lossy(origin.as_bytes())
		))
	}

	/// CORS headers for the allowed origins (none for any other).
	pub fn cors(&self) -> CorsLayer {
		let allowed = self.allowed.clone();
		CorsLayer::new()
			.allow_origin(AllowOrigin::predicate(move |origin, _| allowed.contains(origin)))
			.allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
			.allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
	}
}

/// Whether `host` (a `Host` header: a name or address, with or without a port) is loopback.
fn is_loopback_host(host: &str) -> bool {
	let name = match host.strip_prefix('[') {
		Some(rest) => rest.split(']').next().unwrap_or(""),
		None => host.rsplit_once(':').map_or(host, |(name, _)| name),
	};
	name.eq_ignore_ascii_case("localhost")
		|| name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The most of a refused request's body that is read before the 403 goes out.
const REFUSED_BODY_READ: usize = 64 * 1024;

/// Refuses, with 403, a request that [`OriginGuard::refusal`] refuses.
pub(crate) async fn refuse_strangers(
	State(guard): State<OriginGuard>,
	request: Request,
	next: Next,
) -> Response {
	let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
	let origin = request.headers().get(header::ORIGIN);
	if let Some(why) = guard.refusal(host, origin) {
		log::info!(target: "parley::rest", "refused {} {}: {why}", request.method(), request.uri().path());
		// Read and drop the body of a small refused request (a form post, say), so that its
		// client gets the 403 rather than a connection closed under its upload; a larger body
		// is not read further.
		let _ = axum::body::to_bytes(request.into_body(), REFUSED_BODY_READ).await;
		return ApiError::new(StatusCode::FORBIDDEN, why).into_response();
	}
	next.run(request).await
}

#[cfg(test)]
mod tests {
	use super::*;

	fn guard(allowed: &[&str]) -> OriginGuard {
		let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
		OriginGuard::new("127.0.0.1:5000".parse().unwrap(), &allowed)
	}

	fn origin(o: &str) -> HeaderValue {
		HeaderValue::from_str(o).unwrap()
	}

	#[test]
	fn programs_and_the_nodes_own_pages_are_served() {
		let g = guard(&[]);
		assert_eq!(g.refusal(Some("127.0.0.1:5000"), None), None);
		assert_eq!(g.refusal(Some("localhost:5000"), None), None);
		assert_eq!(g.refusal(Some("[::1]:5000"), None), None);
		assert_eq!(g.refusal(Some("127.0.0.1:5000"), Some(&origin("http://127.0.0.1:5000"))), None);
	}

	#[test]
	fn another_sites_page_is_refused_unless_allowed() {
		let g = guard(&["https://ops.example.com/"]);
		let evil = origin("http://evil.example");
		assert!(g.refusal(Some("127.0.0.1:5000"), Some(&evil)).unwrap().contains("evil.example"));
		// The same host on another port is another origin.
		let other_port = origin("http://127.0.0.1:8080");
		assert!(g.refusal(Some("127.0.0.1:5000"), Some(&other_port)).is_some());
		assert!(g.refusal(Some("127.0.0.1:5000"), Some(&origin("null"))).is_some());
		assert_eq!(
			g.refusal(Some("127.0.0.1:5000"), Some(&origin("https://ops.example.com"))),
			None
		);
	}

	#[test]
	fn a_rebound_host_name_is_refused_on_loopback() {
		let g = guard(&[]);
		let why = g.refusal(Some("evil.example:5000"), None).unwrap();
		assert!(why.contains("loopback"), "{why}");
		// Its page looks same-origin to itself: still refused.
		assert!(g
			.refusal(Some("evil.example:5000"), Some(&origin("http://evil.example:5000")))
			.is_some());
		assert!(g.refusal(None, None).is_some());
		// Listening elsewhere, host names are the operator's business.
		let public = OriginGuard::new("0.0.0.0:5000".parse().unwrap(), &[]);
		assert_eq!(public.refusal(Some("node.example:5000"), None), None);
	}
}
