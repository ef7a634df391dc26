//! The routes of tokens: pools, mints, burns, transfers, approvals, balances and the token
//! operations this node submitted. Every write answers with the token operation: `202` at
//! once, or with `?confirm=true` `200` once it succeeded on-chain (a failure on-chain is a `422`
//! naming the pallet error). Claims and escrows, which answer the same way, have their own
//! files.

use super::{
	extract::{check_ns, wait_time, Body_, Params, Segments, SendQuery},
	openapi::{
		list_route, ApprovalRow, ErrorBody, Namespace, PoolRow as PoolSchema, TokenOperationRow,
		TransferRow,
	},
	ApiError, AppState,
};
use crate::{
	exchange::{
		ApproveRequest, BurnRequest, CreatePoolRequest, MintRequest, PoolRef, TransferRequest,
	},
	store::{collections, PoolRow, TokenOp},
};
use axum::{
	extract::State,
	http::StatusCode,
	response::{IntoResponse, Response},
	Json,
};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// The token routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(list_route::<PoolSchema>(
			"/tokens/pools",
			"tokens",
			"Token pools (from the chain).",
			&collections::TOKEN_POOLS,
		))
		.routes(routes!(create_pool))
		.routes(routes!(get_pool))
		.routes(routes!(mint))
		.routes(routes!(burn))
		.routes(list_route::<TransferRow>(
			"/tokens/transfers",
			"tokens",
			"Transfers, mints and burns seen on-chain.",
			&collections::TOKEN_TRANSFERS,
		))
		.routes(routes!(transfer))
		.routes(list_route::<ApprovalRow>(
			"/tokens/approvals",
			"tokens",
			"Approvals seen on-chain, and their withdrawals (`action`: `approve`, `set`, `revoke`).",
			&collections::TOKEN_APPROVALS,
		))
		.routes(routes!(approve))
		.routes(routes!(balance))
		.routes(list_route::<TokenOperationRow>(
			"/tokens/operations",
			"tokens",
			"Token calls this node submitted, with their outcome.",
			&collections::TOKEN_OPERATIONS,
		))
		.routes(routes!(get_operation))
}

/// Answers a write with its operation: at once (202), or once settled (200 / 422).
pub(crate) async fn finish(state: &AppState, op: TokenOp, query: SendQuery) -> ApiResult<Response> {
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

/// A token write under `/api/v1/namespaces/{ns}`: its route's document (the token operation
/// it answers with, and its errors) and its handler, which hands the body to `$call`.
macro_rules! token_write {
	($(#[$doc:meta])* $name:ident, $path:tt, $tag:tt, $body:ident, $call:ident) => {
		$(#[$doc])*
		#[utoipa::path(post, path = $path, tag = $tag, params(Namespace, SendQuery), request_body = $body,
			responses(
				(status = 200, description = "Succeeded on-chain (with `confirm=true`).", body = TokenOperationRow),
				(status = 202, description = "Submitted: follow it at `/tokens/operations/{id}`.", body = TokenOperationRow),
				(status = 400, description = "Bad input, or the holder does not hold the tokens.", body = ErrorBody),
				(status = 404, description = "Unknown pool, item, claim or batch.", body = ErrorBody),
				(status = 408, description = "Not settled in time (the body has the operation id).", body = ErrorBody),
				(status = 409, description = "The idempotency key was used before (the body's `id` is the first operation's), or this node is not a registered node.", body = ErrorBody),
				(status = 422, description = "The chain refused the call (the error names the pallet error, e.g. `Tokens.AlreadyClaimed`).", body = ErrorBody),
			))]
		async fn $name(
			axum::extract::State(state): axum::extract::State<AppState>,
			Segments(ns): Segments<String>,
			Params(query): Params<SendQuery>,
			Body_(body): Body_<$body>,
		) -> ApiResult<axum::response::Response> {
			check_ns(&ns)?;
			let op = state.exchange.$call(&ns, body).await?;
			$crate::api::tokens::finish(&state, op, query).await
		}
	};
}
pub(crate) use token_write;

token_write! {
	/// Create a token pool (fungible or nonfungible) owned by this node's org; its name is
	/// unique in the namespace.
	create_pool, "/tokens/pools", "tokens", CreatePoolRequest, create_token_pool
}

token_write! {
	/// Mint: an amount (fungible) or an item with a unique index (nonfungible). Only the pool's
	/// org may mint.
	mint, "/tokens/mint", "tokens", MintRequest, mint_tokens
}

token_write! {
	/// Burn this node's tokens.
	burn, "/tokens/burn", "tokens", BurnRequest, burn_tokens
}

token_write! {
	/// Transfer this node's tokens (or, with `from`, tokens it was approved for), optionally
	/// carrying a message hash.
	transfer, "/tokens/transfers", "tokens", TransferRequest, transfer_tokens
}

token_write! {
	/// Approve a delegate to transfer an amount or an item of this node's, set its allowance,
	/// or withdraw its approval.
	approve, "/tokens/approvals", "tokens", ApproveRequest, approve_tokens
}

/// One pool, by id or name.
#[utoipa::path(get, path = "/tokens/pools/{pool}", tag = "tokens",
	params(Namespace, ("pool" = String, Path, description = "Pool id or name.")),
	responses(
		(status = 200, description = "The pool.", body = PoolSchema),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such pool.", body = ErrorBody),
	))]
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

/// `?pool=<id or name>&account=<SS58, 0x-hex or node DID>`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct BalanceQuery {
	/// The pool: its id or name.
	pool: String,
	/// The account: SS58, 0x-hex (32 bytes), or a node DID (that node's account).
	account: String,
}

/// An account's balance in a pool (fungible: amount; nonfungible: its items), read from the
/// chain.
#[utoipa::path(get, path = "/tokens/balances", tag = "tokens", params(Namespace, BalanceQuery),
	responses(
		(status = 200, description = "The balance.", body = Value),
		(status = 400, description = "Bad account or query.", body = ErrorBody),
		(status = 404, description = "No such pool.", body = ErrorBody),
	))]
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

/// One token operation.
#[utoipa::path(get, path = "/tokens/operations/{id}", tag = "tokens",
	params(Namespace, ("id" = String, Path, description = "Operation id.")),
	responses(
		(status = 200, description = "The operation.", body = TokenOperationRow),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such operation.", body = ErrorBody),
	))]
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
