//! Hash-locked delivery versus payment (sales), on both sides of a message for sale.
//!
//! - **Seller, delivering:** a batch whose message has a price is sealed to its buyer locked
//!   under the batch's sale key ([`delivery_bytes`]), naming the key's hash and the price.
//! - **Buyer, confirming:** the aggregator finds a locked batch; until the sale key is on-chain
//!   it records the offer (a `batch_offered` event with the key hash and price, for the buyer's
//!   app to lock a hash-locked escrow against) and holds the batch, its contexts waiting; once
//!   the key is revealed it opens the batch, which is then checked against its pin like any
//!   other ([`unlock`]).
//! - **Seller, paid:** when a hash-locked escrow that pays this node at least the price, against
//!   the sale key's hash, is locked on one of its batches for sale, this node reveals the key
//!   on-chain ([`after_block`]): that pays it and hands the buyer the key in one step.

use super::{Exchange, LOG};
use crate::{
	sale::{self, Locked, SaleTerms},
	store::PinRow,
	tokens::{ss58, TokenCall, TokenEvent, TokenRecord},
	types::{BatchId, Hash},
};

/// The bytes to seal to a recipient of batch `batch_id`: its payload as is, or, for a batch
/// for sale, locked under its sale key with this node's price.
pub(crate) async fn delivery_bytes(
	exchange: &Exchange,
	batch_id: &BatchId,
	claimed_hash: Hash,
	payload: Vec<u8>,
) -> Result<Vec<u8>, String> {
	let Some(price) =
		exchange.inner.store.price_of_batch(batch_id).await.map_err(|e| e.to_string())?
	else {
		return Ok(payload);
	};
	let me = exchange.me().map_err(|e| e.to_string())?;
	let key = sale::sale_key(&exchange.inner.encryption, batch_id);
	let terms = SaleTerms { pool: price.pool, amount: price.amount, payee: me.account };
	sale::lock(&key, *batch_id, claimed_hash, &payload, terms).map_err(|e| e.to_string())
}

/// What the aggregator does with a locked batch matched to its pin `pin`.
pub(crate) enum Unlocked {
	/// The sale key is not on-chain yet: hold the batch.
	Held,
	/// The batch payload, opened with the revealed key (still to be checked against the pin).
	Opened(Vec<u8>),
	/// The locked batch cannot be this pin's: why.
	Refused(String),
}

/// Opens a locked batch with its revealed sale key, or records the offer and holds it.
pub(crate) async fn unlock(
	exchange: &Exchange,
	pin: &PinRow,
	locked: &Locked,
) -> Result<Unlocked, String> {
	let store = &exchange.inner.store;
	// The price is paid to the seller, or to nobody: a copy naming another payee is not its.
	let seller = exchange.node(pin.author).map(|n| n.account);
	if seller != Some(locked.terms.payee) {
		return Ok(Unlocked::Refused("the sale pays someone other than the batch's author".into()));
	}
	match store.revealed_key(&locked.key_hash).await.map_err(|e| e.to_string())? {
		Some(key) => match locked.unlock(&key, &pin.batch_id, &pin.batch_hash) {
			Ok(bytes) => {
				store.offer_opened(&pin.batch_id).await.map_err(|e| e.to_string())?;
				log::info!(target: LOG, "batch {} for sale opened with its revealed key", hex::encode(pin.batch_id));
				Ok(Unlocked::Opened(bytes))
			}
			Err(e) => Ok(Unlocked::Refused(e.to_string())),
		},
		None => {
			let offer = crate::store::sales::Offer {
				batch_id: pin.batch_id,
				namespace: &pin.namespace,
				batch_hash: pin.batch_hash,
				seller: pin.author,
				terms: &locked.terms,
				key_hash: locked.key_hash,
			};
			if store.record_offer(&offer).await.map_err(|e| e.to_string())? {
				log::info!(
					target: LOG,
					"batch {} is for sale ({} of pool {}): held until its key is revealed",
					hex::encode(pin.batch_id),
					locked.terms.amount,
					locked.terms.pool
				);
				exchange.inner.events.written();
			}
			Ok(Unlocked::Held)
		}
	}
}

/// After a block was recorded: reveals the sale key of each of this node's batches for sale on
/// which a hash-locked escrow paying this node at least the price was locked.
pub(crate) async fn after_block(exchange: &Exchange, tokens: &[TokenRecord]) {
	for record in tokens {
		let TokenEvent::EscrowKeyLocked { escrow, .. } = &record.event else { continue };
		if let Err(e) = reveal_if_paid(exchange, *escrow).await {
			log::warn!(target: LOG, "cannot answer hash-locked escrow {escrow}: {e}");
		}
	}
}

async fn reveal_if_paid(exchange: &Exchange, escrow: u64) -> Result<(), String> {
	let store = &exchange.inner.store;
	let me = exchange.me().map_err(|e| e.to_string())?;
	let Some(keyed) = store.keyed_escrow(escrow).await.map_err(|e| e.to_string())? else {
		return Ok(());
	};
	if !keyed.locked || keyed.payee != ss58(&me.account) {
		return Ok(());
	}
	let Some(batch_id) =
		store.authored_batch_of_hash(&keyed.batch_hash).await.map_err(|e| e.to_string())?
	else {
		return Ok(());
	};
	let Some(price) = store.price_of_batch(&batch_id).await.map_err(|e| e.to_string())? else {
		return Ok(());
	};
	let key = sale::sale_key(&exchange.inner.encryption, &batch_id);
	if sale::key_hash(&key) != keyed.key_hash {
		log::warn!(target: LOG, "escrow {escrow} names another key than batch {}'s: not revealing it", hex::encode(batch_id));
		return Ok(());
	}
	if keyed.pool != price.pool || keyed.amount < price.amount {
		log::warn!(
			target: LOG,
			"escrow {escrow} pays {} of pool {} for batch {}, the price is {} of pool {}: not revealing its key",
			keyed.amount,
			keyed.pool,
			hex::encode(batch_id),
			price.amount,
			price.pool
		);
		return Ok(());
	}
	if store.sale_key_claimed(&batch_id).await.map_err(|e| e.to_string())? {
		log::info!(target: LOG, "escrow {escrow}: the key of batch {} was revealed for another payment already", hex::encode(batch_id));
		return Ok(());
	}
	let namespace = store
		.authored_batch(&batch_id)
		.await
		.map_err(|e| e.to_string())?
		.map(|(_, _, _, namespace)| namespace)
		.ok_or("batch for sale without its record")?;
	log::info!(target: LOG, "escrow {escrow} pays the price of batch {}: revealing its key", hex::encode(batch_id));
	let input = serde_json::json!({ "escrow": escrow, "batch": hex::encode(batch_id) });
	exchange
		.submit_token_call(&namespace, TokenCall::RevealKey { escrow, key }, input, None, None)
		.await
		.map_err(|e| e.to_string())?;
	Ok(())
}
