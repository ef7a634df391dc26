//! Sales (hash-locked delivery versus payment): the seller's price of a batch, the hash-locked
//! escrows and the sale keys the chain revealed, and the offers this node holds as a buyer.

use super::{hash_col, NewEvent, Result, Store, StoreError};
use crate::{
	sale::SaleTerms,
	tokens::{ss58, EscrowId},
	types::{now_ms, BatchId, Hash, NodeId},
};
use serde_json::json;
use sqlx::Row;

/// The price a seller set on its message: the pool and least amount (the payee is the
/// seller node's own account).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
	/// The fungible pool.
	pub pool: u32,
	/// The least amount.
	pub amount: u128,
}

impl Price {
	/// As stored in `messages.sale`.
	pub fn to_json(&self) -> serde_json::Value {
		json!({ "pool": self.pool, "amount": self.amount.to_string() })
	}

	fn from_json(text: &str) -> Result<Self> {
		let value: serde_json::Value =
			serde_json::from_str(text).map_err(|_| StoreError::Corrupt("sale"))?;
		let pool = value["pool"].as_u64().and_then(|p| u32::try_from(p).ok());
		let amount = value["amount"].as_str().and_then(|a| a.parse::<u128>().ok());
		match (pool, amount) {
			(Some(pool), Some(amount)) => Ok(Self { pool, amount }),
			_ => Err(StoreError::Corrupt("sale")),
		}
	}
}

/// A hash-locked escrow as the chain recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedEscrow {
	/// Who is paid (SS58).
	pub payee: String,
	/// The pool.
	pub pool: u32,
	/// How much.
	pub amount: u128,
	/// The batch it pays for.
	pub batch_hash: Hash,
	/// The hash of the key that releases it.
	pub key_hash: Hash,
	/// Whether it is still locked.
	pub locked: bool,
}

/// A batch for sale that this node received, as its outer envelope tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer<'a> {
	/// The batch.
	pub batch_id: BatchId,
	/// Its namespace (the pin's).
	pub namespace: &'a str,
	/// Its pinned hash.
	pub batch_hash: Hash,
	/// The seller node.
	pub seller: NodeId,
	/// The seller's terms.
	pub terms: &'a SaleTerms,
	/// The hash of the sale key to lock a payment against.
	pub key_hash: Hash,
}

impl Store {
	/// The price of the message for sale in batch `batch_id`, if this node sells it.
	pub async fn price_of_batch(&self, batch_id: &BatchId) -> Result<Option<Price>> {
		let row = sqlx::query(
			"SELECT sale FROM messages WHERE batch_id = $1 AND sale IS NOT NULL LIMIT 1",
		)
		.bind(hex::encode(batch_id))
		.fetch_optional(self.reads())
		.await?;
		row.map(|r| Price::from_json(&r.try_get::<String, _>("sale")?)).transpose()
	}

	/// The batch this node authored with hash `batch_hash`.
	pub async fn authored_batch_of_hash(&self, batch_hash: &Hash) -> Result<Option<BatchId>> {
		let row = sqlx::query("SELECT id FROM batches WHERE hash = $1")
			.bind(hex::encode(batch_hash))
			.fetch_optional(self.reads())
			.await?;
		row.map(|r| super::id_col(&r, "id")).transpose()
	}

	/// Escrow `escrow`, if the chain recorded it as hash-locked.
	pub async fn keyed_escrow(&self, escrow: EscrowId) -> Result<Option<KeyedEscrow>> {
		let row = sqlx::query(
			"SELECT payee, pool, amount, batch_hash, key_hash, state FROM escrows WHERE id = $1 AND key_hash IS NOT NULL",
		)
		.bind(escrow as i64)
		.fetch_optional(self.reads())
		.await?;
		let Some(row) = row else { return Ok(None) };
		let amount: String = row.try_get("amount")?;
		Ok(Some(KeyedEscrow {
			payee: row.try_get("payee")?,
			pool: u32::try_from(row.try_get::<i64, _>("pool")?)
				.map_err(|_| StoreError::Corrupt("pool"))?,
			amount: amount.parse().map_err(|_| StoreError::Corrupt("amount"))?,
			batch_hash: hash_col(&row, "batch_hash")?,
			key_hash: hash_col(&row, "key_hash")?,
			locked: row.try_get::<String, _>("state")? == "locked",
		}))
	}

	/// The sale key hashing to `key_hash`, once the chain revealed it.
	pub async fn revealed_key(&self, key_hash: &Hash) -> Result<Option<[u8; 32]>> {
		let row = sqlx::query(
			"SELECT sale_key FROM escrows WHERE key_hash = $1 AND sale_key IS NOT NULL LIMIT 1",
		)
		.bind(hex::encode(key_hash))
		.fetch_optional(self.reads())
		.await?;
		row.map(|r| hash_col(&r, "sale_key")).transpose()
	}

	/// Whether this node already revealed (or is revealing) the sale key of batch `batch_id`:
	/// a reveal submitted that has not failed. The seller takes one payment per batch, so that a
	/// buyer that locked twice by mistake gets the second back at its timeout.
	pub async fn sale_key_claimed(&self, batch_id: &BatchId) -> Result<bool> {
		Ok(sqlx::query(
			"SELECT 1 FROM token_ops WHERE kind = 'reveal_key' AND input LIKE $1 AND state <> 'failed' LIMIT 1",
		)
		.bind(format!("%\"batch\":\"{}\"%", hex::encode(batch_id)))
		.fetch_optional(self.reads())
		.await?
		.is_some())
	}

	/// Records a batch for sale received here, with a `batch_offered` event for the apps, once.
	/// Returns whether it is new.
	pub async fn record_offer(&self, offer: &Offer<'_>) -> Result<bool> {
		let mut tx = self.pool().begin().await?;
		let id = hex::encode(offer.batch_id);
		let (batch_hash, key_hash) = (hex::encode(offer.batch_hash), hex::encode(offer.key_hash));
		let payee = ss58(&offer.terms.payee);
		let inserted = sqlx::query(
			"INSERT INTO offers (batch_id, namespace, batch_hash, key_hash, seller, pool, amount, payee, state, offered) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'offered', $9) ON CONFLICT (batch_id) DO NOTHING",
		)
		.bind(&id)
		.bind(offer.namespace)
		.bind(&batch_hash)
		.bind(&key_hash)
		.bind(offer.seller as i64)
		.bind(offer.terms.pool as i64)
		.bind(offer.terms.amount.to_string())
		.bind(&payee)
		.bind(now_ms())
		.execute(&mut *tx)
		.await?
		.rows_affected();
		if inserted == 0 {
			return Ok(false);
		}
		let detail = json!({
			"batch": id, "batch_hash": batch_hash, "key_hash": key_hash, "seller": offer.seller,
			"pool": offer.terms.pool, "amount": offer.terms.amount.to_string(), "payee": payee,
		});
		Store::append_event(
			&mut tx,
			&NewEvent {
				kind: "batch_offered",
				namespace: offer.namespace,
				reference: &id,
				detail: Some(&detail),
				..Default::default()
			},
		)
		.await?;
		tx.commit().await?;
		Ok(true)
	}

	/// Marks an offer opened: its key was revealed and its batch released.
	pub async fn offer_opened(&self, batch_id: &BatchId) -> Result<()> {
		sqlx::query("UPDATE offers SET state = 'opened', opened = $1 WHERE batch_id = $2")
			.bind(now_ms())
			.bind(hex::encode(batch_id))
			.execute(self.pool())
			.await?;
		Ok(())
	}
}
