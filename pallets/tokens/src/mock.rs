//! A test runtime with the real ledgers (pallet-assets, pallet-nfts), identities, pins and the
//! tokens pallet.

use crate as pallet_tokens;
use frame_support::{
	derive_impl, parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU32, ConstU64, ConstU8},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSigned};
use pallet_nfts::{
	CollectionConfig, CollectionSettings, ItemConfig, ItemSettings, MintSettings, PalletFeatures,
};
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
	pub type Balances = pallet_balances::Pallet<Test>;

	#[runtime::pallet_index(2)]
	pub type Identities = pallet_identities::Pallet<Test>;

	#[runtime::pallet_index(3)]
	pub type Pins = pallet_pins::Pallet<Test>;

	#[runtime::pallet_index(4)]
	pub type Assets = pallet_assets::Pallet<Test>;

	#[runtime::pallet_index(5)]
	pub type Nfts = pallet_nfts::Pallet<Test>;

	#[runtime::pallet_index(6)]
	pub type Tokens = pallet_tokens::Pallet<Test>;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
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
	type OnAcknowledged = Tokens;
	type NodeKey = TestNodeKey;
	type UnsignedPriority = ConstU64<100>;
	type MaxNamespaceLen = ConstU32<64>;
	type MaxPayloadRefLen = ConstU32<256>;
	type MaxContexts = ConstU32<16>;
	type SkipAfter = ConstU64<10>;
	type RetainFor = ConstU64<1000>;
	type WeightInfo = ();
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config for Test {
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<u64>>;
	type ForceOrigin = EnsureRoot<u64>;
	type AssetDeposit = ConstU64<0>;
	type AssetAccountDeposit = ConstU64<0>;
	type MetadataDepositBase = ConstU64<0>;
	type MetadataDepositPerByte = ConstU64<0>;
	type ApprovalDeposit = ConstU64<0>;
	type Freezer = ();
}

parameter_types! {
	pub storage NftFeatures: PalletFeatures = PalletFeatures::all_enabled();
	pub NewNftCollection: pallet_nfts::CollectionConfigFor<Test> = CollectionConfig {
		settings: CollectionSettings::all_enabled(),
		max_supply: None,
		mint_settings: MintSettings::default(),
	};
	pub NewNftItem: ItemConfig = ItemConfig { settings: ItemSettings::all_enabled() };
	pub const TokensPalletId: PalletId = PalletId(*b"prl/tokn");
}

impl pallet_nfts::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type CollectionId = u32;
	type ItemId = u64;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<u64>>;
	type ForceOrigin = EnsureRoot<u64>;
	type Locker = ();
	type CollectionDeposit = ConstU64<0>;
	type ItemDeposit = ConstU64<0>;
	type MetadataDepositBase = ConstU64<0>;
	type AttributeDepositBase = ConstU64<0>;
	type DepositPerByte = ConstU64<0>;
	type StringLimit = ConstU32<64>;
	type KeyLimit = ConstU32<32>;
	type ValueLimit = ConstU32<64>;
	type ApprovalsLimit = ConstU32<4>;
	type ItemAttributesApprovalsLimit = ConstU32<4>;
	type MaxTips = ConstU32<4>;
	type MaxDeadlineDuration = ConstU64<1000>;
	type MaxAttributesPerCall = ConstU32<4>;
	type Features = NftFeatures;
	type OffchainSignature = TestSignature;
	type OffchainPublic = UintAuthorityId;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type Helper = NftsBenchmarkHelper;
	type BlockNumberProvider = System;
}

/// pallet-nfts' benchmark helper for `u64` accounts (its own is for `AccountId32`).
#[cfg(feature = "runtime-benchmarks")]
pub struct NftsBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_nfts::BenchmarkHelper<u32, u64, UintAuthorityId, u64, TestSignature>
	for NftsBenchmarkHelper
{
	fn collection(i: u16) -> u32 {
		i.into()
	}
	fn item(i: u16) -> u64 {
		i.into()
	}
	fn signer() -> (UintAuthorityId, u64) {
		(UintAuthorityId(1), 1)
	}
	fn sign(signer: &UintAuthorityId, message: &[u8]) -> TestSignature {
		TestSignature(signer.0, message.to_vec())
	}
}

impl pallet_tokens::Config for Test {
	type Orgs = Identities;
	type Nodes = Identities;
	type Acknowledgements = Pins;
	type Balance = u64;
	type Fungibles = Assets;
	type CancelAllowance = CancelAssetsAllowance;
	type Nfts = Nfts;
	type NftCollectionConfig = pallet_nfts::CollectionConfigFor<Test>;
	type NftItemConfig = ItemConfig;
	type NewNftCollection = NewNftCollection;
	type NewNftItem = NewNftItem;
	type PalletId = TokensPalletId;
	type MaxNameLen = ConstU32<64>;
	type MaxSymbolLen = ConstU32<16>;
	type MaxUriLen = ConstU32<256>;
	type MaxDecimals = ConstU8<18>;
	type MaxEscrowsPerBatch = ConstU32<4>;
	type MaxExpiriesPerBlock = ConstU32<2>;
	type MaxEscrowTimeout = ConstU64<1000>;
	type RetainEndedFor = ConstU64<100>;
	type WeightInfo = ();
}

/// The admin account of org "provider" (identity 0).
pub const PROVIDER: u64 = 1;
/// The admin account of org "insurer" (identity 1).
pub const INSURER: u64 = 3;
/// The admin account of org "other" (identity 2).
pub const OTHER: u64 = 5;
/// The account of the provider's node (identity 3: genesis registers the orgs first, from 0).
pub const PROVIDER_NODE: u64 = 2;
/// The account of the insurer's node (identity 4).
pub const INSURER_NODE: u64 = 4;
/// The account of the other org's node (identity 5).
pub const OTHER_NODE: u64 = 6;
/// The provider's node identity.
pub const PROVIDER_NODE_ID: pallet_identities::IdentityId = 3;
/// The insurer's node identity.
pub const INSURER_NODE_ID: pallet_identities::IdentityId = 4;
/// The other org's node identity.
pub const OTHER_NODE_ID: pallet_identities::IdentityId = 5;
/// An account with no identity.
pub const STRANGER: u64 = 99;

/// Storage with orgs "provider", "insurer" and "other", each with one node, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let node = |org: &str, name: &str, account: u64, n: u8| pallet_identities::GenesisNode {
		org: org.into(),
		name: name.into(),
		account,
		peer_id: vec![n; 38],
		encryption_key: [n; 32],
		multiaddrs: vec![],
	};
	pallet_identities::GenesisConfig::<Test> {
		orgs: vec![
			pallet_identities::GenesisOrg { name: "provider".into(), account: PROVIDER },
			pallet_identities::GenesisOrg { name: "insurer".into(), account: INSURER },
			pallet_identities::GenesisOrg { name: "other".into(), account: OTHER },
		],
		nodes: vec![
			node("provider", "provider-node", PROVIDER_NODE, 1),
			node("insurer", "insurer-node", INSURER_NODE, 2),
			node("other", "other-node", OTHER_NODE, 3),
		],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Moves to block `n`, running the tokens pallet's `on_initialize` on the way.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Tokens::on_initialize(next);
	}
}

/// Withdraws allowances through pallet-assets, as the runtime does.
pub struct CancelAssetsAllowance;

type AccountId = <Test as frame_system::Config>::AccountId;

impl crate::CancelAllowance<AccountId> for CancelAssetsAllowance {
	fn cancel_allowance(
		pool: crate::PoolId,
		owner: &AccountId,
		delegate: &AccountId,
	) -> frame_support::dispatch::DispatchResult {
		Assets::do_cancel_approval(&pool, owner, delegate)
	}
}
