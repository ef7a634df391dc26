//! Keeps every imported block's events until the private data service has read them.
//!
//! The follower reads a block's `System::Events` to find its pins, failed pins, identity and
//! token events. Block state is pruned a few hundred blocks back, so a node that syncs (a party
//! joining late) or catches up after a long outage would find the state of the blocks it still
//! has to follow already gone. [`EventArchive`] sits in the block import pipeline: right after a
//! block is imported (its state is there then), it copies the block's events into the node's
//! offchain database, keyed by block hash; the follower reads them from there and removes them
//! once the block is recorded ([`forget`]). Blocks imported without state (warp sync) have no
//! entry: they are older than this node's membership. Entries of blocks that lost a fork are
//! removed with the canonical block of the same number.

use codec::{Decode, Encode};
use parley_runtime::opaque::Block;
use sc_client_api::{Backend as _, StorageProvider};
use sc_consensus::{BlockCheckParams, BlockImport, BlockImportParams, ImportResult};
use sp_core::offchain::OffchainStorage;
use sp_runtime::traits::{Block as BlockT, Header as _};
use std::sync::Arc;

use crate::service::FullClient;

type OffchainDb =
	<sc_service::TFullBackend<Block> as sc_client_api::Backend<Block>>::OffchainStorage;

const PREFIX: &[u8] = sp_core::offchain::STORAGE_PREFIX;

fn events_key(hash: &<Block as BlockT>::Hash) -> Vec<u8> {
	[b"parley/events/".as_slice(), hash.as_ref()].concat()
}

fn number_key(number: u32) -> Vec<u8> {
	[b"parley/events-at/".as_slice(), &number.to_be_bytes()].concat()
}

/// The storage key of `System::Events`.
pub fn system_events_key() -> sp_core::storage::StorageKey {
	sp_core::storage::StorageKey(
		[sp_crypto_hashing::twox_128(b"System"), sp_crypto_hashing::twox_128(b"Events")].concat(),
	)
}

/// A block import that archives each imported block's events for the follower.
#[derive(Clone)]
pub struct EventArchive<I> {
	inner: I,
	client: Arc<FullClient>,
	db: Option<OffchainDb>,
}

impl<I> EventArchive<I> {
	/// Wraps `inner`, archiving into `backend`'s offchain database.
	pub fn new(
		inner: I,
		client: Arc<FullClient>,
		backend: &sc_service::TFullBackend<Block>,
	) -> Self {
		Self { inner, client, db: backend.offchain_storage() }
	}
}

#[async_trait::async_trait]
impl<I> BlockImport<Block> for EventArchive<I>
where
	I: BlockImport<Block> + Send + Sync,
{
	type Error = I::Error;

	async fn check_block(
		&self,
		block: BlockCheckParams<Block>,
	) -> Result<ImportResult, Self::Error> {
		self.inner.check_block(block).await
	}

	async fn import_block(
		&self,
		block: BlockImportParams<Block>,
	) -> Result<ImportResult, Self::Error> {
		let hash = block.post_hash();
		let number = *block.header.number();
		let result = self.inner.import_block(block).await?;
		if let (ImportResult::Imported(_), Some(db)) = (&result, &self.db) {
			archive(&self.client, db.clone(), hash, number);
		}
		Ok(result)
	}
}

/// Copies block `hash`'s events (if its state is here) into the archive.
fn archive(client: &FullClient, mut db: OffchainDb, hash: <Block as BlockT>::Hash, number: u32) {
	let events = match client.storage(hash, &system_events_key()) {
		Ok(Some(events)) => events.0,
		Ok(None) => Vec::new(),
		// Imported without state (warp sync): nothing to keep.
		Err(_) => return,
	};
	db.set(PREFIX, &events_key(&hash), &events);
	// Remember which blocks of this number were archived, to remove forks' entries too.
	let key = number_key(number);
	for _ in 0..16 {
		let old = db.get(PREFIX, &key);
		let mut hashes: Vec<<Block as BlockT>::Hash> =
			old.as_ref().and_then(|v| Decode::decode(&mut &v[..]).ok()).unwrap_or_default();
		if hashes.contains(&hash) {
			return;
		}
		hashes.push(hash);
		if db.compare_and_set(PREFIX, &key, old.as_deref(), &hashes.encode()) {
			return;
		}
	}
	log::warn!(target: "parley", "could not index the archived events of block #{number}");
}

/// The archived raw `System::Events` of block `hash`, if it was archived.
pub fn events(
	backend: &sc_service::TFullBackend<Block>,
	hash: &<Block as BlockT>::Hash,
) -> Option<Vec<u8>> {
	backend.offchain_storage()?.get(PREFIX, &events_key(hash))
}

/// Removes the archived events of every block numbered `number` (the canonical one has been
/// recorded; the others lost their fork).
pub fn forget(backend: &sc_service::TFullBackend<Block>, number: u32) {
	let Some(mut db) = backend.offchain_storage() else { return };
	let key = number_key(number);
	let Some(list) = db.get(PREFIX, &key) else { return };
	let hashes: Vec<<Block as BlockT>::Hash> = Decode::decode(&mut &list[..]).unwrap_or_default();
	for hash in &hashes {
		db.remove(PREFIX, &events_key(hash));
	}
	db.remove(PREFIX, &key);
}
