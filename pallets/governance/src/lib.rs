//! # Governance pallet
//!
//! No single party decides for the others: every decision that changes who is in a Parley
//! network is a vote of its members, visible to every party on-chain.
//!
//! - **Members** are the top-level orgs, one vote each, cast by the org's admin account. They
//!   are the members of a `pallet-collective` instance ([`MembersInstance`]) that this pallet
//!   keeps in step with the identities pallet: admitting an org adds its admin, removing it takes
//!   the admin out.
//! - **Proposals** are named: [`Decision::AdmitOrg`], [`Decision::RemoveOrg`],
//!   [`Decision::ReplaceValidator`], [`Decision::UpgradeRuntime`], [`Decision::SetParameter`] and
//!   [`Decision::SkipBatch`]. [`Pallet::propose`] checks a
//!   proposal against the chain as it stands (an org that does not exist fails here, before any
//!   vote, with the identities pallet's or this pallet's named error) and opens a motion of the
//!   collective with the proposal's threshold; the proposer's own vote counts as an aye.
//!   [`Pallet::vote`] votes and closes the motion as soon as it is decided. A motion not decided
//!   within the collective's `MotionDuration` expires ([`Event::Expired`]). The collective's own
//!   events say the rest: `Voted`, `Approved` (passed), `Disapproved` (rejected), `Executed`.
//! - **Thresholds:** more than half of the members admit, remove, replace, change a parameter or
//!   skip another party's batch;
//!   at least two thirds upgrade the runtime. The threshold is fixed when the motion opens, and [`Pallet::enact`]
//!   checks the collective's origin again when it runs, so no proposer can set a lower bar.
//! - **Validators:** one per member org: the node it was admitted with, or the one the members
//!   chose in its place. The org's other nodes pin and receive private data but do not author or
//!   vote. This pallet is the session manager: each session's set is every member org's
//!   validator whose session keys (`session.set_keys`, by the node's own account) are the ones
//!   the members voted for. Aura and GRANDPA both take their authorities from that set.
//! - **Sessions** rotate from this pallet's `on_initialize` every `SessionPeriod` blocks, at the
//!   weight the rotation really takes, so that a session change leaves room for transactions.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod features;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use features::{queries::MotionViewOf, sessions::NeverEndsByItself};
pub use types::*;
pub use weights::WeightInfo;

/// The instance of `pallet-collective` whose members are the member orgs' admin accounts.
pub type MembersInstance = pallet_collective::Instance1;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use pallet_collective::ProposalIndex;
	use pallet_identities::IdentityId;

	/// A decision as this runtime spells it.
	pub type DecisionOf<T> = Decision<
		<T as frame_system::Config>::AccountId,
		<T as pallet_session::Config>::Keys,
		<T as frame_system::Config>::Hash,
		<T as Config>::Parameter,
	>;

	/// An open motion as this runtime spells it.
	pub type MotionOf<T> = Motion<<T as frame_system::Config>::Hash, BlockNumberFor<T>>;

	/// The collective's bound on open motions.
	pub type MaxMotions<T> = <T as pallet_collective::Config<MembersInstance>>::MaxProposals;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Configuration of the governance pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config
		+ pallet_identities::Config
		+ pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
		+ pallet_collective::Config<MembersInstance>
	{
		/// The call a motion carries (this pallet's [`Pallet::enact`]), as the collective takes
		/// it: the runtime's call type.
		type MotionCall: From<Call<Self>>
			+ Into<<Self as pallet_collective::Config<MembersInstance>>::Proposal>;
		/// The collective's origin of more than half of the members.
		type MajorityOrigin: EnsureOrigin<<Self as frame_system::Config>::RuntimeOrigin>;
		/// The collective's origin of at least two thirds of the members.
		type SupermajorityOrigin: EnsureOrigin<<Self as frame_system::Config>::RuntimeOrigin>;
		/// The runtime parameters the members may change (`pallet-parameters`' key and value).
		type Parameter: Parameter;
		/// Sets a parameter the members approved.
		type ApplyParameter: ApplyParameter<Self::Parameter>;
		/// Skips the pinned batches the members vote to skip (the pins pallet).
		type SkipBatch: SkipBatchByVote;
		/// Blocks per session: how soon a new or replaced validator takes its place.
		#[pallet::constant]
		type SessionPeriod: Get<BlockNumberFor<Self>>;
		/// Most member orgs, and so validators. Keep it at most the collective's `MaxMembers` and
		/// Aura's and GRANDPA's `MaxAuthorities`.
		#[pallet::constant]
		type MaxMembers: Get<u32>;
		/// Weights of this pallet's calls and hooks, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The validator node each member org chose (by vote).
	#[pallet::storage]
	pub type Validators<T: Config> = StorageMap<_, Twox64Concat, IdentityId, IdentityId>;

	/// The session keys the members voted for each validator node; the node's account must set
	/// these keys (`session.set_keys`) to validate. (Unbounded as pallet-session's own keys are:
	/// their size is the runtime's session key type.)
	#[pallet::storage]
	#[pallet::unbounded]
	pub type ValidatorKeys<T: Config> =
		StorageMap<_, Twox64Concat, IdentityId, <T as pallet_session::Config>::Keys>;

	/// The open motions, by the collective's proposal index.
	#[pallet::storage]
	pub type Motions<T: Config> = StorageMap<_, Twox64Concat, ProposalIndex, MotionOf<T>>;

	/// When each open motion expires, soonest first.
	#[pallet::storage]
	pub type Expiries<T: Config> =
		StorageValue<_, BoundedVec<(BlockNumberFor<T>, ProposalIndex), MaxMotions<T>>, ValueQuery>;

	/// A member org present at genesis, with its validator node.
	#[derive(Clone, PartialEq, Eq, Debug, frame_support::Serialize, frame_support::Deserialize)]
	#[serde(crate = "frame_support::__private::serde", rename_all = "camelCase")]
	pub struct GenesisMember<Keys> {
		/// The org's name, as registered in the identities genesis.
		pub org: alloc::string::String,
		/// The name of its validator node, one of the org's nodes in the identities genesis.
		pub validator: alloc::string::String,
		/// The validator's session keys (the same as in the session genesis).
		pub keys: Keys,
	}

	/// The members a chain starts with: every top-level org of the identities genesis, each with
	/// its validator.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The member orgs and their validators.
		pub members: Vec<GenesisMember<<T as pallet_session::Config>::Keys>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::build_genesis(&self.members);
		}
	}

	/// What the members decided.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A member proposed a decision; the collective's motion `index` (hash `hash`) passes
		/// with `threshold` ayes. The proposer's aye is cast.
		Proposed {
			index: ProposalIndex,
			hash: T::Hash,
			kind: DecisionKind,
			proposer: T::AccountId,
			threshold: u32,
		},
		/// A motion was not decided before its voting period ended; it is closed, rejected.
		Expired { index: ProposalIndex, hash: T::Hash },
		/// An org was admitted as a member, with its first node as its validator.
		OrgAdmitted { org: IdentityId, node: IdentityId, admin: T::AccountId },
		/// A member org was removed: its nodes are out of force and its validator leaves at the
		/// next session. Its name stays reserved.
		OrgRemoved { org: IdentityId },
		/// A member org's validator node was replaced; the new one validates from the next
		/// session on, once its account has set the keys voted for.
		ValidatorReplaced { org: IdentityId, old: Option<IdentityId>, new: IdentityId },
		/// A runtime upgrade with this code hash was authorised: anyone may now apply it
		/// (`system.apply_authorized_upgrade`).
		UpgradeAuthorized { code_hash: T::Hash },
		/// A runtime parameter was set (`pallet-parameters` says which, with its old and new value).
		ParameterSet,
	}

	/// Why a governance call failed.
	#[pallet::error]
	pub enum Error<T> {
		/// The signer is not a member (the admin account of a member org).
		NotAMember,
		/// No identity has this id.
		UnknownOrg,
		/// The identity is not a member org (a top-level org in force).
		NotAMemberOrg,
		/// The node is not a node in force of this org.
		NotTheOrgsNode,
		/// This node already is the org's validator.
		AlreadyTheValidator,
		/// The network already has `MaxMembers` members.
		TooManyMembers,
		/// The last member cannot be removed: nobody would be left to decide.
		LastMember,
		/// No open motion has this index.
		UnknownMotion,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Closes the motions whose voting period ended, and rotates the session every
		/// `SessionPeriod` blocks.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::expire_motions(now).saturating_add(Self::rotate_session_if_due(now))
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Proposes `decision` to the members.
		///
		/// Signed by a member. The decision is checked against the chain as it stands and fails
		/// here, before any vote, with the error it would meet when enacted (an unknown org, a
		/// name already taken, …). Opens a collective motion with the decision's threshold (more
		/// than half of the members; two thirds for a runtime upgrade), votes aye for the
		/// proposer, and enacts it at once if that is enough (a network of one). Emits
		/// [`Event::Proposed`].
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::propose(<T as Config>::MaxMembers::get())
			.saturating_add(Pallet::<T>::max_enact_weight()))]
		pub fn propose(
			origin: OriginFor<T>,
			decision: DecisionOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_propose(who, decision)
		}

		/// Votes on open motion `index`, and closes it as soon as it is decided: an approved
		/// motion is enacted, a rejected one dropped.
		///
		/// Signed by a member, once per motion (a second vote the same way fails with the
		/// collective's `DuplicateVote`; a vote the other way changes it).
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::vote(<T as Config>::MaxMembers::get())
			.saturating_add(Pallet::<T>::max_enact_weight()))]
		pub fn vote(
			origin: OriginFor<T>,
			index: ProposalIndex,
			approve: bool,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_vote(who, index, approve)
		}

		/// Carries out a decision the members approved. Only the collective dispatches it, with
		/// the members' origin: more than half of them for admitting, removing or replacing a
		/// member, changing a parameter or skipping a batch, at least two thirds for a runtime
		/// upgrade.
		#[pallet::call_index(2)]
		#[pallet::weight(Pallet::<T>::enact_weight(decision))]
		pub fn enact(origin: OriginFor<T>, decision: DecisionOf<T>) -> DispatchResult {
			match decision.kind() {
				DecisionKind::UpgradeRuntime => {
					T::SupermajorityOrigin::ensure_origin(origin)?;
				}
				_ => {
					T::MajorityOrigin::ensure_origin(origin)?;
				}
			}
			Self::apply(&decision)
		}
	}
}
