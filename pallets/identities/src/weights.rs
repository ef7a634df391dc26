//! NOT YET MEASURED: replaced by the output of `scripts/bench-weights.sh` before landing.
#![allow(missing_docs)]
use frame_support::weights::Weight;
pub trait WeightInfo {
	fn register_org() -> Weight;
	fn register_child_org() -> Weight;
	fn register_node(m: u32) -> Weight;
	fn update_node(m: u32) -> Weight;
	fn claim_identity() -> Weight;
	fn verify_identity() -> Weight;
	fn add_verifier() -> Weight;
	fn remove_verifier() -> Weight;
	fn deactivate() -> Weight;
}
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn register_org() -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
	fn register_child_org() -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
	fn register_node(_m: u32) -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
	fn update_node(_m: u32) -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
	fn claim_identity() -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
	fn verify_identity() -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
	fn add_verifier() -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
	fn remove_verifier() -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
	fn deactivate() -> Weight {
		Weight::from_parts(1_000_000_000, 10_000)
	}
}
impl WeightInfo for () {
	fn register_org() -> Weight {
		Weight::zero()
	}
	fn register_child_org() -> Weight {
		Weight::zero()
	}
	fn register_node(_m: u32) -> Weight {
		Weight::zero()
	}
	fn update_node(_m: u32) -> Weight {
		Weight::zero()
	}
	fn claim_identity() -> Weight {
		Weight::zero()
	}
	fn verify_identity() -> Weight {
		Weight::zero()
	}
	fn add_verifier() -> Weight {
		Weight::zero()
	}
	fn remove_verifier() -> Weight {
		Weight::zero()
	}
	fn deactivate() -> Weight {
		Weight::zero()
	}
}
