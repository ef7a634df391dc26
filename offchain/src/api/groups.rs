//! The routes of private groups: the nodes a private message goes to.

use super::{
	extract::{check_ns, one_in, ApiResult, Body_, Segments},
	openapi::{list_route, ErrorBody, GroupRow, Namespace},
	AppState,
};
use crate::store::collections;
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The group routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(list_route::<GroupRow>(
			"/groups",
			"groups",
			"Private groups.",
			&collections::GROUPS,
		))
		.routes(routes!(create_group))
		.routes(routes!(get_group))
}

/// A group to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = GroupInput)]
pub(crate) struct GroupBody {
	/// Its name (1 to 64 bytes).
	#[schema(min_length = 1, max_length = 64)]
	name: String,
	/// Its other members: node DIDs (this node is always one).
	members: Vec<String>,
}

/// Create a private group of this node and other nodes; it is announced to its members.
#[utoipa::path(post, path = "/groups", tag = "groups", params(Namespace), request_body = GroupBody,
	responses(
		(status = 201, description = "Created.", body = GroupRow),
		(status = 400, description = "Bad input, or an unknown or inactive member.", body = ErrorBody),
		(status = 409, description = "This node is not a registered node.", body = ErrorBody),
	))]
async fn create_group(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Body_(body): Body_<GroupBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
	check_ns(&ns)?;
	let id = state.exchange.create_group(&ns, &body.name, &body.members).await?;
	let group = one_in(&state, &collections::GROUPS, &ns, "id", &id, "group").await?;
	Ok((StatusCode::CREATED, group))
}

/// One group and its members.
#[utoipa::path(get, path = "/groups/{id}", tag = "groups",
	params(Namespace, ("id" = String, Path, description = "Group id (hex).")),
	responses(
		(status = 200, description = "The group.", body = GroupRow),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such group.", body = ErrorBody),
	))]
async fn get_group(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	one_in(&state, &collections::GROUPS, &ns, "id", &id, "group").await
}
