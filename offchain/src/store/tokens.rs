//! Token pools as this node knows them, and the token operations this node submitted for its
//! apps. What the chain's token events change is recorded in [`super::token_events`].

use super::{NewEvent, Result, Store, StoreError};
use crate::{
	tokens::{PoolId, PoolKind},
	types::{now_ms, Hash},
};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{any::AnyRow, Row};

/// A transaction of the store.
pub(crate) type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// A pool as this node knows it from the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PoolRow {
	/// Pool id.
	pub pool: PoolId,
	/// Namespace.
	pub namespace: String,
	/// Name.
	pub name: String,
	/// Symbol.
	pub symbol: String,
	/// Decimals.
	pub decimals: u8,
	/// `fungible` or `nonfungible`.
	#[serde(rename = "type")]
	pub kind: String,
	/// Owning org's identity id.
	pub org: u32,
	/// Creator (SS58).
	pub creator: String,
	/// The block it was created in.
	pub block: u64,
}

impl PoolRow {
	/// Its kind.
	pub fn pool_kind(&self) -> PoolKind {
		PoolKind::parse(&self.kind).unwrap_or(PoolKind::Fungible)
	}

	fn from_row(row: &AnyRow) -> Result<Self> {
		Ok(Self {
			pool: row.try_get::<i64, _>("pool")? as PoolId,
			namespace: row.try_get("namespace")?,
			name: row.try_get("name")?,
			symbol: row.try_get("symbol")?,
			decimals: row.try_get::<i64, _>("decimals")? as u8,
			kind: row.try_get("kind")?,
			org: row.try_get::<i64, _>("org")? as u32,
			creator: row.try_get("creator")?,
			block: row.try_get::<i64, _>("block")? as u64,
		})
	}
}

/// A transfer seen on-chain, by the message hash it carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageTransfer {
	/// Pool.
	pub pool: PoolId,
	/// From (SS58).
	pub from: String,
	/// To (SS58).
	pub to: String,
	/// Amount (decimal; 1 for an item).
	pub amount: String,
	/// Item index.
	pub item: Option<i64>,
	/// Block.
	pub block: u64,
}

/// A token operation: a tokens pallet call this node signed for an app.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TokenOp {
	/// Its id (UUID).
	pub id: String,
	/// Namespace.
	pub namespace: String,
	/// The call (`create_pool`, `mint`, `transfer`, `claim`, `lock_escrow`, …).
	pub kind: String,
	/// What the app asked for.
	pub input: Value,
	/// The transaction hash, once signed (before it goes to the pool).
	pub tx_hash: Option<String>,
	/// `submitting`, `submitted`, `succeeded` or `failed`.
	pub state: String,
	/// Why it failed: the pallet error (`Tokens.AlreadyClaimed`), or the pool's refusal.
	pub error: Option<String>,
	/// The block it was included in.
	pub block: Option<u64>,
	/// The events it caused (pool id, escrow id, …).
	pub result: Option<Value>,
	/// The message it goes with (a transfer sent with a message).
	pub message: Option<String>,
	/// The app's idempotency key, unique in the namespace.
	pub idempotency_key: Option<String>,
	/// Created (ms since the epoch).
	pub created: i64,
	/// Last change (ms since the epoch).
	pub updated: i64,
}

impl TokenOp {
	fn from_row(row: &AnyRow) -> Result<Self> {
		let json = |column: &'static str| -> Result<Option<Value>> {
			row.try_get::<Option<String>, _>(column)?
				.map(|t| serde_json::from_str(&t).map_err(|_| StoreError::Corrupt(column)))
				.transpose()
		};
		Ok(Self {
			id: row.try_get("id")?,
			namespace: row.try_get("namespace")?,
			kind: row.try_get("kind")?,
			input: json("input")?.unwrap_or(Value::Null),
			tx_hash: row.try_get("tx_hash")?,
			state: row.try_get("state")?,
			error: row.try_get("error")?,
			block: row.try_get::<Option<i64>, _>("block")?.map(|b| b as u64),
			result: json("result")?,
			message: row.try_get("message_id")?,
			idempotency_key: row.try_get("idempotency_key")?,
			created: row.try_get("created")?,
			updated: row.try_get("updated")?,
		})
	}

	/// Whether it has succeeded or failed.
	pub fn is_settled(&self) -> bool {
		self.state == "succeeded" || self.state == "failed"
	}
}

/// A token operation to record, before its transaction is signed.
#[derive(Clone, Copy, Debug)]
pub struct NewTokenOp<'a> {
	/// Its id (UUID).
	pub id: &'a str,
	/// Namespace.
	pub namespace: &'a str,
	/// The call's kind.
	pub kind: &'a str,
	/// What the app asked for.
	pub input: &'a Value,
	/// The message it goes with.
	pub message_id: Option<&'a str>,
	/// The app's idempotency key.
	pub idempotency_key: Option<&'a str>,
}

const OP_COLUMNS: &str = "id, namespace, kind, input, tx_hash, state, error, block, result, \
	message_id, idempotency_key, created, updated";

impl Store {
	/// A pool by id, if it is in `namespace`.
	pub async fn token_pool(&self, namespace: &str, pool: PoolId) -> Result<Option<PoolRow>> {
		sqlx::query("SELECT pool, namespace, name, symbol, decimals, kind, org, creator, block FROM token_pools WHERE pool = $1 AND namespace = $2")
			.bind(pool as i64)
			.bind(namespace)
			.fetch_optional(self.reads())
			.await?
			.map(|r| PoolRow::from_row(&r))
			.transpose()
	}

	/// A pool by name in `namespace`.
	pub async fn token_pool_by_name(&self, namespace: &str, name: &str) -> Result<Option<PoolRow>> {
		sqlx::query("SELECT pool, namespace, name, symbol, decimals, kind, org, creator, block FROM token_pools WHERE namespace = $1 AND name = $2")
			.bind(namespace)
			.bind(name)
			.fetch_optional(self.reads())
			.await?
			.map(|r| PoolRow::from_row(&r))
			.transpose()
	}

	/// The on-chain transfer that carried `message_hash`, if any (the first one).
	pub async fn transfer_for_message(
		&self,
		message_hash: &Hash,
	) -> Result<Option<MessageTransfer>> {
		let row = sqlx::query("SELECT pool, from_account, to_account, amount, item, block FROM token_transfers WHERE message_hash = $1 AND type = 'transfer' ORDER BY block, event_index LIMIT 1")
			.bind(hex::encode(message_hash))
			.fetch_optional(self.reads())
			.await?;
		row.map(|r| -> Result<MessageTransfer> {
			Ok(MessageTransfer {
				pool: r.try_get::<i64, _>("pool")? as PoolId,
				from: r.try_get::<Option<String>, _>("from_account")?.unwrap_or_default(),
				to: r.try_get::<Option<String>, _>("to_account")?.unwrap_or_default(),
				amount: r.try_get("amount")?,
				item: r.try_get("item")?,
				block: r.try_get::<i64, _>("block")? as u64,
			})
		})
		.transpose()
	}

	/// The hash pinned for batch `batch_id` (hex), if this node saw the pin.
	pub async fn pinned_hash(&self, batch_id: &str) -> Result<Option<String>> {
		Ok(sqlx::query("SELECT batch_hash FROM pins WHERE batch_id = $1")
			.bind(batch_id)
			.fetch_optional(self.reads())
			.await?
			.map(|r| r.try_get("batch_hash"))
			.transpose()?)
	}

	/// Records a new token operation, before its transaction is signed. Fails with
	/// [`StoreError::Duplicate`] (naming the first operation) if its idempotency key was used.
	pub async fn insert_token_op(&self, op: &NewTokenOp<'_>) -> Result<()> {
		if let Some(key) = op.idempotency_key {
			if let Some(original) = self.token_op_by_key(op.namespace, key).await? {
				return Err(StoreError::Duplicate(original));
			}
		}
		let now = now_ms();
		let inserted = sqlx::query("INSERT INTO token_ops (id, namespace, kind, input, state, message_id, idempotency_key, created, updated) VALUES ($1, $2, $3, $4, 'submitting', $5, $6, $7, $7)")
			.bind(op.id)
			.bind(op.namespace)
			.bind(op.kind)
			.bind(op.input.to_string())
			.bind(op.message_id)
			.bind(op.idempotency_key)
			.bind(now)
			.execute(self.pool())
			.await;
		match (inserted, op.idempotency_key) {
			(Ok(_), _) => Ok(()),
			// Two requests with the same key at once: the unique index let one through.
			(Err(e), Some(key)) => match self.token_op_by_key(op.namespace, key).await? {
				Some(original) => Err(StoreError::Duplicate(original)),
				None => Err(e.into()),
			},
			(Err(e), None) => Err(e.into()),
		}
	}

	/// The id of the token operation with idempotency key `key` in `namespace`, if any.
	pub async fn token_op_by_key(&self, namespace: &str, key: &str) -> Result<Option<String>> {
		Ok(sqlx::query("SELECT id FROM token_ops WHERE namespace = $1 AND idempotency_key = $2")
			.bind(namespace)
			.bind(key)
			.fetch_optional(self.reads())
			.await?
			.map(|r| r.try_get("id"))
			.transpose()?)
	}

	/// The operation's transaction is signed and about to go to the pool: its hash and era are
	/// kept first, so that a node stopped from here on still follows it to its outcome.
	pub async fn token_op_signed(&self, id: &str, tx_hash: &Hash, valid_until: u64) -> Result<()> {
		sqlx::query("UPDATE token_ops SET tx_hash = $1, valid_until = $2, updated = $3 WHERE id = $4 AND state = 'submitting'")
			.bind(hex::encode(tx_hash))
			.bind(valid_until as i64)
			.bind(now_ms())
			.bind(id)
			.execute(self.pool())
			.await?;
		Ok(())
	}

	/// The transaction pool took the operation's transaction (whose hash and era
	/// [`Store::token_op_signed`] kept).
	pub async fn token_op_submitted(&self, id: &str) -> Result<()> {
		sqlx::query("UPDATE token_ops SET state = 'submitted', updated = $1 WHERE id = $2 AND state = 'submitting'")
			.bind(now_ms())
			.bind(id)
			.execute(self.pool())
			.await?;
		Ok(())
	}

	/// The local pool refused an operation's transaction after it was signed. A refusal is one
	/// view's answer, not the chain's: the pool validates against each block it builds on, a view
	/// made meanwhile may hold the transaction, and it may land. A signed operation is therefore
	/// followed like a submitted one, to a block or to the end of its era, with the refusal kept
	/// as its note (the error it fails with if the era ends). Returns false, changing nothing,
	/// for an operation that was never signed (it fails at once: see
	/// [`Store::token_op_refused`]).
	pub async fn token_op_in_doubt(&self, id: &str, refusal: &str) -> Result<bool> {
		let done = sqlx::query("UPDATE token_ops SET state = 'submitted', error = $1, updated = $2 WHERE id = $3 AND state = 'submitting' AND tx_hash IS NOT NULL")
			.bind(refusal)
			.bind(now_ms())
			.bind(id)
			.execute(self.pool())
			.await?;
		Ok(done.rows_affected() == 1)
	}

	/// The operation failed before its transaction was signed (nothing left the node): it and
	/// the message it goes with, if any, are failed, with events.
	pub async fn token_op_refused(&self, id: &str, error: &str) -> Result<()> {
		let mut tx = self.pool().begin().await?;
		fail_op(&mut tx, id, error, None).await?;
		tx.commit().await?;
		Ok(())
	}

	/// Settles what a node that stopped left `submitting`. An operation whose transaction was
	/// signed may have reached the pool (and other nodes' pools) before the stop: it becomes
	/// `submitted` and is followed like any other, to a block or to the end of its era. One
	/// that was never signed never left the node: it fails, saying so. Returns how many failed.
	pub async fn fail_interrupted_token_ops(&self) -> Result<u64> {
		sqlx::query("UPDATE token_ops SET state = 'submitted', updated = $1 WHERE state = 'submitting' AND tx_hash IS NOT NULL")
			.bind(now_ms())
			.execute(self.pool())
			.await?;
		let ids: Vec<String> = sqlx::query("SELECT id FROM token_ops WHERE state = 'submitting'")
			.fetch_all(self.reads())
			.await?
			.iter()
			.map(|r| r.try_get("id"))
			.collect::<std::result::Result<_, _>>()?;
		for id in &ids {
			let mut tx = self.pool().begin().await?;
			fail_op(
				&mut tx,
				id,
				"the node stopped before signing it: nothing was sent to the chain",
				None,
			)
			.await?;
			tx.commit().await?;
		}
		Ok(ids.len() as u64)
	}

	/// A token operation by id.
	pub async fn token_op(&self, id: &str) -> Result<Option<TokenOp>> {
		sqlx::query(&format!("SELECT {OP_COLUMNS} FROM token_ops WHERE id = $1"))
			.bind(id)
			.fetch_optional(self.reads())
			.await?
			.map(|r| TokenOp::from_row(&r))
			.transpose()
	}
}

/// Fails operation `id` (if not settled), with its `token_operation_failed` event. A message
/// waiting for it is rejected by the send room (`Store::settle_awaited_transfers`).
pub(crate) async fn fail_op(
	tx: &mut Tx<'_>,
	id: &str,
	error: &str,
	block: Option<u64>,
) -> Result<()> {
	let Some(row) = sqlx::query("SELECT namespace, message_id, state FROM token_ops WHERE id = $1")
		.bind(id)
		.fetch_optional(&mut **tx)
		.await?
	else {
		return Ok(());
	};
	let state: String = row.try_get("state")?;
	if state == "succeeded" || state == "failed" {
		return Ok(());
	}
	let namespace: String = row.try_get("namespace")?;
	let message: Option<String> = row.try_get("message_id")?;
	sqlx::query(
		"UPDATE token_ops SET state = 'failed', error = $1, block = $2, updated = $3 WHERE id = $4",
	)
	.bind(error)
	.bind(block.map(|b| b as i64))
	.bind(now_ms())
	.bind(id)
	.execute(&mut **tx)
	.await?;
	let detail = json!({ "error": error, "block": block, "message": message });
	Store::append_event(
		tx,
		&NewEvent {
			kind: "token_operation_failed",
			namespace: &namespace,
			reference: id,
			detail: Some(&detail),
			..Default::default()
		},
	)
	.await?;
	Ok(())
}
