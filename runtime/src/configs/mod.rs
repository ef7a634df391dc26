//! How each pallet is configured in the Parley runtime.

use frame_support::dynamic_params::{dynamic_pallet_params, dynamic_params};
use frame_support::PalletId;
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{
		AsEnsureOriginWithArg, ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, Contains,
		VariantCountOf,
	},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureNever, EnsureRoot,
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
	traits::{One, Verify},
	Perbill,
};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Assets, Aura, Balance, Balances, Block, BlockNumber, Governance, Hash, Identities,
	Nfts, Nonce, PalletInfo, Pins, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason,
	RuntimeHoldReason, RuntimeOrigin, RuntimeTask, SessionKeys, Signature, System, Tokens,
	UncheckedExtrinsic, EXISTENTIAL_DEPOSIT, SESSION_PERIOD, SLOT_DURATION, VERSION,
};

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = super::BLOCK_HASH_COUNT;
	pub const Version: RuntimeVersion = VERSION;

	/// Half of each 2 s slot may go to executing a block, leaving time to propagate it.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB blocks, of which normal transactions may fill 75%.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	pub const SS58Prefix: u8 = 42;
}

/// The basics of the chain: accounts, blocks, hashes, weights. The node runs ParityDB, so
/// storage access is costed with ParityDB's weights.
#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type BaseCallFilter = GovernedCalls;
}

/// What transactions may call:
/// - not `pallet-assets` and `pallet-nfts`: token pools live there, but every mint, burn,
///   transfer and approval goes through the tokens pallet, which checks who may act and emits the
///   events the parties follow;
/// - not the members' collective directly: every motion is a named proposal of the governance
///   pallet, checked before the vote, with the threshold its kind needs.
///
/// (Calls dispatched by an approved motion, and root, are not filtered.)
pub struct GovernedCalls;

impl Contains<RuntimeCall> for GovernedCalls {
	fn contains(call: &RuntimeCall) -> bool {
		!matches!(call, RuntimeCall::Assets(_) | RuntimeCall::Nfts(_) | RuntimeCall::Members(_))
	}
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_MEMBERS>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_MEMBERS>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

parameter_types! {
	pub const SessionPeriod: BlockNumber = SESSION_PERIOD;
	pub const SessionOffset: BlockNumber = 0;
}

/// Sessions rotate every `SESSION_PERIOD` blocks, from the governance pallet's `on_initialize`
/// (pallet-session's own rotation would claim a whole block); each session's validators are one
/// node per member org, with the keys the members voted for (see `pallet_governance`).
impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = pallet_governance::NeverEndsByItself;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type SessionManager = Governance;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	// Validators are admitted by identity registration, not by bonding; no deposit is held.
	type KeyDeposit = ConstU128<0>;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

/// Most member orgs: as many as Aura and GRANDPA take authorities, one validator each.
pub const MAX_MEMBERS: u32 = 32;

parameter_types! {
	/// An enacted decision may take up to half a block.
	pub MaxMotionWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

/// The members' collective: each member org's admin account has one seat. Its motions are
/// opened and closed only by the governance pallet (the collective's own calls are filtered),
/// membership follows admission and removal, and abstentions count as nays.
impl pallet_collective::Config<pallet_collective::Instance1> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = dynamic_params::governance::VotingPeriod;
	type MaxProposals = ConstU32<32>;
	type MaxMembers = ConstU32<MAX_MEMBERS>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = EnsureNever<()>;
	type MaxProposalWeight = MaxMotionWeight;
	type DisapproveOrigin = EnsureNever<()>;
	type KillOrigin = EnsureNever<()>;
	type Consideration = ();
}

/// The runtime's parameters: defaults here, changed only by the members' vote
/// ([`pallet_governance::Decision::SetParameter`]; `pallet-parameters` keeps the values).
#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;

	/// Parameters of the pins pallet.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod pins {
		/// Blocks a pin must be old before its author may skip it (20 s).
		#[codec(index = 0)]
		pub static SkipAfter: BlockNumber = 10;
	}

	/// Parameters of governance.
	#[dynamic_pallet_params]
	#[codec(index = 1)]
	pub mod governance {
		/// Blocks a motion stays open before it expires (two days).
		#[codec(index = 0)]
		pub static VotingPeriod: BlockNumber = 2 * crate::DAYS;
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl Default for RuntimeParameters {
	fn default() -> Self {
		RuntimeParameters::Pins(dynamic_params::pins::Parameters::SkipAfter(
			dynamic_params::pins::SkipAfter,
			Some(10),
		))
	}
}

/// Parameter values; only root sets them, and root is reached only by an approved motion (the
/// runtime has no sudo).
impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	type AdminOrigin = EnsureRoot<AccountId>;
	// The pallet's own benchmarked weights (it exports them only with RocksDB's database weights,
	// which cost more than ParityDB's: an overestimate).
	type WeightInfo = ();
}

/// Sets the parameter an approved motion names.
pub struct SetRuntimeParameter;

impl pallet_governance::ApplyParameter<RuntimeParameters> for SetRuntimeParameter {
	fn apply(parameter: RuntimeParameters) -> frame_support::dispatch::DispatchResult {
		pallet_parameters::Pallet::<Runtime>::set_parameter(RuntimeOrigin::root(), parameter)
	}

	fn weight() -> Weight {
		<() as pallet_parameters::WeightInfo>::set_parameter()
	}
}

/// Skips the batch an approved motion names, under the pins pallet's rules.
pub struct SkipPinnedBatch;

impl pallet_governance::SkipBatchByVote for SkipPinnedBatch {
	fn skip(
		author: pallet_identities::IdentityId,
		batch_id: [u8; 16],
	) -> frame_support::dispatch::DispatchResult {
		pallet_pins::Pallet::<Runtime>::skip_by_vote(author, batch_id)
	}

	fn weight() -> Weight {
		// The author's skip as benchmarked (its identity reads are more than a vote needs), and
		// the acknowledgements' prefix read (see `pallet_pins::Call::skip_batch`).
		<pallet_pins::weights::SubstrateWeight<Runtime> as pallet_pins::WeightInfo>::skip_batch()
			.saturating_add(<Runtime as frame_system::Config>::DbWeight::get().reads(1))
	}
}

/// Governance: more than half of the members admit, remove, replace, change a parameter or skip
/// another party's batch; two thirds upgrade.
impl pallet_governance::Config for Runtime {
	type MotionCall = RuntimeCall;
	type Parameter = RuntimeParameters;
	type ApplyParameter = SetRuntimeParameter;
	type SkipBatch = SkipPinnedBatch;
	type MajorityOrigin =
		pallet_collective::EnsureProportionMoreThan<AccountId, pallet_collective::Instance1, 1, 2>;
	type SupermajorityOrigin =
		pallet_collective::EnsureProportionAtLeast<AccountId, pallet_collective::Instance1, 2, 3>;
	type SessionPeriod = SessionPeriod;
	type MaxMembers = ConstU32<MAX_MEMBERS>;
	type WeightInfo = pallet_governance::weights::SubstrateWeight<Runtime>;
}

/// Identities: top-level orgs are admitted and removed only by the members' vote (the governance
/// pallet); orgs register their own nodes and child orgs.
impl pallet_identities::Config for Runtime {
	type RegisterOrigin = EnsureNever<()>;
	type MaxNameLen = ConstU32<64>;
	type MaxPeerIdLen = ConstU32<64>;
	type MaxMultiaddrs = ConstU32<8>;
	type MaxMultiaddrLen = ConstU32<128>;
	type MaxVerifiers = ConstU32<16>;
	type MaxOrgDepth = ConstU32<4>;
	/// An org has a week to verify a custom identity claimed under it.
	type ClaimLapsesAfter = ConstU32<{ 7 * super::DAYS }>;
	type WeightInfo = pallet_identities::weights::SubstrateWeight<Runtime>;
}

/// Offchain workers sign with account keys (`MultiSigner`s).
impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <Signature as Verify>::Signer;
	type Signature = Signature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

/// Offchain workers may submit unsigned transactions (the pins pallet's acknowledgements, each
/// carrying a node signature checked before the pool accepts it).
impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}

/// Pins: only nodes in force pin; a pin holds up to 256 contexts. The node's offchain worker
/// acknowledges received batches with the node account key (key type `prly`).
impl pallet_pins::Config for Runtime {
	type Nodes = Identities;
	/// An acknowledgement releases the escrowed payments waiting on it.
	type OnAcknowledged = Tokens;
	type NodeKey = pallet_pins::crypto::NodeKey;
	/// Free acknowledgements rank below every signed transaction (whose priority, from
	/// `pallet-transaction-payment`, is at least 1 with no tip): a node cannot crowd pins and
	/// payments out of a block with them.
	type UnsignedPriority = ConstU64<0>;
	type MaxNamespaceLen = ConstU32<64>;
	type MaxPayloadRefLen = ConstU32<256>;
	type MaxContexts = ConstU32<256>;
	/// A pin may be skipped 10 blocks (20 s) after it was made, unless the members changed it.
	type SkipAfter = dynamic_params::pins::SkipAfter;
	/// Pins, their skips and acknowledgements are kept 90 days, then forgotten in idle time
	/// (every node keeps its own record of what it received).
	type RetainFor = ConstU32<{ 90 * crate::DAYS }>;
	type WeightInfo = pallet_pins::weights::SubstrateWeight<Runtime>;
}

/// The fungible ledger: one asset per fungible pool, created by the tokens pallet. No deposits:
/// parties are known organisations, and accounts cannot call this pallet directly.
impl pallet_assets::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type RemoveItemsLimit = ConstU32<1000>;
	type AssetId = pallet_tokens::PoolId;
	type AssetIdParameter = codec::Compact<pallet_tokens::PoolId>;
	type ReserveData = ();
	type Currency = Balances;
	// Closed: only the tokens pallet creates assets (through `fungibles::Create`, which takes no
	// origin), even were a call to reach this pallet around the call filter.
	type CreateOrigin = AsEnsureOriginWithArg<EnsureNever<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = ConstU128<0>;
	type AssetAccountDeposit = ConstU128<0>;
	type MetadataDepositBase = ConstU128<0>;
	type MetadataDepositPerByte = ConstU128<0>;
	type ApprovalDeposit = ConstU128<0>;
	type StringLimit = ConstU32<64>;
	type Freezer = ();
	type Holder = ();
	type Extra = ();
	type CallbackHandle = ();
	type AssetIdAllocator = ();
	type WeightInfo = pallet_assets::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

parameter_types! {
	pub NftFeatures: pallet_nfts::PalletFeatures = pallet_nfts::PalletFeatures::all_enabled();
	/// Every non-fungible pool's collection: transferable items, no supply cap.
	pub NewNftCollection: pallet_nfts::CollectionConfigFor<Runtime> = pallet_nfts::CollectionConfig {
		settings: pallet_nfts::CollectionSettings::all_enabled(),
		max_supply: None,
		mint_settings: pallet_nfts::MintSettings::default(),
	};
	/// Every minted item: transferable.
	pub NewNftItem: pallet_nfts::ItemConfig =
		pallet_nfts::ItemConfig { settings: pallet_nfts::ItemSettings::all_enabled() };
	pub const TokensPalletId: PalletId = PalletId(*b"prl/tokn");
}

/// The non-fungible ledger: one collection per non-fungible pool, created by the tokens pallet.
impl pallet_nfts::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type CollectionId = pallet_tokens::PoolId;
	type ItemId = pallet_tokens::ItemIndex;
	type Currency = Balances;
	type ForceOrigin = EnsureRoot<AccountId>;
	// Closed: only the tokens pallet creates collections (through `nonfungibles_v2::Create`).
	type CreateOrigin = AsEnsureOriginWithArg<EnsureNever<AccountId>>;
	type Locker = ();
	type CollectionDeposit = ConstU128<0>;
	type ItemDeposit = ConstU128<0>;
	type MetadataDepositBase = ConstU128<0>;
	type AttributeDepositBase = ConstU128<0>;
	type DepositPerByte = ConstU128<0>;
	type StringLimit = ConstU32<256>;
	type KeyLimit = ConstU32<64>;
	type ValueLimit = ConstU32<256>;
	type ApprovalsLimit = ConstU32<20>;
	type ItemAttributesApprovalsLimit = ConstU32<20>;
	type MaxTips = ConstU32<10>;
	type MaxDeadlineDuration = ConstU32<{ 30 * 24 * 3600 / 2 }>;
	type MaxAttributesPerCall = ConstU32<10>;
	type Features = NftFeatures;
	type OffchainSignature = Signature;
	type OffchainPublic = <Signature as Verify>::Signer;
	type WeightInfo = pallet_nfts::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type Helper = ();
	type BlockNumberProvider = System;
}

/// Tokens: pools on the two ledgers above, uniqueness claims, and escrows released by the pins
/// pallet's acknowledgements. Escrows time out after at most a week of 2 s blocks.
/// Withdraws an allowance in a fungible pool through pallet-assets, whose `do_cancel_approval`
/// the SDK's `fungibles::approvals` traits do not offer.
pub struct CancelAssetsAllowance;

impl pallet_tokens::CancelAllowance<AccountId> for CancelAssetsAllowance {
	fn cancel_allowance(
		pool: pallet_tokens::PoolId,
		owner: &AccountId,
		delegate: &AccountId,
	) -> frame_support::dispatch::DispatchResult {
		Assets::do_cancel_approval(&pool, owner, delegate)
	}
}

impl pallet_tokens::Config for Runtime {
	type Orgs = Identities;
	type Nodes = Identities;
	type Acknowledgements = Pins;
	type Balance = Balance;
	type Fungibles = Assets;
	type CancelAllowance = CancelAssetsAllowance;
	type Nfts = Nfts;
	type NftCollectionConfig = pallet_nfts::CollectionConfigFor<Runtime>;
	type NftItemConfig = pallet_nfts::ItemConfig;
	type NewNftCollection = NewNftCollection;
	type NewNftItem = NewNftItem;
	type PalletId = TokensPalletId;
	type MaxNameLen = ConstU32<64>;
	type MaxSymbolLen = ConstU32<16>;
	type MaxUriLen = ConstU32<256>;
	type MaxDecimals = ConstU8<18>;
	type MaxEscrowsPerBatch = ConstU32<16>;
	type MaxExpiriesPerBlock = ConstU32<64>;
	type MaxEscrowTimeout = ConstU32<{ 7 * 24 * 3600 / 2 }>;
	/// An ended escrow is kept 90 days after its timeout, then forgotten in idle time.
	type RetainEndedFor = ConstU32<{ 90 * crate::DAYS }>;
	type WeightInfo = pallet_tokens::weights::SubstrateWeight<Runtime>;
}
