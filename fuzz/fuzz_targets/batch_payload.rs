//! A batch payload as a receiver opens it: any bytes, decoded whole; a payload that decodes
//! hashes its manifest, derives its pin contexts and its messages' hashes (what the aggregator
//! checks against the pin) without a panic, and encodes back to the same bytes.
#![no_main]

use codec::{DecodeAll, Encode};
use libfuzzer_sys::fuzz_target;
use parley_wire::batch::BatchPayload;

fuzz_target!(|bytes: &[u8]| {
	let Ok(payload) = BatchPayload::decode_all(&mut &bytes[..]) else { return };
	assert_eq!(payload.encode(), bytes, "one payload, one encoding");
	let hash = payload.hash();
	assert_eq!(hash, payload.clone().hash(), "the manifest hash is a function of the payload");
	let _ = payload.contexts();
	for message in &payload.messages {
		let _ = message.hash();
	}
	if let Some(group) = &payload.group {
		let _ = group.holds_together();
	}
});
