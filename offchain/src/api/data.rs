//! The routes of data: JSON data items (validated against a datatype if given) and blobs,
//! streamed in and out of the content-addressed store.

use super::{
	extract::{check_ns, ApiResult, Body_, Segments},
	openapi::{blob_upload_body, list_route, DataRow, ErrorBody, Namespace},
	ApiError, AppState,
};
use crate::store::collections;
use axum::{
	body::Body,
	extract::{DefaultBodyLimit, Multipart, State},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	Json,
};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The data routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	let (schemas, mut paths, upload) = routes!(upload_blob);
	// The upload's body is multipart, which the handler reads as a stream.
	for item in paths.paths.values_mut() {
		if let Some(operation) = item.post.as_mut() {
			operation.request_body = Some(blob_upload_body());
		}
	}
	OpenApiRouter::new()
		.routes(list_route::<DataRow>("/data", "data", "Data items.", &collections::DATA))
		.routes(routes!(create_data))
		.routes((schemas, paths, upload.layer(DefaultBodyLimit::disable())))
		.routes(routes!(get_data))
		.routes(routes!(download_blob))
}

/// A JSON data item to store.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DataInput)]
pub(crate) struct DataBody {
	/// The value.
	value: Value,
	/// A name for it.
	name: Option<String>,
	/// The datatype it must match.
	datatype: Option<DatatypeRef>,
}

/// A datatype, by name and version.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatatypeRef {
	/// Its name.
	name: String,
	/// Its version.
	version: String,
}

/// Store a JSON data item, validated against a datatype if given.
#[utoipa::path(post, path = "/data", tag = "data", params(Namespace), request_body = DataBody,
	responses(
		(status = 201, description = "Stored.", body = DataRow),
		(status = 400, description = "Bad input, or data not matching its datatype (the message names the field).", body = ErrorBody),
		(status = 404, description = "No such datatype.", body = ErrorBody),
	))]
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

/// Upload a blob (multipart, part `file`), streamed to the content-addressed store.
#[utoipa::path(post, path = "/data/blob", tag = "data", params(Namespace),
	responses(
		(status = 201, description = "Stored.", body = DataRow),
		(status = 400, description = "Bad multipart.", body = ErrorBody),
		(status = 413, description = "Larger than the node's blob limit.", body = ErrorBody),
	))]
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
		let (hash, size) = crate::blobs::on_disk(move || writer.finish())
			.await
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

/// One data item.
#[utoipa::path(get, path = "/data/{id}", tag = "data",
	params(Namespace, ("id" = String, Path, description = "Data id.")),
	responses(
		(status = 200, description = "The item.", body = DataRow),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such item.", body = ErrorBody),
	))]
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

/// Download a blob: its bytes, with their hash in `x-parley-hash`. At a recipient, the blob of
/// a private message is here once the message is confirmed here (wait with `GET
/// …/messages/{id}?confirm=true` on this node).
#[utoipa::path(get, path = "/data/{id}/blob", tag = "data",
	params(Namespace, ("id" = String, Path, description = "Data id.")),
	responses(
		(status = 200, description = "The bytes (`x-parley-hash` has their hash).", content_type = "application/octet-stream", body = Vec<u8>),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such item, not a blob, or its blob has not arrived yet.", body = ErrorBody),
	))]
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
	// Read in 256 KiB pieces through the blob store's bounded file jobs, so that many downloads
	// at once do not each take a blocking thread of their own.
	let stream = futures::stream::try_unfold(file, |mut file| async move {
		let (file, piece) = crate::blobs::on_disk(move || {
			use std::io::Read;
			let mut piece = vec![0u8; 256 * 1024];
			let n = file.read(&mut piece)?;
			piece.truncate(n);
			Ok((file, piece))
		})
		.await?;
		Ok::<_, std::io::Error>((!piece.is_empty()).then_some((piece, file)))
	});
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
