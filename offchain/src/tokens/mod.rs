//! The token vocabulary of the off-chain half: what the tokens pallet's events say (as the node
//! reports them in `ChainBlock::tokens`), the calls this node submits on an app's behalf
//! ([`TokenCall`]), and how accounts and token holdings read in JSON.
//!
//! Accounts are shown as SS58 (prefix 42, as polkadot.js shows them) and accepted as SS58, as
//! `0x` + 64 hex digits, or as a node DID (`did:parley:node/<name>`, meaning that node's account).

pub use parley_wire::holding;

pub use holding::{
	parse_account, parse_amount, parse_hash, ss58, Account, EscrowId, Holding, PoolId, PoolKind,
	TransferRef, SS58_PREFIX,
};

use crate::types::{Hash, NodeId};

mod calls;
pub use calls::TokenCall;
use serde_json::{json, Value};

/// One event of the tokens pallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenEvent {
	/// A pool was created.
	PoolCreated {
		/// Pool id.
		pool: PoolId,
		/// Fungible or not.
		kind: PoolKind,
		/// The owning org's identity id.
		org: u32,
		/// Namespace.
		namespace: String,
		/// Name (unique in the namespace).
		name: String,
		/// Symbol.
		symbol: String,
		/// Decimals.
		decimals: u8,
		/// Metadata URI.
		metadata_uri: String,
		/// Metadata hash.
		metadata_hash: Option<Hash>,
		/// Who created it.
		creator: Account,
	},
	/// Tokens were minted.
	Minted {
		/// Pool.
		pool: PoolId,
		/// Recipient.
		to: Account,
		/// What.
		holding: Holding,
		/// The token's metadata hash.
		metadata_hash: Option<Hash>,
		/// Who minted.
		operator: Account,
	},
	/// Tokens were burned.
	Burned {
		/// Pool.
		pool: PoolId,
		/// Holder.
		from: Account,
		/// What.
		holding: Holding,
	},
	/// Tokens moved.
	Transferred {
		/// Pool.
		pool: PoolId,
		/// From.
		from: Account,
		/// To.
		to: Account,
		/// What.
		holding: Holding,
		/// The private message it goes with.
		message_hash: Option<Hash>,
		/// The signer (holder or delegate).
		operator: Account,
	},
	/// A delegate was approved.
	Approved {
		/// Pool.
		pool: PoolId,
		/// Holder.
		owner: Account,
		/// Delegate.
		delegate: Account,
		/// What (for amounts: added to the allowance).
		holding: Holding,
	},
	/// A holder set a delegate's allowance to exactly `amount` (`0`: withdrawn).
	AllowanceSet {
		/// Pool.
		pool: PoolId,
		/// Holder.
		owner: Account,
		/// Delegate.
		delegate: Account,
		/// The allowance now.
		amount: u128,
	},
	/// A holder withdrew a delegate's approval for an item.
	ApprovalRevoked {
		/// Pool.
		pool: PoolId,
		/// Holder.
		owner: Account,
		/// Delegate.
		delegate: Account,
		/// The item.
		item: u64,
	},
	/// A key was claimed.
	Claimed {
		/// Namespace.
		namespace: String,
		/// The key's hash.
		key_hash: Hash,
		/// Owner.
		owner: Account,
		/// Signer.
		by: Account,
	},
	/// A claim changed hands.
	ClaimTransferred {
		/// Namespace.
		namespace: String,
		/// The key's hash.
		key_hash: Hash,
		/// Previous owner.
		from: Account,
		/// New owner.
		to: Account,
	},
	/// A claim was released.
	ClaimReleased {
		/// Namespace.
		namespace: String,
		/// The key's hash.
		key_hash: Hash,
		/// Last owner.
		owner: Account,
	},
	/// A payment was escrowed.
	EscrowLocked {
		/// Escrow id.
		escrow: EscrowId,
		/// Payer.
		payer: Account,
		/// Payee.
		payee: Account,
		/// Pool.
		pool: PoolId,
		/// Amount.
		amount: u128,
		/// The batch to be delivered.
		batch_hash: Hash,
		/// The node whose acknowledgement releases it.
		node: NodeId,
		/// The block from which it is refunded.
		expires_at: u64,
	},
	/// The escrow just locked is hash-locked: only the key hashing to `key_hash` releases it.
	EscrowKeyLocked {
		/// Escrow id.
		escrow: EscrowId,
		/// The hash of the sale key.
		key_hash: Hash,
	},
	/// The payee revealed a hash-locked escrow's key (its release follows).
	EscrowKeyRevealed {
		/// Escrow id.
		escrow: EscrowId,
		/// Batch.
		batch_hash: Hash,
		/// The sale key, public from now on.
		key: [u8; 32],
	},
	/// An escrow paid its payee.
	EscrowReleased {
		/// Escrow id.
		escrow: EscrowId,
		/// Payee.
		payee: Account,
		/// Amount.
		amount: u128,
		/// Batch.
		batch_hash: Hash,
	},
	/// An escrow went back to its payer.
	EscrowRefunded {
		/// Escrow id.
		escrow: EscrowId,
		/// Payer.
		payer: Account,
		/// Amount.
		amount: u128,
		/// Batch.
		batch_hash: Hash,
	},
}

impl TokenEvent {
	/// The app event type it becomes.
	pub fn event_type(&self) -> &'static str {
		match self {
			TokenEvent::PoolCreated { .. } => "token_pool_created",
			TokenEvent::Minted { .. } => "token_minted",
			TokenEvent::Burned { .. } => "token_burned",
			TokenEvent::Transferred { .. } => "token_transferred",
			TokenEvent::Approved { .. } => "token_approved",
			TokenEvent::AllowanceSet { .. } => "token_allowance_set",
			TokenEvent::ApprovalRevoked { .. } => "token_approval_revoked",
			TokenEvent::Claimed { .. } => "claim_registered",
			TokenEvent::ClaimTransferred { .. } => "claim_transferred",
			TokenEvent::ClaimReleased { .. } => "claim_released",
			TokenEvent::EscrowLocked { .. } => "escrow_locked",
			TokenEvent::EscrowKeyLocked { .. } => "escrow_key_locked",
			TokenEvent::EscrowKeyRevealed { .. } => "escrow_key_revealed",
			TokenEvent::EscrowReleased { .. } => "escrow_released",
			TokenEvent::EscrowRefunded { .. } => "escrow_refunded",
		}
	}

	/// Its fields as JSON (accounts as SS58, hashes as hex, amounts as decimal strings).
	pub fn to_json(&self) -> Value {
		let h = |hash: &Hash| hex::encode(hash);
		let oh = |hash: &Option<Hash>| hash.as_ref().map(hex::encode);
		let with = |mut base: Value, holding: &Holding| {
			if let (Value::Object(map), Value::Object(extra)) = (&mut base, holding.to_json()) {
				map.extend(extra);
			}
			base
		};
		match self {
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
			} => json!({
				"pool": pool, "type": kind.as_str(), "org": org, "namespace": namespace,
				"name": name, "symbol": symbol, "decimals": decimals,
				"metadata_uri": metadata_uri, "metadata_hash": oh(metadata_hash),
				"creator": ss58(creator),
			}),
			TokenEvent::Minted { pool, to, holding, metadata_hash, operator } => with(
				json!({ "pool": pool, "to": ss58(to), "metadata_hash": oh(metadata_hash), "operator": ss58(operator) }),
				holding,
			),
			TokenEvent::Burned { pool, from, holding } => {
				with(json!({ "pool": pool, "from": ss58(from) }), holding)
			}
			TokenEvent::Transferred { pool, from, to, holding, message_hash, operator } => with(
				json!({
					"pool": pool, "from": ss58(from), "to": ss58(to),
					"message_hash": oh(message_hash), "operator": ss58(operator),
				}),
				holding,
			),
			TokenEvent::Approved { pool, owner, delegate, holding } => with(
				json!({ "pool": pool, "owner": ss58(owner), "delegate": ss58(delegate) }),
				holding,
			),
			TokenEvent::AllowanceSet { pool, owner, delegate, amount } => json!({
				"pool": pool, "owner": ss58(owner), "delegate": ss58(delegate), "amount": amount.to_string(),
			}),
			TokenEvent::ApprovalRevoked { pool, owner, delegate, item } => json!({
				"pool": pool, "owner": ss58(owner), "delegate": ss58(delegate), "index": item,
			}),
			TokenEvent::Claimed { namespace, key_hash, owner, by } => json!({
				"namespace": namespace, "key_hash": h(key_hash), "owner": ss58(owner), "by": ss58(by),
			}),
			TokenEvent::ClaimTransferred { namespace, key_hash, from, to } => json!({
				"namespace": namespace, "key_hash": h(key_hash), "from": ss58(from), "to": ss58(to),
			}),
			TokenEvent::ClaimReleased { namespace, key_hash, owner } => json!({
				"namespace": namespace, "key_hash": h(key_hash), "owner": ss58(owner),
			}),
			TokenEvent::EscrowLocked {
				escrow,
				payer,
				payee,
				pool,
				amount,
				batch_hash,
				node,
				expires_at,
			} => json!({
				"escrow": escrow, "payer": ss58(payer), "payee": ss58(payee), "pool": pool,
				"amount": amount.to_string(), "batch_hash": h(batch_hash), "node": node,
				"expires_at": expires_at,
			}),
			TokenEvent::EscrowKeyLocked { escrow, key_hash } => {
				json!({ "escrow": escrow, "key_hash": h(key_hash) })
			}
			TokenEvent::EscrowKeyRevealed { escrow, batch_hash, key } => json!({
				"escrow": escrow, "batch_hash": h(batch_hash), "key": hex::encode(key),
			}),
			TokenEvent::EscrowReleased { escrow, payee, amount, batch_hash } => json!({
				"escrow": escrow, "payee": ss58(payee), "amount": amount.to_string(),
				"batch_hash": h(batch_hash),
			}),
			TokenEvent::EscrowRefunded { escrow, payer, amount, batch_hash } => json!({
				"escrow": escrow, "payer": ss58(payer), "amount": amount.to_string(),
				"batch_hash": h(batch_hash),
			}),
		}
	}
}

/// A tokens pallet event where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
	/// Its index among the block's events.
	pub event_index: u32,
	/// The extrinsic that emitted it (`None` for block hooks: refunds at a timeout).
	pub extrinsic: Option<u32>,
	/// The event.
	pub event: TokenEvent,
}

/// An extrinsic of a block, and whether it failed (with the pallet error, e.g.
/// `Tokens.AlreadyClaimed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtrinsicOutcome {
	/// Its index in the block.
	pub index: u32,
	/// blake2-256 of its encoding (its transaction hash).
	pub hash: Hash,
	/// The dispatch error, if it failed.
	pub error: Option<String>,
}

/// A transaction accepted by the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmittedTx {
	/// Its hash.
	pub hash: Hash,
	/// The last block it can be included in (its mortal era ends after it).
	pub valid_until: u64,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn accounts_read_as_ss58_or_hex() {
		let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		let account = parse_account(alice).unwrap();
		assert_eq!(ss58(&account), alice);
		assert_eq!(parse_account(&format!("0x{}", hex::encode(account))).unwrap(), account);
		assert!(parse_account("5Grw").is_err());
		assert!(parse_account("0x1234").is_err());
	}

	#[test]
	fn holdings_read_from_requests() {
		let body = |v: Value| v.as_object().unwrap().clone();
		assert_eq!(
			Holding::from_request(&body(
				json!({"amount": "340282366920938463463374607431768211455"})
			)),
			Ok(Holding::Amount(u128::MAX))
		);
		assert_eq!(Holding::from_request(&body(json!({"amount": 5}))), Ok(Holding::Amount(5)));
		assert_eq!(Holding::from_request(&body(json!({"index": 7}))), Ok(Holding::Item(7)));
		assert!(Holding::from_request(&body(json!({"amount": 0}))).is_err());
		assert!(Holding::from_request(&body(json!({"amount": "-1"}))).is_err());
		assert!(Holding::from_request(&body(json!({"amount": 1, "index": 1}))).is_err());
		assert!(Holding::from_request(&body(json!({}))).is_err());
	}
}
