//! The chains `parley-node` starts by name, built through the real WASM runtime's genesis
//! builder, then read natively.

use pallet_session::SessionManager;
use parley_node::chain_spec::{development_chain_spec, local3_chain_spec, ChainSpec};
use parley_runtime::{
	configs::NodeValidators,
	genesis_config_presets::{dev_party, ed25519_peer_id, local3_parties},
	Identities, Runtime, RuntimeOrigin, SessionKeys,
};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

fn genesis(spec: ChainSpec) -> sp_io::TestExternalities {
	use sp_runtime::BuildStorage;
	sp_io::TestExternalities::new(spec.build_storage().expect("preset builds"))
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
fn dev_has_one_party_run_by_alice() {
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
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Sr25519Keyring::Alice.to_account_id()));
	});
}

#[test]
fn local3_has_three_validator_parties() {
	genesis(local3_chain_spec().unwrap()).execute_with(|| {
		let parties = local3_parties();
		let names: Vec<_> = parties.iter().map(|p| p.name).collect();
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
		assert_eq!(
			validators,
			[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
				.map(|k| k.to_account_id())
				.to_vec()
		);
	});
}

#[test]
fn a_registered_node_with_keys_joins_the_validators_and_leaves_when_deactivated() {
	use codec::Encode;
	let mut ext = genesis(development_chain_spec().unwrap());
	let bob = Sr25519Keyring::Bob.to_account_id();
	let (keys, proof) = bob_session_keys(&mut ext, &bob.encode());
	ext.execute_with(|| {
		frame_system::Pallet::<Runtime>::set_block_number(1);
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert_eq!(NodeValidators::new_session(1), Some(vec![alice.clone()]));

		frame_support::assert_ok!(Identities::register_org(
			RuntimeOrigin::root(),
			b"insurer".to_vec(),
			Sr25519Keyring::BobStash.to_account_id(),
		));
		let org = Identities::identity_by_did(b"did:parley:org/insurer").unwrap().id;
		frame_support::assert_ok!(Identities::register_node(
			RuntimeOrigin::signed(Sr25519Keyring::BobStash.to_account_id()),
			org,
			b"insurer".to_vec(),
			bob.clone(),
			ed25519_peer_id(&[7; 32]),
			[7; 32],
			vec![],
		));
		// Registered but without session keys: not yet a validator.
		assert_eq!(NodeValidators::new_session(2), Some(vec![alice.clone()]));
		frame_support::assert_ok!(parley_runtime::Session::set_keys(
			RuntimeOrigin::signed(bob.clone()),
			keys,
			proof,
		));
		assert_eq!(NodeValidators::new_session(3), Some(vec![alice.clone(), bob.clone()]));

		let node = Identities::identity_by_did(b"did:parley:node/insurer").unwrap().id;
		frame_support::assert_ok!(Identities::deactivate(RuntimeOrigin::root(), node));
		assert_eq!(NodeValidators::new_session(4), Some(vec![alice]));
	});
}
