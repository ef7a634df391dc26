//! The `parley_*` JSON-RPC methods on the REST port, at `/rpc` (HTTP POST, and WebSocket for
//! `parley_subscribe`), behind the node's API keys.
//!
//! Substrate's own RPC server on 9944 gives its methods no view of a request's headers, so it
//! cannot check a bearer key; on a node with API keys the `parley_*` methods (which read and
//! send private data) are therefore served only here, and 9944 keeps the chain's own methods.
//! The REST layer checks the key ([`parley_offchain::api`]'s `auth`) and leaves its
//! [`Grant`] in the request; [`RequireScope`] then checks each call (also each call of a batch,
//! and each call on a WebSocket) against the level its method needs ([`method_level`]).

use jsonrpsee::{
	server::{
		middleware::rpc::{RpcServiceBuilder, RpcServiceT},
		stop_channel, MethodResponse, Methods, RandomStringIdProvider, Server, ServerHandle,
	},
	types::{ErrorObjectOwned, Request},
	RpcModule,
};
use parley_offchain::access::{Grant, Level};
use std::sync::Arc;

/// JSON-RPC error code of a call without a valid key (HTTP 401's counterpart).
pub const UNAUTHENTICATED: i32 = 4010;
/// JSON-RPC error code of a call the key's scope does not cover (HTTP 403's counterpart).
pub const FORBIDDEN: i32 = 4030;

/// The level each `parley_*` method needs. A method not listed here needs `admin`, so that a
/// new method is never open by mistake.
pub fn method_level(method: &str) -> Level {
	let Some(name) = method.strip_prefix("parley_") else { return Level::Admin };
	match name {
		"getMessage"
		| "listMessages"
		| "listGroups"
		| "listEvents"
		| "status"
		| "listOperations"
		| "subscribe"
		| "unsubscribe"
		| "ack"
		| "deleteSubscription"
		| "tokenBalance"
		| "getTokenOperation"
		| "listTokenPools"
		| "listTokenTransfers"
		| "listTokenApprovals"
		| "listClaims"
		| "listEscrows"
		| "listTokenOperations" => Level::Read,
		"createGroup" | "sendPrivate" | "sendBroadcast" | "createData" | "defineDatatype"
		| "createTokenPool" | "mintTokens" | "burnTokens" | "transferTokens" | "approveTokens"
		| "claimKey" | "transferClaim" | "releaseClaim" | "lockEscrow" => Level::Write,
		_ => Level::Admin,
	}
}

/// The RPC layer that refuses a call its caller's [`Grant`] does not cover.
#[derive(Clone)]
pub struct RequireScope<S> {
	inner: S,
}

impl<'a, S> RpcServiceT<'a> for RequireScope<S>
where
	S: RpcServiceT<'a> + Send + Sync,
{
	type Future = futures::future::Either<S::Future, std::future::Ready<MethodResponse>>;

	fn call(&self, request: Request<'a>) -> Self::Future {
		let level = method_level(request.method_name());
		let refusal = match request.extensions().get::<Grant>() {
			None => Some((UNAUTHENTICATED, "this call needs an API key".to_string())),
			Some(grant) if grant.level < level => Some((
				FORBIDDEN,
				format!(
					"API key {} may not call {}: it needs {level}, the key has {}",
					grant.key_id,
					request.method_name(),
					grant.level
				),
			)),
			Some(_) => None,
		};
		match refusal {
			None => futures::future::Either::Left(self.inner.call(request)),
			Some((code, message)) => {
				futures::future::Either::Right(std::future::ready(MethodResponse::error(
					request.id(),
					ErrorObjectOwned::owned(code, message, None::<()>),
				)))
			}
		}
	}
}

/// The `/rpc` route serving `module`'s methods.
pub fn router(module: RpcModule<()>) -> axum::Router {
	let methods: Methods = module.into();
	let (stop, handle) = stop_channel();
	// The server stops when its handle is dropped: the route keeps it for as long as it lives.
	let handle: Arc<ServerHandle> = Arc::new(handle);
	let builder = Server::builder()
		.max_request_body_size(16 * 1024 * 1024)
		.max_connections(1024)
		// Subscription ids as Substrate's own server makes them.
		.set_id_provider(RandomStringIdProvider::new(16))
		.set_rpc_middleware(RpcServiceBuilder::new().layer_fn(|inner| RequireScope { inner }))
		.to_service_builder();
	axum::Router::new().route(
		"/rpc",
		axum::routing::any(move |request: axum::extract::Request| {
			let _keep = handle.clone();
			let mut service = builder.clone().build(methods.clone(), stop.clone());
			async move {
				match tower_service::Service::call(&mut service, request).await {
					Ok(response) => response.map(axum::body::Body::new),
					Err(e) => {
						log::debug!(target: "parley::rpc", "JSON-RPC over REST failed: {e}");
						axum::http::Response::builder()
							.status(500)
							.body(axum::body::Body::from("JSON-RPC request failed"))
							.expect("a static response")
					}
				}
			}
		}),
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_method_has_a_level_and_new_ones_need_admin() {
		assert_eq!(method_level("parley_status"), Level::Read);
		assert_eq!(method_level("parley_subscribe"), Level::Read);
		assert_eq!(method_level("parley_sendPrivate"), Level::Write);
		assert_eq!(method_level("parley_lockEscrow"), Level::Write);
		assert_eq!(method_level("parley_unblockContext"), Level::Admin);
		assert_eq!(method_level("parley_retryOperation"), Level::Admin);
		assert_eq!(method_level("parley_test_withholdNextBatch"), Level::Admin);
		assert_eq!(method_level("parley_somethingNew"), Level::Admin);
		assert_eq!(method_level("author_rotateKeys"), Level::Admin);
	}
}
