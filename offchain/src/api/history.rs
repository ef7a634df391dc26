//! The routes of what happened to messages at this node: the batches it sent (with their
//! recipients' signed receipts), the pins seen on-chain, its events, and its operations
//! (deliveries, pins, announcements), with a retry and the skip of a blocked context.

use super::{
	extract::{check_ns, one_in, ApiResult, Segments},
	openapi::{list_route, BatchRow, ErrorBody, EventRow, Namespace, OperationRow, PinRow},
	ApiError, AppState,
};
use crate::store::{collections, ReceiptRecord};
use axum::{extract::State, http::StatusCode, Json};
use serde_json::Value;
use utoipa::openapi::{
	schema::{AllOfBuilder, ArrayBuilder, ObjectBuilder, Schema},
	Ref, RefOr,
};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The history routes, under `/api/v1/namespaces/{ns}`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
	OpenApiRouter::new()
		.routes(list_route::<BatchRow>(
			"/batches",
			"batches",
			"Batches this node sent.",
			&collections::BATCHES,
		))
		.routes(routes!(get_batch))
		.routes(list_route::<PinRow>("/pins", "pins", "Pins seen on-chain.", &collections::PINS))
		.routes(list_route::<EventRow>(
			"/events",
			"events",
			"Events, in this node's order.",
			&collections::EVENTS,
		))
		.routes(list_route::<OperationRow>(
			"/operations",
			"operations",
			"Operations: deliveries, pins and announcements, with status, error and retry count.",
			&collections::OPERATIONS,
		))
		.routes(routes!(retry_operation))
		.routes(routes!(skip_context))
}

/// A batch with the receipts its recipients returned: its row, and `receipts`.
pub(crate) struct BatchWithReceipts;

impl utoipa::PartialSchema for BatchWithReceipts {
	fn schema() -> RefOr<Schema> {
		AllOfBuilder::new()
			.item(Ref::from_schema_name(<BatchRow as utoipa::ToSchema>::name()))
			.item(
				ObjectBuilder::new()
					.property(
						"receipts",
						ArrayBuilder::new()
							.items(<ReceiptRecord as utoipa::PartialSchema>::schema()),
					)
					.required("receipts"),
			)
			.into()
	}
}

impl utoipa::ToSchema for BatchWithReceipts {}

/// One batch this node sent, with the signed receipts its recipients returned: the proof of
/// delivery that stays off-chain.
#[utoipa::path(get, path = "/batches/{id}", tag = "batches",
	params(Namespace, ("id" = String, Path, description = "Batch id (hex).")),
	responses(
		(status = 200, description = "The batch (its row) and its `receipts`.", body = BatchWithReceipts),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such batch sent from here.", body = ErrorBody),
	))]
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

/// Retry an operation now.
#[utoipa::path(post, path = "/operations/{id}/retry", tag = "operations",
	params(Namespace, ("id" = String, Path, description = "Operation id.")),
	responses(
		(status = 200, description = "The operation.", body = OperationRow),
		(status = 400, description = "Bad namespace.", body = ErrorBody),
		(status = 404, description = "No such operation.", body = ErrorBody),
	))]
async fn retry_operation(
	State(state): State<AppState>,
	Segments((ns, id)): Segments<(String, String)>,
) -> ApiResult<Json<Value>> {
	check_ns(&ns)?;
	state.exchange.retry_operation(&id).await?;
	one_in(&state, &collections::OPERATIONS, &ns, "id", &id, "operation").await
}

/// A skip submitted.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct SkipSubmitted {
	/// The context, as given.
	context: String,
	/// The batch skipped (hex id).
	batch: String,
	/// `skip_submitted`.
	state: &'static str,
}

/// Skip a batch whose payload never arrives, on-chain: every node stops waiting for it. Only the
/// batch's author may: this node's own batch is skipped; another party's batch is refused with
/// 403, naming the governance proposal (SkipBatch) the members vote on instead.
#[utoipa::path(post, path = "/contexts/{context}/skip", tag = "operations",
	params(Namespace, ("context" = String, Path, description = "A context (32-byte hex) or batch id (16-byte hex), as `context_blocked` reports it, or the id of a batch this node sent.")),
	responses(
		(status = 202, description = "Skip submitted.", body = SkipSubmitted),
		(status = 400, description = "Bad id, the batch is not pinned yet, or too early to skip it.", body = ErrorBody),
		(status = 403, description = "Another party's batch: only its author may skip it, or the members by vote.", body = ErrorBody),
		(status = 404, description = "No pending pin on that context.", body = ErrorBody),
		(status = 422, description = "The transaction pool refused the skip.", body = ErrorBody),
	))]
async fn skip_context(
	State(state): State<AppState>,
	Segments((ns, context)): Segments<(String, String)>,
) -> ApiResult<(StatusCode, Json<SkipSubmitted>)> {
	check_ns(&ns)?;
	let batch = state.exchange.skip_context(&context).await?;
	Ok((StatusCode::ACCEPTED, Json(SkipSubmitted { context, batch, state: "skip_submitted" })))
}
