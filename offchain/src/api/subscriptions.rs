//! The routes of durable event subscriptions: created here, delivered over the event WebSocket
//! (`/api/v1/ws`) or to a webhook by [`crate::events`].

use super::{
	extract::{check_ns, one_in, ApiResult, Body_, Segments},
	openapi::{list_route, ErrorBody, Namespace, SubscriptionRow},
	AppState,
};
use crate::{
	events::{SubscriptionOptions, WebhookOptions},
	store::{collections, EventFilter},
};
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The subscription routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(list_route::<SubscriptionRow>(
			"/subscriptions",
			"subscriptions",
			"Durable subscriptions.",
			&collections::SUBSCRIPTIONS,
		))
		.routes(routes!(create_subscription))
		.routes(routes!(get_subscription, delete_subscription))
}

/// A subscription to create or update.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = SubscriptionInput)]
pub(crate) struct SubscriptionBody {
	/// Its name: 1 to 64 letters, digits, `.`, `_` or `-`.
	#[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
	name: String,
	/// Which events (default: every event).
	#[serde(default)]
	filter: EventFilter,
	/// Where to start when the subscription is created: `oldest`, `newest` (default), or an
	/// event sequence number.
	first_event: Option<Value>,
	/// Unacknowledged events in flight at once (default 1, at most 1000).
	#[schema(minimum = 1, maximum = 1000)]
	read_ahead: Option<u32>,
	/// Whether message events carry the message.
	#[serde(default)]
	with_data: bool,
	/// Webhook delivery instead of WebSockets: `{ "url": "http://…", "secret": "…",
	/// "reply": false }`.
	webhook: Option<WebhookOptions>,
}

/// Create (or update) a named durable subscription: WebSocket by default, or a webhook.
#[utoipa::path(post, path = "/subscriptions", tag = "subscriptions", params(Namespace),
	request_body = SubscriptionBody,
	responses(
		(status = 201, description = "Created (or updated).", body = SubscriptionRow),
		(status = 400, description = "Bad options.", body = ErrorBody),
	))]
async fn create_subscription(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Body_(body): Body_<SubscriptionBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
	check_ns(&ns)?;
	let options = SubscriptionOptions {
		filter: body.filter,
		first_event: body.first_event,
		read_ahead: body.read_ahead,
		with_data: body.with_data,
		webhook: body.webhook,
	};
	let sub = state.hub.subscribe(&ns, &body.name, options).await?;
	Ok((StatusCode::CREATED, Json(serde_json::to_value(sub).expect("subscriptions serialize"))))
}

/// One subscription.
#[utoipa::path(get, path = "/subscriptions/{name}", tag = "subscriptions",
	params(Namespace, ("name" = String, Path, description = "Its name.")),
	responses(
		(status = 200, description = "The subscription.", body = SubscriptionRow),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such subscription.", body = ErrorBody),
	))]
async fn get_subscription(
	State(state): State<AppState>,
	Segments((ns, name)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	one_in(&state, &collections::SUBSCRIPTIONS, &ns, "name", &name, "subscription").await
}

/// Delete a subscription.
#[utoipa::path(delete, path = "/subscriptions/{name}", tag = "subscriptions",
	params(Namespace, ("name" = String, Path, description = "Its name.")),
	responses(
		(status = 204, description = "Deleted."),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such subscription.", body = ErrorBody),
	))]
async fn delete_subscription(
	State(state): State<AppState>,
	Segments((ns, name)): Segments<(String, String)>,
) -> ApiResult<StatusCode> {
	check_ns(&ns)?;
	state.hub.unsubscribe(&ns, &name).await?;
	Ok(StatusCode::NO_CONTENT)
}
