//! The API keys check of every REST request (see [`crate::access`]).
//!
//! A request presents its key as `Authorization: Bearer <key>`; a WebSocket handshake, which a
//! browser cannot give headers, may put it in the `access_token` query parameter instead. The
//! level a route needs follows from it: reads (`GET`) need `read`; skipping a blocked batch and
//! retrying an operation need `admin`; every other change needs `write`. A route under
//! `/api/v1/namespaces/{ns}/` needs the key to cover `ns`. The API's own documentation
//! (`/api/v1/openapi.json`, `/api/v1/docs`) and the explorer's page (`/ui/`) are public. JSON-RPC on `/rpc` needs `read` here and
//! each method's own level in the RPC layer, which reads the [`Grant`] this check leaves in the
//! request's extensions; so does the event WebSocket for each subscription's namespace.
//!
//! A refusal is 401 (no valid key; with `WWW-Authenticate: Bearer`) or 403 (a key whose scope
//! does not cover the call), as JSON `{ "error", "code" }`, before any route runs.

use super::ApiError;
use crate::access::{ApiKeys, Grant, Level, Refusal};
use axum::{
	extract::{Request, State},
	http::{header, HeaderValue, Method, StatusCode},
	middleware::Next,
	response::{IntoResponse, Response},
};

/// What a request needs: a level, in a namespace or node-wide; `None` for a public route.
fn needs(method: &Method, path: &str) -> Option<(Option<String>, Level)> {
	if path == "/api/v1/openapi.json"
		|| path == "/api/v1/docs"
		|| path.starts_with("/api/v1/docs/")
		|| path == "/ui"
		|| path.starts_with("/ui/")
	{
		return None;
	}
	let namespace = path
		.strip_prefix("/api/v1/namespaces/")
		.map(|rest| rest.split('/').next().unwrap_or_default().to_string());
	let level = if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || path == "/rpc"
	{
		Level::Read
	} else if namespace.is_some()
		&& (path.ends_with("/skip") && path.contains("/contexts/")
			|| path.ends_with("/retry") && path.contains("/operations/"))
	{
		Level::Admin
	} else {
		Level::Write
	};
	Some((namespace, level))
}

/// The key a request presents: its bearer token, or on a WebSocket handshake its
/// `access_token` query parameter.
fn presented(request: &Request) -> Option<String> {
	if let Some(value) = request.headers().get(header::AUTHORIZATION) {
		let value = value.to_str().ok()?;
		let (scheme, token) = value.split_once(' ')?;
		return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string());
	}
	let upgrade = request
		.headers()
		.get(header::UPGRADE)
		.is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
	if !upgrade {
		return None;
	}
	request.uri().query()?.split('&').find_map(|pair| {
		let (name, value) = pair.split_once('=')?;
		(name == "access_token").then(|| value.to_string())
	})
}

/// The middleware: checks the key against what the route needs, and leaves its [`Grant`] in
/// the request for the routes (and the RPC layer) that check more.
pub(crate) async fn require_key(
	State(keys): State<ApiKeys>,
	mut request: Request,
	next: Next,
) -> Response {
	let Some((namespace, level)) = needs(request.method(), request.uri().path()) else {
		return next.run(request).await;
	};
	let token = presented(&request);
	let checked = keys.check(token.as_deref()).and_then(|grant| {
		if request.uri().path() == "/rpc" && !grant.all_namespaces() {
			return Err(Refusal::Forbidden(format!(
				"API key {} covers only some namespaces; JSON-RPC needs a key for all of them \
				 (use the REST routes under /api/v1/namespaces/… instead)",
				grant.key_id
			)));
		}
		if grant.allows(namespace.as_deref(), level) {
			Ok(grant)
		} else {
			Err(Refusal::forbidden(&grant, namespace.as_deref(), level))
		}
	});
	match checked {
		Ok(grant) => {
			request.extensions_mut().insert(grant);
			next.run(request).await
		}
		Err(refusal) => {
			log::debug!(target: "parley::rest", "refused {} {}: {refusal}", request.method(), request.uri().path());
			refusal_response(refusal)
		}
	}
}

/// A refusal as the REST API answers it.
pub(crate) fn refusal_response(refusal: Refusal) -> Response {
	let status = StatusCode::from_u16(refusal.http_status()).unwrap_or(StatusCode::FORBIDDEN);
	let unauthenticated = matches!(refusal, Refusal::Unauthenticated(_));
	let mut response = ApiError::new(status, refusal.to_string()).into_response();
	if unauthenticated {
		response
			.headers_mut()
			.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"parley\""));
	}
	response
}

/// Whether `grant` (from the request; every grant on an open node) may read `namespace`: for
/// the routes that name a namespace in their body rather than their path.
pub(crate) fn check_namespace(grant: Option<&Grant>, namespace: &str) -> Result<(), Refusal> {
	let open = Grant::everything();
	let grant = grant.unwrap_or(&open);
	if grant.allows(Some(namespace), Level::Read) {
		Ok(())
	} else {
		Err(Refusal::forbidden(grant, Some(namespace), Level::Read))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn each_kind_of_route_needs_its_level() {
		let ns = |s: &str| Some(s.to_string());
		assert_eq!(needs(&Method::GET, "/api/v1/openapi.json"), None);
		assert_eq!(needs(&Method::GET, "/api/v1/docs/swagger-ui.css"), None);
		assert_eq!(needs(&Method::GET, "/ui/app.js"), None);
		assert_eq!(needs(&Method::GET, "/uix"), Some((None, Level::Read)));
		assert_eq!(needs(&Method::GET, "/api/v1/status"), Some((None, Level::Read)));
		assert_eq!(needs(&Method::GET, "/api/v1/ws"), Some((None, Level::Read)));
		assert_eq!(
			needs(&Method::GET, "/api/v1/namespaces/claims/messages"),
			Some((ns("claims"), Level::Read))
		);
		assert_eq!(
			needs(&Method::POST, "/api/v1/namespaces/claims/messages/private"),
			Some((ns("claims"), Level::Write))
		);
		assert_eq!(
			needs(&Method::DELETE, "/api/v1/namespaces/default/subscriptions/s"),
			Some((ns("default"), Level::Write))
		);
		assert_eq!(
			needs(&Method::POST, "/api/v1/namespaces/default/contexts/0xab/skip"),
			Some((ns("default"), Level::Admin))
		);
		assert_eq!(
			needs(&Method::POST, "/api/v1/namespaces/default/operations/x/retry"),
			Some((ns("default"), Level::Admin))
		);
		assert_eq!(needs(&Method::POST, "/rpc"), Some((None, Level::Read)));
		// An unknown route still needs a key: a stranger cannot map the API by its 404s.
		assert_eq!(needs(&Method::POST, "/anything"), Some((None, Level::Write)));
	}

	fn request(headers: &[(&str, &str)], uri: &str) -> Request {
		let mut builder = Request::builder().uri(uri);
		for (name, value) in headers {
			builder = builder.header(*name, *value);
		}
		builder.body(axum::body::Body::empty()).unwrap()
	}

	#[test]
	fn a_key_comes_from_the_bearer_header_or_a_websocket_query() {
		assert_eq!(
			presented(&request(&[("authorization", "Bearer k.1")], "/x")),
			Some("k.1".into())
		);
		assert_eq!(
			presented(&request(&[("authorization", "bearer  k.1 ")], "/x")),
			Some("k.1".into())
		);
		assert_eq!(presented(&request(&[("authorization", "Basic abc")], "/x")), None);
		assert_eq!(presented(&request(&[], "/x?access_token=k.2")), None, "only on a handshake");
		assert_eq!(
			presented(&request(&[("upgrade", "websocket")], "/api/v1/ws?a=b&access_token=k.2")),
			Some("k.2".into())
		);
	}

	#[test]
	fn a_body_namespace_is_checked_against_the_grant() {
		let grant = Grant { key_id: "k".into(), namespaces: vec!["a".into()], level: Level::Read };
		assert!(check_namespace(Some(&grant), "a").is_ok());
		assert!(check_namespace(Some(&grant), "b").is_err());
		assert!(check_namespace(None, "b").is_ok(), "an open node");
	}
}
