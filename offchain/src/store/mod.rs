//! The private database and the payload files.
//!
//! One [`Store`] per node: SQLite (a file under the node's base path) by default, PostgreSQL when
//! given a `postgres://` URL. Both run the same migrations and the same queries (sqlx's `Any`
//! driver, portable SQL, `$n` placeholders). Sealed payloads are files next to the database,
//! written and synced before the row that points at them is committed, so a crash never leaves
//! a row without its file.

mod accepted;
mod acknowledgements;
pub mod awaited;
pub mod collections;
mod connections;
mod copies;
mod data;
mod events;
mod messages;
mod outbox;
pub mod outcomes;
pub(crate) mod pins;
pub mod query;
mod receipts;
pub(crate) mod release;
mod rounds;
pub mod sales;
mod sealed;
mod subscriptions;
mod summary;
mod token_events;
pub mod tokens;

pub use data::Definition;
pub use events::{Event, NewEvent};
pub use messages::{
	from_batch_attachment, new_uuid, uuid_bytes, uuid_string, BatchPlan, NewMessage,
};
pub use outbox::{OutboxKind, OutboxOp, RetryOutcome};
pub use pins::{PinRow, PinState, Recording};
pub use receipts::ReceiptRecord;
pub use release::Release;
pub use subscriptions::{EventFilter, Subscription, Transport};
pub use summary::{MinuteOfConfirmations, Summary};
pub use tokens::{NewTokenOp, PoolRow, TokenOp};

use crate::types::{BatchId, Group, Hash};
use sqlx::{any::AnyRow, AnyPool, Row};
use std::path::{Path, PathBuf};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// The database said no.
	#[error("database: {0}")]
	Database(#[from] sqlx::Error),
	/// A payload file could not be read or written.
	#[error("payload file: {0}")]
	Io(#[from] std::io::Error),
	/// A stored value does not parse.
	#[error("corrupt value in column {0}")]
	Corrupt(&'static str),
	/// A list query names an unknown field or a malformed value.
	#[error("{0}")]
	BadQuery(String),
	/// The schema could not be brought up to date.
	#[error("migration: {0}")]
	Migrate(#[from] sqlx::migrate::MigrateError),
	/// The idempotency key was used before, by this message id.
	#[error("idempotency key already used by message {0}")]
	Duplicate(String),
}

impl StoreError {
	/// Whether the disk under the store is full (SQLite's `SQLITE_FULL`, PostgreSQL's
	/// `disk_full`, or `ENOSPC` from a payload or blob file): the write can succeed once there
	/// is space again, and nothing written before is lost.
	pub fn is_full(&self) -> bool {
		let io_full = |e: &std::io::Error| {
			e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28)
		};
		match self {
			StoreError::Io(e) => io_full(e),
			StoreError::Database(sqlx::Error::Io(e)) => io_full(e),
			StoreError::Database(sqlx::Error::Database(e)) => {
				matches!(e.code().as_deref(), Some("13") | Some("53100"))
					|| e.message().contains("database or disk is full")
			}
			_ => false,
		}
	}
}

/// Store results.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The private store's schema: the files of `offchain/migrations`, embedded in the binary. sqlx
/// runs each pending one once, in a transaction, holding a lock (PostgreSQL) so that two
/// processes on one database cannot both run it, and refuses a database whose applied files
/// were changed since.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The private database and the folder of payload files.
#[derive(Clone)]
pub struct Store {
	/// Writes, and reads inside a write's transaction. SQLite: one connection (SQLite takes one
	/// writer at a time; a second would fail to upgrade its lock rather than wait).
	pool: AnyPool,
	/// Reads outside a transaction. SQLite: a few read-only connections beside the
	/// writer, which in WAL mode read the last commit without waiting for a write in progress
	/// (its statements or its fsync); PostgreSQL: the same pool as writes.
	reads: AnyPool,
	payloads: PathBuf,
	sqlite: bool,
	/// The last number given to a message accepted here (`accept_seq`) or an outbox operation
	/// (`seq`): one strictly increasing counter, seeded from the database when it opens.
	local_seq: std::sync::Arc<std::sync::atomic::AtomicI64>,
	/// Held while a sealed payload's row and file change together (store or discard), so that a
	/// delivery and a fetch of the same batch arriving at once never mix one's file with the
	/// other's row, and a discard never removes a file that a new row points at.
	sealed_writes: std::sync::Arc<tokio::sync::Mutex<()>>,
	/// Messages accepted from apps, waiting to be written together (`accepted.rs`).
	accepts: std::sync::Arc<rounds::Rounds<NewMessage>>,
	/// Subscriptions' offsets, waiting to be written together (`subscriptions.rs`).
	offsets: std::sync::Arc<rounds::Rounds<(String, String, i64)>>,
	/// Groups read from the database (a group's row never changes once written: its id covers
	/// its members), so that a private send does not read its group again. At most
	/// [`GROUPS_REMEMBERED`]; emptied when full.
	groups: std::sync::Arc<parking_lot::Mutex<std::collections::HashMap<[u8; 16], Group>>>,
}

/// Most groups [`Store`] keeps in memory.
const GROUPS_REMEMBERED: usize = 4096;

impl Store {
	/// Opens (creating if needed) the database at `url` and the payload folder `payloads`, and
	/// runs pending migrations. `url` is `sqlite://<path>` or `postgres://…`.
	pub async fn open(url: &str, payloads: &Path) -> Result<Self> {
		let (pool, sqlite) = connections::writer(url).await?;
		std::fs::create_dir_all(payloads)?;
		let store = Self {
			reads: pool.clone(),
			pool,
			payloads: payloads.to_path_buf(),
			sqlite,
			local_seq: Default::default(),
			sealed_writes: Default::default(),
			groups: Default::default(),
			accepts: Default::default(),
			offsets: Default::default(),
		};
		store.migrate().await?;
		// The readers open once the schema is in place (a reader never writes, not even a
		// migration).
		let store =
			if sqlite { Self { reads: connections::readers(url).await?, ..store } } else { store };
		let last: i64 = sqlx::query(
			"SELECT COALESCE(MAX(m), 0) AS last FROM (SELECT MAX(accept_seq) AS m FROM messages UNION ALL SELECT MAX(seq) AS m FROM outbox) AS seqs",
		)
		.fetch_one(&store.pool)
		.await?
		.try_get("last")?;
		store.local_seq.store(last, std::sync::atomic::Ordering::SeqCst);
		Ok(store)
	}

	/// Opens a fresh SQLite store in `dir` (tests, tools).
	pub async fn open_in(dir: &Path) -> Result<Self> {
		let url = format!("sqlite://{}", dir.join("parley.db").display());
		Self::open(&url, &dir.join("payloads")).await
	}

	async fn migrate(&self) -> Result<()> {
		self.adopt_legacy_migrations().await?;
		MIGRATOR.run(&self.pool).await?;
		Ok(())
	}

	/// A database made by a release before sqlx ran the migrations records them in
	/// `schema_migrations`: record the same versions in sqlx's table instead (once, in one
	/// transaction), so that sqlx runs only the ones after them.
	async fn adopt_legacy_migrations(&self) -> Result<()> {
		let legacy: Vec<i64> = match sqlx::query("SELECT version FROM schema_migrations")
			.fetch_all(&self.pool)
			.await
		{
			Ok(rows) => rows
				.iter()
				.map(|row| row.try_get("version"))
				.collect::<std::result::Result<_, _>>()?,
			// No such table: a new database, or one adopted already.
			Err(sqlx::Error::Database(_)) => return Ok(()),
			Err(e) => return Err(e.into()),
		};
		let mut tx = self.pool.begin().await?;
		sqlx::migrate::Migrate::ensure_migrations_table(&mut *tx).await?;
		for migration in MIGRATOR.iter().filter(|m| legacy.contains(&m.version)) {
			sqlx::query(
				"INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, $2, TRUE, $3, 0)",
			)
			.bind(migration.version)
			.bind(migration.description.to_string())
			.bind(migration.checksum.to_vec())
			.execute(&mut *tx)
			.await?;
		}
		sqlx::query("DROP TABLE schema_migrations").execute(&mut *tx).await?;
		tx.commit().await?;
		log::info!(target: "parley", "private store: sqlx now tracks migrations {legacy:?}");
		Ok(())
	}

	/// The next number of the local order (of messages accepted and operations made here).
	pub(crate) fn next_local_seq(&self) -> i64 {
		self.local_seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
	}

	/// The pool, for queries in this module's submodules.
	pub(crate) fn pool(&self) -> &AnyPool {
		&self.pool
	}

	/// The pool for reads outside a transaction: on SQLite, connections that cannot write, so
	/// that a read never waits for the writer; they see every commit that finished before the
	/// read began.
	pub(crate) fn reads(&self) -> &AnyPool {
		&self.reads
	}

	/// Whether this is SQLite (else PostgreSQL).
	pub fn is_sqlite(&self) -> bool {
		self.sqlite
	}

	fn payload_path(&self, batch_id: &BatchId) -> PathBuf {
		self.payloads.join(format!("{}.sealed", hex::encode(batch_id)))
	}

	/// Writes a sealed payload file durably (temp file, fsync, rename, fsync folder).
	pub(crate) fn write_payload_file(&self, batch_id: &BatchId, bytes: &[u8]) -> Result<()> {
		use std::io::Write;
		let path = self.payload_path(batch_id);
		let tmp = path.with_extension("tmp");
		{
			let mut file = std::fs::File::create(&tmp)?;
			file.write_all(bytes)?;
			file.sync_all()?;
		}
		std::fs::rename(&tmp, &path)?;
		std::fs::File::open(&self.payloads)?.sync_all()?;
		Ok(())
	}

	/// Reads a sealed payload file, if present.
	pub(crate) fn read_payload_file(&self, batch_id: &BatchId) -> Result<Option<Vec<u8>>> {
		match std::fs::read(self.payload_path(batch_id)) {
			Ok(bytes) => Ok(Some(bytes)),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(e.into()),
		}
	}

	/// The last block the aggregator processed.
	pub async fn cursor(&self) -> Result<Option<(u64, Hash)>> {
		let row = sqlx::query("SELECT block, hash FROM chain_cursor WHERE id = 1")
			.fetch_optional(&self.reads)
			.await?;
		row.map(|r| Ok((r.try_get::<i64, _>("block")? as u64, hash_col(&r, "hash")?))).transpose()
	}
}

/// Most rows one multi-row statement writes (well under SQLite's and PostgreSQL's limits on
/// parameters, for the widest table).
pub(crate) const ROWS_PER_STATEMENT: usize = 64;

/// The `VALUES` rows of a multi-row statement: `rows` tuples of `columns` numbered
/// placeholders, `($1, $2), ($3, $4)`.
pub(crate) fn rows_of(rows: usize, columns: usize) -> String {
	(0..rows)
		.map(|row| {
			let cells: Vec<String> =
				(0..columns).map(|c| format!("${}", 1 + row * columns + c)).collect();
			format!("({})", cells.join(", "))
		})
		.collect::<Vec<_>>()
		.join(", ")
}

/// Decodes a hex column into a 32-byte hash.
pub(crate) fn hash_col(row: &AnyRow, column: &'static str) -> Result<Hash> {
	let text: String = row.try_get(column)?;
	let bytes = hex::decode(text).map_err(|_| StoreError::Corrupt(column))?;
	bytes.try_into().map_err(|_| StoreError::Corrupt(column))
}

/// Decodes a hex column into a 16-byte id.
pub(crate) fn id_col(row: &AnyRow, column: &'static str) -> Result<[u8; 16]> {
	let text: String = row.try_get(column)?;
	let bytes = hex::decode(text).map_err(|_| StoreError::Corrupt(column))?;
	bytes.try_into().map_err(|_| StoreError::Corrupt(column))
}

/// Decodes a JSON column.
pub(crate) fn json_col<T: serde::de::DeserializeOwned>(
	row: &AnyRow,
	column: &'static str,
) -> Result<T> {
	let text: String = row.try_get(column)?;
	serde_json::from_str(&text).map_err(|_| StoreError::Corrupt(column))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn confirmed(reference: &str) -> NewEvent<'_> {
		NewEvent {
			kind: "message_confirmed",
			namespace: "default",
			reference,
			..Default::default()
		}
	}

	/// On SQLite a read outside a transaction does not queue behind a write in progress: it
	/// answers from the last commit while the write is open, and sees the write once it commits.
	/// (With reads on the writer's one connection, the first read would wait for the commit.)
	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn a_read_answers_from_the_last_commit_while_a_write_is_open() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open_in(dir.path()).await.unwrap();
		store.record_event(&confirmed("first")).await.unwrap();
		let mut write = store.pool().begin().await.unwrap();
		Store::append_event(&mut write, &confirmed("second")).await.unwrap();
		let during = tokio::time::timeout(std::time::Duration::from_secs(10), store.last_event())
			.await
			.expect("a read while a write is open answers")
			.unwrap();
		assert_eq!(during, 1, "the open write is not seen");
		write.commit().await.unwrap();
		assert_eq!(store.last_event().await.unwrap(), 2, "the committed write is seen");
		let events = store.events_after(0, 10).await.unwrap();
		let references: Vec<_> = events.iter().map(|e| e.reference.as_str()).collect();
		assert_eq!(references, ["first", "second"]);
	}

	/// The readers cannot write: a write sent to them fails, and leaves the data as it was.
	#[tokio::test]
	async fn the_sqlite_readers_refuse_writes() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open_in(dir.path()).await.unwrap();
		store.record_event(&confirmed("kept")).await.unwrap();
		let refused = sqlx::query("DELETE FROM events").execute(store.reads()).await;
		assert!(refused.is_err(), "a reader wrote: {refused:?}");
		assert_eq!(store.last_event().await.unwrap(), 1);
		assert_eq!(store.events_after(0, 10).await.unwrap()[0].reference, "kept");
	}
}
