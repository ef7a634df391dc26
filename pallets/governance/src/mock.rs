//! A test runtime: frame-system, balances (pallet-session's key deposits), identities, the
//! members' collective, session, and governance. Three member orgs at genesis (`a`, `b`, `c`,
//! admins 1, 2, 3), each with one validator node (accounts 11, 12, 13, session keys 11, 12, 13).

use crate as pallet_governance;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
	weights::Weight,
};
use frame_system::EnsureRoot;
use pallet_collective::Instance1;
use sp_runtime::{
	testing::UintAuthorityId,
	traits::{ConvertInto, OpaqueKeys},
	BuildStorage, KeyTypeId,
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
	pub type Members = pallet_collective::Pallet<Test, Instance1>;

	#[runtime::pallet_index(4)]
	pub type Session = pallet_session::Pallet<Test>;

	#[runtime::pallet_index(5)]
	pub type Governance = pallet_governance::Pallet<Test>;
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
	type RegisterOrigin = frame_system::EnsureNever<()>;
	type MaxNameLen = ConstU32<64>;
	type MaxPeerIdLen = ConstU32<64>;
	type MaxMultiaddrs = ConstU32<4>;
	type MaxMultiaddrLen = ConstU32<128>;
	type MaxVerifiers = ConstU32<4>;
	type MaxOrgDepth = ConstU32<3>;
	type ClaimLapsesAfter = ConstU64<100>;
	type WeightInfo = ();
}

/// Blocks a motion stays open.
pub const VOTING_PERIOD: u64 = 10;
/// Blocks per session.
pub const SESSION_PERIOD: u64 = 5;
/// Most members.
pub const MAX_MEMBERS: u32 = 6;

parameter_types! {
	pub MaxProposalWeight: Weight = Weight::from_parts(1_000_000_000_000, u64::MAX);
}

impl pallet_collective::Config<Instance1> for Test {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = ConstU64<VOTING_PERIOD>;
	type MaxProposals = ConstU32<4>;
	type MaxMembers = ConstU32<MAX_MEMBERS>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = ();
	type SetMembersOrigin = EnsureRoot<u64>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = EnsureRoot<u64>;
	type KillOrigin = EnsureRoot<u64>;
	type Consideration = ();
}

/// Session keys `n` (a test key, whose ownership proofs always hold).
pub fn keys(n: u64) -> UintAuthorityId {
	UintAuthorityId(n)
}

/// Accepts every key set; the test runtime has no consensus.
pub struct TestSessionHandler;

impl pallet_session::SessionHandler<u64> for TestSessionHandler {
	const KEY_TYPE_IDS: &'static [KeyTypeId] = &[sp_runtime::key_types::DUMMY];
	fn on_genesis_session<K: OpaqueKeys>(_validators: &[(u64, K)]) {}
	fn on_new_session<K: OpaqueKeys>(
		_changed: bool,
		_validators: &[(u64, K)],
		_queued: &[(u64, K)],
	) {
	}
	fn on_disabled(_validator_index: u32) {}
}

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = u64;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_governance::NeverEndsByItself;
	type NextSessionRotation =
		pallet_session::PeriodicSessions<ConstU64<SESSION_PERIOD>, ConstU64<0>>;
	type SessionManager = Governance;
	type SessionHandler = TestSessionHandler;
	type Keys = UintAuthorityId;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU64<0>;
}

/// Where the test runtime keeps the parameters set by vote (in storage, so that a proposal's dry
/// run leaves no trace).
const PARAMETERS: &[u8] = b":test:parameters";

/// The parameters set by vote so far, in order.
pub fn parameters() -> Vec<u32> {
	frame_support::storage::unhashed::get(PARAMETERS).unwrap_or_default()
}

/// Records the parameters the members set; refuses 0.
pub struct RecordParameter;

impl pallet_governance::ApplyParameter<u32> for RecordParameter {
	fn apply(parameter: u32) -> frame_support::dispatch::DispatchResult {
		frame_support::ensure!(parameter != 0, "parameter 0 is refused");
		let mut all = parameters();
		all.push(parameter);
		frame_support::storage::unhashed::put(PARAMETERS, &all);
		Ok(())
	}
	fn weight() -> Weight {
		Weight::from_parts(1_000, 0)
	}
}

/// Where the test runtime keeps the batches skipped by vote.
const SKIPS: &[u8] = b":test:skips";

/// The batches skipped by vote so far, in order.
pub fn skips() -> Vec<[u8; 16]> {
	frame_support::storage::unhashed::get(SKIPS).unwrap_or_default()
}

/// Records the batches the members skip; refuses batch `[0; 16]` (as if it were acknowledged).
pub struct RecordSkip;

impl pallet_governance::SkipBatchByVote for RecordSkip {
	fn skip(_author: u32, batch_id: [u8; 16]) -> frame_support::dispatch::DispatchResult {
		frame_support::ensure!(batch_id != [0; 16], "batch acknowledged");
		let mut all = skips();
		all.push(batch_id);
		frame_support::storage::unhashed::put(SKIPS, &all);
		Ok(())
	}
	fn weight() -> Weight {
		Weight::from_parts(2_000, 0)
	}
}

impl pallet_governance::Config for Test {
	type MotionCall = RuntimeCall;
	type Parameter = u32;
	type ApplyParameter = RecordParameter;
	type SkipBatch = RecordSkip;
	type MajorityOrigin = pallet_collective::EnsureProportionMoreThan<u64, Instance1, 1, 2>;
	type SupermajorityOrigin = pallet_collective::EnsureProportionAtLeast<u64, Instance1, 2, 3>;
	type SessionPeriod = ConstU64<SESSION_PERIOD>;
	type MaxMembers = ConstU32<MAX_MEMBERS>;
	type WeightInfo = ();
}

/// A PeerId-shaped byte string for node `n`.
pub fn peer(n: u64) -> Vec<u8> {
	let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	bytes.extend_from_slice(&[n as u8; 32]);
	bytes
}

/// Three member orgs `a`, `b`, `c` (admins 1, 2, 3), each with validator node `a-node`, … (accounts
/// 11, 12, 13, with keys of the same numbers), at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let names = ["a", "b", "c"];
	let genesis = RuntimeGenesisConfig {
		system: Default::default(),
		balances: pallet_balances::GenesisConfig {
			balances: (1..=30).map(|a| (a, 1_000)).collect(),
			..Default::default()
		},
		identities: pallet_identities::GenesisConfig {
			orgs: names
				.iter()
				.enumerate()
				.map(|(i, n)| pallet_identities::GenesisOrg {
					name: n.to_string(),
					account: i as u64 + 1,
				})
				.collect(),
			nodes: names
				.iter()
				.enumerate()
				.map(|(i, n)| pallet_identities::GenesisNode {
					org: n.to_string(),
					name: format!("{n}-node"),
					account: i as u64 + 11,
					peer_id: peer(i as u64 + 11),
					encryption_key: [i as u8 + 11; 32],
					multiaddrs: vec![],
				})
				.collect(),
		},
		members: Default::default(),
		session: pallet_session::GenesisConfig {
			keys: (11..=13).map(|a| (a, a, keys(a))).collect(),
			..Default::default()
		},
		governance: pallet_governance::GenesisConfig {
			members: names
				.iter()
				.enumerate()
				.map(|(i, n)| pallet_governance::GenesisMember {
					org: n.to_string(),
					validator: format!("{n}-node"),
					keys: keys(i as u64 + 11),
				})
				.collect(),
		},
	};
	let mut ext = sp_io::TestExternalities::new(genesis.build_storage().unwrap());
	ext.execute_with(|| System::set_block_number(1));
	ext
}
