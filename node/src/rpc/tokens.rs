//! The `parley_*` JSON-RPC methods of tokens: the same requests and answers as the REST routes
//! under `/api/v1/namespaces/{ns}/tokens`, `/claims` and `/escrows`.
//!
//! | method | params | result |
//! |---|---|---|
//! | `parley_createTokenPool` | `{name, symbol?, decimals?, type?, metadataUri?, metadataHash?}`, `options`? | token operation |
//! | `parley_mintTokens` | `{pool, to?, amount \| index, metadataHash?}`, `options`? | token operation |
//! | `parley_burnTokens` | `{pool, amount \| index}`, `options`? | token operation |
//! | `parley_transferTokens` | `{pool, to, amount \| index, from?, messageHash?}`, `options`? | token operation |
//! | `parley_approveTokens` | `{pool, delegate, amount \| index \| allowance, approved?}`, `options`? | token operation |
//! | `parley_tokenBalance` | `pool`, `account`, `namespace`? | `{balance, items?}` |
//! | `parley_claimKey` | `{key \| keyHash, owner?}`, `options`? | token operation |
//! | `parley_transferClaim` / `parley_releaseClaim` | `keyHash`, (`to`), `options`? | token operation |
//! | `parley_lockEscrow` | `{pool, payee, amount, batch \| batchHash, timeout}`, `options`? | token operation |
//! | `parley_getTokenOperation` | `id` | token operation |
//! | `parley_listTokenPools`, `parley_listTokenTransfers`, `parley_listTokenApprovals`, `parley_listClaims`, `parley_listEscrows`, `parley_listTokenOperations` | `filter`? | rows |
//!
//! `options` are `{"namespace", "confirm", "timeout"}`: with `confirm` the call returns once the
//! operation settled, and a failure on-chain is error 4022 naming the pallet error. Every request
//! object above also takes an `idempotencyKey` (1 to 256 bytes, unique in the namespace): a retry
//! with it is error 4009 naming the first operation, and sends nothing.

use super::parley::{list_collection, rpc_error, wait_time};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use parley_offchain::{
	exchange::{
		ApproveRequest, BurnRequest, ClaimRequest, ClaimTransferRequest, CreatePoolRequest,
		EscrowRequest, MintRequest, PoolRef, TransferRequest,
	},
	store::{collections, TokenOp},
	Exchange, ExchangeError,
};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Optional settings of a token write.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteOptions {
	/// Namespace (default `default`).
	pub namespace: Option<String>,
	/// Wait until the operation succeeded or failed on-chain.
	pub confirm: bool,
	/// How long to wait (ms, default 60000).
	pub timeout: Option<u64>,
}

type Filter = Option<Map<String, Value>>;

/// The token methods.
#[rpc(server, namespace = "parley")]
pub trait ParleyTokensApi {
	/// Creates a token pool owned by this node's org.
	#[method(name = "createTokenPool")]
	async fn create_token_pool(
		&self,
		request: CreatePoolRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// Mints tokens (to this node's account by default).
	#[method(name = "mintTokens")]
	async fn mint_tokens(
		&self,
		request: MintRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// Burns this node's tokens.
	#[method(name = "burnTokens")]
	async fn burn_tokens(
		&self,
		request: BurnRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// Transfers tokens, with the hash of the private message they go with, if any.
	#[method(name = "transferTokens")]
	async fn transfer_tokens(
		&self,
		request: TransferRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// Approves a delegate.
	#[method(name = "approveTokens")]
	async fn approve_tokens(
		&self,
		request: ApproveRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// What an account holds in a pool.
	#[method(name = "tokenBalance")]
	async fn token_balance(
		&self,
		pool: PoolRef,
		account: String,
		namespace: Option<String>,
	) -> RpcResult<Value>;

	/// Claims a business record key: the first claim on-chain wins.
	#[method(name = "claimKey")]
	async fn claim_key(
		&self,
		request: ClaimRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// Hands this node's claim to another account.
	#[method(name = "transferClaim")]
	async fn transfer_claim(
		&self,
		key_hash: String,
		to: String,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// Releases this node's claim.
	#[method(name = "releaseClaim")]
	async fn release_claim(
		&self,
		key_hash: String,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// Locks a payment until this node acknowledges a batch (delivery versus payment).
	#[method(name = "lockEscrow")]
	async fn lock_escrow(
		&self,
		request: EscrowRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp>;

	/// A token operation by id.
	#[method(name = "getTokenOperation")]
	async fn get_token_operation(&self, id: String) -> RpcResult<TokenOp>;

	/// Token pools (list filter syntax; `namespace` picks the namespace).
	#[method(name = "listTokenPools")]
	async fn list_token_pools(&self, filter: Filter) -> RpcResult<Value>;

	/// Mints, burns and transfers, in chain order.
	#[method(name = "listTokenTransfers")]
	async fn list_token_transfers(&self, filter: Filter) -> RpcResult<Value>;

	/// Approvals.
	#[method(name = "listTokenApprovals")]
	async fn list_token_approvals(&self, filter: Filter) -> RpcResult<Value>;

	/// Uniqueness claims.
	#[method(name = "listClaims")]
	async fn list_claims(&self, filter: Filter) -> RpcResult<Value>;

	/// Escrows.
	#[method(name = "listEscrows")]
	async fn list_escrows(&self, filter: Filter) -> RpcResult<Value>;

	/// Token operations this node submitted.
	#[method(name = "listTokenOperations")]
	async fn list_token_operations(&self, filter: Filter) -> RpcResult<Value>;
}

/// Serves the token methods from a node's [`Exchange`].
pub struct TokensRpc {
	exchange: Exchange,
}

impl TokensRpc {
	/// Serves `exchange`.
	pub fn new(exchange: Exchange) -> Self {
		Self { exchange }
	}

	/// Returns the operation, or waits for it to settle with `confirm`.
	async fn finish(
		&self,
		op: Result<TokenOp, ExchangeError>,
		options: &WriteOptions,
	) -> RpcResult<TokenOp> {
		let op = op.map_err(rpc_error)?;
		if !options.confirm {
			return Ok(op);
		}
		self.exchange.wait_for_token_op(&op.id, wait_time(options.timeout)).await.map_err(rpc_error)
	}
}

fn namespace(options: &WriteOptions) -> String {
	options.namespace.clone().unwrap_or_else(|| "default".into())
}

#[jsonrpsee::core::async_trait]
impl ParleyTokensApiServer for TokensRpc {
	async fn create_token_pool(
		&self,
		request: CreatePoolRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let op = self.exchange.create_token_pool(&namespace(&options), request).await;
		self.finish(op, &options).await
	}

	async fn mint_tokens(
		&self,
		request: MintRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let op = self.exchange.mint_tokens(&namespace(&options), request).await;
		self.finish(op, &options).await
	}

	async fn burn_tokens(
		&self,
		request: BurnRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let op = self.exchange.burn_tokens(&namespace(&options), request).await;
		self.finish(op, &options).await
	}

	async fn transfer_tokens(
		&self,
		request: TransferRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let op = self.exchange.transfer_tokens(&namespace(&options), request).await;
		self.finish(op, &options).await
	}

	async fn approve_tokens(
		&self,
		request: ApproveRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let op = self.exchange.approve_tokens(&namespace(&options), request).await;
		self.finish(op, &options).await
	}

	async fn token_balance(
		&self,
		pool: PoolRef,
		account: String,
		namespace: Option<String>,
	) -> RpcResult<Value> {
		let namespace = namespace.unwrap_or_else(|| "default".into());
		self.exchange.token_balance(&namespace, &pool, &account).await.map_err(rpc_error)
	}

	async fn claim_key(
		&self,
		request: ClaimRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let op = self.exchange.claim_key(&namespace(&options), request).await;
		self.finish(op, &options).await
	}

	async fn transfer_claim(
		&self,
		key_hash: String,
		to: String,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let request = ClaimTransferRequest { to };
		let op = self.exchange.transfer_claim(&namespace(&options), &key_hash, request).await;
		self.finish(op, &options).await
	}

	async fn release_claim(
		&self,
		key_hash: String,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let op = self.exchange.release_claim(&namespace(&options), &key_hash).await;
		self.finish(op, &options).await
	}

	async fn lock_escrow(
		&self,
		request: EscrowRequest,
		options: Option<WriteOptions>,
	) -> RpcResult<TokenOp> {
		let options = options.unwrap_or_default();
		let op = self.exchange.lock_escrow(&namespace(&options), request).await;
		self.finish(op, &options).await
	}

	async fn get_token_operation(&self, id: String) -> RpcResult<TokenOp> {
		self.exchange.token_op(&id).await.map_err(rpc_error)
	}

	async fn list_token_pools(&self, filter: Filter) -> RpcResult<Value> {
		list_collection(&self.exchange, &collections::TOKEN_POOLS, filter).await
	}

	async fn list_token_transfers(&self, filter: Filter) -> RpcResult<Value> {
		list_collection(&self.exchange, &collections::TOKEN_TRANSFERS, filter).await
	}

	async fn list_token_approvals(&self, filter: Filter) -> RpcResult<Value> {
		list_collection(&self.exchange, &collections::TOKEN_APPROVALS, filter).await
	}

	async fn list_claims(&self, filter: Filter) -> RpcResult<Value> {
		list_collection(&self.exchange, &collections::CLAIMS, filter).await
	}

	async fn list_escrows(&self, filter: Filter) -> RpcResult<Value> {
		list_collection(&self.exchange, &collections::ESCROWS, filter).await
	}

	async fn list_token_operations(&self, filter: Filter) -> RpcResult<Value> {
		list_collection(&self.exchange, &collections::TOKEN_OPERATIONS, filter).await
	}
}
