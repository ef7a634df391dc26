//! Messages that go with a token transfer wait (`awaiting_transfer`) until the token
//! operation that makes the transfer is settled by the chain. The operation is the token calls'
//! (settled when a block is recorded); the message is the send room's, which lets it go or
//! rejects it here ([`Store::settle_awaited_transfers`], run by the batcher before each cut), so
//! recording a block writes no message of this node's.

use super::{tokens::Tx, NewEvent, Result, Store};
use serde_json::{json, Value};
use sqlx::Row;

/// What settling the waiting messages did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Awaited {
	/// Messages whose transfer landed: pending now, to be batched.
	pub released: usize,
	/// Messages whose transfer failed: rejected, with a `message_rejected` event.
	pub rejected: usize,
}

impl Store {
	/// Lets go each message whose token transfer landed (pending, its transfer record given the
	/// block and the sender), and rejects each whose transfer failed, with the operation's error.
	pub async fn settle_awaited_transfers(&self) -> Result<Awaited> {
		let mut tx = self.pool().begin().await?;
		let rows = sqlx::query(
			"SELECT m.id, m.namespace, o.state, o.error, o.block FROM messages m JOIN token_ops o ON o.message_id = m.id WHERE m.state = 'awaiting_transfer' AND o.state IN ('succeeded', 'failed') ORDER BY o.updated",
		)
		.fetch_all(&mut *tx)
		.await?;
		let mut awaited = Awaited::default();
		for row in &rows {
			let id: String = row.try_get("id")?;
			if row.try_get::<String, _>("state")? == "succeeded" {
				let block = row.try_get::<Option<i64>, _>("block")?.unwrap_or_default() as u64;
				awaited.released += release(&mut tx, &id, block).await? as usize;
				continue;
			}
			let error: Option<String> = row.try_get("error")?;
			let reason = format!("its token transfer failed: {}", error.unwrap_or_default());
			let rejected = sqlx::query("UPDATE messages SET state = 'rejected', error = $1 WHERE id = $2 AND state = 'awaiting_transfer'")
				.bind(&reason)
				.bind(&id)
				.execute(&mut *tx)
				.await?
				.rows_affected();
			if rejected > 0 {
				awaited.rejected += 1;
				let namespace: String = row.try_get("namespace")?;
				let detail = json!({ "error": reason });
				Store::append_event(
					&mut tx,
					&NewEvent {
						kind: "message_rejected",
						namespace: &namespace,
						reference: &id,
						detail: Some(&detail),
						..Default::default()
					},
				)
				.await?;
			}
		}
		tx.commit().await?;
		Ok(awaited)
	}
}

/// Message `message`'s transfer is on-chain (in block `number`): it may be batched now. Its transfer record gains the
/// block and the sender.
async fn release(tx: &mut Tx<'_>, message: &str, number: u64) -> Result<bool> {
	let Some(row) = sqlx::query(
		"SELECT transfer, hash FROM messages WHERE id = $1 AND state = 'awaiting_transfer'",
	)
	.bind(message)
	.fetch_optional(&mut **tx)
	.await?
	else {
		return Ok(false);
	};
	let mut transfer: Value = row
		.try_get::<Option<String>, _>("transfer")?
		.and_then(|t| serde_json::from_str(&t).ok())
		.unwrap_or(Value::Null);
	let hash: Option<String> = row.try_get("hash")?;
	let from: Option<String> = match &hash {
		Some(h) => sqlx::query("SELECT from_account FROM token_transfers WHERE message_hash = $1 AND type = 'transfer' ORDER BY block, event_index LIMIT 1")
			.bind(h)
			.fetch_optional(&mut **tx)
			.await?
			.map(|r| r.try_get("from_account"))
			.transpose()?
			.flatten(),
		None => None,
	};
	if let Value::Object(map) = &mut transfer {
		map.insert("block".into(), json!(number));
		map.insert("from".into(), json!(from));
	}
	sqlx::query("UPDATE messages SET state = 'pending', transfer = $1 WHERE id = $2")
		.bind(transfer.to_string())
		.bind(message)
		.execute(&mut **tx)
		.await?;
	Ok(true)
}
