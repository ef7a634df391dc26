//! # Parley runtime
//!
//! The on-chain half of Parley: one agreed order of events for every party of a multi-party
//! network.
//! - **Consensus:** Aura block production every 2 s and GRANDPA finality. The validators are one
//!   node per member org, as the members chose it (the governance pallet is pallet-session's
//!   session manager), so Aura and GRANDPA always hold the same set.
//! - **Governance:** the member orgs vote on named proposals (admit or remove an org, replace its
//!   validator, upgrade the runtime) through a `pallet-collective` instance of their admin
//!   accounts; there is no sudo.
//! - **Pallets:** system, timestamp, balances, transaction payment, the members' collective,
//!   governance, identities, session, Aura, GRANDPA, pins, assets, nfts and tokens.
//! - **Genesis presets:** `development` (one party, org `dev` with node `dev` run by Alice) and
//!   `local3` (three parties: `provider`, `insurer-a`, `insurer-b`).

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` expands to more than the default limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;

extern crate alloc;
use alloc::vec::Vec;
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	use sp_runtime::traits::Hash as HashT;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Block id type.
	pub type BlockId = generic::BlockId<Block>;
	/// Hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	/// The session keys of a validator node: Aura (sr25519) and GRANDPA (ed25519).
	pub struct SessionKeys {
		/// Block production.
		pub aura: Aura,
		/// Finality.
		pub grandpa: Grandpa,
	}
}

/// The runtime's version. Bump `spec_version` on every change to runtime logic.
#[cfg(not(feature = "previous-release"))]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("parley"),
	impl_name: alloc::borrow::Cow::Borrowed("parley"),
	authoring_version: 1,
	spec_version: 109,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	// 2: `pins.acknowledge` names the pin's author, `SkipBatch` the batch's.
	transaction_version: 2,
	system_version: 1,
};

/// The version of the release this one upgrades from (`parley-runtime-previous`, which rehearses
/// the upgrade in the end-to-end tests).
#[cfg(feature = "previous-release")]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("parley"),
	impl_name: alloc::borrow::Cow::Borrowed("parley"),
	authoring_version: 1,
	spec_version: 102,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

mod block_times {
	/// A block every 2 seconds.
	pub const MILLI_SECS_PER_BLOCK: u64 = 2000;
	/// Aura's slot is one block.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
}
pub use block_times::*;

/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;
/// Blocks per session: how soon a newly registered node becomes a validator.
pub const SESSION_PERIOD: BlockNumber = 20;

/// How many recent block hashes are kept.
pub const BLOCK_HASH_COUNT: BlockNumber = 2400;

/// One unit of the native token: 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a unit.
pub const MILLI_UNIT: Balance = 1_000_000_000;
/// A millionth of a unit.
pub const MICRO_UNIT: Balance = 1_000_000;
/// The least balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Transaction signature.
pub type Signature = MultiSignature;
/// An account: the public key of its signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// An amount of the native token.
pub type Balance = u128;
/// A transaction's index among its sender's.
pub type Nonce = u32;
/// A hash.
pub type Hash = sp_core::H256;
/// A block number.
pub type BlockNumber = u32;
/// How extrinsics name accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with its justification.
pub type SignedBlock = generic::SignedBlock<Block>;
/// Block id type.
pub type BlockId = generic::BlockId<Block>;

/// The checks and charges every signed transaction goes through.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// An extrinsic as it arrives from outside.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload a transaction's signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations to run on a runtime upgrade from the previous release. Each runs only if
/// its pallet's on-chain storage version is the one it migrates from, so a new chain (whose
/// genesis has the current versions) runs none.
#[cfg(not(feature = "previous-release"))]
type Migrations = (
	pallet_pins::migrations::v1::MigrateToV1<Runtime>,
	pallet_pins::migrations::v2::MigrateToV2<Runtime>,
	pallet_tokens::migrations::v1::MigrateToV1<Runtime>,
);
/// The previous release upgrades from nothing.
#[cfg(feature = "previous-release")]
type Migrations = ();

// The runtime that runs a network never has its pallets as the previous release had them (as
// happens if `parley-runtime-previous` is built in the same cargo invocation: build the default
// members, and that one alone with scripts/previous-runtime.sh).
#[cfg(not(feature = "previous-release"))]
const _: () = assert!(
	pallet_pins::STORAGE_VERSION_NUMBER == 2 && pallet_tokens::STORAGE_VERSION_NUMBER == 1,
	"pallets are built as the previous release: do not build parley-runtime-previous with the workspace"
);

/// Dispatches extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

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
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(3)]
	pub type TransactionPayment = pallet_transaction_payment;

	/// The members' collective: one seat per member org, its admin account. Only `Governance`
	/// opens and closes its motions (see `configs::GovernedCalls`).
	#[runtime::pallet_index(4)]
	pub type Members = pallet_collective<Instance1>;

	// Identities and Governance come before Session, so the validator set can be read from them.
	#[runtime::pallet_index(5)]
	pub type Identities = pallet_identities;

	#[runtime::pallet_index(13)]
	pub type Governance = pallet_governance;

	/// The runtime's parameters, changed by the members' vote.
	#[runtime::pallet_index(14)]
	pub type Parameters = pallet_parameters;

	#[runtime::pallet_index(6)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(7)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(8)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(9)]
	pub type Pins = pallet_pins;

	// The ledgers behind the tokens pallet's pools. Accounts cannot call them directly (see
	// `configs::NoDirectLedgerCalls`); every token movement goes through `Tokens`.
	#[runtime::pallet_index(10)]
	pub type Assets = pallet_assets;

	#[runtime::pallet_index(11)]
	pub type Nfts = pallet_nfts;

	#[runtime::pallet_index(12)]
	pub type Tokens = pallet_tokens;
}
