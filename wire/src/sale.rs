//! Sales: a batch delivered locked under a one-time key, for hash-locked delivery versus payment.
//!
//! The seller seals the batch payload to a one-time X25519 key `K` (the sale key), and that
//! [`Locked`] form, naming `blake2_256(K)` and the price, inside the usual envelope to the buyer.
//! The buyer's node holds it unopened until `K` is on-chain: the tokens pallet publishes `K` when
//! the seller reveals it to take the payment the buyer locked against `blake2_256(K)`. So the
//! buyer cannot read the batch without paying, and the seller is paid only by handing over the
//! key that opens it. Once opened, the batch is checked against its pin like any other: a
//! seller whose key does not open the batch to the pinned hash is caught (and provably so, with
//! its envelope and the published key).
//!
//! The seller derives `K` from its own envelope secret and the batch id ([`sale_key`]), so it
//! never stores it, and it cannot be guessed from anything public.

use crate::{
	envelope::{self, EncryptionKey, Envelope, EnvelopeError},
	holding::{Account, PoolId},
	types::{blake2_256, BatchId, Hash},
};
use codec::{Decode, DecodeAll, Encode};

/// What a locked batch starts with, once its outer envelope is opened (a plain batch payload
/// starts with its random batch id instead).
pub const LOCKED_TAG: &[u8; 16] = b"parley/locked/v1";
/// The domain a sale key is derived in.
const SALE_KEY_DOMAIN: &[u8] = b"parley/sale-key/v1";

/// The price of a batch for sale, as its seller set it: what a hash-locked escrow must pay.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SaleTerms {
	/// The fungible pool the price is paid in.
	pub pool: PoolId,
	/// The least amount that buys the key.
	pub amount: u128,
	/// Who is paid: the seller node's account.
	pub payee: Account,
}

/// A batch sealed under a sale key, as the buyer holds it until the key is revealed.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Locked {
	/// `blake2_256` of the sale key: what the buyer's escrow names.
	pub key_hash: Hash,
	/// The seller's price.
	pub terms: SaleTerms,
	/// The batch payload, sealed to the sale key's public key.
	pub sealed: Envelope,
}

/// Why a locked batch could not be read or opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SaleError {
	/// The bytes after [`LOCKED_TAG`] are not a [`Locked`].
	#[error("locked batch does not decode")]
	Malformed,
	/// The key does not hash to the locked batch's key hash.
	#[error("key does not match the locked batch")]
	WrongKey,
	/// The key matches but does not open the batch: the seller sealed something else.
	#[error("the revealed key does not open the batch: {0}")]
	CannotOpen(EnvelopeError),
	/// The sealed batch names another batch id or hash.
	#[error("locked batch names another batch")]
	OtherBatch,
}

/// The sale key of batch `batch_id` for the node whose envelope key is `own`.
pub fn sale_key(own: &EncryptionKey, batch_id: &BatchId) -> [u8; 32] {
	blake2_256(&(SALE_KEY_DOMAIN, own.secret_bytes(), batch_id).encode())
}

/// The hash an escrow names for sale key `key`.
pub fn key_hash(key: &[u8; 32]) -> Hash {
	blake2_256(key)
}

/// Locks `payload` (batch `batch_id`, hash `batch_hash`) under `key` for sale on `terms`: the
/// bytes to seal to the buyer in place of the plain payload.
pub fn lock(
	key: &[u8; 32],
	batch_id: BatchId,
	batch_hash: Hash,
	payload: &[u8],
	terms: SaleTerms,
) -> Result<Vec<u8>, EnvelopeError> {
	let public = EncryptionKey::from_secret(*key)?.public();
	let sealed = envelope::seal(&public, batch_id, batch_hash, payload)?;
	let locked = Locked { key_hash: key_hash(key), terms, sealed };
	let mut bytes = LOCKED_TAG.to_vec();
	locked.encode_to(&mut bytes);
	Ok(bytes)
}

/// Reads an opened envelope's bytes: `None` for a plain batch payload, the locked batch
/// otherwise (or why it does not decode).
pub fn locked(opened: &[u8]) -> Option<Result<Locked, SaleError>> {
	let rest = opened.strip_prefix(&LOCKED_TAG[..])?;
	Some(Locked::decode_all(&mut &rest[..]).map_err(|_| SaleError::Malformed))
}

impl Locked {
	/// Opens the locked batch `batch_id` (claimed hash `batch_hash`) with the revealed `key`:
	/// the plain batch payload, still to be checked against its pin.
	pub fn unlock(
		&self,
		key: &[u8; 32],
		batch_id: &BatchId,
		batch_hash: &Hash,
	) -> Result<Vec<u8>, SaleError> {
		if key_hash(key) != self.key_hash {
			return Err(SaleError::WrongKey);
		}
		if &self.sealed.batch_id != batch_id || &self.sealed.claimed_hash != batch_hash {
			return Err(SaleError::OtherBatch);
		}
		let opener = EncryptionKey::from_secret(*key).map_err(SaleError::CannotOpen)?;
		opener.open(&self.sealed).map_err(SaleError::CannotOpen)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn terms() -> SaleTerms {
		SaleTerms { pool: 3, amount: 40, payee: [9; 32] }
	}

	#[test]
	fn a_locked_batch_opens_with_its_key_only() {
		let (seller, _) = EncryptionKey::generate();
		let (id, hash) = ([1u8; 16], [2u8; 32]);
		let key = sale_key(&seller, &id);
		let bytes = lock(&key, id, hash, b"the payload", terms()).unwrap();
		let locked = locked(&bytes).expect("tagged").expect("decodes");
		assert_eq!(locked.key_hash, key_hash(&key));
		assert_eq!(locked.terms, terms());
		assert_eq!(locked.unlock(&key, &id, &hash).unwrap(), b"the payload");
		assert_eq!(locked.unlock(&[0; 32], &id, &hash), Err(SaleError::WrongKey));
		assert_eq!(locked.unlock(&key, &[7; 16], &hash), Err(SaleError::OtherBatch));
		assert_eq!(locked.unlock(&key, &id, &[7; 32]), Err(SaleError::OtherBatch));
	}

	#[test]
	fn a_sale_key_is_one_per_seller_and_batch_and_hides_the_secret() {
		let (a, secret) = EncryptionKey::generate();
		let (b, _) = EncryptionKey::generate();
		let key = sale_key(&a, &[1; 16]);
		assert_eq!(key, sale_key(&a, &[1; 16]));
		assert_ne!(key, sale_key(&a, &[2; 16]));
		assert_ne!(key, sale_key(&b, &[1; 16]));
		assert_ne!(key, secret);
	}

	#[test]
	fn a_key_that_matches_but_opens_nothing_is_told_apart() {
		let (seller, _) = EncryptionKey::generate();
		let (id, hash) = ([1u8; 16], [2u8; 32]);
		let key = sale_key(&seller, &id);
		let mut bytes = lock(&key, id, hash, b"the payload", terms()).unwrap();
		// The seller sealed the batch under another key but names this one's hash.
		let other = lock(&[5; 32], id, hash, b"the payload", terms()).unwrap();
		let mut forged = locked(&other).unwrap().unwrap();
		forged.key_hash = key_hash(&key);
		bytes.truncate(LOCKED_TAG.len());
		forged.encode_to(&mut bytes);
		let forged = locked(&bytes).unwrap().unwrap();
		assert!(matches!(forged.unlock(&key, &id, &hash), Err(SaleError::CannotOpen(_))));
	}

	#[test]
	fn plain_payloads_and_garbage_are_told_apart() {
		assert!(locked(b"0123456789abcdef plain").is_none());
		let mut bytes = LOCKED_TAG.to_vec();
		bytes.extend_from_slice(&[1, 2, 3]);
		assert_eq!(locked(&bytes), Some(Err(SaleError::Malformed)));
	}
}
