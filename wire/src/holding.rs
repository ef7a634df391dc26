//! The token words a batch carries and apps write: accounts (SS58, hex or a node's DID), the
//! kinds of pool, which tokens move ([`Holding`]), and the transfer a message declares
//! ([`TransferRef`], part of the hashed batch payload).

use crate::types::Hash;
use codec::{Decode, Encode};
use serde_json::{json, Value};
use sp_core::crypto::{AccountId32, Ss58AddressFormat, Ss58Codec};

/// A 32-byte account id (an sr25519 public key for parties' accounts).
pub type Account = [u8; 32];
/// A token pool's id.
pub type PoolId = u32;
/// An escrow's id.
pub type EscrowId = u64;

/// The SS58 prefix of Parley chains (generic Substrate).
pub const SS58_PREFIX: u16 = 42;

/// An account as SS58 text.
pub fn ss58(account: &Account) -> String {
	AccountId32::from(*account).to_ss58check_with_version(Ss58AddressFormat::custom(SS58_PREFIX))
}

/// Parses an SS58 address or `0x` + 64 hex digits. (Node DIDs are resolved by the exchange.)
pub fn parse_account(text: &str) -> Result<Account, String> {
	if let Some(hex_part) = text.strip_prefix("0x") {
		return hex::decode(hex_part)
			.ok()
			.and_then(|b| Account::try_from(b).ok())
			.ok_or_else(|| format!("{text} is not 0x + 64 hex digits"));
	}
	AccountId32::from_ss58check(text)
		.map(|a| *a.as_ref())
		.map_err(|_| format!("{text} is not an SS58 address, a 0x-hex account or a node DID"))
}

/// Parses `0x` + 64 hex digits (or 64 hex digits) as a hash.
pub fn parse_hash(what: &str, text: &str) -> Result<Hash, String> {
	hex::decode(text.trim_start_matches("0x"))
		.ok()
		.and_then(|b| Hash::try_from(b).ok())
		.ok_or_else(|| format!("{what} must be 32 bytes of hex"))
}

/// What a pool holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum PoolKind {
	/// Amounts (pallet-assets).
	Fungible,
	/// Unique items with an index (pallet-nfts).
	NonFungible,
}

impl PoolKind {
	/// Its name in the API and the database.
	pub fn as_str(&self) -> &'static str {
		match self {
			PoolKind::Fungible => "fungible",
			PoolKind::NonFungible => "nonfungible",
		}
	}

	/// Parses [`PoolKind::as_str`].
	pub fn parse(text: &str) -> Option<Self> {
		match text {
			"fungible" => Some(PoolKind::Fungible),
			"nonfungible" => Some(PoolKind::NonFungible),
			_ => None,
		}
	}
}

/// Which tokens move: an amount of a fungible pool, or one item of a non-fungible pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Holding {
	/// Units of a fungible pool.
	Amount(u128),
	/// The item with this index.
	Item(u64),
}

impl Holding {
	/// The pool kind it belongs to.
	pub fn kind(&self) -> PoolKind {
		match self {
			Holding::Amount(_) => PoolKind::Fungible,
			Holding::Item(_) => PoolKind::NonFungible,
		}
	}

	/// `{"amount": "100"}` (a decimal string: amounts exceed JavaScript's safe integers) or
	/// `{"index": 7}`.
	pub fn to_json(&self) -> Value {
		match self {
			Holding::Amount(amount) => json!({ "amount": amount.to_string() }),
			Holding::Item(index) => json!({ "index": index }),
		}
	}

	/// The amount column: the amount, or 1 for an item.
	pub fn amount_text(&self) -> String {
		match self {
			Holding::Amount(amount) => amount.to_string(),
			Holding::Item(_) => "1".into(),
		}
	}

	/// The item column.
	pub fn item(&self) -> Option<i64> {
		match self {
			Holding::Amount(_) => None,
			Holding::Item(index) => Some(*index as i64),
		}
	}

	/// Reads `amount` (a decimal string or a number) or `index` (a number) from a request
	/// object: exactly one of them.
	pub fn from_request(body: &serde_json::Map<String, Value>) -> Result<Self, String> {
		match (body.get("amount"), body.get("index")) {
			(Some(amount), None) => {
				let amount = parse_amount("amount", amount)?;
				if amount == 0 {
					return Err("amount must be more than 0".into());
				}
				Ok(Holding::Amount(amount))
			}
			(None, Some(index)) => index
				.as_u64()
				.map(Holding::Item)
				.ok_or_else(|| "index must be a whole number".into()),
			(Some(_), Some(_)) => {
				Err("give amount (fungible) or index (non-fungible), not both".into())
			}
			(None, None) => Err("give amount (fungible pool) or index (non-fungible pool)".into()),
		}
	}
}

/// Reads an amount (a decimal string, or a number for small ones) from a request field.
pub fn parse_amount(what: &str, value: &Value) -> Result<u128, String> {
	match value {
		Value::String(s) => s.parse::<u128>().ok(),
		Value::Number(n) => n.as_u64().map(u128::from),
		_ => None,
	}
	.ok_or_else(|| format!("{what} must be a whole number (a decimal string for large amounts)"))
}

/// A token transfer declared in a message: the message is released only once a transfer with
/// the message's hash, from its author's account, of exactly these tokens is on-chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct TransferRef {
	/// The pool.
	pub pool: PoolId,
	/// Who receives the tokens.
	pub to: Account,
	/// Which tokens.
	pub holding: Holding,
}

impl TransferRef {
	/// Reads [`TransferRef::to_json`] back (extra fields, such as the block it was confirmed
	/// in, are ignored).
	pub fn from_json(value: &Value) -> Option<Self> {
		let map = value.as_object()?;
		Some(Self {
			pool: u32::try_from(map.get("pool")?.as_u64()?).ok()?,
			to: parse_account(map.get("to")?.as_str()?).ok()?,
			holding: Holding::from_request(map).ok()?,
		})
	}

	/// `{"pool": 1, "to": "5F…", "amount": "100"}` or with `"index"`.
	pub fn to_json(&self) -> Value {
		let mut value = json!({ "pool": self.pool, "to": ss58(&self.to) });
		if let (Value::Object(map), Value::Object(holding)) = (&mut value, self.holding.to_json()) {
			map.extend(holding);
		}
		value
	}
}
