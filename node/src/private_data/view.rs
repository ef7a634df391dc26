//! The chain as the private data service sees it: node identities, the bounds of a pin and token
//! holdings, read through the runtime's `IdentitiesApi`, `PinsApi` and `TokensApi` at the best
//! block.

use crate::service::FullClient;
use pallet_identities::runtime_api::IdentitiesApi;
use pallet_pins::runtime_api::PinsApi;
use pallet_tokens::runtime_api::TokensApi;
use parley_offchain::tokens::{Account, PoolId};
use parley_offchain::{ChainView, NodeIdentity, PinLimits};
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
}
