//! How the store connects to its database: the pool its writes go through, the SQLite readers
//! beside it, what each new connection is set to, and what a connection must be to go back to
//! the pool.

use super::Result;
use sqlx::{any::AnyPoolOptions, AnyPool};

/// The pages the SQLite connection keeps in memory: at most 32 MiB (a negative `cache_size`
/// is in KiB).
const SQLITE_CACHE_PRAGMA: &str = "PRAGMA cache_size = -32768";

/// SQLite connections that only read (see `Store::reads`). Each is a thread of its own in sqlx;
/// three let the API, the pollers and the release read at once on two cores.
const SQLITE_READERS: u32 = 3;

/// Opens the pool for writes to the database at `url` (`sqlite://<path>`, created if missing,
/// or `postgres://…`), and says whether it is SQLite.
pub(super) async fn writer(url: &str) -> Result<(AnyPool, bool)> {
	sqlx::any::install_default_drivers();
	let sqlite = url.starts_with("sqlite:");
	let url = if sqlite && !url.contains('?') { format!("{url}?mode=rwc") } else { url.into() };
	let pool = AnyPoolOptions::new()
		// SQLite serializes writers anyway; one connection avoids lock-upgrade failures.
		.max_connections(if sqlite { 1 } else { 8 })
		.after_connect(move |conn, _| {
			Box::pin(async move {
				if sqlite {
					use sqlx::Executor;
					conn.execute("PRAGMA journal_mode = WAL").await?;
					conn.execute("PRAGMA synchronous = FULL").await?;
					conn.execute("PRAGMA busy_timeout = 10000").await?;
					// SQLite keeps 2 MiB of pages by default; past that every page a
					// statement touches is a read from the kernel's cache (under load 4
					// preads per message on the one connection's thread).
					conn.execute(SQLITE_CACHE_PRAGMA).await?;
				}
				Ok(())
			})
		})
		.after_release(|conn, _| Box::pin(leaves_no_transaction_open(conn)))
		.connect(&url)
		.await?;
	Ok((pool, sqlite))
}

/// Opens the SQLite readers of `Store::reads` on the database at `url`, which must exist:
/// `query_only`, so that a write sent to them by mistake fails rather than competing with the
/// writer for the lock. Their page caches keep SQLite's default size: a reader's cache is
/// emptied whenever another connection has committed, which under load is before nearly every
/// read. In WAL mode a reader answers from the last commit without waiting for a write in
/// progress (its statements, its fsync).
pub(super) async fn readers(url: &str) -> Result<AnyPool> {
	Ok(AnyPoolOptions::new()
		.max_connections(SQLITE_READERS)
		.after_connect(|conn, _| {
			Box::pin(async move {
				use sqlx::Executor;
				conn.execute("PRAGMA busy_timeout = 10000").await?;
				conn.execute("PRAGMA query_only = ON").await?;
				Ok(())
			})
		})
		.after_release(|conn, _| Box::pin(leaves_no_transaction_open(conn)))
		.connect(url)
		.await?)
}

/// Whether a connection given back to the pool is outside any transaction, as it must be to be
/// used again; `false` closes it (which undoes whatever it still holds open).
///
/// sqlx counts the transactions it began on a connection, and answers `begin` inside one with
/// a savepoint. SQLite may undo a whole transaction on its own when a write fails (`SQLITE_FULL`
/// on a full disk, an I/O error): sqlx's `ROLLBACK` then fails, and its count stays at one. The
/// next `begin` is a `SAVEPOINT`, which SQLite takes as the start of a transaction, and if a
/// statement in that one fails too, sqlx's `ROLLBACK TO` leaves it open. From then on each
/// commit only released a savepoint inside a transaction that was never committed: the
/// connection saw its own writes, so the node went on as if they were stored, while no other
/// connection (and no restart) ever saw them. A transaction dropped without its commit queues
/// its rollback, so the count is read again after a round trip that lets the rollback run.
async fn leaves_no_transaction_open(conn: &mut sqlx::AnyConnection) -> sqlx::Result<bool> {
	use sqlx::Connection;
	if conn.is_in_transaction() {
		conn.ping().await?;
	}
	if conn.is_in_transaction() {
		log::warn!(target: "parley", "the private store's connection came back inside a transaction that the database had ended on its own after a failed write; closing it, so that nothing after is written into a transaction that is never committed");
		return Ok(false);
	}
	Ok(true)
}

#[cfg(test)]
mod tests {
	use super::*;
	use sqlx::Row;

	/// A transaction that SQLite ended on its own (as it does when a commit finds the disk
	/// full), then a failed statement in the next one, leave no later write uncommitted: what
	/// the writer commits is in the database for every other connection.
	#[tokio::test]
	async fn a_transaction_the_database_ended_on_its_own_leaves_no_later_write_uncommitted() {
		let dir = tempfile::tempdir().unwrap();
		let url = format!("sqlite://{}", dir.path().join("parley.db").display());
		let (pool, sqlite) = writer(&url).await.unwrap();
		assert!(sqlite);
		sqlx::query("CREATE TABLE t (n INTEGER PRIMARY KEY)").execute(&pool).await.unwrap();
		{
			// SQLite ends the transaction behind sqlx's back; sqlx's own rollback then fails.
			let mut tx = pool.begin().await.unwrap();
			sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
		}
		{
			// A statement fails in the next transaction; SQLite undoes that statement alone.
			let mut tx = pool.begin().await.unwrap();
			sqlx::query("INSERT INTO t (n) VALUES (1)").execute(&mut *tx).await.unwrap();
			let twice = sqlx::query("INSERT INTO t (n) VALUES (1)").execute(&mut *tx).await;
			assert!(twice.is_err(), "a second row with the same key: {twice:?}");
		}
		let mut tx = pool.begin().await.unwrap();
		sqlx::query("INSERT INTO t (n) VALUES (2)").execute(&mut *tx).await.unwrap();
		tx.commit().await.unwrap();

		let (other, _) = writer(&url).await.unwrap();
		let rows: Vec<i64> = sqlx::query("SELECT n FROM t ORDER BY n")
			.fetch_all(&other)
			.await
			.unwrap()
			.iter()
			.map(|row| row.get("n"))
			.collect();
		assert_eq!(rows, [2], "another connection sees the committed row, and only it");
	}
}
