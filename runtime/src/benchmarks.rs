//! The pallets `parley-node benchmark pallet` can measure in this runtime.

frame_benchmarking::define_benchmarks!(
	[pallet_governance, Governance]
	[pallet_identities, Identities]
	[pallet_pins, Pins]
	[pallet_tokens, Tokens]
);
