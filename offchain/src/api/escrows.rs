//! The routes of delivery-versus-payment escrows, and of the batches offered for sale here
//! that an escrow buys. Writes answer with the token operation, as [`super::tokens`] does.

use super::{
	extract::{check_ns, one_in, Body_, Params, Segments, SendQuery},
	openapi::{list_route, ErrorBody, EscrowRow, Namespace, OfferRow, TokenOperationRow},
	tokens::{finish, token_write, ApiResult},
	ApiError, AppState,
};
use crate::{exchange::EscrowRequest, store::collections};
use axum::{extract::State, response::Response, Json};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The escrow routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(list_route::<EscrowRow>(
			"/escrows",
			"escrows",
			"Delivery-versus-payment escrows.",
			&collections::ESCROWS,
		))
		.routes(routes!(lock_escrow))
		.routes(routes!(get_escrow))
		.routes(routes!(release_escrow))
		.routes(routes!(refund_escrow))
		.routes(list_route::<OfferRow>(
			"/offers",
			"escrows",
			"Batches for sale received here: held (`offered`) until their sale key is revealed \
			 on-chain, then `opened`. Lock an escrow with the offer's `key_hash` to buy one.",
			&collections::OFFERS,
		))
}

token_write! {
	/// Lock a payment to `payee` until this node acknowledges the batch on-chain (then it is
	/// released to the payee), refunded after `timeout` blocks otherwise; or, with `keyHash`,
	/// until the seller reveals the sale key.
	lock_escrow, "/escrows", "escrows", EscrowRequest, lock_escrow
}

/// An escrow id from a path.
fn escrow_id(text: &str) -> ApiResult<u64> {
	text.parse::<u64>().map_err(|_| ApiError::bad_request("an escrow id is a number"))
}

/// One escrow.
#[utoipa::path(get, path = "/escrows/{id}", tag = "escrows",
	params(Namespace, ("id" = u64, Path, description = "Escrow id.")),
	responses(
		(status = 200, description = "The escrow.", body = EscrowRow),
		(status = 400, description = "Bad id or namespace.", body = ErrorBody),
		(status = 404, description = "No such escrow.", body = ErrorBody),
	))]
async fn get_escrow(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	let id = escrow_id(&id)?;
	one_in(&state, &collections::ESCROWS, &ns, "id", &id.to_string(), "escrow").await
}

/// Push the release of an escrow whose batch was acknowledged (the chain does it by itself;
/// this is a retry).
#[utoipa::path(post, path = "/escrows/{id}/release", tag = "escrows",
	params(Namespace, ("id" = u64, Path, description = "Escrow id."), SendQuery),
	responses(
		(status = 200, description = "Succeeded on-chain (with `confirm=true`).", body = TokenOperationRow),
		(status = 202, description = "Submitted.", body = TokenOperationRow),
		(status = 400, description = "Bad id.", body = ErrorBody),
		(status = 404, description = "No such escrow.", body = ErrorBody),
		(status = 408, description = "Not settled in time (the body has the operation id).", body = ErrorBody),
		(status = 422, description = "The chain refused the call (e.g. not acknowledged yet).", body = ErrorBody),
	))]
async fn release_escrow(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
	Params(query): Params<SendQuery>,
) -> ApiResult<Response> {
	settle(&state, &ns, &id, query, true).await
}

/// Push the refund of an expired escrow (the chain does it by itself; this is a retry).
#[utoipa::path(post, path = "/escrows/{id}/refund", tag = "escrows",
	params(Namespace, ("id" = u64, Path, description = "Escrow id."), SendQuery),
	responses(
		(status = 200, description = "Succeeded on-chain (with `confirm=true`).", body = TokenOperationRow),
		(status = 202, description = "Submitted.", body = TokenOperationRow),
		(status = 400, description = "Bad id.", body = ErrorBody),
		(status = 404, description = "No such escrow.", body = ErrorBody),
		(status = 408, description = "Not settled in time (the body has the operation id).", body = ErrorBody),
		(status = 422, description = "The chain refused the call (e.g. not expired yet).", body = ErrorBody),
	))]
async fn refund_escrow(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
	Params(query): Params<SendQuery>,
) -> ApiResult<Response> {
	settle(&state, &ns, &id, query, false).await
}

/// Pushes the release (`release`) or the refund of escrow `id`, and answers with the operation.
async fn settle(
	state: &AppState,
	ns: &str,
	id: &str,
	query: SendQuery,
	release: bool,
) -> ApiResult<Response> {
	let id = escrow_id(id)?;
	check_ns(ns)?;
	let op = state.exchange.settle_escrow(ns, id, release).await?;
	finish(state, op, query).await
}
