// This file is Parley's addition to Substrate's RPC server (see `vendor/README.md`).
// SPDX-License-Identifier: GPL-3.0-or-later WITH Classpath-exception-2.0

//! Refuses a request that a web page of an origin not on the `--rpc-cors` list makes.
//!
//! `--rpc-cors` is documented as the list of "browser Origins allowed to access the HTTP & WS
//! RPC servers", but the server only answered CORS headers, which a browser enforces on HTTP
//! reads and not at all on a WebSocket: any web page could open `ws://127.0.0.1:9944` and call
//! every method, the unsafe ones included. With a list configured, this filter answers 403 to a
//! request (HTTP or WebSocket upgrade) whose `Origin` is not on it. A request without `Origin`
//! comes from a program, not a page, and passes. An entry ending in `:*` allows every port of
//! its scheme and host (as in Substrate's default list, `http://localhost:*`); `null` allows
//! the opaque origin that browsers send from sandboxed frames and files.

use std::{
	error::Error,
	future::Future,
	pin::Pin,
	sync::Arc,
	task::{Context, Poll},
};

use futures::future::FutureExt;
use http::{header, HeaderValue, StatusCode};
use jsonrpsee::server::{HttpBody, HttpResponse};
use tower::Service;

/// The origins a server allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
	/// The origins of a `--rpc-cors` list.
	pub fn new(list: &[String]) -> Self {
		Self(list.iter().map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase()).collect())
	}

	/// Whether a page of `origin` (an `Origin` header's value) may call the server.
	pub fn allows(&self, origin: &[u8]) -> bool {
		let Ok(origin) = std::str::from_utf8(origin) else { return false };
		let origin = origin.trim().to_ascii_lowercase();
		self.0.iter().any(|allowed| {
			if *allowed == origin {
				return true;
			}
			let Some(prefix) = allowed.strip_suffix(":*") else { return false };
			if origin == prefix {
				return true;
			}
			origin
				.strip_prefix(prefix)
				.and_then(|rest| rest.strip_prefix(':'))
				.is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
		})
	}
}

/// Layer that applies [`OriginFilter`].
#[derive(Debug, Clone)]
pub struct OriginFilterLayer(Arc<AllowedOrigins>);

impl OriginFilterLayer {
	/// A filter that allows the origins of a `--rpc-cors` list.
	pub fn new(list: &[String]) -> Self {
		Self(Arc::new(AllowedOrigins::new(list)))
	}
}

impl<S> tower::Layer<S> for OriginFilterLayer {
	type Service = OriginFilter<S>;

	fn layer(&self, inner: S) -> Self::Service {
		OriginFilter { inner, allowed: self.0.clone() }
	}
}

/// Middleware that answers 403 to a request from a web origin that is not allowed.
#[derive(Debug, Clone)]
pub struct OriginFilter<S> {
	inner: S,
	allowed: Arc<AllowedOrigins>,
}

impl<S, B> Service<http::Request<B>> for OriginFilter<S>
where
	S: Service<http::Request<B>, Response = HttpResponse>,
	S::Error: Into<Box<dyn Error + Send + Sync>> + 'static,
	S::Future: Send + 'static,
{
	type Response = HttpResponse;
	type Error = Box<dyn Error + Send + Sync + 'static>;
	type Future =
		Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>>;

	fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
		self.inner.poll_ready(cx).map_err(Into::into)
	}

	fn call(&mut self, request: http::Request<B>) -> Self::Future {
		match request.headers().get(header::ORIGIN) {
			Some(origin) if !self.allowed.allows(origin.as_bytes()) => {
				log::debug!(
					target: "rpc",
					"refused a request from the web origin {:?}: not in --rpc-cors",
					String::from_utf8_lossy(origin.as_bytes())
				);
				let mut response = HttpResponse::new(HttpBody::from(
					"requests from this web origin are not allowed (see --rpc-cors)",
				));
				*response.status_mut() = StatusCode::FORBIDDEN;
				response
					.headers_mut()
					.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
				async move { Ok(response) }.boxed()
			}
			_ => self.inner.call(request).map(|r| r.map_err(Into::into)).boxed(),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::AllowedOrigins;

	fn substrate_default() -> AllowedOrigins {
		AllowedOrigins::new(&[
			"http://localhost:*".into(),
			"http://127.0.0.1:*".into(),
			"https://localhost:*".into(),
			"https://127.0.0.1:*".into(),
			"https://polkadot.js.org".into(),
		])
	}

	#[test]
	fn the_default_list_allows_local_pages_and_polkadot_js() {
		let allowed = substrate_default();
		for origin in [
			"http://localhost:3000",
			"http://127.0.0.1:9933",
			"https://localhost",
			"https://polkadot.js.org",
			"HTTPS://Polkadot.js.org",
		] {
			assert!(allowed.allows(origin.as_bytes()), "{origin} is allowed");
		}
	}

	#[test]
	fn another_site_is_refused() {
		let allowed = substrate_default();
		for origin in [
			"http://evil.example",
			"https://polkadot.js.org.evil.example",
			"http://localhost.evil.example:80",
			"http://localhost:80@evil.example",
			"http://127.0.0.1:",
			"http://127.0.0.1:99x",
			"null",
			"",
		] {
			assert!(!allowed.allows(origin.as_bytes()), "{origin} is refused");
		}
		assert!(!allowed.allows(&[0xff, 0xfe]), "a header that is not UTF-8 is refused");
	}

	#[test]
	fn null_and_exact_entries() {
		let allowed = AllowedOrigins::new(&["null".into(), "https://ops.example.com/".into()]);
		assert!(allowed.allows(b"null"));
		assert!(allowed.allows(b"https://ops.example.com"));
		assert!(!allowed.allows(b"https://ops.example.com:8443"));
		assert!(!allowed.allows(b"http://ops.example.com"));
	}
}
