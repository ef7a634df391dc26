//! `parley-node api-key`: makes, lists and revokes the API keys apps call a node with (see
//! [`parley_offchain::access`]). A running node picks up a change within a second; a node
//! that had no key file when it started turns keys on at its next start.

use parley_offchain::access::{KeyFile, Level};
use std::path::PathBuf;

/// `parley-node api-key <create|list|revoke>`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ApiKeyCmd {
	/// Makes a key and prints it (once: only its hash is kept) as JSON `{id, key, …}`.
	Create {
		/// The key file: the node's `--api-keys`, by default
		/// `<base>/chains/<chain id>/parley/api-keys.json`.
		#[arg(long, value_name = "PATH")]
		file: PathBuf,
		/// Who or what the key is for.
		#[arg(long)]
		name: String,
		/// What it may do: read, write (includes read) or admin (includes write).
		#[arg(long, default_value = "read")]
		scope: Level,
		/// A namespace it covers (repeatable); none given: every namespace.
		#[arg(long = "namespace", value_name = "NAME")]
		namespaces: Vec<String>,
	},
	/// Lists the keys (without their secrets) as JSON.
	List {
		/// The key file.
		#[arg(long, value_name = "PATH")]
		file: PathBuf,
	},
	/// Revokes the key with this id (`prly_…`, the part of a key before the dot).
	Revoke {
		/// The key file.
		#[arg(long, value_name = "PATH")]
		file: PathBuf,
		/// The key's id.
		id: String,
	},
}

impl ApiKeyCmd {
	/// Runs the subcommand.
	pub fn run(&self) -> sc_cli::Result<()> {
		let out = match self {
			ApiKeyCmd::Create { file, name, scope, namespaces } => {
				let file = KeyFile::new(file);
				let (record, key) =
					file.create(name, namespaces.clone(), *scope).map_err(sc_cli::Error::Input)?;
				serde_json::json!({
					"id": record.id,
					"key": key,
					"name": record.name,
					"scope": record.level,
					"namespaces": record.namespaces,
					"file": file.path(),
				})
			}
			ApiKeyCmd::List { file } => {
				let keys = KeyFile::new(file).load().map_err(sc_cli::Error::Input)?;
				let keys: Vec<_> = keys
					.into_iter()
					.map(|k| {
						serde_json::json!({
							"id": k.id, "name": k.name, "scope": k.level,
							"namespaces": k.namespaces, "created": k.created,
						})
					})
					.collect();
				serde_json::json!(keys)
			}
			ApiKeyCmd::Revoke { file, id } => {
				if !KeyFile::new(file).revoke(id).map_err(sc_cli::Error::Input)? {
					return Err(sc_cli::Error::Input(format!("no key {id} in {}", file.display())));
				}
				serde_json::json!({ "revoked": id })
			}
		};
		println!("{out}");
		Ok(())
	}
}
