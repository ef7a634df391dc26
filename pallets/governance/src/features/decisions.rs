//! Carrying out what the members decided: admitting and removing orgs, choosing validators,
//! authorising runtime upgrades, setting parameters, skipping a batch that never arrived.

use crate::{
	pallet::*, ApplyParameter, Decision, DecisionKind, MembersInstance, SkipBatchByVote, WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*, traits::ChangeMembers};
use pallet_identities::{IdentityId, IdentityKind};

type Identities<T> = pallet_identities::Pallet<T>;
type Collective<T> = pallet_collective::Pallet<T, MembersInstance>;

impl<T: Config> Pallet<T> {
	/// Applies `decision`. Also run, and rolled back, when it is proposed: so it fails there with
	/// the error it would meet here.
	pub(crate) fn apply(decision: &DecisionOf<T>) -> DispatchResult {
		match decision {
			Decision::AdmitOrg { name, admin, node, session_keys } => {
				let members = Self::members();
				ensure!(
					(members.len() as u32) < <T as Config>::MaxMembers::get(),
					Error::<T>::TooManyMembers
				);
				let org = Identities::<T>::do_register_org(None, name.clone(), admin.clone())?;
				let node_id = Identities::<T>::do_register_node(
					org,
					node.name.clone(),
					node.account.clone(),
					node.peer_id.clone(),
					node.encryption_key,
					node.multiaddrs.clone(),
				)?;
				Validators::<T>::insert(org, node_id);
				ValidatorKeys::<T>::insert(node_id, session_keys.clone());
				let mut new = members;
				new.push(admin.clone());
				new.sort();
				Collective::<T>::change_members_sorted(core::slice::from_ref(admin), &[], &new);
				Self::deposit_event(Event::OrgAdmitted {
					org,
					node: node_id,
					admin: admin.clone(),
				});
			}
			Decision::RemoveOrg { org } => {
				let admin = Self::member_org(*org)?;
				let members = Self::members();
				ensure!(members.len() > 1, Error::<T>::LastMember);
				Identities::<T>::do_deactivate(None, *org)?;
				if let Some(node) = Validators::<T>::take(org) {
					ValidatorKeys::<T>::remove(node);
				}
				let new: Vec<T::AccountId> = members.into_iter().filter(|m| *m != admin).collect();
				Collective::<T>::change_members_sorted(&[], core::slice::from_ref(&admin), &new);
				Self::deposit_event(Event::OrgRemoved { org: *org });
			}
			Decision::ReplaceValidator { org, node, session_keys } => {
				Self::member_org(*org)?;
				let record =
					pallet_identities::Records::<T>::get(node).ok_or(Error::<T>::NotTheOrgsNode)?;
				ensure!(
					record.kind == IdentityKind::Node
						&& record.parent == Some(*org)
						&& Identities::<T>::is_in_force(*node),
					Error::<T>::NotTheOrgsNode
				);
				let old = Validators::<T>::get(org);
				ensure!(old != Some(*node), Error::<T>::AlreadyTheValidator);
				if let Some(old) = old {
					ValidatorKeys::<T>::remove(old);
				}
				Validators::<T>::insert(org, node);
				ValidatorKeys::<T>::insert(node, session_keys.clone());
				Self::deposit_event(Event::ValidatorReplaced { org: *org, old, new: *node });
			}
			Decision::UpgradeRuntime { code_hash } => {
				frame_system::Pallet::<T>::do_authorize_upgrade(*code_hash, true);
				Self::deposit_event(Event::UpgradeAuthorized { code_hash: *code_hash });
			}
			Decision::SetParameter { parameter } => {
				T::ApplyParameter::apply(parameter.clone())?;
				Self::deposit_event(Event::ParameterSet);
			}
			// The pins pallet's `BatchSkippedByVote` says what happened.
			Decision::SkipBatch { author, batch_id } => T::SkipBatch::skip(*author, *batch_id)?,
		}
		Ok(())
	}

	/// The admin account of member org `org`: a top-level org in force.
	fn member_org(org: IdentityId) -> Result<T::AccountId, DispatchError> {
		let record = pallet_identities::Records::<T>::get(org).ok_or(Error::<T>::UnknownOrg)?;
		ensure!(
			record.kind == IdentityKind::Org
				&& record.parent.is_none()
				&& Identities::<T>::is_in_force(org),
			Error::<T>::NotAMemberOrg
		);
		Ok(record.account)
	}

	/// The weight of enacting `decision`.
	pub(crate) fn enact_weight(decision: &DecisionOf<T>) -> Weight {
		Self::kind_weight(decision.kind())
	}

	/// The weight of enacting a decision of `kind`, at the most members.
	pub(crate) fn kind_weight(kind: DecisionKind) -> Weight {
		let members = <T as Config>::MaxMembers::get();
		match kind {
			DecisionKind::AdmitOrg => <T as Config>::WeightInfo::enact_admit_org(members),
			DecisionKind::RemoveOrg => <T as Config>::WeightInfo::enact_remove_org(members),
			DecisionKind::ReplaceValidator => <T as Config>::WeightInfo::enact_replace_validator(),
			DecisionKind::UpgradeRuntime => <T as Config>::WeightInfo::enact_upgrade_runtime(),
			// The setting itself, as pallet-parameters' benchmark measures it, and the event.
			DecisionKind::SetParameter => T::ApplyParameter::weight()
				.saturating_add(<T as frame_system::Config>::DbWeight::get().writes(1)),
			DecisionKind::SkipBatch => T::SkipBatch::weight(),
		}
	}
}
