//! The REST API: `/api/v1/namespaces/{ns}/…` routes for messages, data and blobs, datatypes,
//! groups, batches, pins, events, subscriptions and operations, plus identities (with DID
//! documents) and status; an OpenAPI 3 document at `/api/v1/openapi.json`, Swagger UI at
//! `/api/v1/docs` (vendored assets), and event subscriptions over WebSocket at `/api/v1/ws`.
//!
//! Operators' explorer: a web page at `/ui/` that uses this same API (see [`explorer`]).
//!
//! Errors are JSON `{ "error": "...", "code": <HTTP status> }`. Lists take the shared filter
//! syntax ([`crate::store::query`]) as query parameters.
//!
//! A web page in the operator's browser is a stranger: see [`origin`] for what the API refuses
//! from one (another site's requests, WebSockets and form posts; DNS rebinding). Every call
//! needs an API key with the scope for it on a node that has keys: see [`auth`].
//!
//! The node also serves its `parley_*` JSON-RPC methods here, at `/rpc` (HTTP POST and
//! WebSocket), behind the same checks: see [`serve`]'s `rpc`.

mod auth;
mod claims;
mod data;
mod definitions;
mod escrows;
mod explorer;
mod extract;
mod groups;
mod history;
mod messages;
mod node;
pub mod openapi;
pub mod origin;
mod send_body;
mod subscriptions;
mod tokens;
mod ws;

use crate::{access::ApiKeys, events::EventHub, exchange::Exchange, ExchangeError};
use axum::{
	extract::DefaultBodyLimit,
	http::StatusCode,
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use std::{net::SocketAddr, time::Duration};

/// The REST server's settings.
#[derive(Clone, Debug)]
pub struct RestConfig {
	/// Where to listen.
	pub listen: SocketAddr,
	/// Largest JSON request body, in bytes.
	pub max_json_body: usize,
	/// Largest blob upload, in bytes.
	pub max_blob: u64,
	/// How long `confirm=true` and request/reply wait by default.
	pub default_wait: Duration,
	/// The longest a call may ask to wait (`timeout`): a waiting call holds a connection.
	pub max_wait: Duration,
	/// Web origins whose pages may call the API from a browser (besides the node's own).
	pub allowed_origins: Vec<String>,
}

impl Default for RestConfig {
	fn default() -> Self {
		Self {
			listen: "127.0.0.1:5000".parse().expect("valid address"),
			max_json_body: 4 * 1024 * 1024,
			max_blob: 1024 * 1024 * 1024,
			default_wait: Duration::from_secs(60),
			max_wait: Duration::from_secs(600),
			allowed_origins: Vec::new(),
		}
	}
}

#[derive(Clone)]
pub(crate) struct AppState {
	pub exchange: Exchange,
	pub hub: EventHub,
	pub config: RestConfig,
}

/// An error as the REST API returns it.
#[derive(Debug)]
pub(crate) struct ApiError {
	status: StatusCode,
	message: String,
	id: Option<String>,
}

impl ApiError {
	pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
		Self { status, message: message.into(), id: None }
	}

	pub fn bad_request(message: impl Into<String>) -> Self {
		Self::new(StatusCode::BAD_REQUEST, message)
	}

	pub fn not_found(message: impl Into<String>) -> Self {
		Self::new(StatusCode::NOT_FOUND, message)
	}
}

impl From<ExchangeError> for ApiError {
	fn from(e: ExchangeError) -> Self {
		let status =
			StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
		let id = match &e {
			ExchangeError::Conflict(id) => Some(id.clone()),
			_ => None,
		};
		if status.is_server_error() {
			log::warn!(target: "parley::rest", "internal error: {e}");
		}
		Self { status, message: e.to_string(), id }
	}
}

impl From<crate::store::StoreError> for ApiError {
	fn from(e: crate::store::StoreError) -> Self {
		ExchangeError::from(e).into()
	}
}

impl From<crate::events::SubscribeError> for ApiError {
	fn from(e: crate::events::SubscribeError) -> Self {
		use crate::events::SubscribeError;
		match e {
			SubscribeError::Invalid(m) => ApiError::bad_request(m),
			SubscribeError::NotFound(m) => ApiError::not_found(format!("no subscription {m}")),
			SubscribeError::Store(e) => e.into(),
		}
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		let body =
			openapi::ErrorBody { error: self.message, code: self.status.as_u16(), id: self.id };
		(self.status, Json(body)).into_response()
	}
}

/// Every route of the REST API, with its state, and the routes of `rpc`, all behind the key
/// check of `keys` and the checks of [`origin`]. The API's routes come with their OpenAPI
/// document ([`openapi::api_routes`]); the docs, the event WebSocket and the explorer's page
/// are served beside them.
pub fn app(
	exchange: Exchange,
	hub: EventHub,
	config: RestConfig,
	keys: ApiKeys,
	rpc: Router,
) -> Router {
	let max_json = config.max_json_body;
	let guard = origin::OriginGuard::new(config.listen, &config.allowed_origins);
	let (api, _document) = openapi::api_routes().split_for_parts();
	api.route("/api/v1/openapi.json", get(openapi::serve_document))
		.route("/api/v1/docs", get(openapi::docs))
		.route("/api/v1/docs/{asset}", get(openapi::docs_asset))
		.route("/api/v1/ws", get(ws::upgrade))
		.merge(explorer::page_routes())
		.fallback(not_found)
		.with_state(AppState { exchange, hub, config })
		.merge(rpc)
		.layer(DefaultBodyLimit::max(max_json))
		.layer(axum::middleware::from_fn_with_state(keys, auth::require_key))
		.layer(axum::middleware::from_fn_with_state(guard.clone(), origin::refuse_strangers))
		.layer(guard.cors())
}

/// The answer to a path that no route serves.
async fn not_found() -> ApiError {
	ApiError::not_found("no such route; see /api/v1/openapi.json")
}

/// Serves the REST API until the node stops, with calls checked against `keys`, and the routes
/// of `rpc` (the node's JSON-RPC methods at `/rpc`) behind the same checks; each JSON-RPC call
/// finds the caller's [`crate::access::Grant`] in its extensions.
pub async fn serve(
	exchange: Exchange,
	hub: EventHub,
	config: RestConfig,
	keys: ApiKeys,
	rpc: Router,
) -> Result<(), String> {
	let listener = tokio::net::TcpListener::bind(config.listen)
		.await
		.map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
	log::info!(
		target: "parley::rest",
		"REST API on http://{}/api/v1 (docs at /api/v1/docs), JSON-RPC at /rpc; {}",
		config.listen,
		if keys.enforced() {
			format!("API keys required ({} now)", keys.count())
		} else {
			"no API keys: every call allowed (loopback only)".into()
		}
	);
	let router = app(exchange, hub, config, keys, rpc);
	axum::serve(listener, router).await.map_err(|e| format!("REST server stopped: {e}"))
}

/// The OpenAPI document (for tools and tests).
pub fn openapi_document() -> serde_json::Value {
	serde_json::to_value(openapi::document()).expect("the document serializes")
}
