//! A peer's frames on the data channel: any bytes, read as each of the four messages the two
//! protocols carry. A frame is refused (never a panic, never an allocation past the bound) or it
//! is exactly one message, which encodes back to the same frame.
#![no_main]

use codec::{Decode, Encode};
use libfuzzer_sys::fuzz_target;
use parley_wire::channel::{
	decode_frame, encode_frame, BatchRequest, BatchResponse, BlobRequest, BlobResponse,
};

/// The node's bound on a frame (the channel's largest request, 16 MiB).
const MAX: usize = 16 * 1024 * 1024;

fn check<M: Decode + Encode + PartialEq + std::fmt::Debug>(frame: &[u8]) {
	if let Ok(message) = decode_frame::<M>(frame, MAX) {
		let again = encode_frame(&message, MAX).expect("a decoded message is within the bound");
		assert_eq!(again, frame, "a message decodes from one frame only");
	}
}

fuzz_target!(|frame: &[u8]| {
	check::<BatchRequest>(frame);
	check::<BatchResponse>(frame);
	check::<BlobRequest>(frame);
	check::<BlobResponse>(frame);
});
