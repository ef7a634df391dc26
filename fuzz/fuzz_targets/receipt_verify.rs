//! Receipts as a recipient returns them: any bytes as a receipt, verified against a node's
//! account: refused, never a panic. And a receipt really signed by that account verifies, and
//! stops verifying when any field it covers is changed.
#![no_main]

use codec::DecodeAll;
use libfuzzer_sys::fuzz_target;
use parley_wire::envelope::{PairSigner, Receipt, ReceiptSigner};
use sp_core::{sr25519, Pair};

fuzz_target!(|input: &[u8]| {
	let signer = PairSigner(sr25519::Pair::from_seed(&[3; 32]));
	let account = signer.account();
	if let Ok(receipt) = Receipt::decode_all(&mut &input[..]) {
		// Forging the account's signature is out of reach: only a copy of a real one verifies.
		let _ = receipt.verify(&account);
	}
	let Some((ids, did)) = input.split_first_chunk::<48>() else { return };
	let batch_id: [u8; 16] = ids[..16].try_into().expect("16 bytes");
	let batch_hash: [u8; 32] = ids[16..].try_into().expect("32 bytes");
	let did = String::from_utf8_lossy(did).into_owned();
	let receipt = Receipt::sign(&signer, batch_id, batch_hash, did).expect("the key is here");
	assert!(receipt.verify(&account).is_ok(), "a real receipt verifies");
	let mut other = receipt.clone();
	other.batch_id[0] ^= 1;
	assert!(other.verify(&account).is_err(), "a receipt covers its batch id");
	let mut other = receipt.clone();
	other.batch_hash[0] ^= 1;
	assert!(other.verify(&account).is_err(), "a receipt covers its batch hash");
	let mut other = receipt.clone();
	other.node_did.push('x');
	assert!(other.verify(&account).is_err(), "a receipt covers its signer's DID");
	assert!(receipt.verify(&[0; 32]).is_err(), "a receipt is another account's to no one");
});
