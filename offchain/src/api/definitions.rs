//! The routes of definitions: datatypes (JSON Schemas that data items are checked against) and
//! named topics, each broadcast as a message; the first confirmed definition of a name and
//! version wins.

use super::{
	extract::{check_ns, ApiResult, Body_, Params, Segments, SendQuery},
	messages::finish_send,
	openapi::{list_route, DatatypeRow, DefinitionRow, ErrorBody, MessageRow, Namespace},
	ApiError, AppState,
};
use crate::store::collections;
use axum::{extract::State, response::Response, Json};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The definition routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(list_route::<DatatypeRow>(
			"/datatypes",
			"definitions",
			"Datatypes defined (the first confirmed wins).",
			&collections::DATATYPES,
		))
		.routes(routes!(define_datatype))
		.routes(routes!(get_datatype))
		.routes(list_route::<DefinitionRow>(
			"/definitions",
			"definitions",
			"Every definition (datatypes and named topics).",
			&collections::DEFINITIONS,
		))
		.routes(routes!(define))
}

/// A datatype to define.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DatatypeInput)]
pub(crate) struct DatatypeBody {
	/// Its name.
	name: String,
	/// Its version.
	version: String,
	/// A JSON Schema.
	schema: Value,
}

/// Broadcast a datatype definition (a JSON Schema).
#[utoipa::path(post, path = "/datatypes", tag = "definitions",
	params(Namespace, SendQuery), request_body = DatatypeBody,
	responses(
		(status = 200, description = "Its message, confirmed (with `confirm=true`).", body = MessageRow),
		(status = 202, description = "Its message, accepted.", body = MessageRow),
		(status = 400, description = "Bad input, or not a valid JSON Schema.", body = ErrorBody),
		(status = 408, description = "Not confirmed in time.", body = ErrorBody),
		(status = 409, description = "This node is not a registered node.", body = ErrorBody),
	))]
async fn define_datatype(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<DatatypeBody>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let id = state.exchange.define_datatype(&ns, &body.name, &body.version, body.schema).await?;
	finish_send(&state, id, query).await
}

/// A definition to broadcast.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DefinitionInput)]
pub(crate) struct DefinitionBody {
	/// `datatype` (value: a JSON Schema) or `topic` (value: any JSON).
	kind: String,
	/// Its name.
	name: String,
	/// Its version.
	version: String,
	/// What it defines.
	value: Value,
}

/// Broadcast a definition: `datatype` (value: a JSON Schema) or `topic` (value: any JSON). The
/// first confirmed wins.
#[utoipa::path(post, path = "/definitions", tag = "definitions",
	params(Namespace, SendQuery), request_body = DefinitionBody,
	responses(
		(status = 200, description = "Its message, confirmed (with `confirm=true`).", body = MessageRow),
		(status = 202, description = "Its message, accepted.", body = MessageRow),
		(status = 400, description = "Bad input.", body = ErrorBody),
		(status = 408, description = "Not confirmed in time.", body = ErrorBody),
		(status = 409, description = "This node is not a registered node.", body = ErrorBody),
	))]
async fn define(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Params(query): Params<SendQuery>,
	Body_(body): Body_<DefinitionBody>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let id = state.exchange.define(&ns, &body.kind, &body.name, &body.version, body.value).await?;
	finish_send(&state, id, query).await
}

/// One datatype.
#[utoipa::path(get, path = "/datatypes/{name}/{version}", tag = "definitions",
	params(Namespace, ("name" = String, Path, description = "Its name."), ("version" = String, Path, description = "Its version.")),
	responses(
		(status = 200, description = "The datatype.", body = DatatypeRow),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "Not defined.", body = ErrorBody),
	))]
async fn get_datatype(
	State(state): State<AppState>,
	Segments((ns, name, version)): Segments<(String, String, String)>,
) -> ApiResult<Json<Value>> {
	check_ns(&ns)?;
	let definition = state
		.exchange
		.store()
		.definition(&ns, "datatype", &name, &version)
		.await?
		.ok_or_else(|| ApiError::not_found(format!("no datatype {name}/{version}")))?;
	Ok(Json(serde_json::to_value(definition).expect("definitions serialize")))
}
