//! The OpenAPI document of the REST API, served at `/api/v1/openapi.json` and shown by Swagger
//! UI at `/api/v1/docs`, made together with the routes so that the two cannot drift apart:
//!
//! - each handler carries its `#[utoipa::path]`: method, path, tag (its resource), parameters,
//!   request body, responses and errors;
//! - request bodies derive their schemas from the Rust types the handlers decode;
//! - the lists' rows and filters come from the store's own [`Collection`]s ([`list_route`]);
//! - [`super::router`] registers every API route through an [`OpenApiRouter`], which takes a
//!   route only with its document; the tests below check the other way round, that every
//!   documented operation is served.

use super::{
	extract::{list_of, Segments},
	AppState,
};
use crate::store::query::{Collection, Kind};
use std::borrow::Cow;
use utoipa::{
	openapi::{
		path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem},
		request_body::RequestBodyBuilder,
		schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type},
		security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
		ContentBuilder, PathsBuilder, Ref, RefOr, Required, ResponseBuilder,
	},
	Modify, OpenApi, ToSchema,
};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// The document's frame: what the API is, its resources (Swagger UI groups operations by them),
/// how calls authenticate, and the schemas every route shares. The paths come from the routes.
#[derive(OpenApi)]
#[openapi(
	info(
		title = "Parley REST API",
		version = "1",
		description = "Send broadcast and private messages, upload data and blobs, define \
			datatypes, query history and subscribe to events; create token pools, mint, burn, \
			transfer and approve tokens, claim unique business keys, and lock \
			delivery-versus-payment escrows. Every write is ordered by the chain: a private \
			payload is released to apps only once its pin is on-chain and its hash matches. \
			Errors are `{ \"error\": \"…\", \"code\": <HTTP status> }`."
	),
	servers((url = "/")),
	security(("apiKey" = [])),
	modifiers(&ApiKeyScheme),
	tags(
		(name = "messages", description = "Broadcast and private messages, and request/reply."),
		(name = "data", description = "JSON data items and blobs that messages carry."),
		(name = "definitions", description = "Datatypes (JSON Schemas) and named topics, broadcast; the first confirmed wins."),
		(name = "groups", description = "Private groups: the nodes a private message goes to."),
		(name = "batches", description = "Batches this node sent, with their recipients' signed receipts."),
		(name = "pins", description = "Batch pins seen on-chain, in block order."),
		(name = "events", description = "This node's events, in its confirmed order."),
		(name = "subscriptions", description = "Durable event subscriptions over WebSocket (`/api/v1/ws`) or webhooks."),
		(name = "operations", description = "Deliveries, pins and announcements this node runs, and skips of blocked contexts."),
		(name = "tokens", description = "Token pools, mints, burns, transfers, approvals, balances and the token calls this node made."),
		(name = "claims", description = "Uniqueness claims: one owner per business key, the first claim wins."),
		(name = "escrows", description = "Delivery-versus-payment escrows, and batches offered for sale."),
		(name = "identities", description = "Node identities on-chain and their DID documents."),
		(name = "node", description = "This node's status, who governs the network, and a namespace at a glance."),
	),
	components(schemas(ErrorBody))
)]
pub(crate) struct ApiDoc;

/// The API key scheme: a bearer token.
struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
	fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
		let components = openapi.components.get_or_insert_with(Default::default);
		components.add_security_scheme(
			"apiKey",
			SecurityScheme::Http(
				HttpBuilder::new()
					.scheme(HttpAuthScheme::Bearer)
					.description(Some(
						"An API key made with `parley-node api-key create`, scoped read, write \
						 or admin in some or all namespaces: 401 without a valid one, 403 beyond \
						 its scope. A node without a key file needs none (loopback only).",
					))
					.build(),
			),
		);
	}
}

/// An error, as every route answers one.
#[derive(Debug, serde::Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorBody {
	/// What went wrong.
	pub error: String,
	/// The HTTP status again.
	pub code: u16,
	/// The id of what the error is about: the first message or operation of an idempotency
	/// key used again (409), or the message or operation a wait timed out on (408).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub id: Option<String>,
}

/// The namespace of a route under `/api/v1/namespaces/{ns}`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct Namespace {
	/// Namespace (`default` always exists).
	#[param(pattern = "^[A-Za-z0-9._-]{1,64}$", example = "default")]
	ns: String,
}

/// The JSON Schema of one row of `collection`, as the list routes return it: every field may
/// be null where the row has no value.
pub(crate) fn row_schema(collection: &Collection) -> RefOr<Schema> {
	let mut object = ObjectBuilder::new();
	for field in collection.fields {
		let property: RefOr<Schema> = match field.kind {
			Kind::Text => ObjectBuilder::new()
				.schema_type(SchemaType::from_iter([Type::String, Type::Null]))
				.into(),
			Kind::Int => ObjectBuilder::new()
				.schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
				.into(),
			Kind::Bool => ObjectBuilder::new()
				.schema_type(SchemaType::from_iter([Type::Boolean, Type::Null]))
				.into(),
			Kind::Json => ObjectBuilder::new().description(Some("Any JSON value.")).into(),
		};
		object = object.property(field.name, property);
	}
	object.into()
}

/// Schemas of the rows the routes return, each made from its store collection, so that a
/// column added to a collection shows in the document.
macro_rules! row_schemas {
	($($(#[$doc:meta])* $ty:ident = $name:literal, $collection:path;)*) => {$(
		$(#[$doc])*
		pub(crate) struct $ty;
		impl utoipa::PartialSchema for $ty {
			fn schema() -> RefOr<Schema> {
				row_schema(&$collection)
			}
		}
		impl ToSchema for $ty {
			fn name() -> Cow<'static, str> {
				Cow::Borrowed($name)
			}
		}
	)*};
}

use crate::store::collections as c;
row_schemas! {
	/// A message.
	MessageRow = "Message", c::MESSAGES;
	/// A data item.
	DataRow = "Data", c::DATA;
	/// A datatype.
	DatatypeRow = "Datatype", c::DATATYPES;
	/// A definition.
	DefinitionRow = "Definition", c::DEFINITIONS;
	/// A group.
	GroupRow = "Group", c::GROUPS;
	/// A batch this node sent.
	BatchRow = "Batch", c::BATCHES;
	/// A pin seen on-chain.
	PinRow = "Pin", c::PINS;
	/// An event.
	EventRow = "Event", c::EVENTS;
	/// A subscription.
	SubscriptionRow = "Subscription", c::SUBSCRIPTIONS;
	/// An operation.
	OperationRow = "Operation", c::OPERATIONS;
	/// A token pool.
	PoolRow = "Pool", c::TOKEN_POOLS;
	/// A transfer, mint or burn.
	TransferRow = "TokenTransfer", c::TOKEN_TRANSFERS;
	/// An approval or its withdrawal.
	ApprovalRow = "TokenApproval", c::TOKEN_APPROVALS;
	/// A token operation this node submitted.
	TokenOperationRow = "TokenOperation", c::TOKEN_OPERATIONS;
	/// A uniqueness claim.
	ClaimRow = "Claim", c::CLAIMS;
	/// A step of a claim's history.
	ClaimHistoryRow = "ClaimHistory", c::CLAIM_HISTORY;
	/// An escrow.
	EscrowRow = "Escrow", c::ESCROWS;
	/// A batch offered for sale.
	OfferRow = "Offer", c::OFFERS;
}

/// A reference to the component schema of `T`.
fn reference<T: ToSchema>() -> RefOr<Schema> {
	RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// The answer of a list: an array of rows, or `{items, total}` with `count=true`.
fn listing<T: ToSchema>() -> RefOr<Schema> {
	let rows = || ArrayBuilder::new().items(reference::<T>());
	OneOfBuilder::new()
		.item(rows())
		.item(
			ObjectBuilder::new()
				.property("items", rows())
				.property("total", ObjectBuilder::new().schema_type(Type::Integer))
				.required("items")
				.required("total"),
		)
		.into()
}

/// A query parameter of the lists.
fn query_param(
	name: &str,
	schema: ObjectBuilder,
	description: &str,
) -> utoipa::openapi::path::Parameter {
	ParameterBuilder::new()
		.name(name)
		.parameter_in(ParameterIn::Query)
		.required(Required::False)
		.schema(Some(schema))
		.description(Some(description))
		.build()
}

/// A `GET` route that lists `collection` in the path's namespace, documented from the
/// collection itself: its rows (schema `T`), and a filter parameter per queryable field.
pub(crate) fn list_route<T: ToSchema>(
	path: &str,
	tag: &str,
	summary: &str,
	collection: &'static Collection,
) -> UtoipaMethodRouter<AppState> {
	let queryable: Vec<&str> =
		collection.fields.iter().filter(|f| f.queryable).map(|f| f.name).collect();
	let mut parameters = <Namespace as utoipa::IntoParams>::into_params(|| None);
	parameters.extend([
		query_param(
			"sort",
			ObjectBuilder::new().schema_type(Type::String),
			"Field to sort by; `-field` for descending.",
		),
		query_param(
			"skip",
			ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)),
			"Rows to skip.",
		),
		query_param(
			"limit",
			ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(1000)),
			"Rows to return (default 100).",
		),
		query_param(
			"count",
			ObjectBuilder::new().schema_type(Type::Boolean),
			"Also return the total: `{items, total}`.",
		),
	]);
	for name in &queryable {
		parameters.push(query_param(
			name,
			ObjectBuilder::new().schema_type(Type::String),
			"A filter: `value`, or `!`, `@` (contains), `>`, `<`, `>=`, `<=` before it, or `in:a,b`.",
		));
	}
	let operation = OperationBuilder::new()
		.summary(Some(summary))
		.description(Some(format!(
			"Filters use `field=value`, with `!`, `@` (contains), `>`, `<`, `>=`, `<=` \
			 prefixes or `in:a,b`. Filterable: {}.",
			queryable.join(", ")
		)))
		.operation_id(Some(format!("list_{}", path.trim_start_matches('/').replace('/', "_"))))
		.tag(tag)
		.parameters(Some(parameters))
		.response(
			"200",
			ResponseBuilder::new()
				.description("The matches (an array; `{items, total}` with `count=true`).")
				.content(
					"application/json",
					ContentBuilder::new().schema(Some(listing::<T>())).build(),
				),
		)
		.response("400", error_response("A bad filter, sort, page or namespace."))
		.build();
	let paths = PathsBuilder::new().path(path, PathItem::new(HttpMethod::Get, operation)).build();
	(vec![(T::name().into_owned(), T::schema())], paths, list_of(collection))
}

/// An error response of the document.
fn error_response(description: &str) -> utoipa::openapi::Response {
	ResponseBuilder::new()
		.description(description)
		.content(
			"application/json",
			ContentBuilder::new().schema(Some(reference::<ErrorBody>())).build(),
		)
		.build()
}

/// The request body of a blob upload: one multipart part named `file`.
pub(crate) fn blob_upload_body() -> utoipa::openapi::request_body::RequestBody {
	RequestBodyBuilder::new()
		.required(Some(Required::True))
		.content(
			"multipart/form-data",
			ContentBuilder::new()
				.schema(Some(
					ObjectBuilder::new()
						.property(
							"file",
							ObjectBuilder::new()
								.schema_type(Type::String)
								.content_media_type("application/octet-stream"),
						)
						.required("file"),
				))
				.build(),
		)
		.build()
}

/// Every route of the API under `/api/v1`, each with its document. [`super::router`] serves
/// them; the rest of the server (docs, WebSocket, explorer page, JSON-RPC) is outside the
/// document.
pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
	let namespaced = super::messages::routes()
		.merge(super::data::routes())
		.merge(super::definitions::routes())
		.merge(super::groups::routes())
		.merge(super::history::routes())
		.merge(super::subscriptions::routes())
		.merge(super::tokens::routes())
		.merge(super::claims::routes())
		.merge(super::escrows::routes())
		.merge(super::explorer::routes());
	OpenApiRouter::with_openapi(ApiDoc::openapi())
		.nest("/api/v1/namespaces/{ns}", namespaced)
		.merge(super::node::routes())
}

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
	api_routes().into_openapi()
}

/// Serves the document (built once).
pub(crate) async fn serve_document() -> axum::response::Response {
	use axum::response::IntoResponse;
	static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
	let body = DOCUMENT.get_or_init(|| document().to_json().expect("the document serializes"));
	([(axum::http::header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}

/// The docs' assets: Swagger UI, vendored.
pub(crate) async fn docs_asset(
	Segments(asset): Segments<String>,
) -> super::extract::ApiResult<axum::response::Response> {
	use axum::response::IntoResponse;
	let (bytes, kind): (&'static [u8], &str) = match asset.as_str() {
		"swagger-ui-bundle.js" => {
			(include_bytes!("swagger/swagger-ui-bundle.js"), "application/javascript")
		}
		"swagger-ui.css" => (include_bytes!("swagger/swagger-ui.css"), "text/css"),
		_ => return Err(super::ApiError::not_found(format!("no asset {asset}"))),
	};
	Ok(([(axum::http::header::CONTENT_TYPE, kind)], bytes).into_response())
}

/// The docs' page: Swagger UI on the document.
pub(crate) async fn docs() -> axum::response::Html<&'static str> {
	axum::response::Html(
		r##"<!doctype html><html><head><meta charset="utf-8"><title>Parley API</title>
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#ui" });</script></body></html>"##,
	)
}

#[cfg(test)]
mod tests;
