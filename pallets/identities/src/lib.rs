//! # Identities pallet
//!
//! Who is who on a Parley network, agreed by every party:
//! - **orgs**: the member organisations. Top-level orgs are registered by the governance origin
//!   (sudo on a dev chain, a vote of members on a real network); child orgs by their parent org.
//! - **nodes**: registered by their owner org. A node carries the account that signs its pins,
//!   the libp2p PeerId of its private data channel, its X25519 encryption key and the multiaddrs
//!   its channel listens on.
//! - **custom identities**: claimed by their own account under an org, and in force once that org
//!   verifies them. A claim holds its name only while it waits: its org (or the governance
//!   origin) may reject it, and after `ClaimLapsesAfter` blocks unverified anyone may claim the
//!   name again. Either way the claim is removed, so that no account can reserve names forever by
//!   claiming them under an org that never answers.
//! - **verifiers**: extra signing keys of an identity.
//!
//! Every identity has a DID: `did:parley:org/<name>`, `did:parley:node/<name>` or
//! `did:parley:<name>`. Names are unique per kind, so the first registration of a name wins and
//! any later one fails with [`Error::NameAlreadyRegistered`].
//!
//! An identity is *in force* while it and every org above it are active. The pins pallet asks
//! [`NodeRegistry::active_node`] whether a signer is a node in force; the runtime picks its
//! validators from [`Pallet::active_node_accounts`]; the data channel authorises peers through
//! the [`runtime_api::IdentitiesApi`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod did;
mod features;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use did::{did_of, is_valid_name, parse_did};
pub use types::*;
pub use weights::WeightInfo;

/// What other pallets need to know about nodes.
pub trait NodeRegistry<AccountId> {
	/// The id of the node identity whose account is `who`, if that node is in force.
	fn active_node(who: &AccountId) -> Option<IdentityId>;

	/// Registers an org and a node in force for `who`, for other pallets' benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn register_benchmark_node(who: &AccountId, seed: u32) -> IdentityId;
}

/// What other pallets need to know about orgs.
pub trait Organizations<AccountId> {
	/// The id of the org in force whose admin account is `who`.
	fn active_org(who: &AccountId) -> Option<IdentityId>;

	/// The org a node identity belongs to.
	fn org_of_node(node: IdentityId) -> Option<IdentityId>;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The record type this runtime stores for an identity.
	pub type IdentityOf<T> = IdentityRecord<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::MaxNameLen,
	>;
	/// The node record type this runtime stores.
	pub type NodeRecordOf<T> = NodeRecord<
		<T as Config>::MaxPeerIdLen,
		<T as Config>::MaxMultiaddrs,
		<T as Config>::MaxMultiaddrLen,
	>;
	/// A bounded identity name.
	pub type NameOf<T> = BoundedVec<u8, <T as Config>::MaxNameLen>;
	/// A bounded data-channel PeerId.
	pub type PeerIdOf<T> = BoundedVec<u8, <T as Config>::MaxPeerIdLen>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Configuration of the identities pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who may register and deactivate top-level orgs: the network's governance.
		type RegisterOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Longest identity name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;
		/// Longest data-channel PeerId, in bytes.
		#[pallet::constant]
		type MaxPeerIdLen: Get<u32>;
		/// Most multiaddrs per node.
		#[pallet::constant]
		type MaxMultiaddrs: Get<u32>;
		/// Longest multiaddr, in bytes.
		#[pallet::constant]
		type MaxMultiaddrLen: Get<u32>;
		/// Most verifiers per identity.
		#[pallet::constant]
		type MaxVerifiers: Get<u32>;
		/// Deepest org nesting: a top-level org is depth 1.
		#[pallet::constant]
		type MaxOrgDepth: Get<u32>;
		/// How many blocks a custom identity's claim holds its name (and its account) while its
		/// org has not verified it. After that, a new claim of the name (or by the account)
		/// removes the lapsed one.
		#[pallet::constant]
		type ClaimLapsesAfter: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Every identity, by id.
	#[pallet::storage]
	pub type Records<T: Config> = StorageMap<_, Blake2_128Concat, IdentityId, IdentityOf<T>>;

	/// Identity ids by kind and name: what a DID resolves to.
	#[pallet::storage]
	pub type IdentityByName<T: Config> =
		StorageDoubleMap<_, Twox64Concat, IdentityKind, Blake2_128Concat, NameOf<T>, IdentityId>;

	/// Identity ids by kind and account. One account acts for at most one identity of each kind.
	#[pallet::storage]
	pub type IdentityByAccount<T: Config> =
		StorageDoubleMap<_, Twox64Concat, IdentityKind, Blake2_128Concat, T::AccountId, IdentityId>;

	/// The off-chain details of node identities.
	#[pallet::storage]
	pub type Nodes<T: Config> = StorageMap<_, Blake2_128Concat, IdentityId, NodeRecordOf<T>>;

	/// Node identity ids by data-channel PeerId.
	#[pallet::storage]
	pub type NodeByPeerId<T: Config> = StorageMap<_, Blake2_128Concat, PeerIdOf<T>, IdentityId>;

	/// Extra signing keys per identity.
	#[pallet::storage]
	pub type Verifiers<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		IdentityId,
		BoundedVec<Verifier, T::MaxVerifiers>,
		ValueQuery,
	>;

	/// The id the next identity gets.
	#[pallet::storage]
	pub type NextIdentityId<T: Config> = StorageValue<_, IdentityId, ValueQuery>;

	/// An org present at genesis.
	#[derive(Clone, PartialEq, Eq, Debug, frame_support::Serialize, frame_support::Deserialize)]
	#[serde(crate = "frame_support::__private::serde", rename_all = "camelCase")]
	pub struct GenesisOrg<AccountId> {
		/// Its name (`did:parley:org/<name>`).
		pub name: alloc::string::String,
		/// Its admin account.
		pub account: AccountId,
	}

	/// A node present at genesis.
	#[derive(Clone, PartialEq, Eq, Debug, frame_support::Serialize, frame_support::Deserialize)]
	#[serde(crate = "frame_support::__private::serde", rename_all = "camelCase")]
	pub struct GenesisNode<AccountId> {
		/// The name of its owner org, which must be in `orgs`.
		pub org: alloc::string::String,
		/// Its name (`did:parley:node/<name>`).
		pub name: alloc::string::String,
		/// Its signing account.
		pub account: AccountId,
		/// Its data-channel PeerId bytes.
		pub peer_id: Vec<u8>,
		/// Its X25519 public key.
		pub encryption_key: [u8; 32],
		/// Its data-channel multiaddrs.
		pub multiaddrs: Vec<alloc::string::String>,
	}

	/// The identities a chain starts with.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Top-level orgs.
		pub orgs: Vec<GenesisOrg<T::AccountId>>,
		/// Nodes of those orgs.
		pub nodes: Vec<GenesisNode<T::AccountId>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for org in &self.orgs {
				Pallet::<T>::do_register_org(
					None,
					org.name.as_bytes().to_vec(),
					org.account.clone(),
				)
				.expect("genesis orgs are valid and unique");
			}
			for node in &self.nodes {
				let org = IdentityByName::<T>::get(
					IdentityKind::Org,
					NameOf::<T>::try_from(node.org.as_bytes().to_vec())
						.expect("genesis node's org name fits"),
				)
				.expect("genesis node's org is in `orgs`");
				Pallet::<T>::do_register_node(
					org,
					node.name.as_bytes().to_vec(),
					node.account.clone(),
					node.peer_id.clone(),
					node.encryption_key,
					node.multiaddrs.iter().map(|a| a.as_bytes().to_vec()).collect(),
				)
				.expect("genesis nodes are valid and unique");
			}
		}
	}

	/// What happened to identities.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An org was registered and is in force.
		OrgRegistered {
			id: IdentityId,
			name: Vec<u8>,
			parent: Option<IdentityId>,
			account: T::AccountId,
		},
		/// A node was registered under its org and is in force.
		NodeRegistered {
			id: IdentityId,
			org: IdentityId,
			name: Vec<u8>,
			account: T::AccountId,
			peer_id: Vec<u8>,
			encryption_key: [u8; 32],
		},
		/// A node's data-channel details changed.
		NodeUpdated { id: IdentityId, peer_id: Vec<u8>, encryption_key: [u8; 32] },
		/// A custom identity was claimed by its account and waits for its org to verify it.
		IdentityClaimed { id: IdentityId, parent: IdentityId, name: Vec<u8>, account: T::AccountId },
		/// The org verified a claimed identity, which is now in force.
		IdentityVerified { id: IdentityId, by: IdentityId },
		/// A signing key was added to an identity.
		VerifierAdded { id: IdentityId, verifier: Verifier },
		/// A signing key was removed from an identity.
		VerifierRemoved { id: IdentityId, verifier: Verifier },
		/// An identity was deactivated. Identities under it are no longer in force.
		IdentityDeactivated { id: IdentityId },
		/// A pending claim was rejected by its org (or the governance origin) and removed: its
		/// name and its account are free again.
		ClaimRejected { id: IdentityId },
		/// A pending claim older than `ClaimLapsesAfter` was removed by a new claim of its name
		/// or by its account: its name and its account are free again.
		ClaimLapsed { id: IdentityId },
	}

	/// Why an identity call failed.
	#[pallet::error]
	pub enum Error<T> {
		/// The name is longer than `MaxNameLen`.
		NameTooLong,
		/// The name has a character other than ASCII letters, digits, `.`, `_`, `-`, or does not
		/// start and end with a letter or digit.
		InvalidName,
		/// An identity of this kind already has this name: the first registration won.
		NameAlreadyRegistered,
		/// This account already acts for an identity of this kind.
		AccountAlreadyRegistered,
		/// No identity has this id.
		UnknownIdentity,
		/// The parent id given is not a known identity.
		UnknownParent,
		/// The identity named as parent or owner is not an org.
		NotAnOrg,
		/// The identity is not a node.
		NotANode,
		/// The signer is not the account of the org (or identity) this call acts for.
		NotAuthorized,
		/// The identity, or an org above it, is not in force.
		IdentityInactive,
		/// The identity is already deactivated.
		AlreadyDeactivated,
		/// The identity is not waiting for verification.
		NotPending,
		/// Orgs nest deeper than `MaxOrgDepth`.
		HierarchyTooDeep,
		/// The PeerId is empty or longer than `MaxPeerIdLen`.
		InvalidPeerId,
		/// Another node already uses this PeerId.
		PeerIdAlreadyRegistered,
		/// More multiaddrs than `MaxMultiaddrs`.
		TooManyMultiaddrs,
		/// A multiaddr is empty or longer than `MaxMultiaddrLen`.
		InvalidMultiaddr,
		/// The identity already has `MaxVerifiers` verifiers.
		TooManyVerifiers,
		/// The identity already has this verifier.
		VerifierAlreadyAdded,
		/// The identity has no such verifier.
		UnknownVerifier,
		/// Identity ids have run out.
		IdentityIdOverflow,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a top-level org called `name`, administered by `account`.
		///
		/// Origin: the governance origin. The org is in force at once. Fails with
		/// `NameAlreadyRegistered` if an org already has this name, and with
		/// `AccountAlreadyRegistered` if `account` already administers an org.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_org())]
		pub fn register_org(
			origin: OriginFor<T>,
			name: Vec<u8>,
			account: T::AccountId,
		) -> DispatchResult {
			T::RegisterOrigin::ensure_origin(origin)?;
			Self::do_register_org(None, name, account).map(|_| ())
		}

		/// Registers a child org called `name` under `parent`, administered by `account`.
		///
		/// Origin: signed by the account of `parent`, which must be an org in force.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::register_child_org())]
		pub fn register_child_org(
			origin: OriginFor<T>,
			parent: IdentityId,
			name: Vec<u8>,
			account: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::ensure_acts_for_org(&who, parent)?;
			Self::do_register_org(Some(parent), name, account).map(|_| ())
		}

		/// Registers a node called `name` owned by `org`.
		///
		/// Origin: signed by the account of `org`, which must be an org in force.
		/// - `account` signs the node's pins and acknowledgements;
		/// - `peer_id` is the libp2p PeerId of its data channel; no other node may use it;
		/// - `encryption_key` is its X25519 public key;
		/// - `multiaddrs` are where its data channel listens.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::register_node(multiaddrs.len() as u32))]
		pub fn register_node(
			origin: OriginFor<T>,
			org: IdentityId,
			name: Vec<u8>,
			account: T::AccountId,
			peer_id: Vec<u8>,
			encryption_key: [u8; 32],
			multiaddrs: Vec<Vec<u8>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::ensure_acts_for_org(&who, org)?;
			Self::do_register_node(org, name, account, peer_id, encryption_key, multiaddrs)
				.map(|_| ())
		}

		/// Replaces a node's data-channel PeerId, encryption key and multiaddrs (key rotation).
		///
		/// Origin: signed by the node's own account or by its owner org's account.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::update_node(multiaddrs.len() as u32))]
		pub fn update_node(
			origin: OriginFor<T>,
			node: IdentityId,
			peer_id: Vec<u8>,
			encryption_key: [u8; 32],
			multiaddrs: Vec<Vec<u8>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_node(&who, node, peer_id, encryption_key, multiaddrs)
		}

		/// Claims a custom identity called `name` under the org `parent`, for the signing account.
		///
		/// The identity stays pending until the org calls [`Pallet::verify_identity`]. A pending
		/// claim of the same name, or by the same account, older than `ClaimLapsesAfter` blocks is
		/// removed first ([`Event::ClaimLapsed`]); a younger one fails the call with
		/// `NameAlreadyRegistered` or `AccountAlreadyRegistered`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::claim_identity()
			// Up to two lapsed claims read and removed (record, name, account, verifiers).
			.saturating_add(T::DbWeight::get().reads_writes(2, 8)))]
		pub fn claim_identity(
			origin: OriginFor<T>,
			parent: IdentityId,
			name: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim_identity(who, parent, name).map(|_| ())
		}

		/// Verifies a pending custom identity claimed under the signer's org, putting it in force.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::verify_identity())]
		pub fn verify_identity(origin: OriginFor<T>, id: IdentityId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_verify_identity(&who, id)
		}

		/// Adds a signing key to an identity.
		///
		/// Origin: signed by the identity's own account or by its parent org's account.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::add_verifier())]
		pub fn add_verifier(
			origin: OriginFor<T>,
			id: IdentityId,
			verifier: Verifier,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_verifier(&who, id, verifier)
		}

		/// Removes a signing key from an identity.
		///
		/// Origin: signed by the identity's own account or by its parent org's account.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::remove_verifier())]
		pub fn remove_verifier(
			origin: OriginFor<T>,
			id: IdentityId,
			verifier: Verifier,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_verifier(&who, id, verifier)
		}

		/// Deactivates an identity for good. Identities under it stop being in force too; a
		/// deactivated node can no longer pin, and leaves the validator set at the next session.
		/// A custom identity still pending is rejected instead: removed, its name and account
		/// free again ([`Event::ClaimRejected`]).
		///
		/// Origin: the governance origin, or signed by the account of the identity's parent org.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::deactivate()
			// A rejected claim's name, account and verifiers removed.
			.saturating_add(T::DbWeight::get().writes(3)))]
		pub fn deactivate(origin: OriginFor<T>, id: IdentityId) -> DispatchResult {
			let by_governance = T::RegisterOrigin::try_origin(origin.clone()).is_ok();
			let who = if by_governance { None } else { Some(ensure_signed(origin)?) };
			Self::do_deactivate(who.as_ref(), id)
		}
	}

	impl<T: Config> Organizations<T::AccountId> for Pallet<T> {
		fn active_org(who: &T::AccountId) -> Option<IdentityId> {
			let id = IdentityByAccount::<T>::get(IdentityKind::Org, who)?;
			Self::is_in_force(id).then_some(id)
		}

		fn org_of_node(node: IdentityId) -> Option<IdentityId> {
			Records::<T>::get(node).filter(|r| r.kind == IdentityKind::Node).and_then(|r| r.parent)
		}
	}

	impl<T: Config> NodeRegistry<T::AccountId> for Pallet<T> {
		fn active_node(who: &T::AccountId) -> Option<IdentityId> {
			let id = IdentityByAccount::<T>::get(IdentityKind::Node, who)?;
			Self::is_in_force(id).then_some(id)
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn register_benchmark_node(who: &T::AccountId, seed: u32) -> IdentityId {
			crate::benchmarking::register_node_for::<T>(who, seed)
		}
	}
}
