//! What a namespace looks like at a glance, for the explorer's home screen: its messages by
//! state, the pins held back here, and its confirmations per minute with their send→confirmed
//! latency over a recent window.

use super::{Result, Store};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

/// The messages confirmed here in one minute.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MinuteOfConfirmations {
	/// The minute's start, in ms since the Unix epoch.
	pub minute: i64,
	/// How many messages were confirmed in it.
	pub confirmed: i64,
	/// Their mean time from the author's send to the confirmation here, in ms.
	pub latency_mean_ms: f64,
	/// The longest of those times, in ms.
	pub latency_max_ms: i64,
}

/// A namespace at a glance.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Summary {
	/// How many messages are in each state.
	pub messages: BTreeMap<String, i64>,
	/// How many pins wait here for a payload that has not come, past the time after which a
	/// `context_blocked` event reports them.
	pub blocked: i64,
	/// Confirmations per minute since the window's start, oldest first; minutes without any
	/// are left out.
	pub per_minute: Vec<MinuteOfConfirmations>,
}

impl Store {
	/// `namespace` at a glance, with confirmations from `since` (ms since the epoch) on.
	pub async fn summary(&self, namespace: &str, since: i64) -> Result<Summary> {
		let mut messages = BTreeMap::new();
		let rows = sqlx::query(
			"SELECT state, COUNT(*) AS n FROM messages WHERE namespace = $1 GROUP BY state",
		)
		.bind(namespace)
		.fetch_all(self.reads())
		.await?;
		for row in rows {
			messages.insert(row.try_get::<String, _>("state")?, row.try_get::<i64, _>("n")?);
		}
		let blocked = sqlx::query(
			"SELECT COUNT(*) AS n FROM pins WHERE namespace = $1 AND state = 'pending' AND blocked_reported = 1",
		)
		.bind(namespace)
		.fetch_one(self.reads())
		.await?
		.try_get::<i64, _>("n")?;
		let rows = sqlx::query(
			"SELECT confirmed / 60000 AS m, COUNT(*) AS n, \
			 CAST(AVG(confirmed - created) AS DOUBLE PRECISION) AS mean, \
			 MAX(confirmed - created) AS longest \
			 FROM messages WHERE namespace = $1 AND confirmed >= $2 GROUP BY confirmed / 60000 ORDER BY m",
		)
		.bind(namespace)
		.bind(since)
		.fetch_all(self.reads())
		.await?;
		let per_minute = rows
			.into_iter()
			.map(|row| {
				Ok(MinuteOfConfirmations {
					minute: row.try_get::<i64, _>("m")? * 60_000,
					confirmed: row.try_get("n")?,
					latency_mean_ms: row.try_get::<f64, _>("mean")?.max(0.0),
					latency_max_ms: row.try_get::<i64, _>("longest")?.max(0),
				})
			})
			.collect::<Result<Vec<_>>>()?;
		Ok(Summary { messages, blocked, per_minute })
	}
}
