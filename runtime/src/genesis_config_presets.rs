//! The chains Parley knows how to start: `development` (one party) and `local3` (three parties);
//! [`network_genesis`] builds the genesis of any number of parties (the node uses it for
//! `--chain local<N>`).
//!
//! Every key here is derived from a public dev seed (`//Alice`, `//Bob`, `//Charlie`, …): these
//! presets are for development and tests only. For each party:
//! - the node account and session keys are the seed's sr25519 (account, Aura) and ed25519
//!   (GRANDPA) keys, so `parley-node --alice` (`--bob`, `--charlie`, …) can author;
//! - the org admin account is the seed's stash account (`//Alice//stash`): it votes for the org;
//! - the data-channel identity is the ed25519 key of `<seed>//channel`;
//! - the X25519 encryption key's secret is `blake2_256("parley-x25519" ++ seed)`.
//!
//! Every party is a member org whose one node is its validator. There is no sudo: even the
//! one-party development chain decides by its one member's vote.

use crate::{
	AccountId, BalancesConfig, GovernanceConfig, IdentitiesConfig, RuntimeGenesisConfig,
	SessionConfig, SessionKeys, UNIT,
};
use alloc::{format, string::String, vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_governance::GenesisMember;
use pallet_identities::{GenesisNode, GenesisOrg};
use serde_json::Value;
use sp_core::{crypto::Pair as _, ed25519};
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The name of the three-party preset.
pub const LOCAL3_PRESET: &str = "local3";

/// One party of a dev network: a member org with one validator node.
pub struct DevParty {
	/// The org's and the node's name.
	pub name: String,
	/// The dev seed the node's account and session keys come from.
	pub node: Sr25519Keyring,
	/// The same seed's ed25519 key (GRANDPA).
	pub grandpa: Ed25519Keyring,
	/// The org's admin account: it votes for the org.
	pub org_admin: AccountId,
	/// The node's X25519 public key: the secret is `blake2_256("parley-x25519" ++ "//<Seed>")`.
	pub encryption_key: [u8; 32],
	/// The data-channel port its multiaddr names.
	pub channel_port: u16,
}

impl DevParty {
	/// The dev seed, e.g. `//Alice`.
	pub fn seed(&self) -> String {
		self.grandpa.to_seed()
	}

	/// The data-channel ed25519 public key: `<seed>//channel`.
	pub fn channel_public(&self) -> [u8; 32] {
		ed25519::Pair::from_string(&format!("{}//channel", self.seed()), None)
			.expect("dev seeds are valid")
			.public()
			.0
	}
}

/// The libp2p PeerId bytes of an ed25519 public key: an identity multihash of the protobuf
/// `PublicKey { Type: Ed25519, Data: key }`.
pub fn ed25519_peer_id(public: &[u8; 32]) -> Vec<u8> {
	let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	bytes.extend_from_slice(public);
	bytes
}

/// The party of the development chain: org and node `dev`, run by Alice.
pub fn dev_party() -> DevParty {
	DevParty {
		name: "dev".into(),
		node: Sr25519Keyring::Alice,
		grandpa: Ed25519Keyring::Alice,
		org_admin: Sr25519Keyring::AliceStash.to_account_id(),
		encryption_key: hex_literal(
			"577c3f7019e517491201f04ac95a3b9218943a08c4deaf925d1a46c10ee6bc3b",
		),
		channel_port: 40333,
	}
}

/// The three parties of `local3`: a healthcare provider and two insurers.
pub fn local3_parties() -> Vec<DevParty> {
	vec![
		DevParty { name: "provider".into(), ..dev_party() },
		DevParty {
			name: "insurer-a".into(),
			node: Sr25519Keyring::Bob,
			grandpa: Ed25519Keyring::Bob,
			org_admin: Sr25519Keyring::BobStash.to_account_id(),
			encryption_key: hex_literal(
				"9671e4cd272742fcc9ce49e7e715cfed94151ceef118769bec51685593f02a6b",
			),
			channel_port: 40334,
		},
		DevParty {
			name: "insurer-b".into(),
			node: Sr25519Keyring::Charlie,
			grandpa: Ed25519Keyring::Charlie,
			org_admin: Sr25519Keyring::CharlieStash.to_account_id(),
			encryption_key: hex_literal(
				"078b1df6e87dbdafff1cc6195ae0e81a3467d012056277e09fe989489da49e70",
			),
			channel_port: 40335,
		},
	]
}

/// Decodes 64 hex digits known at compile time.
fn hex_literal(hex: &str) -> [u8; 32] {
	let mut out = [0u8; 32];
	let digit = |c: u8| match c {
		b'0'..=b'9' => c - b'0',
		b'a'..=b'f' => c - b'a' + 10,
		_ => panic!("not a lowercase hex digit"),
	};
	for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
		out[i] = digit(pair[0]) << 4 | digit(pair[1]);
	}
	out
}

/// The genesis of a network of `parties`, each a member org with one validator node, with the
/// parties' accounts and `extra_endowed` funded.
pub fn network_genesis(parties: &[DevParty], extra_endowed: Vec<AccountId>) -> Value {
	let mut endowed: Vec<AccountId> = extra_endowed;
	for party in parties {
		for account in [party.node.to_account_id(), party.org_admin.clone()] {
			if !endowed.contains(&account) {
				endowed.push(account);
			}
		}
	}
	let keys = |p: &DevParty| SessionKeys {
		aura: p.node.public().into(),
		grandpa: p.grandpa.public().into(),
	};
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|k| (k, 1_000_000 * UNIT)).collect::<Vec<_>>(),
		},
		session: SessionConfig {
			keys: parties
				.iter()
				.map(|p| {
					let account = p.node.to_account_id();
					(account.clone(), account, keys(p))
				})
				.collect::<Vec<_>>(),
		},
		identities: IdentitiesConfig {
			orgs: parties
				.iter()
				.map(|p| GenesisOrg { name: p.name.clone(), account: p.org_admin.clone() })
				.collect::<Vec<_>>(),
			nodes: parties
				.iter()
				.map(|p| GenesisNode {
					org: p.name.clone(),
					name: p.name.clone(),
					account: p.node.to_account_id(),
					peer_id: ed25519_peer_id(&p.channel_public()),
					encryption_key: p.encryption_key,
					multiaddrs: vec![format!("/ip4/127.0.0.1/tcp/{}", p.channel_port)],
				})
				.collect::<Vec<_>>(),
		},
		governance: GovernanceConfig {
			members: parties
				.iter()
				.map(|p| GenesisMember {
					org: p.name.clone(),
					validator: p.name.clone(),
					keys: keys(p)
				})
				.collect::<Vec<_>>(),
		},
	})
}

/// `development`: one party (org and node `dev`, Alice's keys), and the well-known dev accounts
/// endowed. Its one member (Alice's stash) decides alone.
pub fn development_config_genesis() -> Value {
	network_genesis(
		&[dev_party()],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
	)
}

/// `local3`: provider (Alice's keys), insurer-a (Bob's) and insurer-b (Charlie's), each a member
/// with its validator.
pub fn local3_config_genesis() -> Value {
	network_genesis(
		&local3_parties(),
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
	)
}

/// The JSON patch of preset `id`.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		LOCAL3_PRESET => local3_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The presets this runtime has.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET), PresetId::from(LOCAL3_PRESET)]
}
