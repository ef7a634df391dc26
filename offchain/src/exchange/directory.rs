//! The node identities this node knows from the chain, indexed by id, peer and account, and
//! who may connect to the channel (refreshed on every imported block).

use super::{Exchange, ExchangeError};
use crate::types::{NodeId, NodeIdentity};
use libp2p::{Multiaddr, PeerId};
use std::collections::HashMap;

/// The node identities known from the chain, indexed.
#[derive(Default)]
pub(crate) struct Directory {
	by_id: HashMap<NodeId, NodeIdentity>,
	by_peer: HashMap<PeerId, NodeId>,
}

impl Exchange {
	/// Re-reads the node identities from the chain and updates who may connect to the channel.
	/// The node calls this on every imported block.
	pub async fn refresh_identities(&self) -> Result<(), ExchangeError> {
		let nodes = self.inner.chain.nodes().map_err(ExchangeError::Chain)?;
		let mut allowed: Vec<(PeerId, Vec<Multiaddr>)> = Vec::new();
		let mut directory = Directory::default();
		for node in nodes {
			if let Ok(peer) = PeerId::from_bytes(&node.peer_id) {
				if node.active {
					let mut addrs: Vec<Multiaddr> =
						node.multiaddrs.iter().filter_map(|a| a.parse().ok()).collect();
					addrs.extend(self.configured_addrs(&peer));
					allowed.push((peer, addrs));
				}
				directory.by_peer.insert(peer, node.id);
			}
			directory.by_id.insert(node.id, node);
		}
		let changed = {
			let mut current = self.inner.directory.write();
			let changed = current.by_id != directory.by_id;
			*current = directory;
			changed
		};
		if changed {
			self.inner
				.channel
				.set_peers(allowed)
				.await
				.map_err(|e| ExchangeError::Chain(e.to_string()))?;
			self.inner.send.operations_due();
		}
		Ok(())
	}

	fn configured_addrs(&self, peer: &PeerId) -> Vec<Multiaddr> {
		self.inner
			.config
			.peer_addrs
			.iter()
			.filter(|addr| {
				addr.iter()
					.any(|p| matches!(p, libp2p::multiaddr::Protocol::P2p(id) if id == *peer))
			})
			.cloned()
			.collect()
	}

	pub(crate) fn node(&self, id: NodeId) -> Option<NodeIdentity> {
		self.inner.directory.read().by_id.get(&id).cloned()
	}

	pub(crate) fn node_by_peer(&self, peer: &PeerId) -> Option<NodeIdentity> {
		let directory = self.inner.directory.read();
		directory.by_peer.get(peer).and_then(|id| directory.by_id.get(id)).cloned()
	}

	/// The node identity (in force or not) whose account is `account`.
	pub(crate) fn node_by_account(&self, account: &[u8; 32]) -> Option<NodeIdentity> {
		let directory = self.inner.directory.read();
		directory.by_id.values().find(|n| &n.account == account).cloned()
	}

	pub(crate) fn active_nodes(&self) -> Vec<NodeIdentity> {
		let directory = self.inner.directory.read();
		let mut nodes: Vec<NodeIdentity> =
			directory.by_id.values().filter(|n| n.active).cloned().collect();
		nodes.sort_by_key(|n| n.id);
		nodes
	}

	/// This node's identity on-chain: the node whose account is this node's signing account.
	pub fn me(&self) -> Result<NodeIdentity, ExchangeError> {
		let account = self.inner.signer.account();
		self.inner
			.directory
			.read()
			.by_id
			.values()
			.find(|n| n.account == account && n.active)
			.cloned()
			.ok_or_else(|| ExchangeError::NotRegistered(hex::encode(account)))
	}

	pub(crate) fn peer_of(node: &NodeIdentity) -> Option<PeerId> {
		PeerId::from_bytes(&node.peer_id).ok()
	}

	/// The node identities, as the REST API shows them.
	pub fn identities(&self) -> Vec<crate::types::IdentityView> {
		let directory = self.inner.directory.read();
		let mut nodes: Vec<_> = directory
			.by_id
			.values()
			.map(|n| crate::types::IdentityView {
				did: n.did.clone(),
				kind: "node",
				id: n.id,
				account: hex::encode(n.account),
				peer_id: PeerId::from_bytes(&n.peer_id).map(|p| p.to_string()).unwrap_or_default(),
				encryption_key: hex::encode(n.encryption_key),
				multiaddrs: n.multiaddrs.clone(),
				active: n.active,
			})
			.collect();
		nodes.sort_by_key(|n| n.id);
		nodes
	}

	/// Who governs the network, for `/governance`: the member orgs with their validators, and
	/// the open motions with their votes, each voter named by its org where it is a member.
	pub fn governance(&self) -> Result<serde_json::Value, ExchangeError> {
		use crate::tokens::ss58;
		let chain = &self.inner.chain;
		let governance = chain.governance().map_err(ExchangeError::Chain)?;
		let best = chain.best_block();
		let voter = |account: &crate::tokens::Account| {
			let org = governance.members.iter().find(|m| &m.admin == account).map(|m| &m.org);
			serde_json::json!({ "account": ss58(account), "org": org })
		};
		let members: Vec<serde_json::Value> = governance
			.members
			.iter()
			.map(|m| {
				serde_json::json!({
					"org": m.org, "admin": ss58(&m.admin), "validator": m.validator,
					"validator_account": ss58(&m.validator_account), "validating": m.validating,
					"next_session": m.next_session,
				})
			})
			.collect();
		let motions: Vec<serde_json::Value> = governance
			.motions
			.iter()
			.map(|m| {
				serde_json::json!({
					"index": m.index, "hash": format!("0x{}", hex::encode(m.hash)), "kind": m.kind,
					"decision": m.decision, "threshold": m.threshold,
					"ayes": m.ayes.iter().map(voter).collect::<Vec<_>>(),
					"nays": m.nays.iter().map(voter).collect::<Vec<_>>(),
					"end": m.end, "ends_in_blocks": m.end.saturating_sub(best),
				})
			})
			.collect();
		Ok(serde_json::json!({ "best_block": best, "members": members, "motions": motions }))
	}
}
