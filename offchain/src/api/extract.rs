//! What every REST handler shares: the extractors that turn a malformed body, query or path
//! into a structured 400 ([`ApiError`]), the namespace check, the list and lookup helpers over
//! the store's collections, and the `confirm`/`timeout` wait of writes.

use super::{ApiError, AppState};
use crate::store::query::{Collection, ListQuery};
use axum::{
	extract::State,
	routing::{get, MethodRouter},
	Json,
};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

pub(crate) type Pairs = Params<Vec<(String, String)>>;
pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// A JSON body; a malformed one is a 400 (or 415, 413) naming the problem.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(crate) struct Body_<T>(pub T);

/// Query parameters; a malformed query is a 400 naming the problem.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct Params<T>(pub T);

/// Path parameters; a malformed path is a 400 naming the problem.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct Segments<T>(pub T);

/// The structured error of a rejected JSON body, query or path.
macro_rules! rejection_is_api_error {
	($($rejection:ty),*) => {$(
		impl From<$rejection> for ApiError {
			fn from(rejection: $rejection) -> Self {
				ApiError::new(rejection.status(), rejection.body_text())
			}
		}
	)*};
}
rejection_is_api_error!(
	axum::extract::rejection::JsonRejection,
	axum::extract::rejection::QueryRejection,
	axum::extract::rejection::PathRejection
);

/// A 400 unless `ns` is a valid namespace name.
pub(crate) fn check_ns(ns: &str) -> ApiResult<()> {
	crate::exchange::check_name("namespace", ns).map_err(ApiError::from)
}

/// Parses list query parameters; a bad one is a 400.
fn parse_query(pairs: Vec<(String, String)>) -> ApiResult<ListQuery> {
	ListQuery::parse(pairs).map_err(ApiError::bad_request)
}

/// Lists `collection` in namespace `ns` with the query parameters `pairs`: an array, or
/// `{items, total}` with `count=true`.
pub(crate) async fn list_in(
	state: &AppState,
	collection: &Collection,
	ns: &str,
	pairs: Vec<(String, String)>,
) -> ApiResult<Json<Value>> {
	check_ns(ns)?;
	let query = parse_query(pairs)?;
	let page = state.exchange.list(collection, ns, &query).await?;
	Ok(Json(if query.count {
		serde_json::to_value(page).expect("pages serialize")
	} else {
		Value::Array(page.items)
	}))
}

/// A `GET` route that lists `collection` in the path's namespace, with the shared filter,
/// sort and page syntax.
pub(crate) fn list_of(collection: &'static Collection) -> MethodRouter<AppState> {
	get(
		move |State(state): State<AppState>,
		      Segments(ns): Segments<String>,
		      Params(pairs): Pairs| async move { list_in(&state, collection, &ns, pairs).await },
	)
}

/// The one row of `collection` in `ns` whose `key` is `value`; a 404 naming `what` if none.
pub(crate) async fn one_in(
	state: &AppState,
	collection: &Collection,
	ns: &str,
	key: &str,
	value: &str,
	what: &str,
) -> ApiResult<Json<Value>> {
	check_ns(ns)?;
	let query = ListQuery {
		filters: vec![crate::store::query::Filter {
			field: key.into(),
			op: crate::store::query::Op::Eq,
			value: value.into(),
		}],
		limit: 1,
		..Default::default()
	};
	let page = state.exchange.list(collection, ns, &query).await?;
	page.items
		.into_iter()
		.next()
		.map(Json)
		.ok_or_else(|| ApiError::not_found(format!("no {what} {value}")))
}

/// `?confirm=true&timeout=<ms>` on sends (wait until this node confirms the message) and on reading
/// one message (wait until it has reached this node and been confirmed).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SendQuery {
	/// Wait for the outcome: until the message is confirmed or rejected at this node (each
	/// recipient confirms on its own: wait there with `GET …/messages/{id}?confirm=true`), or
	/// until a token call succeeded or failed on-chain.
	pub(crate) confirm: Option<bool>,
	/// How long to wait, in ms (default 60000; at most the node's `--rest-max-wait-secs`).
	#[param(maximum = 600000)]
	pub(crate) timeout: Option<u64>,
}

/// How long a `confirm=true` call waits.
pub(crate) fn wait_time(state: &AppState, query: &SendQuery) -> Duration {
	query
		.timeout
		.map(Duration::from_millis)
		.unwrap_or(state.config.default_wait)
		.min(state.config.max_wait)
}
