//! Starting the house: [`Exchange::start`] opens the store, the blob store and the channel,
//! and hands the node each room's loop to spawn: the channel's, [`crate::send`]'s batcher and
//! outbox, [`crate::confirm`]'s aggregator, and [`crate::receive`]'s inbound loop and
//! reconciliation.

use crate::{
	blobs::BlobStore,
	chain::{ChainView, Submitter},
	channel,
	envelope::ReceiptSigner,
	exchange::{Directory, Exchange, ExchangeConfig, Inner, Task},
	keys::NodeKeys,
	store::Store,
};
use std::sync::Arc;

impl Exchange {
	/// Opens the store, starts the channel, and returns the handle and the tasks to spawn.
	pub async fn start(
		config: ExchangeConfig,
		keys: NodeKeys,
		signer: Arc<dyn ReceiptSigner>,
		chain: Arc<dyn ChainView>,
		submitter: Arc<dyn Submitter>,
	) -> Result<(Self, Vec<Task>), String> {
		let url = config
			.database_url
			.clone()
			.unwrap_or_else(|| format!("sqlite://{}", config.data_dir.join("parley.db").display()));
		let store = Store::open(&url, &config.data_dir.join("payloads"))
			.await
			.map_err(|e| format!("cannot open the private store at {url}: {e}"))?;
		let blobs = BlobStore::new(&config.data_dir.join("blobs"))
			.map_err(|e| format!("cannot open the blob store: {e}"))?;
		let (channel, inbound, channel_loop) =
			channel::start(keys.channel, config.channel.clone())?;
		let (confirm, blocks) = crate::wakes::ToConfirm::new();
		let exchange = Exchange {
			inner: Arc::new(Inner {
				store,
				blobs,
				channel,
				chain,
				submitter,
				encryption: keys.encryption,
				signer,
				config,
				directory: parking_lot::RwLock::new(Directory::default()),
				send: Default::default(),
				receive: Default::default(),
				confirm,
				events: Default::default(),
				hooks: Default::default(),
			}),
		};
		if let Err(e) = exchange.refresh_identities().await {
			log::warn!(target: crate::exchange::LOG, "could not read node identities yet: {e}");
		}
		match exchange.inner.store.fail_interrupted_token_ops().await {
			Ok(0) => {}
			Ok(n) => {
				log::warn!(target: crate::exchange::LOG, "{n} token operation(s) interrupted by a stop marked failed")
			}
			Err(e) => return Err(format!("cannot check interrupted token operations: {e}")),
		}
		let tasks: Vec<Task> = vec![
			("parley-channel", Box::pin(channel_loop)),
			("parley-batcher", Box::pin(crate::send::batcher::run(exchange.clone()))),
			("parley-outbox", Box::pin(crate::send::outbox::run(exchange.clone()))),
			(
				"parley-aggregator",
				Box::pin(crate::confirm::aggregator::run(exchange.clone(), blocks)),
			),
			("parley-inbound", Box::pin(crate::receive::inbound::run(exchange.clone(), inbound))),
			("parley-fetch", Box::pin(crate::receive::fetch::run(exchange.clone()))),
		];
		Ok((exchange, tasks))
	}
}
