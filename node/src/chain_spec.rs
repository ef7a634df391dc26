//! The chains `parley-node` can start by name: `dev`, `local3`, and `local<N>` for a network of
//! N parties (1 to [`MAX_LOCAL_PARTIES`]). Any other `--chain` value is read as the path of a
//! chain-spec JSON file.

use parley_runtime::{
	genesis_config_presets::{network_genesis, DevParty, LOCAL3_PRESET},
	AccountId, WASM_BINARY,
};
use sc_service::ChainType;
use sp_core::{crypto::Pair as _, sr25519};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

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

/// Most parties `--chain local<N>` starts: one per dev seed `parley-node` has a flag for
/// (`--alice` … `--ferdie`, `--one`, `--two`).
pub const MAX_LOCAL_PARTIES: usize = 8;

/// The parties of `--chain local<N>`, in order: provider, insurer-a, insurer-b, insurer-c, …,
/// run with the dev seeds //Alice, //Bob, //Charlie, //Dave, //Eve, //Ferdie, //One, //Two. The
/// first three are `local3`'s.
pub fn local_parties(n: usize) -> Result<Vec<DevParty>, String> {
	const NAMES: [&str; MAX_LOCAL_PARTIES] = [
		"provider",
		"insurer-a",
		"insurer-b",
		"insurer-c",
		"insurer-d",
		"insurer-e",
		"insurer-f",
		"insurer-g",
	];
	use Ed25519Keyring as E;
	use Sr25519Keyring as S;
	const SEEDS: [(S, E); MAX_LOCAL_PARTIES] = [
		(S::Alice, E::Alice),
		(S::Bob, E::Bob),
		(S::Charlie, E::Charlie),
		(S::Dave, E::Dave),
		(S::Eve, E::Eve),
		(S::Ferdie, E::Ferdie),
		(S::One, E::One),
		(S::Two, E::Two),
	];
	if !(1..=MAX_LOCAL_PARTIES).contains(&n) {
		return Err(format!("a local network has 1 to {MAX_LOCAL_PARTIES} parties, not {n}"));
	}
	(0..n)
		.map(|i| {
			let (node, grandpa) = SEEDS[i];
			let seed = grandpa.to_seed();
			let stash = sr25519::Pair::from_string(&format!("{seed}//stash"), None)
				.map_err(|e| format!("{seed}//stash: {e:?}"))?;
			let encryption = parley_offchain::envelope::EncryptionKey::from_secret(
				parley_offchain::keys::dev_encryption_secret(&seed),
			)
			.map_err(|e| e.to_string())?;
			Ok(DevParty {
				name: NAMES[i].into(),
				node,
				grandpa,
				org_admin: AccountId::from(stash.public()),
				encryption_key: encryption.public(),
				channel_port: 40333 + i as u16,
			})
		})
		.collect()
}

/// `--chain local<N>`: N parties (see [`local_parties`]), each a member org whose node is its
/// validator. `local3` is the runtime's own preset, with the same genesis.
pub fn local_chain_spec(n: usize) -> Result<ChainSpec, String> {
	if n == 3 {
		return local3_chain_spec();
	}
	let endowed = Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect();
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(&format!("Parley Local {n} Parties"))
		.with_id(&format!("parley_local{n}"))
		.with_chain_type(ChainType::Local)
		.with_properties(token_properties())
		.with_genesis_config_patch(network_genesis(&local_parties(n)?, endowed))
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
