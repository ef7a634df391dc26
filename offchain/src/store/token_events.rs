//! What the tokens pallet did, as this node followed it: [`record`] runs inside the transaction
//! that records a block (see `Store::record_block`), so a block's token events and the
//! operations it settles are written together with the block cursor, or not at all. A message
//! waiting for one of those operations is the send room's to let go (`store/awaited.rs`).

use super::tokens::{fail_op, Tx};
use super::{NewEvent, Result, Store};
use crate::{
	chain::ChainBlock,
	tokens::{ss58, Account, ExtrinsicOutcome, Holding, PoolId, TokenEvent, TokenRecord},
	types::now_ms,
};
use serde_json::{json, Value};
use sqlx::Row;

/// The namespace of pool `pool` ("default" if this node has not seen it created).
async fn pool_namespace(tx: &mut Tx<'_>, pool: PoolId) -> Result<String> {
	Ok(sqlx::query("SELECT namespace FROM token_pools WHERE pool = $1")
		.bind(pool as i64)
		.fetch_optional(&mut **tx)
		.await?
		.map(|r| r.try_get("namespace"))
		.transpose()?
		.unwrap_or_else(|| "default".into()))
}

/// Records block `block`'s token events and settles the token operations it decides.
pub(crate) async fn record(tx: &mut Tx<'_>, block: &ChainBlock) -> Result<()> {
	for record in &block.tokens {
		record_event(tx, block.number, record).await?;
	}
	settle_ops(tx, block).await
}

async fn record_event(tx: &mut Tx<'_>, number: u64, record: &TokenRecord) -> Result<()> {
	let at = (number as i64, record.event_index as i64);
	let detail = {
		let mut d = record.event.to_json();
		if let Value::Object(map) = &mut d {
			map.insert("block".into(), json!(number));
		}
		d
	};
	let (namespace, reference): (String, String) = match &record.event {
		TokenEvent::PoolCreated {
			pool,
			kind,
			org,
			namespace,
			name,
			symbol,
			decimals,
			metadata_uri,
			metadata_hash,
			creator,
		} => {
			let inserted = sqlx::query("INSERT INTO token_pools (pool, namespace, name, symbol, decimals, kind, org, creator, metadata_uri, metadata_hash, block) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (pool) DO NOTHING")
				.bind(*pool as i64)
				.bind(namespace)
				.bind(name)
				.bind(symbol)
				.bind(*decimals as i64)
				.bind(kind.as_str())
				.bind(*org as i64)
				.bind(ss58(creator))
				.bind(metadata_uri)
				.bind(metadata_hash.as_ref().map(hex::encode))
				.bind(number as i64)
				.execute(&mut **tx)
				.await?
				.rows_affected();
			if inserted == 0 {
				return Ok(());
			}
			(namespace.clone(), pool.to_string())
		}
		TokenEvent::Minted { pool, to, holding, metadata_hash, operator } => {
			let ns = pool_namespace(tx, *pool).await?;
			let row = TransferRow {
				kind: "mint",
				from: None,
				to: Some(ss58(to)),
				holding,
				message_hash: None,
				operator: Some(ss58(operator)),
				metadata_hash: metadata_hash.as_ref().map(hex::encode),
			};
			if !insert_transfer(tx, at, &ns, *pool, &row).await? {
				return Ok(());
			}
			(ns, pool.to_string())
		}
		TokenEvent::Burned { pool, from, holding } => {
			let ns = pool_namespace(tx, *pool).await?;
			let row = TransferRow {
				kind: "burn",
				from: Some(ss58(from)),
				to: None,
				holding,
				message_hash: None,
				operator: Some(ss58(from)),
				metadata_hash: None,
			};
			if !insert_transfer(tx, at, &ns, *pool, &row).await? {
				return Ok(());
			}
			(ns, pool.to_string())
		}
		TokenEvent::Transferred { pool, from, to, holding, message_hash, operator } => {
			let ns = pool_namespace(tx, *pool).await?;
			let row = TransferRow {
				kind: "transfer",
				from: Some(ss58(from)),
				to: Some(ss58(to)),
				holding,
				message_hash: message_hash.as_ref().map(hex::encode),
				operator: Some(ss58(operator)),
				metadata_hash: None,
			};
			if !insert_transfer(tx, at, &ns, *pool, &row).await? {
				return Ok(());
			}
			(ns, pool.to_string())
		}
		TokenEvent::Approved { pool, owner, delegate, holding } => {
			let row = ApprovalRow { action: "approve", pool: *pool, owner, delegate, holding };
			match insert_approval(tx, at, &row).await? {
				Some(ns) => (ns, pool.to_string()),
				None => return Ok(()),
			}
		}
		TokenEvent::AllowanceSet { pool, owner, delegate, amount } => {
			let holding = &Holding::Amount(*amount);
			let row = ApprovalRow { action: "set", pool: *pool, owner, delegate, holding };
			match insert_approval(tx, at, &row).await? {
				Some(ns) => (ns, pool.to_string()),
				None => return Ok(()),
			}
		}
		TokenEvent::ApprovalRevoked { pool, owner, delegate, item } => {
			let holding = &Holding::Item(*item);
			let row = ApprovalRow { action: "revoke", pool: *pool, owner, delegate, holding };
			match insert_approval(tx, at, &row).await? {
				Some(ns) => (ns, pool.to_string()),
				None => return Ok(()),
			}
		}
		TokenEvent::Claimed { namespace, key_hash, owner, by } => {
			let key = hex::encode(key_hash);
			if !claim_history(tx, at, namespace, &key, "claimed", None, Some(&ss58(owner))).await? {
				return Ok(());
			}
			sqlx::query("INSERT INTO claims (namespace, key_hash, owner, claimed_by, state, block, updated_block) VALUES ($1, $2, $3, $4, 'claimed', $5, $5) ON CONFLICT (namespace, key_hash) DO UPDATE SET owner = $3, claimed_by = $4, state = 'claimed', block = $5, updated_block = $5")
				.bind(namespace)
				.bind(&key)
				.bind(ss58(owner))
				.bind(ss58(by))
				.bind(number as i64)
				.execute(&mut **tx)
				.await?;
			(namespace.clone(), key)
		}
		TokenEvent::ClaimTransferred { namespace, key_hash, from, to } => {
			let key = hex::encode(key_hash);
			let (from, to) = (ss58(from), ss58(to));
			if !claim_history(tx, at, namespace, &key, "transferred", Some(&from), Some(&to))
				.await?
			{
				return Ok(());
			}
			sqlx::query("UPDATE claims SET owner = $1, updated_block = $2 WHERE namespace = $3 AND key_hash = $4")
				.bind(&to)
				.bind(number as i64)
				.bind(namespace)
				.bind(&key)
				.execute(&mut **tx)
				.await?;
			(namespace.clone(), key)
		}
		TokenEvent::ClaimReleased { namespace, key_hash, owner } => {
			let key = hex::encode(key_hash);
			if !claim_history(tx, at, namespace, &key, "released", Some(&ss58(owner)), None).await?
			{
				return Ok(());
			}
			sqlx::query("UPDATE claims SET state = 'released', updated_block = $1 WHERE namespace = $2 AND key_hash = $3")
				.bind(number as i64)
				.bind(namespace)
				.bind(&key)
				.execute(&mut **tx)
				.await?;
			(namespace.clone(), key)
		}
		TokenEvent::EscrowLocked {
			escrow,
			payer,
			payee,
			pool,
			amount,
			batch_hash,
			node,
			expires_at,
		} => {
			let ns = pool_namespace(tx, *pool).await?;
			let inserted = sqlx::query("INSERT INTO escrows (id, namespace, pool, payer, payee, amount, batch_hash, node, expires_at, state, locked_block) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'locked', $10) ON CONFLICT (id) DO NOTHING")
				.bind(*escrow as i64)
				.bind(&ns)
				.bind(*pool as i64)
				.bind(ss58(payer))
				.bind(ss58(payee))
				.bind(amount.to_string())
				.bind(hex::encode(batch_hash))
				.bind(*node as i64)
				.bind(*expires_at as i64)
				.bind(number as i64)
				.execute(&mut **tx)
				.await?
				.rows_affected();
			if inserted == 0 {
				return Ok(());
			}
			(ns, escrow.to_string())
		}
		TokenEvent::EscrowKeyLocked { escrow, key_hash } => {
			let keyed =
				sqlx::query("UPDATE escrows SET key_hash = $1 WHERE id = $2 AND key_hash IS NULL")
					.bind(hex::encode(key_hash))
					.bind(*escrow as i64)
					.execute(&mut **tx)
					.await?
					.rows_affected();
			if keyed == 0 {
				return Ok(());
			}
			(escrow_namespace(tx, *escrow).await?, escrow.to_string())
		}
		TokenEvent::EscrowKeyRevealed { escrow, key, .. } => {
			let revealed =
				sqlx::query("UPDATE escrows SET sale_key = $1 WHERE id = $2 AND sale_key IS NULL")
					.bind(hex::encode(key))
					.bind(*escrow as i64)
					.execute(&mut **tx)
					.await?
					.rows_affected();
			if revealed == 0 {
				return Ok(());
			}
			(escrow_namespace(tx, *escrow).await?, escrow.to_string())
		}
		TokenEvent::EscrowReleased { escrow, .. } | TokenEvent::EscrowRefunded { escrow, .. } => {
			let state = match record.event {
				TokenEvent::EscrowReleased { .. } => "released",
				_ => "refunded",
			};
			let settled = sqlx::query("UPDATE escrows SET state = $1, settled_block = $2 WHERE id = $3 AND state = 'locked'")
				.bind(state)
				.bind(number as i64)
				.bind(*escrow as i64)
				.execute(&mut **tx)
				.await?
				.rows_affected();
			if settled == 0 {
				return Ok(());
			}
			(escrow_namespace(tx, *escrow).await?, escrow.to_string())
		}
	};
	Store::append_event(
		tx,
		&NewEvent {
			kind: record.event.event_type(),
			namespace: &namespace,
			reference: &reference,
			detail: Some(&detail),
			..Default::default()
		},
	)
	.await?;
	Ok(())
}

/// An approval seen on-chain: `approve` (an item, or an amount added to an allowance), `set`
/// (an allowance set to exactly the amount; `0`: withdrawn) or `revoke` (an item's approval
/// withdrawn).
struct ApprovalRow<'a> {
	action: &'static str,
	pool: PoolId,
	owner: &'a Account,
	delegate: &'a Account,
	holding: &'a Holding,
}

/// Inserts an approval row; its pool's namespace, or `None` if this event was recorded before.
async fn insert_approval(
	tx: &mut Tx<'_>,
	at: (i64, i64),
	row: &ApprovalRow<'_>,
) -> Result<Option<String>> {
	let ns = pool_namespace(tx, row.pool).await?;
	let inserted = sqlx::query("INSERT INTO token_approvals (block, event_index, namespace, pool, owner, delegate, amount, item, action) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (block, event_index) DO NOTHING")
		.bind(at.0)
		.bind(at.1)
		.bind(&ns)
		.bind(row.pool as i64)
		.bind(ss58(row.owner))
		.bind(ss58(row.delegate))
		.bind(row.holding.amount_text())
		.bind(row.holding.item())
		.bind(row.action)
		.execute(&mut **tx)
		.await?
		.rows_affected();
	Ok((inserted > 0).then_some(ns))
}

struct TransferRow<'a> {
	kind: &'static str,
	from: Option<String>,
	to: Option<String>,
	holding: &'a Holding,
	message_hash: Option<String>,
	operator: Option<String>,
	metadata_hash: Option<String>,
}

/// Inserts a mint, burn or transfer; false if this event was recorded before. A transfer that
/// carries the hash of a message this node holds is linked to it.
async fn insert_transfer(
	tx: &mut Tx<'_>,
	at: (i64, i64),
	namespace: &str,
	pool: PoolId,
	row: &TransferRow<'_>,
) -> Result<bool> {
	let message_id: Option<String> = match &row.message_hash {
		Some(hash) => sqlx::query("SELECT id FROM messages WHERE hash = $1")
			.bind(hash)
			.fetch_optional(&mut **tx)
			.await?
			.map(|r| r.try_get("id"))
			.transpose()?,
		None => None,
	};
	let inserted = sqlx::query("INSERT INTO token_transfers (block, event_index, namespace, pool, type, from_account, to_account, amount, item, message_hash, message_id, operator, metadata_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (block, event_index) DO NOTHING")
		.bind(at.0)
		.bind(at.1)
		.bind(namespace)
		.bind(pool as i64)
		.bind(row.kind)
		.bind(&row.from)
		.bind(&row.to)
		.bind(row.holding.amount_text())
		.bind(row.holding.item())
		.bind(&row.message_hash)
		.bind(&message_id)
		.bind(&row.operator)
		.bind(&row.metadata_hash)
		.execute(&mut **tx)
		.await?
		.rows_affected();
	Ok(inserted > 0)
}

async fn claim_history(
	tx: &mut Tx<'_>,
	at: (i64, i64),
	namespace: &str,
	key: &str,
	action: &str,
	from: Option<&str>,
	to: Option<&str>,
) -> Result<bool> {
	let inserted = sqlx::query("INSERT INTO claim_history (block, event_index, namespace, key_hash, action, from_account, to_account) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (block, event_index) DO NOTHING")
		.bind(at.0)
		.bind(at.1)
		.bind(namespace)
		.bind(key)
		.bind(action)
		.bind(from)
		.bind(to)
		.execute(&mut **tx)
		.await?
		.rows_affected();
	Ok(inserted > 0)
}

/// Settles the operations this block decides: the ones whose transaction is in it succeed
/// (with the events it caused) or fail (with its pallet error); the ones whose era ended
/// without them fail. An operation counts from the moment its transaction is signed (it may
/// land before the pool's answer is recorded).
async fn settle_ops(tx: &mut Tx<'_>, block: &ChainBlock) -> Result<()> {
	for ExtrinsicOutcome { index, hash, error } in &block.extrinsics {
		let Some(row) =
			sqlx::query("SELECT id, namespace, message_id FROM token_ops WHERE tx_hash = $1 AND state IN ('submitting', 'submitted')")
				.bind(hex::encode(hash))
				.fetch_optional(&mut **tx)
				.await?
		else {
			continue;
		};
		let id: String = row.try_get("id")?;
		if let Some(error) = error {
			fail_op(tx, &id, error, Some(block.number)).await?;
			continue;
		}
		let namespace: String = row.try_get("namespace")?;
		let message: Option<String> = row.try_get("message_id")?;
		let events: Vec<Value> = block
			.tokens
			.iter()
			.filter(|r| r.extrinsic == Some(*index))
			.map(|r| json!({ "type": r.event.event_type(), "detail": r.event.to_json() }))
			.collect();
		let result = Value::Array(events);
		sqlx::query("UPDATE token_ops SET state = 'succeeded', block = $1, result = $2, error = NULL, updated = $3 WHERE id = $4")
			.bind(block.number as i64)
			.bind(result.to_string())
			.bind(now_ms())
			.bind(&id)
			.execute(&mut **tx)
			.await?;
		let detail = json!({ "block": block.number, "result": result, "message": message });
		Store::append_event(
			tx,
			&NewEvent {
				kind: "token_operation_succeeded",
				namespace: &namespace,
				reference: &id,
				detail: Some(&detail),
				..Default::default()
			},
		)
		.await?;
	}
	let expired: Vec<(String, Option<String>)> = sqlx::query(
		"SELECT id, error FROM token_ops WHERE state IN ('submitting', 'submitted') AND valid_until < $1",
	)
	.bind(block.number as i64)
	.fetch_all(&mut **tx)
	.await?
	.iter()
	.map(|r| Ok((r.try_get("id")?, r.try_get("error")?)))
	.collect::<std::result::Result<_, sqlx::Error>>()?;
	for (id, refusal) in expired {
		let mut error = "the transaction was not included before its era ended".to_string();
		if let Some(refusal) = refusal {
			error = format!("{error} ({refusal})");
		}
		fail_op(tx, &id, &error, Some(block.number)).await?;
	}
	Ok(())
}

/// The namespace of an escrow already recorded.
async fn escrow_namespace(tx: &mut Tx<'_>, escrow: crate::tokens::EscrowId) -> Result<String> {
	Ok(sqlx::query("SELECT namespace FROM escrows WHERE id = $1")
		.bind(escrow as i64)
		.fetch_one(&mut **tx)
		.await?
		.try_get("namespace")?)
}
