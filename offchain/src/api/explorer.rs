//! The explorer: a web page for operators at `/ui/`, served from assets built into the binary
//! (`offchain/ui/`: plain HTML, CSS and JavaScript modules, with no build step and nothing
//! fetched from elsewhere at run time), and the two read-only routes its screens need beyond
//! the rest of the API: a namespace at a glance (`summary`) and where a subscription is
//! (`progress`).
//!
//! The page is no back door: it calls the same REST API and WebSocket as any app, with an API
//! key the operator types in (kept in the tab's session storage), so it can do exactly what
//! that key may. Its assets are public, like the API docs; a strict content security policy
//! lets them load only themselves and talk only to this node.
//!
//! To work on the page without rebuilding the node, run it with `PARLEY_UI_DIR=offchain/ui`:
//! the assets are then read from that folder on each request.

use super::{
	extract::{check_ns, ApiResult, Params, Segments},
	openapi::{ErrorBody, Namespace},
	ApiError, AppState,
};
use crate::store::Summary;
use axum::{
	extract::State,
	http::header,
	response::{IntoResponse, Redirect, Response},
	routing::get,
	Json, Router,
};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The explorer's assets: name, media type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
	("index.html", "text/html; charset=utf-8", include_bytes!("../../ui/index.html")),
	("app.js", "text/javascript; charset=utf-8", include_bytes!("../../ui/app.js")),
	("api.js", "text/javascript; charset=utf-8", include_bytes!("../../ui/api.js")),
	("screens.js", "text/javascript; charset=utf-8", include_bytes!("../../ui/screens.js")),
	("app.css", "text/css; charset=utf-8", include_bytes!("../../ui/app.css")),
];

/// What the explorer's pages may load and call: only this node.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
	img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
	frame-ancestors 'none'";

/// The explorer's page routes (public) at `/ui`.
pub(crate) fn page_routes() -> Router<AppState> {
	Router::new()
		.route("/ui", get(|| async { Redirect::permanent("/ui/") }))
		.route("/ui/", get(|| async { asset("index.html") }))
		.route("/ui/{asset}", get(|Segments(name): Segments<String>| async move { asset(&name) }))
}

/// The explorer's API routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new().routes(routes!(summary)).routes(routes!(progress))
}

/// One asset, with headers that keep it to itself. With `PARLEY_UI_DIR` set (for work on the
/// page itself), the asset of the same name is read from that folder instead of the binary.
fn asset(name: &str) -> ApiResult<Response> {
	let (name, kind, built_in) = ASSETS
		.iter()
		.find(|(n, _, _)| *n == name)
		.ok_or_else(|| ApiError::not_found(format!("no explorer asset {name}")))?;
	let bytes: Vec<u8> = match std::env::var_os("PARLEY_UI_DIR") {
		// Only the names above, so that nothing else in (or outside) the folder is served.
		Some(dir) => std::fs::read(std::path::Path::new(&dir).join(name))
			.map_err(|e| ApiError::not_found(format!("explorer asset {name}: {e}")))?,
		None => built_in.to_vec(),
	};
	Ok((
		[
			(header::CONTENT_TYPE, *kind),
			(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
			(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
			(header::REFERRER_POLICY, "no-referrer"),
			(header::CACHE_CONTROL, "no-cache"),
		],
		bytes,
	)
		.into_response())
}

/// `?minutes=` of the summary's window.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SummaryQuery {
	/// How many minutes back confirmations are counted (1 to 1440, default 60).
	#[param(minimum = 1, maximum = 1440)]
	minutes: Option<i64>,
}

/// A namespace at a glance (the explorer's home screen): messages by state, pins held back here
/// past the blocked-report time, and confirmations per minute with their mean and longest
/// send-to-confirmed latency over the last `minutes`.
#[utoipa::path(get, path = "/summary", tag = "node", params(Namespace, SummaryQuery),
	responses(
		(status = 200, description = "The summary.", body = Summary),
		(status = 400, description = "Bad namespace or window.", body = ErrorBody),
	))]
async fn summary(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SummaryQuery>,
) -> ApiResult<Json<Summary>> {
	check_ns(&ns)?;
	let minutes = query.minutes.unwrap_or(60);
	if !(1..=1440).contains(&minutes) {
		return Err(ApiError::bad_request("minutes must be 1 to 1440"));
	}
	let since = crate::types::now_ms() - minutes * 60_000;
	Ok(Json(state.exchange.store().summary(&ns, since).await?))
}

/// Where a subscription is: its stored offset and, while it is delivered, what is in flight,
/// how many connections it has, its last acknowledgement and its last delivery error; with
/// the node's latest event, so that its lag shows.
#[utoipa::path(get, path = "/subscriptions/{name}/progress", tag = "subscriptions",
	params(Namespace, ("name" = String, Path, description = "Its name.")),
	responses(
		(status = 200, description = "`{ name, running, offset, last_event, lag }`, and while it is delivered `cursor`, `in_flight`, `connections`, `last_ack`, `last_error`, `last_error_at`.", body = Value),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such subscription.", body = ErrorBody),
	))]
async fn progress(
	State(state): State<AppState>,
	Segments((ns, name)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	check_ns(&ns)?;
	let sub = state
		.exchange
		.store()
		.subscription(&ns, &name)
		.await?
		.ok_or_else(|| ApiError::not_found(format!("no subscription {name}")))?;
	let last_event = state.exchange.store().last_event().await?;
	let running = state.hub.progress(&ns, &name);
	let mut body = serde_json::json!({
		"name": name,
		"running": running.is_some(),
		"offset": sub.offset,
		"last_event": last_event,
		"lag": (last_event - sub.offset).max(0),
	});
	if let Some(p) = running {
		body["offset"] = p.offset.into();
		body["lag"] = (last_event - p.offset).max(0).into();
		body["cursor"] = p.cursor.into();
		body["in_flight"] = p.in_flight.into();
		body["connections"] = p.connections.into();
		body["last_ack"] = p.last_ack.into();
		body["last_error"] = p.last_error.into();
		body["last_error_at"] = p.last_error_at.into();
	}
	Ok(Json(body))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_asset_is_served_with_its_type_and_the_policy() {
		for (name, kind, _) in ASSETS {
			let response = asset(name).unwrap();
			assert_eq!(response.headers()[header::CONTENT_TYPE], *kind);
			assert_eq!(
				response.headers()[header::CONTENT_SECURITY_POLICY],
				CONTENT_SECURITY_POLICY
			);
		}
		assert!(asset("../Cargo.toml").is_err());
		assert!(asset("nope.js").is_err());
	}
}
