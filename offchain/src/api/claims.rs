//! The routes of uniqueness claims: one owner per business key's hash, the first claim wins.
//! Writes answer with the token operation, as [`super::tokens`] does.

use super::{
	extract::{check_ns, list_in, one_in, Body_, Pairs, Params, Segments, SendQuery},
	openapi::{list_route, ClaimHistoryRow, ClaimRow, ErrorBody, Namespace, TokenOperationRow},
	tokens::{finish, token_write, ApiResult},
	ApiError, AppState,
};
use crate::{
	exchange::{ClaimRequest, ClaimTransferRequest},
	store::collections,
};
use axum::{extract::State, response::Response, Json};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The claim routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(list_route::<ClaimRow>(
			"/claims",
			"claims",
			"Uniqueness claims: one owner per key hash; the first claim wins.",
			&collections::CLAIMS,
		))
		.routes(routes!(claim))
		.routes(routes!(get_claim, release_claim))
		.routes(routes!(transfer_claim))
		.routes(routes!(claim_history))
}

token_write! {
	/// Claim a business record key (or its hash). A second claim of the same key fails with
	/// `Tokens.AlreadyClaimed`.
	claim, "/claims", "claims", ClaimRequest, claim_key
}

/// A key hash from a path: 32 bytes hex.
fn key_hash(text: &str) -> ApiResult<String> {
	crate::tokens::parse_hash("keyHash", text).map(hex::encode).map_err(ApiError::bad_request)
}

/// One claim.
#[utoipa::path(get, path = "/claims/{key_hash}", tag = "claims",
	params(Namespace, ("key_hash" = String, Path, description = "The claimed key's hash (32 bytes hex).")),
	responses(
		(status = 200, description = "The claim.", body = ClaimRow),
		(status = 400, description = "Bad hash or namespace.", body = ErrorBody),
		(status = 404, description = "Not claimed.", body = ErrorBody),
	))]
async fn get_claim(
	State(state): State<AppState>,
	Segments((ns, key)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	let key = key_hash(&key)?;
	one_in(&state, &collections::CLAIMS, &ns, "key_hash", &key, "claim on").await
}

/// A claim's history: claimed, transferred, released.
#[utoipa::path(get, path = "/claims/{key_hash}/history", tag = "claims",
	params(Namespace, ("key_hash" = String, Path, description = "The claimed key's hash (32 bytes hex).")),
	responses(
		(status = 200, description = "The history, with the lists' `sort`, `skip`, `limit` and `count`.", body = Vec<ClaimHistoryRow>),
		(status = 400, description = "Bad hash, namespace or filter.", body = ErrorBody),
	))]
async fn claim_history(
	State(state): State<AppState>,
	Segments((ns, key)): Segments<(String, String)>,
	Params(mut pairs): Pairs,
) -> ApiResult<Json<Value>> {
	let key = key_hash(&key)?;
	pairs.retain(|(k, _)| k != "key_hash");
	pairs.push(("key_hash".into(), key));
	list_in(&state, &collections::CLAIM_HISTORY, &ns, pairs).await
}

/// Hand this node's claim to another owner.
#[utoipa::path(post, path = "/claims/{key_hash}/transfer", tag = "claims",
	params(Namespace, ("key_hash" = String, Path, description = "The claimed key's hash (32 bytes hex)."), SendQuery),
	request_body = ClaimTransferRequest,
	responses(
		(status = 200, description = "Succeeded on-chain (with `confirm=true`).", body = TokenOperationRow),
		(status = 202, description = "Submitted.", body = TokenOperationRow),
		(status = 400, description = "Bad hash or owner.", body = ErrorBody),
		(status = 404, description = "Not claimed.", body = ErrorBody),
		(status = 408, description = "Not settled in time (the body has the operation id).", body = ErrorBody),
		(status = 422, description = "The chain refused the call (e.g. `Tokens.NotClaimOwner`).", body = ErrorBody),
	))]
async fn transfer_claim(
	State(state): State<AppState>,
	Segments((ns, key)): Segments<(String, String)>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<ClaimTransferRequest>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.transfer_claim(&ns, &key, body).await?;
	finish(&state, op, query).await
}

/// Release this node's claim.
#[utoipa::path(delete, path = "/claims/{key_hash}", tag = "claims",
	params(Namespace, ("key_hash" = String, Path, description = "The claimed key's hash (32 bytes hex)."), SendQuery),
	responses(
		(status = 200, description = "Succeeded on-chain (with `confirm=true`).", body = TokenOperationRow),
		(status = 202, description = "Submitted.", body = TokenOperationRow),
		(status = 400, description = "Bad hash.", body = ErrorBody),
		(status = 404, description = "Not claimed.", body = ErrorBody),
		(status = 408, description = "Not settled in time (the body has the operation id).", body = ErrorBody),
		(status = 422, description = "The chain refused the call (e.g. `Tokens.NotClaimOwner`).", body = ErrorBody),
	))]
async fn release_claim(
	State(state): State<AppState>,
	Segments((ns, key)): Segments<(String, String)>,
	Params(query): Params<SendQuery>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.release_claim(&ns, &key).await?;
	finish(&state, op, query).await
}
