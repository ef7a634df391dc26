//! The runtime API through which the node reads the pins pallet's bounds, so that the private
//! data service builds batches the chain accepts (and follows the chain when an upgrade changes
//! them) instead of copying the numbers.

// `decl_runtime_apis!` repeats the trait's generic bounds in the code it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::PinLimits;

sp_api::decl_runtime_apis! {
	/// Reads the bounds `pin_batch` and `skip_batch` enforce.
	pub trait PinsApi {
		/// The pallet's bounds, as configured in this runtime.
		fn limits() -> PinLimits;
	}
}
