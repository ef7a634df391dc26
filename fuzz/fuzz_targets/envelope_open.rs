//! Envelopes sealed to this node, as a peer sends them (a delivery, a fetched batch, a group
//! announcement). The first byte picks what the peer does:
//! - even: any bytes as an envelope, opened with this node's key: refused, never a panic;
//! - odd: any plaintext sealed to this node's public key (which every party can read on-chain),
//!   opened again: it must open to exactly what was sealed, under the batch id and claimed hash
//!   it was sealed with and no other; then decoded as the batch payload or group it claims to be,
//!   or read as a batch for sale (locked under a sale key) and unlocked with a guessed key.
#![no_main]

use codec::{Decode, DecodeAll};
use libfuzzer_sys::fuzz_target;
use parley_wire::{
	batch::BatchPayload,
	envelope::{seal, EncryptionKey, Envelope},
	sale,
	types::Group,
};

fuzz_target!(|input: &[u8]| {
	let Some((&mode, rest)) = input.split_first() else { return };
	let key = EncryptionKey::from_secret([7; 32]).expect("a fixed secret");
	if mode % 2 == 0 {
		if let Ok(envelope) = Envelope::decode_all(&mut &rest[..]) {
			// Nobody but the node itself could have made a ciphertext that opens.
			if let Ok(opened) = key.open(&envelope) {
				let _ = BatchPayload::decode_all(&mut &opened[..]);
			}
			// A locked batch as the buyer holds it, with a key that is not its own.
			if let Some(Ok(locked)) = sale::locked(rest) {
				let key = [mode; 32];
				let _ = locked.unlock(&key, &locked.sealed.batch_id, &locked.sealed.claimed_hash);
			}
		}
		return;
	}
	let Some((ids, plaintext)) = rest.split_first_chunk::<48>() else { return };
	let batch_id: [u8; 16] = ids[..16].try_into().expect("16 bytes");
	let claimed_hash: [u8; 32] = ids[16..].try_into().expect("32 bytes");
	let envelope = seal(&key.public(), batch_id, claimed_hash, plaintext).expect("sealable");
	assert_eq!(key.open(&envelope).as_deref(), Ok(plaintext), "what is sealed opens");
	let mut moved = envelope.clone();
	moved.batch_id[0] ^= 1;
	assert!(key.open(&moved).is_err(), "an envelope cannot be passed off as another batch");
	let mut reclaimed = envelope;
	reclaimed.claimed_hash[31] ^= 1;
	assert!(key.open(&reclaimed).is_err(), "nor under another claimed hash");
	let _ = BatchPayload::decode_all(&mut &plaintext[..]);
	// Locked for sale under a key derived from the plaintext's first bytes: it unlocks with that
	// key to exactly what was locked, and with no other.
	let sale_key: [u8; 32] = blake2_key(plaintext);
	let terms = sale::SaleTerms { pool: 1, amount: 2, payee: [3; 32] };
	let locked = sale::lock(&sale_key, batch_id, claimed_hash, plaintext, terms).expect("lockable");
	let locked = sale::locked(&locked).expect("tagged").expect("decodes");
	assert_eq!(locked.unlock(&sale_key, &batch_id, &claimed_hash).as_deref(), Ok(plaintext));
	let mut other = sale_key;
	other[0] ^= 1;
	assert!(locked.unlock(&other, &batch_id, &claimed_hash).is_err(), "only its key unlocks it");
	if let Ok(group) = Group::decode(&mut &plaintext[..]) {
		let _ = group.holds_together();
	}
});

/// A 32-byte key that depends on `bytes`.
fn blake2_key(bytes: &[u8]) -> [u8; 32] {
	parley_wire::types::blake2_256(bytes)
}
