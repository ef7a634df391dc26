//! The chain as the private data service sees it: node identities, the bounds of a pin, token
//! holdings and who governs, read through the runtime's `IdentitiesApi`, `PinsApi`, `TokensApi`
//! and `GovernanceApi` at the best block.

use crate::service::FullClient;
use pallet_governance::{runtime_api::GovernanceApi, Decision, DecisionOf, MemberView};
use pallet_identities::runtime_api::IdentitiesApi;
use pallet_pins::runtime_api::PinsApi;
use pallet_tokens::runtime_api::TokensApi;
use parley_offchain::tokens::{Account, PoolId};
use parley_offchain::{ChainView, Governance, Member, Motion, NodeIdentity, PinLimits};
use parley_runtime::{AccountId, Runtime};
use serde_json::{json, Value};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use std::sync::Arc;

/// Reads node identities from the latest imported block.
pub struct RuntimeView {
	pub(crate) client: Arc<FullClient>,
}

impl ChainView for RuntimeView {
	fn best_block(&self) -> u64 {
		self.client.info().best_number as u64
	}

	fn pin_limits(&self) -> Result<PinLimits, String> {
		let best = self.client.info().best_hash;
		let limits = self.client.runtime_api().limits(best).map_err(|e| e.to_string())?;
		Ok(PinLimits {
			max_contexts: limits.max_contexts,
			max_namespace_len: limits.max_namespace_len,
			skip_after: limits.skip_after as u64,
		})
	}

	fn token_balance(&self, pool: PoolId, account: Account) -> Result<Option<u128>, String> {
		let best = self.client.info().best_hash;
		self.client.runtime_api().balance(best, pool, account.into()).map_err(|e| e.to_string())
	}

	fn token_items(&self, pool: PoolId, account: Account, limit: u32) -> Result<Vec<u64>, String> {
		let best = self.client.info().best_hash;
		self.client
			.runtime_api()
			.items_of(best, pool, account.into(), limit)
			.map_err(|e| e.to_string())
	}

	fn item_owner(&self, pool: PoolId, index: u64) -> Result<Option<Account>, String> {
		let best = self.client.info().best_hash;
		let owner =
			self.client.runtime_api().item_owner(best, pool, index).map_err(|e| e.to_string())?;
		Ok(owner.map(Into::into))
	}

	fn nodes(&self) -> Result<Vec<NodeIdentity>, String> {
		let best = self.client.info().best_hash;
		let nodes = self.client.runtime_api().nodes(best).map_err(|e| e.to_string())?;
		Ok(nodes
			.into_iter()
			.filter_map(|info| {
				let node = info.node?;
				Some(NodeIdentity {
					id: info.id,
					did: String::from_utf8(info.did).ok()?,
					account: info.account.into(),
					peer_id: node.peer_id,
					encryption_key: node.encryption_key,
					multiaddrs: node
						.multiaddrs
						.into_iter()
						.filter_map(|a| String::from_utf8(a).ok())
						.collect(),
					active: info.active,
				})
			})
			.collect())
	}

	fn governance(&self) -> Result<Governance, String> {
		let best = self.client.info().best_hash;
		let api = self.client.runtime_api();
		let members = api.members(best).map_err(|e| e.to_string())?;
		let motions = api.motions(best).map_err(|e| e.to_string())?;
		// Node DIDs are needed only to name a replacement validator: list the nodes only then.
		let replaces =
			motions.iter().any(|m| matches!(m.decision, Some(Decision::ReplaceValidator { .. })));
		let nodes = if replaces { self.nodes()? } else { Vec::new() };
		let account = |a: AccountId| -> [u8; 32] { a.into() };
		Ok(Governance {
			motions: motions
				.into_iter()
				.map(|m| Motion {
					index: m.index,
					hash: m.hash.into(),
					kind: format!("{:?}", m.kind),
					decision: m
						.decision
						.map(|d| decision_json(&d, &members, &nodes))
						.unwrap_or(Value::Null),
					threshold: m.threshold,
					ayes: m.ayes.into_iter().map(account).collect(),
					nays: m.nays.into_iter().map(account).collect(),
					end: m.end as u64,
				})
				.collect(),
			members: members
				.into_iter()
				.map(|m| Member {
					org: String::from_utf8_lossy(&m.org_did).into_owned(),
					admin: account(m.admin),
					validator: String::from_utf8_lossy(&m.validator_did).into_owned(),
					validator_account: account(m.validator_account),
					validating: m.validating,
					next_session: m.next_session,
				})
				.collect(),
		})
	}
}

/// What a decision decides, for people: the orgs and nodes by DID (by identity number where the
/// chain no longer names them), hashes and batch ids in hex, the parameter as the runtime spells
/// it. Session keys are left out: they say nothing to a reader.
fn decision_json(
	decision: &DecisionOf<Runtime>,
	members: &[MemberView<AccountId>],
	nodes: &[NodeIdentity],
) -> Value {
	let org = |id: u32| -> Value {
		members
			.iter()
			.find(|m| m.org == id)
			.map(|m| json!(String::from_utf8_lossy(&m.org_did)))
			.unwrap_or_else(|| json!(id))
	};
	let node = |id: u32| -> Value {
		nodes.iter().find(|n| n.id == id).map(|n| json!(n.did)).unwrap_or_else(|| json!(id))
	};
	let account = |a: &AccountId| parley_offchain::tokens::ss58(&a.clone().into());
	match decision {
		Decision::AdmitOrg { name, admin, node: new, .. } => json!({
			"org": format!("did:parley:org/{}", String::from_utf8_lossy(name)),
			"admin": account(admin),
			"node": format!("did:parley:node/{}", String::from_utf8_lossy(&new.name)),
			"node_account": account(&new.account),
		}),
		Decision::RemoveOrg { org: id } => json!({ "org": org(*id) }),
		Decision::ReplaceValidator { org: id, node: n, .. } => {
			json!({ "org": org(*id), "node": node(*n) })
		}
		Decision::UpgradeRuntime { code_hash } => {
			json!({ "code_hash": format!("0x{}", hex::encode(code_hash)) })
		}
		Decision::SetParameter { parameter } => json!({ "parameter": format!("{parameter:?}") }),
		Decision::SkipBatch { author, batch_id } => {
			json!({ "author": node(*author), "batch_id": hex::encode(batch_id) })
		}
	}
}
