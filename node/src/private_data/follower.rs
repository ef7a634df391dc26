//! Feeds the private data service the chain's blocks, in order and each once: the `BatchPinned`
//! and `BatchAcknowledged` events of every finalized block (or every best block, if so
//! configured), starting after the last block the service recorded, so a restart replays what it
//! missed. On every imported block it also refreshes who may connect to the data channel.

use crate::service::FullClient;
use codec::Decode;
use futures::StreamExt;
use parley_offchain::{ChainBlock, Exchange, PinnedBatch};
use parley_runtime::{Hash, RuntimeEvent};
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_blockchain::HeaderBackend;
use sp_core::storage::StorageKey;
use std::{sync::Arc, time::Duration};

/// Which blocks confirm pins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfirmOn {
	/// Finalized blocks (GRANDPA): a confirmation is never taken back.
	Finalized,
	/// Best imported blocks: faster, but a pin in a block later retracted by a reorg is not
	/// taken back.
	Imported,
}

/// The storage key of `System::Events`.
fn events_key() -> StorageKey {
	StorageKey(
		[sp_crypto_hashing::twox_128(b"System"), sp_crypto_hashing::twox_128(b"Events")].concat(),
	)
}

/// The pins and acknowledgements of block `number` of the best chain, or `None` if there is no
/// such block yet.
fn read_block(client: &FullClient, number: u64) -> Result<Option<ChainBlock>, String> {
	let Some(hash) = client.hash(number as u32).map_err(|e| e.to_string())? else {
		return Ok(None);
	};
	let raw = client.storage(hash, &events_key()).map_err(|e| e.to_string())?;
	let records: Vec<frame_system::EventRecord<RuntimeEvent, Hash>> = match raw {
		Some(data) => {
			Decode::decode(&mut &data.0[..]).map_err(|e| format!("events of #{number}: {e}"))?
		}
		None => Vec::new(),
	};
	let mut block = ChainBlock { number, hash: hash.0, ..Default::default() };
	for (index, record) in records.into_iter().enumerate() {
		match record.event {
			RuntimeEvent::Pins(pallet_pins::Event::BatchPinned {
				namespace,
				sequence,
				author_node,
				batch_id,
				batch_hash,
				contexts,
				..
			}) => block.pins.push(PinnedBatch {
				block: number,
				event_index: index as u32,
				namespace: String::from_utf8_lossy(&namespace).into_owned(),
				sequence,
				author: author_node,
				batch_id,
				batch_hash: batch_hash.0,
				contexts: contexts.into_iter().map(|c| c.0).collect(),
			}),
			RuntimeEvent::Pins(pallet_pins::Event::BatchAcknowledged { batch_hash, node }) => {
				block.acknowledgements.push((batch_hash.0, node))
			}
			RuntimeEvent::Pins(pallet_pins::Event::BatchSkipped { batch_id, node, .. }) => {
				block.skips.push((batch_id, node))
			}
			RuntimeEvent::Identities(event) => {
				use pallet_identities::{did_of, Event as E, IdentityKind};
				let did = |kind, name: &[u8]| String::from_utf8(did_of(kind, name)).ok();
				let (id, did, what) = match event {
					E::OrgRegistered { id, name, .. } => {
						(id, did(IdentityKind::Org, &name), "org_registered")
					}
					E::NodeRegistered { id, name, .. } => {
						(id, did(IdentityKind::Node, &name), "node_registered")
					}
					E::NodeUpdated { id, .. } => (id, None, "node_updated"),
					E::IdentityVerified { id, .. } => (id, None, "identity_verified"),
					E::IdentityDeactivated { id } => (id, None, "identity_deactivated"),
					_ => continue,
				};
				block.identities.push((id, did, what.to_string()));
			}
			_ => {}
		}
	}
	Ok(Some(block))
}

/// Follows the chain until the node stops.
pub async fn follow(client: Arc<FullClient>, exchange: Exchange, confirm_on: ConfirmOn) {
	let mut imports = client.import_notification_stream();
	let mut finality = client.finality_notification_stream();
	let mut next = loop {
		match exchange.next_block().await {
			Ok(next) => break next,
			Err(e) => {
				log::error!(target: "parley", "cannot read the block cursor: {e}; retrying");
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
		}
	};
	log::info!(target: "parley", "following {confirm_on:?} blocks from #{next}");
	loop {
		let info = client.info();
		let target = match confirm_on {
			ConfirmOn::Finalized => info.finalized_number,
			ConfirmOn::Imported => info.best_number,
		} as u64;
		while next <= target {
			match read_block(&client, next) {
				Ok(Some(block)) => {
					exchange.on_block(block).await;
					next += 1;
				}
				Ok(None) => break,
				Err(e) => {
					log::error!(target: "parley", "cannot read block #{next}: {e}; retrying");
					tokio::time::sleep(Duration::from_secs(1)).await;
					break;
				}
			}
		}
		tokio::select! {
			import = imports.next() => {
				if import.is_none() {
					return;
				}
				if let Err(e) = exchange.refresh_identities().await {
					log::warn!(target: "parley", "cannot refresh node identities: {e}");
				}
			},
			finalized = finality.next() => if finalized.is_none() {
				return;
			},
		}
	}
}
