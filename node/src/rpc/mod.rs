//! The node's JSON-RPC extensions beyond the standard Substrate methods: account nonces
//! (`system_accountNextIndex`), fee queries (`payment_*`) and Parley's private data methods
//! (`parley_*`, see [`parley`] and [`tokens`]). On a node with API keys the `parley_*` methods
//! are served only on the REST port, behind the keys ([`keyed`]).

pub mod keyed;
pub mod parley;
pub mod tokens;

use std::sync::Arc;

use jsonrpsee::RpcModule;
use parley_runtime::{opaque::Block, AccountId, Balance, Nonce};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the RPC extensions need from the node.
pub struct FullDeps<C, P> {
	/// The client, to call runtime APIs.
	pub client: Arc<C>,
	/// The transaction pool, for nonces of pending transactions.
	pub pool: Arc<P>,
	/// The private data service, if it runs.
	pub private: Option<crate::private_data::PrivateData>,
}

/// Builds the RPC extensions.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>,
	C: HeaderBackend<Block> + HeaderMetadata<Block, Error = BlockChainError> + 'static,
	C: Send + Sync + 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, private } = deps;
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client).into_rpc())?;
	match private {
		Some(private) if !private.keys.enforced() => {
			module.merge(parley_module(private.exchange, private.hub)?)?
		}
		Some(_) => log::info!(
			target: "parley",
			"API keys are on: the parley_* methods are served at the REST port's /rpc, not here"
		),
		None => {}
	}
	Ok(module)
}

/// The `parley_*` methods (messages, subscriptions, tokens) of one private data service.
pub fn parley_module(
	exchange: parley_offchain::Exchange,
	hub: parley_offchain::events::EventHub,
) -> Result<RpcModule<()>, jsonrpsee::core::RegisterMethodError> {
	use parley::ParleyApiServer;
	use tokens::ParleyTokensApiServer;
	let mut module = RpcModule::new(());
	module.merge(tokens::TokensRpc::new(exchange.clone()).into_rpc())?;
	module.merge(parley::ParleyRpc::new(exchange, hub).into_rpc())?;
	Ok(module)
}
