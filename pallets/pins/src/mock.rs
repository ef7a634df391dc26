//! A test runtime with frame-system, the real identities pallet and the pins pallet.

use crate as pallet_pins;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::{
	testing::{TestSignature, TestXt, UintAuthorityId},
	BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;

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

	#[runtime::pallet_index(2)]
	pub type Pins = pallet_pins::Pallet<Test>;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	/// Real database weights, so that forgetting old pins keeps to a block's weight.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

impl pallet_identities::Config for Test {
	type RegisterOrigin = EnsureRoot<u64>;
	type MaxNameLen = ConstU32<64>;
	type MaxPeerIdLen = ConstU32<64>;
	type MaxMultiaddrs = ConstU32<4>;
	type MaxMultiaddrLen = ConstU32<128>;
	type MaxVerifiers = ConstU32<4>;
	type MaxOrgDepth = ConstU32<3>;
	type ClaimLapsesAfter = ConstU64<100>;
	type WeightInfo = ();
}

impl frame_system::offchain::SigningTypes for Test {
	type Public = UintAuthorityId;
	type Signature = TestSignature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extrinsic = TestXt<RuntimeCall, ()>;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateBare<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> Self::Extrinsic {
		TestXt::new_bare(call)
	}
}

/// Signs acknowledgements in tests: `UintAuthorityId(n)` is account `n`.
pub struct TestNodeKey;
impl frame_system::offchain::AppCrypto<UintAuthorityId, TestSignature> for TestNodeKey {
	type RuntimeAppPublic = UintAuthorityId;
	type GenericSignature = TestSignature;
	type GenericPublic = UintAuthorityId;
}

impl pallet_pins::Config for Test {
	type Nodes = Identities;
	type OnAcknowledged = ();
	type NodeKey = TestNodeKey;
	type UnsignedPriority = frame_support::traits::ConstU64<100>;
	type MaxNamespaceLen = ConstU32<64>;
	type MaxPayloadRefLen = ConstU32<256>;
	type MaxContexts = ConstU32<8>;
	type SkipAfter = ConstU64<5>;
	type RetainFor = ConstU64<50>;
	type WeightInfo = ();
}

/// The account of org "dev".
pub const ORG: u64 = 1;
/// The account of node "dev" (identity 2: genesis registers both orgs first), in force.
pub const NODE: u64 = 2;
/// The account of node "other" (identity 3, org "other"), in force.
pub const OTHER_NODE: u64 = 4;
/// An account with no identity.
pub const STRANGER: u64 = 99;

/// Storage with orgs "dev" and "other", each with one node, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let node = |org: &str, account: u64, n: u8| pallet_identities::GenesisNode {
		org: org.into(),
		name: org.into(),
		account,
		peer_id: vec![n; 38],
		encryption_key: [n; 32],
		multiaddrs: vec![],
	};
	pallet_identities::GenesisConfig::<Test> {
		orgs: vec![
			pallet_identities::GenesisOrg { name: "dev".into(), account: ORG },
			pallet_identities::GenesisOrg { name: "other".into(), account: 3 },
		],
		nodes: vec![node("dev", NODE, 1), node("other", OTHER_NODE, 2)],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
