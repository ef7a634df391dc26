//! The routes of messages: broadcast, private, request/reply, and reading one (with a wait for
//! its confirmation here).

use super::{
	extract::{check_ns, wait_time, ApiResult, Body_, Params, Segments, SendQuery},
	openapi::{list_route, ErrorBody, MessageRow, Namespace},
	send_body::SendBody,
	ApiError, AppState,
};
use crate::{store::collections, types::Message};
use axum::{
	extract::State,
	http::StatusCode,
	response::{IntoResponse, Response},
	Json,
};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The message routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(list_route::<MessageRow>(
			"/messages",
			"messages",
			"Messages.",
			&collections::MESSAGES,
		))
		.routes(routes!(get_message))
		.routes(routes!(send_broadcast))
		.routes(routes!(send_private))
		.routes(routes!(request_reply))
}

/// Answers a send with the message as accepted (202), or once confirmed or rejected here (200).
async fn answer_send(state: &AppState, message: Message, query: SendQuery) -> ApiResult<Response> {
	if query.confirm.unwrap_or(false) {
		return finish_send(state, message.id, query).await;
	}
	Ok((StatusCode::ACCEPTED, Json(message)).into_response())
}

/// Answers a send with its message: at once (202), or once confirmed or rejected here (200).
pub(crate) async fn finish_send(
	state: &AppState,
	id: String,
	query: SendQuery,
) -> ApiResult<Response> {
	if query.confirm.unwrap_or(false) {
		let message =
			state.exchange.wait_for_outcome(&id, wait_time(state, &query)).await.map_err(|e| {
				let mut error = ApiError::from(e);
				error.id = Some(id.clone());
				error
			})?;
		Ok((StatusCode::OK, Json(message)).into_response())
	} else {
		let message = state.exchange.message(&id).await?;
		Ok((StatusCode::ACCEPTED, Json(message)).into_response())
	}
}

/// Send a message to every node.
#[utoipa::path(post, path = "/messages/broadcast", tag = "messages",
	params(Namespace, SendQuery), request_body = SendBody,
	responses(
		(status = 200, description = "Confirmed (or rejected) here, with `confirm=true`.", body = MessageRow),
		(status = 202, description = "Accepted: it will be batched, sent and pinned.", body = MessageRow),
		(status = 400, description = "Bad input.", body = ErrorBody),
		(status = 404, description = "An unknown attachment, or the pool of its transfer.", body = ErrorBody),
		(status = 408, description = "Not confirmed in time (the body has the message id).", body = ErrorBody),
		(status = 409, description = "The idempotency key was used before (the body has the first message's id), or this node is not a registered node.", body = ErrorBody),
		(status = 507, description = "The disk under the node's private store is full: nothing new is accepted until there is space.", body = ErrorBody),
	))]
async fn send_broadcast(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<SendBody>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let (send, group) = body.into_send(&ns)?;
	if group.is_some() {
		return Err(ApiError::bad_request(
			"group: a broadcast goes to every node; use /messages/private",
		));
	}
	let message = state.exchange.accept_broadcast_message(send).await?;
	answer_send(&state, message, query).await
}

/// Send a message to a group: only its members receive the payload; the chain sees a pin.
#[utoipa::path(post, path = "/messages/private", tag = "messages",
	params(Namespace, SendQuery), request_body = SendBody,
	responses(
		(status = 200, description = "Confirmed (or rejected) here, with `confirm=true`.", body = MessageRow),
		(status = 202, description = "Accepted: it will be batched, sealed, delivered and pinned.", body = MessageRow),
		(status = 400, description = "Bad input (a private message needs `group`).", body = ErrorBody),
		(status = 404, description = "An unknown group or attachment, or the pool of a transfer or sale.", body = ErrorBody),
		(status = 408, description = "Not confirmed in time (the body has the message id).", body = ErrorBody),
		(status = 409, description = "The idempotency key was used before (the body has the first message's id), or this node is not a registered node.", body = ErrorBody),
		(status = 507, description = "The disk under the node's private store is full: nothing new is accepted until there is space.", body = ErrorBody),
	))]
async fn send_private(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<SendBody>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let (send, group) = body.into_send(&ns)?;
	let group =
		group.ok_or_else(|| ApiError::bad_request("group: required for a private message"))?;
	let message = state.exchange.accept_private_message(&group, send).await?;
	answer_send(&state, message, query).await
}

/// Send a message (to `group`, or broadcast) and wait for its reply: a message whose `cid` is
/// its id.
#[utoipa::path(post, path = "/messages/requestreply", tag = "messages",
	params(Namespace, SendQuery), request_body = SendBody,
	responses(
		(status = 200, description = "The reply.", body = MessageRow),
		(status = 400, description = "Bad input.", body = ErrorBody),
		(status = 404, description = "An unknown group or attachment.", body = ErrorBody),
		(status = 408, description = "No reply in time (the body has the request's id).", body = ErrorBody),
		(status = 409, description = "The idempotency key was used before, or this node is not a registered node.", body = ErrorBody),
		(status = 507, description = "The disk under the node's private store is full.", body = ErrorBody),
	))]
async fn request_reply(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<SendBody>,
) -> ApiResult<Json<Message>> {
	check_ns(&ns)?;
	let (send, group) = body.into_send(&ns)?;
	let id = match group {
		Some(group) => state.exchange.send_private_message(&group, send).await?,
		None => state.exchange.send_broadcast_message(send).await?,
	};
	let reply =
		state.exchange.wait_for_reply(&ns, &id, wait_time(&state, &query)).await.map_err(|e| {
			let mut error = ApiError::from(e);
			error.id = Some(id.clone());
			error
		})?;
	Ok(Json(reply))
}

/// One message; with `confirm=true` it waits until this node has confirmed or rejected it,
/// also if it has not arrived yet: a recipient's way to wait for a message whose sender's
/// `confirm=true` send has returned (each node confirms on its own).
#[utoipa::path(get, path = "/messages/{id}", tag = "messages",
	params(Namespace, ("id" = String, Path, description = "Message id."), SendQuery),
	responses(
		(status = 200, description = "The message.", body = MessageRow),
		(status = 400, description = "Bad namespace or query.", body = ErrorBody),
		(status = 404, description = "No such message.", body = ErrorBody),
		(status = 408, description = "Not confirmed here in time.", body = ErrorBody),
	))]
async fn get_message(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
	Params(query): Params<SendQuery>,
) -> ApiResult<Json<Message>> {
	check_ns(&ns)?;
	let message = if query.confirm.unwrap_or(false) {
		state.exchange.wait_for_outcome(&id, wait_time(&state, &query)).await?
	} else {
		state.exchange.message(&id).await?
	};
	if message.namespace != ns {
		return Err(ApiError::not_found(format!("no message {id} in namespace {ns}")));
	}
	Ok(Json(message))
}
