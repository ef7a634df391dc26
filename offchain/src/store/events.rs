//! Events for apps: appended in one order inside the writes that cause them, read back by
//! number (subscriptions, the REST list, `confirm=true` waiters).

use super::{rows_of, Result, Store, ROWS_PER_STATEMENT};
use sqlx::{any::AnyRow, Row};

impl Store {
	/// Appends an event for apps, numbered after the last one, inside `tx`. The number comes
	/// from the counter row, locked by the update until `tx` ends: concurrent appenders wait for
	/// each other, so numbers are unique and become visible in order.
	pub(crate) async fn append_event(
		tx: &mut sqlx::Transaction<'_, sqlx::Any>,
		event: &NewEvent<'_>,
	) -> Result<i64> {
		Store::append_events(tx, std::slice::from_ref(event)).await
	}

	/// Appends `events` in order inside `tx`, numbered after the last one, with one counter
	/// update and one insert per [`ROWS_PER_STATEMENT`] events (see [`Store::append_event`]).
	/// Returns the number of the last event appended, or of the last one before `tx` if
	/// `events` is empty.
	pub(crate) async fn append_events(
		tx: &mut sqlx::Transaction<'_, sqlx::Any>,
		events: &[NewEvent<'_>],
	) -> Result<i64> {
		if !events.is_empty() {
			sqlx::query("UPDATE event_counter SET last = last + $1 WHERE id = 1")
				.bind(events.len() as i64)
				.execute(&mut **tx)
				.await?;
		}
		let last: i64 = sqlx::query("SELECT last FROM event_counter WHERE id = 1")
			.fetch_one(&mut **tx)
			.await?
			.try_get("last")?;
		let first = last - events.len() as i64 + 1;
		let now = crate::types::now_ms();
		for (chunk_at, chunk) in events.chunks(ROWS_PER_STATEMENT).enumerate() {
			let sql = format!(
				"INSERT INTO events (seq, type, namespace, reference, detail, topic, tag, author, group_id, created) VALUES {}",
				rows_of(chunk.len(), 10)
			);
			let mut query = sqlx::query(&sql);
			for (i, event) in chunk.iter().enumerate() {
				query = query
					.bind(first + (chunk_at * ROWS_PER_STATEMENT + i) as i64)
					.bind(event.kind)
					.bind(event.namespace)
					.bind(event.reference)
					.bind(event.detail.map(|d| d.to_string()))
					.bind(
						event.topics.map(|t| serde_json::to_string(t).expect("strings serialize")),
					)
					.bind(event.tag)
					.bind(event.author)
					.bind(event.group)
					.bind(now);
			}
			query.execute(&mut **tx).await?;
		}
		Ok(last)
	}

	/// Appends one event outside any other write.
	pub async fn record_event(&self, event: &NewEvent<'_>) -> Result<i64> {
		let mut tx = self.pool().begin().await?;
		let seq = Store::append_event(&mut tx, event).await?;
		tx.commit().await?;
		Ok(seq)
	}

	/// Events after `after`, oldest first.
	pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
		let rows = sqlx::query(
			"SELECT seq, type, namespace, reference, detail, topic, tag, author, group_id, created FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
		)
		.bind(after)
		.bind(limit)
		.fetch_all(&self.reads)
		.await?;
		rows.iter().map(Event::from_row).collect()
	}

	/// The newest event's number (0 if none).
	pub async fn last_event(&self) -> Result<i64> {
		Ok(sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM events")
			.fetch_one(&self.reads)
			.await?
			.try_get("last")?)
	}
}

/// An event for apps, as written.
#[derive(Clone, Copy, Debug, Default)]
pub struct NewEvent<'a> {
	/// Its type: `message_confirmed`, `message_rejected`, …
	pub kind: &'a str,
	/// Namespace.
	pub namespace: &'a str,
	/// What it is about: a message, batch, data or definition id.
	pub reference: &'a str,
	/// Details.
	pub detail: Option<&'a serde_json::Value>,
	/// The message's topics, for filtering.
	pub topics: Option<&'a [String]>,
	/// The message's tag.
	pub tag: Option<&'a str>,
	/// The author's DID.
	pub author: Option<&'a str>,
	/// The group (hex id).
	pub group: Option<&'a str>,
}

/// An event for apps, in this node's order.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Event {
	/// Its place in this node's order.
	pub sequence: i64,
	/// Its type.
	#[serde(rename = "type")]
	pub kind: String,
	/// Namespace.
	pub namespace: String,
	/// What it is about.
	pub reference: String,
	/// Details.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub detail: Option<serde_json::Value>,
	/// Topics of the message it is about.
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub topics: Vec<String>,
	/// Tag of the message it is about.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub tag: Option<String>,
	/// Author DID.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub author: Option<String>,
	/// Group (hex id).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub group: Option<String>,
	/// When it was recorded (ms since the epoch).
	pub created: i64,
}

impl Event {
	fn from_row(r: &AnyRow) -> Result<Self> {
		let detail: Option<String> = r.try_get("detail")?;
		let topics: Option<String> = r.try_get("topic")?;
		Ok(Self {
			sequence: r.try_get("seq")?,
			kind: r.try_get("type")?,
			namespace: r.try_get("namespace")?,
			reference: r.try_get("reference")?,
			detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
			topics: topics.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default(),
			tag: r.try_get("tag")?,
			author: r.try_get("author")?,
			group: r.try_get("group_id")?,
			created: r.try_get("created")?,
		})
	}
}
