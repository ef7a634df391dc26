//! The REST handlers of messages, data and blobs, datatypes, definitions, groups, batches,
//! pins, events, subscriptions, operations and contexts, and of status, identities and the API
//! docs.

use super::{
	extract::{
		check_ns, list_of, one_in, wait_time, ApiResult, Body_, Params, Segments, SendQuery,
	},
	send_body::SendBody,
	ApiError, AppState,
};
use crate::{events::SubscriptionOptions, store::collections, types::Message};
use axum::{
	body::Body,
	extract::{DefaultBodyLimit, Multipart, State},
	http::{header, StatusCode},
	response::{Html, IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use serde::Deserialize;
use serde_json::Value;

/// The routes of messages, data and blobs, datatypes, definitions, groups, batches, pins,
/// events, subscriptions, operations and contexts, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> Router<AppState> {
	Router::new()
		.route("/messages", list_of(&collections::MESSAGES))
		.route("/messages/{id}", get(get_message))
		.route("/messages/broadcast", post(send_broadcast))
		.route("/messages/private", post(send_private))
		.route("/messages/requestreply", post(request_reply))
		.route("/data", list_of(&collections::DATA).post(create_data))
		.route("/data/blob", post(upload_blob).layer(DefaultBodyLimit::disable()))
		.route("/data/{id}", get(get_data))
		.route("/data/{id}/blob", get(download_blob))
		.route("/datatypes", list_of(&collections::DATATYPES).post(define_datatype))
		.route("/datatypes/{name}/{version}", get(get_datatype))
		.route("/definitions", list_of(&collections::DEFINITIONS).post(define))
		.route("/groups", list_of(&collections::GROUPS).post(create_group))
		.route("/groups/{id}", get(get_group))
		.route("/batches", list_of(&collections::BATCHES))
		.route("/batches/{id}", get(get_batch))
		.route("/pins", list_of(&collections::PINS))
		.route("/events", list_of(&collections::EVENTS))
		.route("/subscriptions", list_of(&collections::SUBSCRIPTIONS).post(create_subscription))
		.route("/subscriptions/{name}", get(get_subscription).delete(delete_subscription))
		.route("/operations", list_of(&collections::OPERATIONS))
		.route("/operations/{id}/retry", post(retry_operation))
		.route("/contexts/{context}/skip", post(skip_context))
}

async fn finish_send(state: &AppState, id: String, query: SendQuery) -> ApiResult<Response> {
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
	let id = state.exchange.send_broadcast_message(send).await?;
	finish_send(&state, id, query).await
}

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
	let id = state.exchange.send_private_message(&group, send).await?;
	finish_send(&state, id, query).await
}

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

/// One message; with `?confirm=true` it waits (up to `timeout` ms) until this node has confirmed
/// or rejected it, even if it has not arrived yet: a recipient's way to wait for a message whose
/// sender's `confirm=true` send has returned.
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DataBody {
	value: Value,
	name: Option<String>,
	datatype: Option<DatatypeRef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatatypeRef {
	name: String,
	version: String,
}

async fn create_data(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Body_(body): Body_<DataBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
	check_ns(&ns)?;
	let item = state
		.exchange
		.create_data(&ns, body.name, body.value, body.datatype.map(|d| (d.name, d.version)))
		.await?;
	Ok((StatusCode::CREATED, Json(serde_json::to_value(item).expect("items serialize"))))
}

async fn upload_blob(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
	check_ns(&ns)?;
	let mut multipart = multipart.map_err(|r| ApiError::new(r.status(), r.body_text()))?;
	let bad = |e: axum::extract::multipart::MultipartError| {
		ApiError::bad_request(format!("multipart: {}", e.body_text()))
	};
	while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
		if field.file_name().is_none() && field.name() != Some("file") {
			continue;
		}
		let name = field.file_name().map(str::to_string).unwrap_or_else(|| "blob".into());
		let mut writer = state
			.exchange
			.blobs()
			.writer()
			.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
		while let Some(chunk) = field.chunk().await.map_err(bad)? {
			writer.write(&chunk, state.config.max_blob).map_err(|e| {
				if e.kind() == std::io::ErrorKind::InvalidInput {
					ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
				} else {
					ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
				}
			})?;
		}
		let (hash, size) = tokio::task::spawn_blocking(move || writer.finish())
			.await
			.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
			.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
		let item = state.exchange.create_blob_data(&ns, name, hash, size).await?;
		return Ok((
			StatusCode::CREATED,
			Json(serde_json::to_value(item).expect("items serialize")),
		));
	}
	Err(ApiError::bad_request(
		"multipart: send the blob as a part named 'file' (or with a file name)",
	))
}

async fn get_data(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	check_ns(&ns)?;
	let item = state
		.exchange
		.store()
		.data(&ns, &id)
		.await?
		.ok_or_else(|| ApiError::not_found(format!("no data {id}")))?;
	Ok(Json(serde_json::to_value(item).expect("items serialize")))
}

async fn download_blob(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Response> {
	check_ns(&ns)?;
	let item = state
		.exchange
		.store()
		.data(&ns, &id)
		.await?
		.ok_or_else(|| ApiError::not_found(format!("no data {id}")))?;
	let blob = item.blob.ok_or_else(|| ApiError::not_found(format!("data {id} is not a blob")))?;
	let hash: crate::types::Hash = hex::decode(&blob)
		.ok()
		.and_then(|b| b.try_into().ok())
		.ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "corrupt blob hash"))?;
	let file = state
		.exchange
		.blobs()
		.open(&hash)
		.map_err(|_| ApiError::not_found(format!("blob of data {id} has not arrived yet")))?;
	let stream =
		tokio_util::io::ReaderStream::with_capacity(tokio::fs::File::from_std(file), 256 * 1024);
	Ok((
		[
			(header::CONTENT_TYPE, "application/octet-stream".to_string()),
			(header::CONTENT_LENGTH, item.size.to_string()),
			(header::HeaderName::from_static("x-parley-hash"), blob),
		],
		Body::from_stream(stream),
	)
		.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatatypeBody {
	name: String,
	version: String,
	schema: Value,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DefinitionBody {
	kind: String,
	name: String,
	version: String,
	value: Value,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupBody {
	name: String,
	members: Vec<String>,
}

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

/// One batch this node sent, with the signed receipts its recipients returned: the proof of
/// delivery that stays off-chain.
async fn get_batch(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	let Json(mut batch) = one_in(&state, &collections::BATCHES, &ns, "id", &id, "batch").await?;
	let batch_id: crate::types::BatchId = hex::decode(&id)
		.ok()
		.and_then(|b| b.try_into().ok())
		.ok_or_else(|| ApiError::not_found(format!("no batch {id}")))?;
	let receipts = state.exchange.store().receipt_records(&batch_id).await?;
	batch["receipts"] = serde_json::json!(receipts);
	Ok(Json(batch))
}

async fn get_group(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	one_in(&state, &collections::GROUPS, &ns, "id", &id, "group").await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SubscriptionBody {
	name: String,
	#[serde(flatten)]
	options: SubscriptionOptions,
}

async fn create_subscription(
	State(state): State<AppState>,
	Segments(ns): Segments<String>,
	Body_(body): Body_<SubscriptionBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
	check_ns(&ns)?;
	let sub = state.hub.subscribe(&ns, &body.name, body.options).await?;
	Ok((StatusCode::CREATED, Json(serde_json::to_value(sub).expect("subscriptions serialize"))))
}

async fn get_subscription(
	State(state): State<AppState>,
	Segments((ns, name)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	one_in(&state, &collections::SUBSCRIPTIONS, &ns, "name", &name, "subscription").await
}

async fn delete_subscription(
	State(state): State<AppState>,
	Segments((ns, name)): Segments<(String, String)>,
) -> ApiResult<StatusCode> {
	check_ns(&ns)?;
	state.hub.unsubscribe(&ns, &name).await?;
	Ok(StatusCode::NO_CONTENT)
}

async fn retry_operation(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	check_ns(&ns)?;
	state.exchange.retry_operation(&id).await?;
	one_in(&state, &collections::OPERATIONS, &ns, "id", &id, "operation").await
}

async fn skip_context(
	State(state): State<AppState>,
	Segments((ns, context)): Segments<(String, String)>,
) -> ApiResult<(StatusCode, Json<Value>)> {
	check_ns(&ns)?;
	let batch = state.exchange.skip_context(&context).await?;
	Ok((
		StatusCode::ACCEPTED,
		Json(serde_json::json!({ "context": context, "batch": batch, "state": "skip_submitted" })),
	))
}

pub(crate) async fn status(State(state): State<AppState>) -> ApiResult<Json<Value>> {
	Ok(Json(state.exchange.status().await?))
}

pub(crate) async fn list_identities(State(state): State<AppState>) -> ApiResult<Json<Value>> {
	Ok(Json(serde_json::to_value(state.exchange.identities()).expect("identities serialize")))
}

pub(crate) async fn get_identity(
	State(state): State<AppState>,
	Segments(did): Segments<String>,
) -> ApiResult<Json<Value>> {
	let identity = state.exchange.identities().into_iter().find(|i| i.did == did);
	identity
		.map(|i| Json(serde_json::to_value(i).expect("identities serialize")))
		.ok_or_else(|| ApiError::not_found(format!("no identity {did}")))
}

pub(crate) async fn did_document(
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

/// Who governs the network: the member orgs with their validators, and the open proposals with
/// their votes (node-wide, like the identities: the chain is the same in every namespace).
pub(crate) async fn governance(State(state): State<AppState>) -> ApiResult<Json<Value>> {
	Ok(Json(state.exchange.governance()?))
}

pub(crate) async fn openapi() -> Json<Value> {
	Json(super::openapi::document())
}

pub(crate) async fn docs() -> Html<&'static str> {
	Html(
		r##"<!doctype html><html><head><meta charset="utf-8"><title>Parley API</title>
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#ui" });</script></body></html>"##,
	)
}

pub(crate) async fn docs_asset(Segments(asset): Segments<String>) -> ApiResult<Response> {
	let (bytes, kind): (&'static [u8], &str) = match asset.as_str() {
		"swagger-ui-bundle.js" => {
			(include_bytes!("swagger/swagger-ui-bundle.js"), "application/javascript")
		}
		"swagger-ui.css" => (include_bytes!("swagger/swagger-ui.css"), "text/css"),
		_ => return Err(ApiError::not_found(format!("no asset {asset}"))),
	};
	Ok(([(header::CONTENT_TYPE, kind)], bytes).into_response())
}
