//! Bytes a stranger submits to a node (`author_submitExtrinsic`), decoded as the transaction pool
//! and the runtime decode them: as an extrinsic (with the runtime's nesting limit) and as a
//! call. A call of Parley's own pallets (pins, identities, tokens, governance) that decodes has
//! one encoding (nobody can submit the same call under other bytes), and its weight is computed
//! from its arguments without a panic.
#![no_main]

use codec::{Compact, Decode, DecodeLimit, Encode};
use frame_support::dispatch::GetDispatchInfo;
use libfuzzer_sys::fuzz_target;
use parley_runtime::{RuntimeCall, UncheckedExtrinsic};

/// The nesting limit the runtime decodes extrinsics with (`MAX_EXTRINSIC_DEPTH`).
const DEPTH: u32 = 256;

fuzz_target!(|bytes: &[u8]| {
	// sp-runtime 49's `UncheckedExtrinsic::decode` reserves the length its prefix claims (up to
	// 4 GiB) before it reads a byte of the rest, which natively is an out-of-memory report. A
	// node never hands it such bytes: it decodes a submitted extrinsic as an `OpaqueExtrinsic`
	// first, which refuses a prefix longer than the bytes given (`author_submitExtrinsic` of
	// 0x030cfcfff505 answers 1040 "Not enough data to decode vector"). So only extrinsics whose
	// prefix fits the bytes given reach this decoder, here as in the node.
	let claimed = Compact::<u32>::decode(&mut &bytes[..]).map(|c| c.0 as usize);
	if claimed.is_ok_and(|len| len <= bytes.len()) {
		if let Ok(extrinsic) = UncheckedExtrinsic::decode_with_depth_limit(DEPTH, &mut &bytes[..]) {
			let _ = extrinsic.function.get_dispatch_info();
		}
	}
	let Ok(call) = RuntimeCall::decode_all_with_depth_limit(DEPTH, &mut &bytes[..]) else { return };
	let _ = call.get_dispatch_info();
	if matches!(
		call,
		RuntimeCall::Pins(_)
			| RuntimeCall::Identities(_)
			| RuntimeCall::Tokens(_)
			| RuntimeCall::Governance(_)
	) {
		assert_eq!(call.encode(), bytes, "one call, one encoding");
	}
});
