//! Token operations: how a tokens pallet call an app asked for is recorded, signed, handed to
//! the pool and followed to its outcome, exactly once per idempotency key.
//!
//! An operation is recorded (`submitting`) before its transaction is signed, and the signed
//! transaction's hash and era are kept before it goes to the pool. A node stopped at any point
//! therefore knows, when it starts again, whether the transaction may have left it: if it was
//! signed it is followed to a block or to the end of its era like any other; if not, the
//! operation fails saying that nothing was sent. An app that retries a request whose answer it
//! never got, with the same `idempotencyKey`, is answered with the first operation (a conflict
//! naming its id) and no second transaction. A signed transaction that this node's pool refuses
//! is not taken as failed either: another view of the pool may hold it, so it is followed to a
//! block or to the end of its era all the same.

use super::{tokens::bad, Exchange, ExchangeError, Waited};
use crate::{
	chain::OnSigned,
	store::{NewTokenOp, TokenOp},
	tokens::TokenCall,
};
use serde_json::Value;
use std::time::Duration;

/// The longest idempotency key, in bytes (as for messages).
const MAX_KEY_LEN: usize = 256;

impl Exchange {
	/// Checks an app's idempotency key for a token operation in `namespace`: 1 to 256 bytes,
	/// and not used before (a [`ExchangeError::Conflict`] naming the first operation). Called
	/// before any other check, so that a retry is answered with the first operation even where
	/// the first changed what the checks see (a balance spent, a claim made).
	pub(super) async fn check_token_key(
		&self,
		namespace: &str,
		key: Option<&str>,
	) -> Result<(), ExchangeError> {
		let Some(key) = key else { return Ok(()) };
		if key.is_empty() || key.len() > MAX_KEY_LEN {
			return Err(bad("idempotencyKey is 1 to 256 bytes"));
		}
		match self.inner.store.token_op_by_key(namespace, key).await? {
			Some(first) => Err(ExchangeError::Conflict(first)),
			None => Ok(()),
		}
	}

	/// Records a token operation (with the app's idempotency key, if any) and submits its call
	/// signed by this node's account; the signed transaction's hash is kept before it goes to
	/// the pool.
	pub async fn submit_token_call(
		&self,
		namespace: &str,
		call: TokenCall,
		input: Value,
		message_id: Option<&str>,
		idempotency_key: Option<&str>,
	) -> Result<TokenOp, ExchangeError> {
		self.me()?;
		let store = &self.inner.store;
		let id = crate::store::uuid_string(&crate::store::new_uuid());
		let op = NewTokenOp {
			id: &id,
			namespace,
			kind: call.kind(),
			input: &input,
			message_id,
			idempotency_key,
		};
		store.insert_token_op(&op).await.map_err(super::error::store_error)?;
		let (record, op_id) = (store.clone(), id.clone());
		let signed: OnSigned = Box::new(move |tx| {
			Box::pin(async move {
				record
					.token_op_signed(&op_id, &tx.hash, tx.valid_until)
					.await
					.map_err(|e| format!("could not record the signed transaction: {e}"))
			})
		});
		match self.inner.submitter.submit_tokens(call, signed).await {
			Ok(_) => store.token_op_submitted(&id).await?,
			// Signed, then refused by this node's pool: it may still land (see
			// `Store::token_op_in_doubt`), so it is answered as submitted, with the refusal as
			// its note, and the chain decides.
			Err(e) if store.token_op_in_doubt(&id, &e).await? => {
				log::info!(target: super::LOG, "token operation {id}: {e}; followed until its era ends");
			}
			Err(e) => {
				store.token_op_refused(&id, &e).await?;
				self.inner.events.written();
				return Err(ExchangeError::Rejected(e));
			}
		}
		self.token_op(&id).await
	}

	/// A token operation by id.
	pub async fn token_op(&self, id: &str) -> Result<TokenOp, ExchangeError> {
		self.inner
			.store
			.token_op(id)
			.await?
			.ok_or_else(|| ExchangeError::NotFound(format!("token operation {id}")))
	}

	/// Waits (up to `timeout`) until token operation `id` succeeded on-chain, and returns it; a
	/// failed one is a `Rejected` error naming the pallet error (or the pool's refusal).
	pub async fn wait_for_token_op(
		&self,
		id: &str,
		timeout: Duration,
	) -> Result<TokenOp, ExchangeError> {
		let op = self
			.wait_on_events(timeout, || async move {
				let op = self.token_op(id).await?;
				Ok(if op.is_settled() {
					Waited::Done(op)
				} else {
					Waited::NotYet(format!("token operation {id} is still {}", op.state))
				})
			})
			.await?;
		if op.state == "failed" {
			return Err(ExchangeError::Rejected(format!(
				"token operation {id} failed: {}",
				op.error.unwrap_or_default()
			)));
		}
		Ok(op)
	}
}
