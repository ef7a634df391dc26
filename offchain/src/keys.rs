//! This node's off-chain keys, kept as files under its base path:
//! - `channel.key`: the data channel's ed25519 libp2p keypair (its PeerId is registered on the
//!   node's identity);
//! - `x25519.key`: the 32-byte X25519 secret that opens envelopes (its public key is registered
//!   on the node's identity).
//!
//! A node started with a dev seed (`--alice`, `--bob`, …) derives both from the seed the way the
//! `development` and `local3` genesis presets do, so it matches its genesis identity. Otherwise a
//! missing key is generated once and kept (files are written with mode 0600).

use crate::envelope::EncryptionKey;
use crate::types::blake2_256;
use libp2p::identity::Keypair;
use sp_core::{crypto::Pair as _, ed25519};
use std::{io::Write, path::Path};

/// The off-chain keys of a node.
pub struct NodeKeys {
	/// The data channel's identity.
	pub channel: Keypair,
	/// The key envelopes are sealed to.
	pub encryption: EncryptionKey,
}

/// The dev derivation of the data-channel ed25519 secret: the ed25519 key of `<seed>//channel`.
pub fn dev_channel_secret(seed: &str) -> [u8; 32] {
	ed25519::Pair::from_string(&format!("{seed}//channel"), None)
		.expect("dev seeds are valid secret URIs")
		.seed()
}

/// The dev derivation of the X25519 secret: `blake2_256("parley-x25519" ++ seed)`.
pub fn dev_encryption_secret(seed: &str) -> [u8; 32] {
	blake2_256(format!("parley-x25519{seed}").as_bytes())
}

/// The libp2p keypair of an ed25519 secret.
pub fn channel_keypair(secret: [u8; 32]) -> Keypair {
	Keypair::ed25519_from_bytes(secret).expect("32 bytes are an ed25519 secret")
}

fn write_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	{
		use std::os::unix::fs::OpenOptionsExt;
		options.mode(0o600);
	}
	let mut file = options.open(path)?;
	file.write_all(bytes)?;
	file.sync_all()
}

fn load_or_make(path: &Path, make: impl FnOnce() -> [u8; 32]) -> Result<[u8; 32], String> {
	match std::fs::read(path) {
		Ok(bytes) => {
			bytes.try_into().map_err(|_| format!("{} is not a 32-byte secret", path.display()))
		}
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			let secret = make();
			write_secret(path, &secret)
				.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
			Ok(secret)
		}
		Err(e) => Err(format!("cannot read {}: {e}", path.display())),
	}
}

impl NodeKeys {
	/// Loads the keys from `dir` (`channel.key`, `x25519.key`), creating missing ones from
	/// `dev_seed` if given, else randomly.
	pub fn load_or_create(dir: &Path, dev_seed: Option<&str>) -> Result<Self, String> {
		std::fs::create_dir_all(dir)
			.map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
		Self::load_or_create_files(&dir.join("channel.key"), &dir.join("x25519.key"), dev_seed)
	}

	/// Loads the keys from these two files, creating missing ones as [`NodeKeys::load_or_create`]
	/// does.
	pub fn load_or_create_files(
		channel_path: &Path,
		encryption_path: &Path,
		dev_seed: Option<&str>,
	) -> Result<Self, String> {
		let channel = load_or_make(channel_path, || match dev_seed {
			Some(seed) => dev_channel_secret(seed),
			None => rand::random(),
		})?;
		let encryption = load_or_make(encryption_path, || match dev_seed {
			Some(seed) => dev_encryption_secret(seed),
			None => rand::random(),
		})?;
		Ok(Self {
			channel: channel_keypair(channel),
			encryption: EncryptionKey::from_secret(encryption).map_err(|e| e.to_string())?,
		})
	}

	/// The data channel's PeerId bytes, as registered on-chain.
	pub fn peer_id_bytes(&self) -> Vec<u8> {
		self.channel.public().to_peer_id().to_bytes()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn keys_persist_across_loads() {
		let dir = tempfile::tempdir().unwrap();
		let first = NodeKeys::load_or_create(dir.path(), None).unwrap();
		let again = NodeKeys::load_or_create(dir.path(), Some("//Alice")).unwrap();
		assert_eq!(first.peer_id_bytes(), again.peer_id_bytes());
		assert_eq!(first.encryption.public(), again.encryption.public());
	}

	#[test]
	fn dev_keys_match_the_genesis_derivation() {
		let dir = tempfile::tempdir().unwrap();
		let keys = NodeKeys::load_or_create(dir.path(), Some("//Alice")).unwrap();
		// The `local3`/`development` presets register this X25519 key for Alice's node.
		assert_eq!(
			hex::encode(keys.encryption.public()),
			"577c3f7019e517491201f04ac95a3b9218943a08c4deaf925d1a46c10ee6bc3b"
		);
		// And a PeerId that is the identity multihash of `//Alice//channel`'s ed25519 key.
		let public = ed25519::Pair::from_string("//Alice//channel", None).unwrap().public().0;
		let mut expected = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
		expected.extend_from_slice(&public);
		assert_eq!(keys.peer_id_bytes(), expected);
	}
}
