//! A test runtime with frame-system and the identities pallet, governed by root.

use crate as pallet_identities;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

/// How many blocks an unverified claim holds its name here.
pub const CLAIM_LAPSES_AFTER: u64 = 50;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system::Pallet<Test>;

	#[runtime::pallet_index(1)]
	pub type Identities = pallet_identities::Pallet<Test>;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_identities::Config for Test {
	type RegisterOrigin = EnsureRoot<u64>;
	type MaxNameLen = ConstU32<64>;
	type MaxPeerIdLen = ConstU32<64>;
	type MaxMultiaddrs = ConstU32<4>;
	type MaxMultiaddrLen = ConstU32<128>;
	type MaxVerifiers = ConstU32<4>;
	type MaxOrgDepth = ConstU32<3>;
	type ClaimLapsesAfter = ConstU64<CLAIM_LAPSES_AFTER>;
	type WeightInfo = ();
}

/// Fresh storage at block 1, so events are recorded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
