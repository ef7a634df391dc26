//! Sealing payloads end to end, and signed receipts.
//!
//! - **Seal/open:** HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256) + HKDF-SHA256 +
//!   ChaCha20-Poly1305, to one recipient's X25519 key as registered on-chain. The batch id and
//!   the sender's claimed batch hash are bound as associated data, so a sealed payload cannot be
//!   passed off as another batch.
//! - **Receipts:** a receiver signs `(batch_id, batch_hash, its node DID)` with its node account
//!   (sr25519); the sender verifies and stores the receipt.

use crate::types::{BatchId, Hash};
use codec::{Decode, Encode};
use hpke::{
	aead::ChaCha20Poly1305, kdf::HkdfSha256, kem::X25519HkdfSha256, Deserializable, Kem as _,
	OpModeR, OpModeS, Serializable,
};
use sp_core::{sr25519, Pair as _};

/// HPKE `info`: which protocol and version the keys are derived for.
const HPKE_INFO: &[u8] = b"parley/envelope/v1";
/// The domain a receipt signature is made in.
const RECEIPT_DOMAIN: &[u8] = b"parley/receipt/v1";

/// Why an envelope could not be opened or a receipt not verified.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
	/// A key or encapsulated key has the wrong length or form.
	#[error("malformed key")]
	MalformedKey,
	/// Decryption failed: wrong key, or the ciphertext or its header was tampered with.
	#[error("cannot open: wrong key or tampered payload")]
	CannotOpen,
	/// Sealing failed.
	#[error("cannot seal")]
	CannotSeal,
	/// The receipt's signature does not verify against the receiver's account.
	#[error("bad receipt signature")]
	BadReceipt,
}

/// A payload sealed to one recipient. Travels over the channel and is stored as-is (sealed) at
/// the receiver until its pin is matched.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Envelope {
	/// The batch it carries.
	pub batch_id: BatchId,
	/// The hash the sender says the batch has; checked against the pin after opening.
	pub claimed_hash: Hash,
	/// HPKE's encapsulated ephemeral key (32 bytes for X25519).
	pub encapped_key: Vec<u8>,
	/// The ChaCha20-Poly1305 ciphertext.
	pub ciphertext: Vec<u8>,
}

/// An X25519 keypair for opening envelopes.
#[derive(Clone)]
pub struct EncryptionKey {
	secret: <X25519HkdfSha256 as hpke::Kem>::PrivateKey,
	public: [u8; 32],
}

impl EncryptionKey {
	/// The keypair whose secret is these 32 bytes.
	pub fn from_secret(secret: [u8; 32]) -> Result<Self, EnvelopeError> {
		let secret = <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(&secret)
			.map_err(|_| EnvelopeError::MalformedKey)?;
		let public = X25519HkdfSha256::sk_to_pk(&secret).to_bytes().into();
		Ok(Self { secret, public })
	}

	/// A fresh random keypair; returns it with its secret bytes (to persist).
	pub fn generate() -> (Self, [u8; 32]) {
		let secret: [u8; 32] = rand::random();
		(Self::from_secret(secret).expect("any 32 bytes are an X25519 secret"), secret)
	}

	/// The secret's 32 bytes (to derive per-batch keys from; never sent).
	pub(crate) fn secret_bytes(&self) -> [u8; 32] {
		self.secret.to_bytes().into()
	}

	/// The public key to register on-chain.
	pub fn public(&self) -> [u8; 32] {
		self.public
	}

	/// Opens an envelope sealed to this key.
	pub fn open(&self, envelope: &Envelope) -> Result<Vec<u8>, EnvelopeError> {
		let encapped =
			<X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(&envelope.encapped_key)
				.map_err(|_| EnvelopeError::CannotOpen)?;
		hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
			&OpModeR::Base,
			&self.secret,
			&encapped,
			HPKE_INFO,
			&envelope.ciphertext,
			&aad(&envelope.batch_id, &envelope.claimed_hash),
		)
		.map_err(|_| EnvelopeError::CannotOpen)
	}
}

fn aad(batch_id: &BatchId, claimed_hash: &Hash) -> Vec<u8> {
	(batch_id, claimed_hash).encode()
}

/// Seals `payload` (batch `batch_id` with hash `claimed_hash`) to the X25519 key `recipient`.
pub fn seal(
	recipient: &[u8; 32],
	batch_id: BatchId,
	claimed_hash: Hash,
	payload: &[u8],
) -> Result<Envelope, EnvelopeError> {
	let recipient = <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(recipient)
		.map_err(|_| EnvelopeError::MalformedKey)?;
	let (encapped, ciphertext) =
		hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256, _>(
			&OpModeS::Base,
			&recipient,
			HPKE_INFO,
			payload,
			&aad(&batch_id, &claimed_hash),
			&mut rand::rng(),
		)
		.map_err(|_| EnvelopeError::CannotSeal)?;
	Ok(Envelope { batch_id, claimed_hash, encapped_key: encapped.to_bytes().to_vec(), ciphertext })
}

/// A receiver's signed statement that it holds batch `batch_id` claimed to hash to `batch_hash`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Receipt {
	/// The batch received.
	pub batch_id: BatchId,
	/// The hash the sender claimed for it.
	pub batch_hash: Hash,
	/// The receiving node's DID.
	pub node_did: String,
	/// sr25519 signature by the receiving node's account.
	pub signature: [u8; 64],
}

impl Receipt {
	fn signed_bytes(batch_id: &BatchId, batch_hash: &Hash, node_did: &str) -> Vec<u8> {
		(RECEIPT_DOMAIN, batch_id, batch_hash, node_did).encode()
	}

	/// Makes a receipt signed by `signer`.
	pub fn sign(
		signer: &dyn ReceiptSigner,
		batch_id: BatchId,
		batch_hash: Hash,
		node_did: String,
	) -> Option<Self> {
		let signature = signer.sign(&Self::signed_bytes(&batch_id, &batch_hash, &node_did))?;
		Some(Self { batch_id, batch_hash, node_did, signature })
	}

	/// Checks the signature against the receiver's account `account`.
	pub fn verify(&self, account: &[u8; 32]) -> Result<(), EnvelopeError> {
		let message = Self::signed_bytes(&self.batch_id, &self.batch_hash, &self.node_did);
		let ok = sr25519::Pair::verify(
			&sr25519::Signature::from_raw(self.signature),
			message,
			&sr25519::Public::from_raw(*account),
		);
		ok.then_some(()).ok_or(EnvelopeError::BadReceipt)
	}
}

/// Signs with this node's account key (kept in the node's keystore).
pub trait ReceiptSigner: Send + Sync {
	/// The account's sr25519 public key.
	fn account(&self) -> [u8; 32];
	/// An sr25519 signature of `message`, or `None` if the key is not available.
	fn sign(&self, message: &[u8]) -> Option<[u8; 64]>;
}

/// A [`ReceiptSigner`] holding the key in memory (tests, tools).
pub struct PairSigner(pub sr25519::Pair);

impl ReceiptSigner for PairSigner {
	fn account(&self) -> [u8; 32] {
		self.0.public().0
	}

	fn sign(&self, message: &[u8]) -> Option<[u8; 64]> {
		Some(self.0.sign(message).0)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn seal_then_open_round_trips() {
		let (key, _) = EncryptionKey::generate();
		let env = seal(&key.public(), [1; 16], [2; 32], b"payload").unwrap();
		assert_eq!(key.open(&env).unwrap(), b"payload");
		assert_ne!(env.ciphertext, b"payload");
	}

	#[test]
	fn a_wrong_key_cannot_open() {
		let (key, _) = EncryptionKey::generate();
		let (other, _) = EncryptionKey::generate();
		let env = seal(&key.public(), [1; 16], [2; 32], b"payload").unwrap();
		assert_eq!(other.open(&env), Err(EnvelopeError::CannotOpen));
	}

	#[test]
	fn tampered_ciphertext_or_header_cannot_open() {
		let (key, _) = EncryptionKey::generate();
		let env = seal(&key.public(), [1; 16], [2; 32], b"payload").unwrap();
		let mut flipped = env.clone();
		flipped.ciphertext[0] ^= 1;
		assert_eq!(key.open(&flipped), Err(EnvelopeError::CannotOpen));
		let mut relabelled = env.clone();
		relabelled.batch_id = [9; 16];
		assert_eq!(key.open(&relabelled), Err(EnvelopeError::CannotOpen));
		let mut rehashed = env;
		rehashed.claimed_hash = [9; 32];
		assert_eq!(key.open(&rehashed), Err(EnvelopeError::CannotOpen));
	}

	#[test]
	fn keys_round_trip_through_their_secret() {
		let (key, secret) = EncryptionKey::generate();
		assert_eq!(EncryptionKey::from_secret(secret).unwrap().public(), key.public());
	}

	#[test]
	fn receipts_verify_only_for_their_signer_and_content() {
		let alice = PairSigner(sr25519::Pair::from_string("//Alice", None).unwrap());
		let bob = PairSigner(sr25519::Pair::from_string("//Bob", None).unwrap());
		let receipt = Receipt::sign(&alice, [1; 16], [2; 32], "did:parley:node/a".into()).unwrap();
		assert_eq!(receipt.verify(&alice.account()), Ok(()));
		assert_eq!(receipt.verify(&bob.account()), Err(EnvelopeError::BadReceipt));
		let mut forged = receipt;
		forged.batch_hash = [3; 32];
		assert_eq!(forged.verify(&alice.account()), Err(EnvelopeError::BadReceipt));
	}
}
