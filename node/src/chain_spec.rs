//! The chains `parley-node` can start by name: `dev` and `local3`. Any other `--chain` value is
//! read as the path of a chain-spec JSON file.

use parley_runtime::{genesis_config_presets::LOCAL3_PRESET, WASM_BINARY};
use sc_service::ChainType;

/// A Parley chain spec.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY
		.ok_or_else(|| "the runtime's WASM was not built; build without SKIP_WASM_BUILD".into())
}

/// `--dev`: one party (org and node `dev`, Alice's keys), for local development.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Parley Development")
		.with_id("parley_dev")
		.with_chain_type(ChainType::Development)
		.with_properties(token_properties())
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.build())
}

/// `--chain local3`: provider, insurer-a and insurer-b, each a validator (Alice's, Bob's and
/// Charlie's dev keys).
pub fn local3_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Parley Local Three Parties")
		.with_id("parley_local3")
		.with_chain_type(ChainType::Local)
		.with_properties(token_properties())
		.with_genesis_config_preset_name(LOCAL3_PRESET)
		.build())
}

/// What wallets show for the native token.
fn token_properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), "PRLY".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}
