//! The chains `parley-node` starts by name, built through the real WASM runtime's genesis
//! builder, then read natively.

use parley_node::chain_spec::{
	development_chain_spec, local3_chain_spec, local_chain_spec, local_parties, ChainSpec,
};
use parley_runtime::{
	genesis_config_presets::{
		dev_party, ed25519_peer_id, local3_config_genesis, local3_parties, network_genesis,
	},
	Governance, Identities, Runtime, RuntimeOrigin, SessionKeys,
};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

fn genesis(spec: ChainSpec) -> sp_io::TestExternalities {
	use sp_runtime::BuildStorage;
	sp_io::TestExternalities::new(spec.build_storage().expect("preset builds"))
}

#[test]
fn dev_has_one_member_party_run_by_alice() {
	genesis(development_chain_spec().unwrap()).execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let node = Identities::identity_by_did(b"did:parley:node/dev").expect("node dev");
		assert_eq!(node.account, alice);
		assert!(node.active);
		let org = Identities::identity_by_did(b"did:parley:org/dev").expect("org dev");
		assert_eq!(node.parent, Some(org.id));
		assert_eq!(org.account, Sr25519Keyring::AliceStash.to_account_id());
		assert_eq!(node.node.unwrap().peer_id, ed25519_peer_id(&dev_party().channel_public()));
		assert_eq!(pallet_session::Validators::<Runtime>::get(), vec![alice]);
		assert_eq!(Governance::members(), vec![Sr25519Keyring::AliceStash.to_account_id()]);
	});
}

#[test]
fn local3_has_three_member_parties_each_with_its_validator() {
	genesis(local3_chain_spec().unwrap()).execute_with(|| {
		let parties = local3_parties();
		let names: Vec<_> = parties.iter().map(|p| p.name.as_str()).collect();
		assert_eq!(names, ["provider", "insurer-a", "insurer-b"]);
		for party in &parties {
			let did = format!("did:parley:node/{}", party.name);
			let node = Identities::identity_by_did(did.as_bytes()).expect("node exists");
			assert_eq!(node.account, party.node.to_account_id());
			assert_eq!(node.node.unwrap().encryption_key, party.encryption_key);
		}
		// Distinct channel identities.
		let mut peers: Vec<_> = parties.iter().map(|p| p.channel_public()).collect();
		peers.dedup();
		assert_eq!(peers.len(), 3);
		let validators = pallet_session::Validators::<Runtime>::get();
		let expected: Vec<_> =
			[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
				.map(|k| k.to_account_id())
				.to_vec();
		assert_eq!(validators, expected);
		assert_eq!(Governance::next_validators(), expected);
		let mut admins: Vec<_> =
			[Sr25519Keyring::AliceStash, Sr25519Keyring::BobStash, Sr25519Keyring::CharlieStash]
				.map(|k| k.to_account_id())
				.to_vec();
		admins.sort();
		assert_eq!(Governance::members(), admins);
	});
}

#[test]
fn local_networks_of_n_parties_agree_with_local3_and_give_each_party_one_validator() {
	// The node's own derivation of three parties is the runtime's local3 preset, exactly.
	let endowed = Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect();
	assert_eq!(network_genesis(&local_parties(3).unwrap(), endowed), local3_config_genesis());
	assert!(local_parties(0).is_err());
	assert!(local_parties(9).is_err());
	for n in [1, 5, 8] {
		genesis(local_chain_spec(n).unwrap()).execute_with(|| {
			let parties = local_parties(n).unwrap();
			assert_eq!(pallet_session::Validators::<Runtime>::get().len(), n);
			assert_eq!(Governance::members().len(), n);
			for party in &parties {
				let did = format!("did:parley:org/{}", party.name);
				assert!(Identities::identity_by_did(did.as_bytes()).is_some(), "{did}");
			}
		});
	}
	let names: Vec<_> = local_parties(5).unwrap().into_iter().map(|p| p.name).collect();
	assert_eq!(names, ["provider", "insurer-a", "insurer-b", "insurer-c", "insurer-d"]);
}

/// Bob's session keys, with the proof that they sign for `owner`, from a keystore holding
/// Bob's Aura and GRANDPA secrets.
fn bob_session_keys(ext: &mut sp_io::TestExternalities, owner: &[u8]) -> (SessionKeys, Vec<u8>) {
	use codec::Encode;
	use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
	let keystore = MemoryKeystore::new();
	keystore.sr25519_generate_new(sp_core::crypto::key_types::AURA, Some("//Bob")).unwrap();
	keystore.ed25519_generate_new(sp_core::crypto::key_types::GRANDPA, Some("//Bob")).unwrap();
	ext.register_extension(KeystoreExt::new(keystore));
	ext.execute_with(|| {
		let mut keys = SessionKeys {
			aura: Sr25519Keyring::Bob.public().into(),
			grandpa: Ed25519Keyring::Bob.public().into(),
		};
		let proof = keys.create_ownership_proof(owner).expect("keystore has Bob's keys");
		(keys, proof.encode())
	})
}

#[test]
fn an_extra_node_of_a_member_with_session_keys_gets_no_extra_validator() {
	use codec::Encode;
	let mut ext = genesis(development_chain_spec().unwrap());
	let bob = Sr25519Keyring::Bob.to_account_id();
	let (keys, proof) = bob_session_keys(&mut ext, &bob.encode());
	ext.execute_with(|| {
		frame_system::Pallet::<Runtime>::set_block_number(1);
		let alice = Sr25519Keyring::Alice.to_account_id();
		let org = Identities::identity_by_did(b"did:parley:org/dev").unwrap().id;
		// The dev org registers a second node, which sets session keys of its own.
		frame_support::assert_ok!(Identities::register_node(
			RuntimeOrigin::signed(Sr25519Keyring::AliceStash.to_account_id()),
			org,
			b"dev-2".to_vec(),
			bob.clone(),
			ed25519_peer_id(&[7; 32]),
			[7; 32],
			vec![],
		));
		frame_support::assert_ok!(parley_runtime::Session::set_keys(
			RuntimeOrigin::signed(bob.clone()),
			keys,
			proof,
		));
		assert_eq!(Governance::next_validators(), vec![alice], "one validator per member org");
		// Top-level orgs come only from the members' vote: not from a signed call, nor root.
		for origin in [RuntimeOrigin::signed(bob.clone()), RuntimeOrigin::root()] {
			assert!(Identities::register_org(origin, b"rogue".to_vec(), bob.clone()).is_err());
		}
	});
}
