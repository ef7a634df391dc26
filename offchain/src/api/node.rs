//! The routes of the node itself, outside any namespace: its status, the node identities
//! on-chain with their DID documents, and who governs the network.

use super::{
	extract::{ApiResult, Segments},
	openapi::ErrorBody,
	ApiError, AppState,
};
use axum::{extract::State, Json};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The node routes, under `/api/v1`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(routes!(status))
		.routes(routes!(list_identities))
		.routes(routes!(get_identity))
		.routes(routes!(did_document))
		.routes(routes!(governance))
}

/// This node's identity, channel and pending work.
#[utoipa::path(get, path = "/api/v1/status", tag = "node",
	responses(
		(status = 200, description = "Its status: identity, chain, channel peers, pending work.", body = Value),
		(status = 500, description = "The store could not be read.", body = ErrorBody),
	))]
async fn status(State(state): State<AppState>) -> ApiResult<Json<Value>> {
	Ok(Json(state.exchange.status().await?))
}

/// Node identities on-chain.
#[utoipa::path(get, path = "/api/v1/identities", tag = "identities",
	responses((status = 200, description = "Every node identity: DID, account, channel peer id, encryption key, addresses, whether active.", body = Vec<Value>)))]
async fn list_identities(State(state): State<AppState>) -> ApiResult<Json<Value>> {
	Ok(Json(serde_json::to_value(state.exchange.identities()).expect("identities serialize")))
}

/// One identity.
#[utoipa::path(get, path = "/api/v1/identities/{did}", tag = "identities",
	params(("did" = String, Path, description = "A DID, e.g. did:parley:node/provider.")),
	responses(
		(status = 200, description = "The identity.", body = Value),
		(status = 404, description = "No such identity.", body = ErrorBody),
	))]
async fn get_identity(
	State(state): State<AppState>,
	Segments(did): Segments<String>,
) -> ApiResult<Json<Value>> {
	let identity = state.exchange.identities().into_iter().find(|i| i.did == did);
	identity
		.map(|i| Json(serde_json::to_value(i).expect("identities serialize")))
		.ok_or_else(|| ApiError::not_found(format!("no identity {did}")))
}

/// An identity's DID document.
#[utoipa::path(get, path = "/api/v1/identities/{did}/did", tag = "identities",
	params(("did" = String, Path, description = "A DID.")),
	responses(
		(status = 200, description = "The DID document.", body = Value),
		(status = 404, description = "No such identity.", body = ErrorBody),
	))]
async fn did_document(
	State(state): State<AppState>,
	Segments(did): Segments<String>,
) -> ApiResult<Json<Value>> {
	let identity = state
		.exchange
		.identities()
		.into_iter()
		.find(|i| i.did == did)
		.ok_or_else(|| ApiError::not_found(format!("no identity {did}")))?;
	Ok(Json(identity.did_document()))
}

/// Who governs the network, as of the latest imported block: the member orgs (one vote each,
/// cast by the admin account) with the validator node each chose, and the open motions
/// (`index`, `kind`, `decision`, `threshold`, `ayes`, `nays`, `end`) with who voted, each voter
/// named by its org. Node-wide, like the identities: the chain is the same in every namespace.
#[utoipa::path(get, path = "/api/v1/governance", tag = "node",
	responses(
		(status = 200, description = "`{ best_block, members, motions }`.", body = Value),
		(status = 500, description = "The chain could not be read.", body = ErrorBody),
	))]
async fn governance(State(state): State<AppState>) -> ApiResult<Json<Value>> {
	Ok(Json(state.exchange.governance()?))
}
