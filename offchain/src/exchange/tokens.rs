//! Tokens for apps: pools, mints, burns, transfers, approvals, uniqueness claims and
//! delivery-versus-payment escrows, signed by this node's account and followed to their outcome.
//!
//! Each call checks what it can before anything reaches the chain (the pool exists in the
//! namespace and is of the right kind, the holder holds the tokens, accounts parse), records a
//! token operation, and submits the tokens pallet call (see [`super::token_ops`]: signed, kept,
//! then sent, once per idempotency key). The operation settles when a block
//! includes the transaction: `succeeded`, with the events it caused, or `failed`, with the pallet
//! error (`Tokens.AlreadyClaimed`). Everything the tokens pallet does — whoever signed it, this
//! node or an app through polkadot.js — reaches apps the same way: as rows of the token
//! collections and as events.

use super::{
	check_name,
	requests::{
		BurnRequest, ClaimRequest, ClaimTransferRequest, CreatePoolRequest, EscrowRequest,
		MessageTransferRequest, MintRequest, PoolRef, TransferRequest,
	},
	Exchange, ExchangeError,
};
use crate::{
	store::{PoolRow, TokenOp},
	tokens::{parse_account, parse_hash, Account, Holding, PoolKind, TokenCall, TransferRef},
	types::blake2_256,
};
use serde_json::{json, Value};

/// The longest escrow timeout the runtime accepts, in blocks (a week of 2 s blocks).
pub const MAX_ESCROW_TIMEOUT: u32 = 7 * 24 * 3600 / 2;

pub(super) fn bad(message: impl Into<String>) -> ExchangeError {
	ExchangeError::InvalidInput(message.into())
}

pub(super) fn holding(
	amount: &Option<Value>,
	index: &Option<Value>,
) -> Result<Holding, ExchangeError> {
	let mut map = serde_json::Map::new();
	if let Some(amount) = amount {
		map.insert("amount".into(), amount.clone());
	}
	if let Some(index) = index {
		map.insert("index".into(), index.clone());
	}
	Holding::from_request(&map).map_err(bad)
}

fn optional_hash(what: &str, text: &Option<String>) -> Result<Option<[u8; 32]>, ExchangeError> {
	text.as_deref().map(|t| parse_hash(what, t)).transpose().map_err(bad)
}

impl Exchange {
	/// An account from SS58, `0x`-hex, or a node DID (that node's account).
	pub fn resolve_account(&self, text: &str) -> Result<Account, ExchangeError> {
		if text.starts_with("did:") {
			return self
				.active_nodes()
				.into_iter()
				.find(|n| n.did == text)
				.map(|n| n.account)
				.ok_or_else(|| bad(format!("{text} is not a node identity in force")));
		}
		parse_account(text).map_err(bad)
	}

	/// A pool of `namespace`, by id or name.
	pub async fn token_pool(
		&self,
		namespace: &str,
		pool: &PoolRef,
	) -> Result<PoolRow, ExchangeError> {
		check_name("namespace", namespace)?;
		let store = &self.inner.store;
		let found = match pool {
			PoolRef::Id(id) => store.token_pool(namespace, *id).await?,
			PoolRef::Name(name) => store.token_pool_by_name(namespace, name).await?,
		};
		found.ok_or_else(|| {
			let name = match pool {
				PoolRef::Id(id) => id.to_string(),
				PoolRef::Name(name) => name.clone(),
			};
			ExchangeError::NotFound(format!("token pool {name} in namespace {namespace}"))
		})
	}

	/// Checks that `holder` holds `holding` in `pool` now (a clear error before the chain's).
	pub(super) fn check_holds(
		&self,
		pool: &PoolRow,
		holder: &Account,
		holding: &Holding,
	) -> Result<(), ExchangeError> {
		if holding.kind() != pool.pool_kind() {
			return Err(bad(format!(
				"pool {} is {}: give {}",
				pool.name,
				pool.kind,
				match pool.pool_kind() {
					PoolKind::Fungible => "amount",
					PoolKind::NonFungible => "index",
				}
			)));
		}
		let chain = &self.inner.chain;
		match holding {
			Holding::Amount(amount) => {
				if let Ok(Some(balance)) = chain.token_balance(pool.pool, *holder) {
					if balance < *amount {
						return Err(bad(format!(
							"insufficient balance: {} holds {balance} in pool {}, not {amount}",
							crate::tokens::ss58(holder),
							pool.name
						)));
					}
				}
			}
			Holding::Item(index) => match chain.item_owner(pool.pool, *index) {
				Ok(Some(owner)) if owner != *holder => {
					return Err(bad(format!(
						"item {index} of pool {} is held by {}, not {}",
						pool.name,
						crate::tokens::ss58(&owner),
						crate::tokens::ss58(holder)
					)))
				}
				Ok(None) => {
					return Err(ExchangeError::NotFound(format!(
						"item {index} in pool {}",
						pool.name
					)))
				}
				_ => {}
			},
		}
		Ok(())
	}

	/// Creates a token pool owned by this node's org.
	pub async fn create_token_pool(
		&self,
		namespace: &str,
		request: CreatePoolRequest,
	) -> Result<TokenOp, ExchangeError> {
		self.check_token_key(namespace, request.idempotency_key.as_deref()).await?;
		check_name("namespace", namespace)?;
		check_name("name", &request.name)?;
		let kind = match request.kind.as_deref() {
			None => PoolKind::Fungible,
			Some(k) => PoolKind::parse(k).ok_or_else(|| bad("type is fungible or nonfungible"))?,
		};
		let symbol = request.symbol.clone().unwrap_or_default();
		if symbol.len() > 16 {
			return Err(bad("symbol is at most 16 bytes"));
		}
		let decimals = request.decimals.unwrap_or(0);
		match kind {
			PoolKind::Fungible if decimals > 18 => return Err(bad("decimals is at most 18")),
			PoolKind::NonFungible if decimals != 0 => {
				return Err(bad("a nonfungible pool has 0 decimals"))
			}
			_ => {}
		}
		let metadata_uri = request.metadata_uri.clone().unwrap_or_default();
		if metadata_uri.len() > 256 {
			return Err(bad("metadataUri is at most 256 bytes"));
		}
		let metadata_hash = optional_hash("metadataHash", &request.metadata_hash)?;
		if self.inner.store.token_pool_by_name(namespace, &request.name).await?.is_some() {
			return Err(bad(format!(
				"a pool named {} already exists in namespace {namespace}",
				request.name
			)));
		}
		let input = json!({
			"name": request.name, "symbol": symbol, "decimals": decimals, "type": kind.as_str(),
			"metadataUri": metadata_uri, "metadataHash": request.metadata_hash,
		});
		let call = TokenCall::CreatePool {
			namespace: namespace.into(),
			name: request.name,
			symbol,
			decimals,
			kind,
			metadata_uri,
			metadata_hash,
		};
		self.submit_token_call(namespace, call, input, None, request.idempotency_key.as_deref())
			.await
	}

	/// Mints tokens (this node's org must own the pool).
	pub async fn mint_tokens(
		&self,
		namespace: &str,
		request: MintRequest,
	) -> Result<TokenOp, ExchangeError> {
		self.check_token_key(namespace, request.idempotency_key.as_deref()).await?;
		let pool = self.token_pool(namespace, &request.pool).await?;
		let holding = holding(&request.amount, &request.index)?;
		if holding.kind() != pool.pool_kind() {
			return Err(bad(format!("pool {} is {}", pool.name, pool.kind)));
		}
		let to = match &request.to {
			Some(to) => self.resolve_account(to)?,
			None => self.me()?.account,
		};
		if let Holding::Item(index) = holding {
			if let Ok(Some(_)) = self.inner.chain.item_owner(pool.pool, index) {
				return Err(bad(format!("item {index} already exists in pool {}", pool.name)));
			}
		}
		let metadata_hash = optional_hash("metadataHash", &request.metadata_hash)?;
		let mut input = json!({ "pool": pool.pool, "to": crate::tokens::ss58(&to), "metadataHash": request.metadata_hash });
		merge(&mut input, holding.to_json());
		let call = TokenCall::Mint { pool: pool.pool, to, holding, metadata_hash };
		self.submit_token_call(namespace, call, input, None, request.idempotency_key.as_deref())
			.await
	}

	/// Burns this node's tokens.
	pub async fn burn_tokens(
		&self,
		namespace: &str,
		request: BurnRequest,
	) -> Result<TokenOp, ExchangeError> {
		self.check_token_key(namespace, request.idempotency_key.as_deref()).await?;
		let pool = self.token_pool(namespace, &request.pool).await?;
		let holding = holding(&request.amount, &request.index)?;
		self.check_holds(&pool, &self.me()?.account, &holding)?;
		let mut input = json!({ "pool": pool.pool });
		merge(&mut input, holding.to_json());
		self.submit_token_call(
			namespace,
			TokenCall::Burn { pool: pool.pool, holding },
			input,
			None,
			request.idempotency_key.as_deref(),
		)
		.await
	}

	/// Transfers this node's tokens, or (with `from`) tokens a holder approved it for.
	pub async fn transfer_tokens(
		&self,
		namespace: &str,
		request: TransferRequest,
	) -> Result<TokenOp, ExchangeError> {
		self.check_token_key(namespace, request.idempotency_key.as_deref()).await?;
		let pool = self.token_pool(namespace, &request.pool).await?;
		let holding = holding(&request.amount, &request.index)?;
		let to = self.resolve_account(&request.to)?;
		let message_hash = optional_hash("messageHash", &request.message_hash)?;
		let owner = match &request.from {
			Some(from) => Some(self.resolve_account(from)?),
			None => None,
		};
		let me = self.me()?.account;
		self.check_holds(&pool, &owner.unwrap_or(me), &holding)?;
		let mut input = json!({
			"pool": pool.pool, "to": crate::tokens::ss58(&to),
			"from": crate::tokens::ss58(&owner.unwrap_or(me)), "messageHash": request.message_hash,
		});
		merge(&mut input, holding.to_json());
		let call = match owner {
			Some(owner) if owner != me => {
				TokenCall::TransferFrom { pool: pool.pool, owner, to, holding, message_hash }
			}
			_ => TokenCall::Transfer { pool: pool.pool, to, holding, message_hash },
		};
		self.submit_token_call(namespace, call, input, None, request.idempotency_key.as_deref())
			.await
	}

	/// What `account` holds in a pool (from the chain's latest imported block).
	pub async fn token_balance(
		&self,
		namespace: &str,
		pool: &PoolRef,
		account: &str,
	) -> Result<Value, ExchangeError> {
		let pool = self.token_pool(namespace, pool).await?;
		let account = self.resolve_account(account)?;
		let chain = &self.inner.chain;
		let balance = chain
			.token_balance(pool.pool, account)
			.map_err(ExchangeError::Chain)?
			.ok_or_else(|| ExchangeError::NotFound(format!("token pool {}", pool.pool)))?;
		let mut view = json!({
			"pool": pool.pool, "name": pool.name, "type": pool.kind,
			"account": crate::tokens::ss58(&account), "balance": balance.to_string(),
		});
		if pool.pool_kind() == PoolKind::NonFungible {
			let items =
				chain.token_items(pool.pool, account, 1000).map_err(ExchangeError::Chain)?;
			merge(&mut view, json!({ "items": items }));
		}
		Ok(view)
	}

	/// Claims a business record key in `namespace`: the first claim on-chain wins.
	pub async fn claim_key(
		&self,
		namespace: &str,
		request: ClaimRequest,
	) -> Result<TokenOp, ExchangeError> {
		self.check_token_key(namespace, request.idempotency_key.as_deref()).await?;
		check_name("namespace", namespace)?;
		let key_hash = match (&request.key, &request.key_hash) {
			(Some(key), None) if !key.is_empty() && key.len() <= 1024 => blake2_256(key.as_bytes()),
			(None, Some(hash)) => parse_hash("keyHash", hash).map_err(bad)?,
			(Some(_), Some(_)) => return Err(bad("give key or keyHash, not both")),
			_ => return Err(bad("give key (1 to 1024 bytes) or keyHash")),
		};
		let owner = match &request.owner {
			Some(owner) => self.resolve_account(owner)?,
			None => self.me()?.account,
		};
		let input =
			json!({ "keyHash": hex::encode(key_hash), "owner": crate::tokens::ss58(&owner) });
		let call = TokenCall::Claim { namespace: namespace.into(), key_hash, owner };
		self.submit_token_call(namespace, call, input, None, request.idempotency_key.as_deref())
			.await
	}

	/// Hands this node's claim on `key_hash` to another account.
	pub async fn transfer_claim(
		&self,
		namespace: &str,
		key_hash: &str,
		request: ClaimTransferRequest,
	) -> Result<TokenOp, ExchangeError> {
		check_name("namespace", namespace)?;
		let key_hash = parse_hash("keyHash", key_hash).map_err(bad)?;
		let to = self.resolve_account(&request.to)?;
		let input = json!({ "keyHash": hex::encode(key_hash), "to": crate::tokens::ss58(&to) });
		let call = TokenCall::TransferClaim { namespace: namespace.into(), key_hash, to };
		self.submit_token_call(namespace, call, input, None, None).await
	}

	/// Releases this node's claim on `key_hash`.
	pub async fn release_claim(
		&self,
		namespace: &str,
		key_hash: &str,
	) -> Result<TokenOp, ExchangeError> {
		check_name("namespace", namespace)?;
		let key_hash = parse_hash("keyHash", key_hash).map_err(bad)?;
		let input = json!({ "keyHash": hex::encode(key_hash) });
		let call = TokenCall::ReleaseClaim { namespace: namespace.into(), key_hash };
		self.submit_token_call(namespace, call, input, None, None).await
	}

	/// Locks a payment from this node's account to `payee` until this node acknowledges the
	/// batch on-chain (delivery versus payment), or, with a key hash, until the payee reveals
	/// the sale key that opens the batch (hash-locked); refunded after `timeout` blocks
	/// otherwise.
	pub async fn lock_escrow(
		&self,
		namespace: &str,
		request: EscrowRequest,
	) -> Result<TokenOp, ExchangeError> {
		self.check_token_key(namespace, request.idempotency_key.as_deref()).await?;
		let pool = self.token_pool(namespace, &request.pool).await?;
		if pool.pool_kind() != PoolKind::Fungible {
			return Err(bad("escrows pay in fungible pools"));
		}
		let Holding::Amount(amount) = holding(&Some(request.amount.clone()), &None)? else {
			return Err(bad("an escrow locks an amount"));
		};
		let payee = self.resolve_account(&request.payee)?;
		let me = self.me()?;
		if payee == me.account {
			return Err(bad("the payee is this node's own account"));
		}
		if request.timeout == 0 || request.timeout > MAX_ESCROW_TIMEOUT {
			return Err(bad(format!("timeout is 1 to {MAX_ESCROW_TIMEOUT} blocks")));
		}
		let batch_hash = match (&request.batch, &request.batch_hash) {
			(Some(batch), None) => {
				let id = hex::decode(batch.trim_start_matches("0x"))
					.ok()
					.filter(|b| b.len() == 16)
					.ok_or_else(|| bad("batch must be a 16-byte hex id"))?;
				let hash =
					self.inner.store.pinned_hash(&hex::encode(id)).await?.ok_or_else(|| {
						ExchangeError::NotFound(format!("no pin of batch {batch}"))
					})?;
				parse_hash("batch hash", &hash).map_err(bad)?
			}
			(None, Some(hash)) => parse_hash("batchHash", hash).map_err(bad)?,
			_ => return Err(bad("give batch (a pinned batch id) or batchHash")),
		};
		let key_hash = request
			.key_hash
			.as_deref()
			.map(|h| parse_hash("keyHash", h).map_err(bad))
			.transpose()?;
		self.check_holds(&pool, &me.account, &Holding::Amount(amount))?;
		let mut input = json!({
			"pool": pool.pool, "payee": crate::tokens::ss58(&payee), "amount": amount.to_string(),
			"batchHash": hex::encode(batch_hash), "node": me.id, "timeout": request.timeout,
		});
		if let Some(key_hash) = &key_hash {
			merge(&mut input, json!({ "keyHash": hex::encode(key_hash) }));
		}
		let call = TokenCall::LockEscrow {
			pool: pool.pool,
			payee,
			amount,
			batch_hash,
			node: me.id,
			timeout: request.timeout,
			key_hash,
		};
		self.submit_token_call(namespace, call, input, None, request.idempotency_key.as_deref())
			.await
	}

	/// Retries the release (`release = true`) or the refund of escrow `escrow` on-chain. The
	/// pallet settles escrows by itself (on the acknowledgement, at the expiry block); this is
	/// for an app that wants to push one through, and the chain refuses it unless it is due.
	pub async fn settle_escrow(
		&self,
		namespace: &str,
		escrow: u64,
		release: bool,
	) -> Result<TokenOp, ExchangeError> {
		check_name("namespace", namespace)?;
		let input = json!({ "escrow": escrow });
		let call = if release {
			TokenCall::ReleaseEscrow { escrow }
		} else {
			TokenCall::RefundEscrow { escrow }
		};
		self.submit_token_call(namespace, call, input, None, None).await
	}

	/// Checks the transfer a message declares, as [`TransferRef`] (this node pays).
	pub(crate) async fn message_transfer(
		&self,
		namespace: &str,
		request: &MessageTransferRequest,
	) -> Result<TransferRef, ExchangeError> {
		let pool = self.token_pool(namespace, &request.pool).await?;
		let holding = holding(&request.amount, &request.index)?;
		let to = self.resolve_account(&request.to)?;
		self.check_holds(&pool, &self.me()?.account, &holding)?;
		Ok(TransferRef { pool: pool.pool, to, holding })
	}

	/// Checks the price of a message for sale: a positive amount of a fungible pool of the
	/// namespace.
	pub(crate) async fn sale_price(
		&self,
		namespace: &str,
		request: &super::SaleRequest,
	) -> Result<crate::store::sales::Price, ExchangeError> {
		let pool = self.token_pool(namespace, &request.pool).await?;
		if pool.pool_kind() != PoolKind::Fungible {
			return Err(bad("a price is paid in a fungible pool"));
		}
		let Holding::Amount(amount) = holding(&Some(request.amount.clone()), &None)? else {
			return Err(bad("a price is an amount"));
		};
		Ok(crate::store::sales::Price { pool: pool.pool, amount })
	}
}

pub(super) fn merge(base: &mut Value, extra: Value) {
	if let (Value::Object(map), Value::Object(extra)) = (base, extra) {
		map.extend(extra);
	}
}
