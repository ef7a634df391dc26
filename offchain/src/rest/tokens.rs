//! The REST routes of tokens: pools, mints, burns, transfers, approvals, balances, uniqueness
//! claims, escrows and the token operations this node submitted. Every write answers with the
//! token operation: `202` at once, or with `?confirm=true` `200` once it succeeded on-chain (a
//! failure on-chain is a `422` naming the pallet error).

use super::{
	extract::{
		check_ns, list_in, list_of, one_in, wait_time, Body_, Pairs, Params, Segments, SendQuery,
	},
	ApiError, AppState,
};
use crate::{
	exchange::{
		ApproveRequest, BurnRequest, ClaimRequest, ClaimTransferRequest, CreatePoolRequest,
		EscrowRequest, MintRequest, PoolRef, TransferRequest,
	},
	store::{collections, PoolRow, TokenOp},
};
use axum::{
	extract::State,
	http::StatusCode,
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use serde::Deserialize;
use serde_json::Value;

type ApiResult<T> = Result<T, ApiError>;

/// The token routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> Router<AppState> {
	Router::new()
		.route("/tokens/pools", list_of(&collections::TOKEN_POOLS).post(create_pool))
		.route("/tokens/pools/{pool}", get(get_pool))
		.route("/tokens/mint", post(mint))
		.route("/tokens/burn", post(burn))
		.route("/tokens/transfers", list_of(&collections::TOKEN_TRANSFERS).post(transfer))
		.route("/tokens/approvals", list_of(&collections::TOKEN_APPROVALS).post(approve))
		.route("/tokens/balances", get(balance))
		.route("/tokens/operations", list_of(&collections::TOKEN_OPERATIONS))
		.route("/tokens/operations/{id}", get(get_operation))
		.route("/claims", list_of(&collections::CLAIMS).post(claim))
		.route("/claims/{key_hash}", get(get_claim).delete(release_claim))
		.route("/claims/{key_hash}/transfer", post(transfer_claim))
		.route("/claims/{key_hash}/history", get(claim_history))
		.route("/escrows", list_of(&collections::ESCROWS).post(lock_escrow))
		.route("/escrows/{id}", get(get_escrow))
		.route("/escrows/{id}/release", post(release_escrow))
		.route("/escrows/{id}/refund", post(refund_escrow))
		.route("/offers", list_of(&collections::OFFERS))
}

/// Answers a write with its operation: at once (202), or once settled (200 / 422).
async fn finish(state: &AppState, op: TokenOp, query: SendQuery) -> ApiResult<Response> {
	if !query.confirm.unwrap_or(false) {
		return Ok((StatusCode::ACCEPTED, Json(op)).into_response());
	}
	let wait = wait_time(state, &query);
	let op = state.exchange.wait_for_token_op(&op.id, wait).await.map_err(|e| {
		let mut error = ApiError::from(e);
		error.id = Some(op.id.clone());
		error
	})?;
	Ok((StatusCode::OK, Json(op)).into_response())
}

async fn create_pool(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<CreatePoolRequest>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.create_token_pool(&ns, body).await?;
	finish(&state, op, query).await
}

async fn get_pool(
	State(state): State<AppState>,
	Segments((ns, pool)): Segments<(String, String)>,
) -> ApiResult<Json<PoolRow>> {
	check_ns(&ns)?;
	let pool = match pool.parse::<u32>() {
		Ok(id) => PoolRef::Id(id),
		Err(_) => PoolRef::Name(pool),
	};
	Ok(Json(state.exchange.token_pool(&ns, &pool).await?))
}

async fn mint(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<MintRequest>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.mint_tokens(&ns, body).await?;
	finish(&state, op, query).await
}

async fn burn(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<BurnRequest>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.burn_tokens(&ns, body).await?;
	finish(&state, op, query).await
}

async fn transfer(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<TransferRequest>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.transfer_tokens(&ns, body).await?;
	finish(&state, op, query).await
}

async fn approve(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<ApproveRequest>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.approve_tokens(&ns, body).await?;
	finish(&state, op, query).await
}

/// `?pool=<id or name>&account=<SS58, 0x-hex or node DID>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BalanceQuery {
	pool: String,
	account: String,
}

async fn balance(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<BalanceQuery>,
) -> ApiResult<Json<Value>> {
	check_ns(&ns)?;
	let pool = match query.pool.parse::<u32>() {
		Ok(id) => PoolRef::Id(id),
		Err(_) => PoolRef::Name(query.pool),
	};
	Ok(Json(state.exchange.token_balance(&ns, &pool, &query.account).await?))
}

async fn get_operation(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<TokenOp>> {
	check_ns(&ns)?;
	let op = state.exchange.token_op(&id).await?;
	if op.namespace != ns {
		return Err(ApiError::not_found(format!("no token operation {id} in namespace {ns}")));
	}
	Ok(Json(op))
}

async fn claim(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<ClaimRequest>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.claim_key(&ns, body).await?;
	finish(&state, op, query).await
}

fn key_hash(text: &str) -> ApiResult<String> {
	crate::tokens::parse_hash("keyHash", text).map(hex::encode).map_err(ApiError::bad_request)
}

async fn get_claim(
	State(state): State<AppState>,
	Segments((ns, key)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	let key = key_hash(&key)?;
	one_in(&state, &collections::CLAIMS, &ns, "key_hash", &key, "claim on").await
}

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

async fn release_claim(
	State(state): State<AppState>,
	Segments((ns, key)): Segments<(String, String)>,
	Params(query): Params<SendQuery>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.release_claim(&ns, &key).await?;
	finish(&state, op, query).await
}

async fn lock_escrow(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<EscrowRequest>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let op = state.exchange.lock_escrow(&ns, body).await?;
	finish(&state, op, query).await
}

fn escrow_id(text: &str) -> ApiResult<u64> {
	text.parse::<u64>().map_err(|_| ApiError::bad_request("an escrow id is a number"))
}

async fn get_escrow(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	let id = escrow_id(&id)?;
	one_in(&state, &collections::ESCROWS, &ns, "id", &id.to_string(), "escrow").await
}

async fn release_escrow(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
	Params(query): Params<SendQuery>,
) -> ApiResult<Response> {
	let id = escrow_id(&id)?;
	let op = state.exchange.settle_escrow(&ns, id, true).await?;
	finish(&state, op, query).await
}

async fn refund_escrow(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
	Params(query): Params<SendQuery>,
) -> ApiResult<Response> {
	let id = escrow_id(&id)?;
	let op = state.exchange.settle_escrow(&ns, id, false).await?;
	finish(&state, op, query).await
}
