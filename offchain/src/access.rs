//! Who may call a node: API keys (bearer tokens) with scopes.
//!
//! A node's apps, and its operator's tools, call the REST API, its WebSocket and the `parley_*`
//! JSON-RPC methods with `Authorization: Bearer <key>`. Each key grants a [`Level`] (`read` ⊂
//! `write` ⊂ `admin`) in some namespaces or in all of them. Keys live in one JSON file under
//! the node's base path (`api-keys.json`), which holds only a SHA-256 hash of each key's
//! secret: reading the file does not reveal a key. `parley-node api-key create|list|revoke`
//! edits it; a running node reloads it within a second of a change, so a revoked key stops
//! working at once.
//!
//! A node whose key file does not exist when it starts runs *open* (every call allowed), which
//! the node permits only on loopback addresses: see [`ApiKeys::enforced`].

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{
	path::{Path, PathBuf},
	sync::Arc,
	time::{Duration, Instant, SystemTime},
};
use subtle::ConstantTimeEq;

/// What a key may do. Each level includes the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
	/// Read messages, data, events and chain projections; subscribe to events and ack them.
	Read,
	/// Also send messages, store data, create groups and datatypes, and make token calls.
	Write,
	/// Also skip blocked batches, retry operations and use test hooks.
	Admin,
}

impl std::str::FromStr for Level {
	type Err = String;
	fn from_str(s: &str) -> Result<Self, String> {
		match s {
			"read" => Ok(Level::Read),
			"write" => Ok(Level::Write),
			"admin" => Ok(Level::Admin),
			other => Err(format!("unknown scope {other:?}: use read, write or admin")),
		}
	}
}

impl std::fmt::Display for Level {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(match self {
			Level::Read => "read",
			Level::Write => "write",
			Level::Admin => "admin",
		})
	}
}

/// What the caller of one request may do: the scope of the key it presented.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
	/// The key's public id (`open` on a node without keys).
	pub key_id: String,
	/// The namespaces it covers; empty for all of them.
	pub namespaces: Vec<String>,
	/// What it may do there.
	pub level: Level,
}

impl Grant {
	/// The grant of every call on a node that runs without keys.
	pub fn everything() -> Self {
		Self { key_id: "open".into(), namespaces: Vec::new(), level: Level::Admin }
	}

	/// Whether this grant covers every namespace.
	pub fn all_namespaces(&self) -> bool {
		self.namespaces.is_empty()
	}

	/// Whether it allows `level` in `namespace` (`None`: a node-wide call, which any key may
	/// make at its level).
	pub fn allows(&self, namespace: Option<&str>, level: Level) -> bool {
		self.level >= level
			&& namespace
				.is_none_or(|ns| self.all_namespaces() || self.namespaces.iter().any(|n| n == ns))
	}
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
	/// No key, or one that is malformed, unknown or revoked (HTTP 401).
	#[error("{0}")]
	Unauthenticated(String),
	/// A valid key whose scope does not cover the call (HTTP 403).
	#[error("{0}")]
	Forbidden(String),
}

impl Refusal {
	/// The HTTP status of this refusal.
	pub fn http_status(&self) -> u16 {
		match self {
			Refusal::Unauthenticated(_) => 401,
			Refusal::Forbidden(_) => 403,
		}
	}

	/// The refusal of `grant` for a call that needs `level` in `namespace`.
	pub fn forbidden(grant: &Grant, namespace: Option<&str>, level: Level) -> Self {
		let place = namespace.map(|ns| format!(" in namespace {ns:?}")).unwrap_or_default();
		Refusal::Forbidden(format!(
			"API key {} may not do this: it needs {level}{place}, the key has {}{}",
			grant.key_id,
			grant.level,
			if grant.all_namespaces() {
				String::new()
			} else {
				format!(" in {}", grant.namespaces.join(", "))
			}
		))
	}
}

/// One key as the key file stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
	/// The public id: the part of the key before its secret, shown in lists and logs.
	pub id: String,
	/// What the operator called it (the app or person it is for).
	pub name: String,
	/// The namespaces it covers; empty for all.
	#[serde(default)]
	pub namespaces: Vec<String>,
	/// What it may do.
	pub level: Level,
	/// Hex SHA-256 of the secret.
	pub secret_sha256: String,
	/// When it was made, ms since the epoch.
	pub created: i64,
}

/// The key file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
struct KeyFileContents {
	keys: Vec<KeyRecord>,
}

/// The key file: read, and changed by the `parley-node api-key` subcommand.
#[derive(Clone, Debug)]
pub struct KeyFile {
	path: PathBuf,
}

/// The prefix of every key, so that a leaked one is easy to recognise (and to scan for).
const PREFIX: &str = "prly_";

impl KeyFile {
	/// The key file at `path`.
	pub fn new(path: impl Into<PathBuf>) -> Self {
		Self { path: path.into() }
	}

	/// Where it is.
	pub fn path(&self) -> &Path {
		&self.path
	}

	/// Whether it exists.
	pub fn exists(&self) -> bool {
		self.path.exists()
	}

	/// The keys in it (none if the file does not exist).
	pub fn load(&self) -> Result<Vec<KeyRecord>, String> {
		match std::fs::read(&self.path) {
			Ok(bytes) => serde_json::from_slice::<KeyFileContents>(&bytes)
				.map(|c| c.keys)
				.map_err(|e| format!("{} is not a Parley key file: {e}", self.path.display())),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
			Err(e) => Err(format!("cannot read {}: {e}", self.path.display())),
		}
	}

	/// Makes a key named `name` with `level` in `namespaces` (empty: all), saves its hash and
	/// returns its record and the key itself, which is shown only this once.
	pub fn create(
		&self,
		name: &str,
		namespaces: Vec<String>,
		level: Level,
	) -> Result<(KeyRecord, String), String> {
		if name.trim().is_empty() || name.len() > 100 {
			return Err("a key's name must be 1 to 100 characters".into());
		}
		for ns in &namespaces {
			crate::exchange::check_name("namespace", ns).map_err(|e| format!("{ns:?}: {e}"))?;
		}
		let mut keys = self.load()?;
		let id = format!("{PREFIX}{}", hex::encode(rand::random::<[u8; 8]>()));
		let secret = hex::encode(rand::random::<[u8; 32]>());
		let record = KeyRecord {
			id: id.clone(),
			name: name.to_string(),
			namespaces,
			level,
			secret_sha256: hex::encode(Sha256::digest(secret.as_bytes())),
			created: crate::types::now_ms(),
		};
		keys.push(record.clone());
		self.save(keys)?;
		Ok((record, format!("{id}.{secret}")))
	}

	/// Removes the key with this id; false if there is none.
	pub fn revoke(&self, id: &str) -> Result<bool, String> {
		let mut keys = self.load()?;
		let before = keys.len();
		keys.retain(|k| k.id != id);
		if keys.len() == before {
			return Ok(false);
		}
		self.save(keys)?;
		Ok(true)
	}

	/// Writes the file atomically (a new file renamed over the old one), readable only by its
	/// owner.
	fn save(&self, keys: Vec<KeyRecord>) -> Result<(), String> {
		let dir =
			self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
		std::fs::create_dir_all(dir)
			.map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
		let text = serde_json::to_vec_pretty(&KeyFileContents { keys }).expect("keys serialize");
		let tmp = self.path.with_extension("json.tmp");
		let write = || -> std::io::Result<()> {
			use std::io::Write;
			let mut options = std::fs::OpenOptions::new();
			options.write(true).create(true).truncate(true);
			#[cfg(unix)]
			std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
			let mut file = options.open(&tmp)?;
			file.write_all(&text)?;
			file.sync_all()?;
			std::fs::rename(&tmp, &self.path)
		};
		write().map_err(|e| format!("cannot write {}: {e}", self.path.display()))
	}
}

/// How often a running node looks at its key file for changes.
const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// The keys a running node checks each call against.
#[derive(Clone)]
pub struct ApiKeys {
	inner: Option<Arc<Loaded>>,
}

struct Loaded {
	file: KeyFile,
	state: Mutex<LoadedState>,
}

struct LoadedState {
	keys: Vec<KeyRecord>,
	modified: Option<SystemTime>,
	checked: Instant,
}

impl ApiKeys {
	/// A node without keys: every call is allowed.
	pub fn open() -> Self {
		Self { inner: None }
	}

	/// The keys of `file`: enforced if it exists now, else [`ApiKeys::open`].
	pub fn from_file(file: KeyFile) -> Result<Self, String> {
		if !file.exists() {
			return Ok(Self::open());
		}
		let keys = file.load()?;
		let modified = std::fs::metadata(file.path()).and_then(|m| m.modified()).ok();
		let state = Mutex::new(LoadedState { keys, modified, checked: Instant::now() });
		Ok(Self { inner: Some(Arc::new(Loaded { file, state })) })
	}

	/// Whether calls need a key.
	pub fn enforced(&self) -> bool {
		self.inner.is_some()
	}

	/// How many keys there are now.
	pub fn count(&self) -> usize {
		self.inner.as_ref().map_or(0, |l| l.refreshed().keys.len())
	}

	/// The grant of the key `token` (the text after `Bearer `), or why there is none.
	pub fn check(&self, token: Option<&str>) -> Result<Grant, Refusal> {
		let Some(loaded) = &self.inner else { return Ok(Grant::everything()) };
		let token = token.ok_or_else(|| {
			Refusal::Unauthenticated(
				"this node needs an API key: send `Authorization: Bearer <key>`".into(),
			)
		})?;
		let invalid = || {
			Refusal::Unauthenticated(
				"the API key is not valid (unknown, revoked or malformed)".into(),
			)
		};
		let (id, secret) = token.trim().split_once('.').ok_or_else(invalid)?;
		let key =
			loaded.refreshed().keys.iter().find(|k| k.id == id).cloned().ok_or_else(invalid)?;
		let presented = Sha256::digest(secret.as_bytes());
		let stored = hex::decode(&key.secret_sha256).map_err(|_| invalid())?;
		if !bool::from(presented.as_slice().ct_eq(&stored)) {
			return Err(invalid());
		}
		Ok(Grant { key_id: key.id.clone(), namespaces: key.namespaces.clone(), level: key.level })
	}
}

impl Loaded {
	/// The keys (locked), reloaded first if the file changed (looked at once per
	/// [`RELOAD_EVERY`]). A file that has become unreadable or was removed leaves no key valid.
	fn refreshed(&self) -> parking_lot::MutexGuard<'_, LoadedState> {
		let mut state = self.state.lock();
		if state.checked.elapsed() >= RELOAD_EVERY {
			state.checked = Instant::now();
			let modified = std::fs::metadata(self.file.path()).and_then(|m| m.modified()).ok();
			if modified != state.modified {
				state.modified = modified;
				state.keys = match self.file.load() {
					Ok(keys) if modified.is_some() => keys,
					Ok(_) => Vec::new(),
					Err(e) => {
						log::warn!(target: "parley::access", "{e}: no API key is valid until it is fixed");
						Vec::new()
					}
				};
				log::info!(target: "parley::access", "API keys reloaded: {} key(s)", state.keys.len());
			}
		}
		state
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn file() -> (tempfile::TempDir, KeyFile) {
		let dir = tempfile::tempdir().unwrap();
		let file = KeyFile::new(dir.path().join("api-keys.json"));
		(dir, file)
	}

	#[test]
	fn a_node_without_a_key_file_is_open() {
		let (_dir, file) = file();
		let keys = ApiKeys::from_file(file).unwrap();
		assert!(!keys.enforced());
		assert_eq!(keys.check(None), Ok(Grant::everything()));
	}

	#[test]
	fn a_key_is_checked_by_its_secret_and_only_its_hash_is_stored() {
		let (_dir, file) = file();
		let (record, key) = file.create("app", vec!["claims".into()], Level::Write).unwrap();
		let text = std::fs::read_to_string(file.path()).unwrap();
		let secret = key.split_once('.').unwrap().1;
		assert!(!text.contains(secret), "the secret itself is never stored");
		assert!(text.contains(&record.secret_sha256));

		let keys = ApiKeys::from_file(file.clone()).unwrap();
		assert!(keys.enforced());
		let grant = keys.check(Some(&key)).unwrap();
		assert_eq!(grant.key_id, record.id);
		assert!(grant.allows(Some("claims"), Level::Write));
		assert!(!grant.allows(Some("claims"), Level::Admin));
		assert!(!grant.allows(Some("default"), Level::Read));
		assert!(grant.allows(None, Level::Read));

		assert!(matches!(keys.check(None), Err(Refusal::Unauthenticated(_))));
		let wrong = format!("{}.{}", record.id, "0".repeat(64));
		assert!(matches!(keys.check(Some(&wrong)), Err(Refusal::Unauthenticated(_))));
		assert!(matches!(keys.check(Some(&record.id)), Err(Refusal::Unauthenticated(_))));
		assert!(matches!(keys.check(Some("")), Err(Refusal::Unauthenticated(_))));
	}

	#[test]
	fn a_revoked_key_stops_working_once_the_file_is_reloaded() {
		let (_dir, file) = file();
		let (admin, admin_key) = file.create("ops", vec![], Level::Admin).unwrap();
		let (_, read_key) = file.create("viewer", vec![], Level::Read).unwrap();
		let keys = ApiKeys::from_file(file.clone()).unwrap();
		assert_eq!(keys.check(Some(&admin_key)).unwrap().level, Level::Admin);
		assert!(file.revoke(&admin.id).unwrap());
		assert!(!file.revoke(&admin.id).unwrap(), "already gone");
		// Force the next check to look at the file now.
		keys.inner.as_ref().unwrap().state.lock().checked -= RELOAD_EVERY;
		keys.inner.as_ref().unwrap().state.lock().modified = None;
		assert!(matches!(keys.check(Some(&admin_key)), Err(Refusal::Unauthenticated(_))));
		assert_eq!(keys.check(Some(&read_key)).unwrap().level, Level::Read);
		assert_eq!(keys.count(), 1);
	}

	#[test]
	fn a_removed_key_file_leaves_no_key_valid() {
		let (_dir, file) = file();
		let (_, key) = file.create("app", vec![], Level::Read).unwrap();
		let keys = ApiKeys::from_file(file.clone()).unwrap();
		std::fs::remove_file(file.path()).unwrap();
		keys.inner.as_ref().unwrap().state.lock().checked -= RELOAD_EVERY;
		assert!(keys.enforced(), "removing the file does not open the node");
		assert!(matches!(keys.check(Some(&key)), Err(Refusal::Unauthenticated(_))));
	}

	#[test]
	fn bad_names_and_namespaces_are_refused() {
		let (_dir, file) = file();
		assert!(file.create("", vec![], Level::Read).is_err());
		assert!(file.create("app", vec!["Not A Namespace!".into()], Level::Read).is_err());
		assert!(!file.exists(), "nothing written for a refused key");
		assert_eq!("write".parse::<Level>(), Ok(Level::Write));
		assert!("root".parse::<Level>().is_err());
	}

	#[test]
	fn forbidden_names_what_was_needed() {
		let grant =
			Grant { key_id: "prly_1".into(), namespaces: vec!["a".into()], level: Level::Read };
		let message = Refusal::forbidden(&grant, Some("b"), Level::Write).to_string();
		assert!(message.contains("needs write in namespace \"b\""), "{message}");
		assert_eq!(Refusal::forbidden(&grant, None, Level::Admin).http_status(), 403);
	}
}
