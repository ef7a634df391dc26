//! Named, durable event subscriptions: their options and how far delivery has been acked.

use super::{json_col, Result, Store, StoreError};
use crate::types::now_ms;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Which events a subscription gets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EventFilter {
	/// Event types (empty: all).
	pub types: Vec<String>,
	/// A regular expression one of the message's topics must match.
	pub topic: Option<String>,
	/// The message's tag.
	pub tag: Option<String>,
	/// The author's DID.
	pub author: Option<String>,
	/// The group (hex id).
	pub group: Option<String>,
}

/// How a subscription's events leave the node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "transport")]
pub enum Transport {
	/// To the WebSocket connections attached to it (JSON-RPC on 9944 or the REST port).
	Websocket,
	/// As HTTP POSTs to `url`; a 2xx acks the event. With `reply`, a JSON response body with a
	/// `data` field is sent back as a reply message (`cid` = the event's message).
	Webhook {
		/// Where to POST.
		url: String,
		/// Whether to turn responses into reply messages.
		#[serde(default)]
		reply: bool,
		/// The secret each delivery is signed with, if any; never shown.
		#[serde(default, skip_serializing)]
		secret: Option<String>,
	},
}

/// A subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subscription {
	/// Namespace.
	pub namespace: String,
	/// Its name, unique in the namespace.
	pub name: String,
	/// Which events.
	pub filter: EventFilter,
	/// How many events may be unacked at once.
	pub read_ahead: u32,
	/// Whether message events carry the message.
	pub with_data: bool,
	/// Where events go.
	pub transport: Transport,
	/// Every event up to this one is done (delivered and acked, or filtered out).
	pub offset: i64,
}

impl Store {
	/// Creates a subscription, or returns the existing one of that name (its options updated,
	/// its offset kept). One transaction: the row it writes is the row it returns, whatever
	/// another request creates or deletes meanwhile.
	pub async fn upsert_subscription(&self, sub: &Subscription) -> Result<Subscription> {
		let (transport, url, reply, secret) = match &sub.transport {
			Transport::Websocket => ("websocket", None, false, None),
			Transport::Webhook { url, reply, secret } => {
				("webhook", Some(url.clone()), *reply, secret.clone())
			}
		};
		let filter = serde_json::to_string(&sub.filter).expect("filters serialize");
		let mut tx = self.pool().begin().await?;
		// Update the row if it is there; else insert it; and if another request inserted it
		// between the two, update that one (it is there now, and this transaction holds it).
		for attempt in 0..2 {
			let updated = sqlx::query(
				"UPDATE subscriptions SET filter = $1, read_ahead = $2, with_data = $3, transport = $4, webhook_url = $5, webhook_reply = $6, webhook_secret = $7 WHERE namespace = $8 AND name = $9",
			)
			.bind(&filter)
			.bind(sub.read_ahead as i64)
			.bind(sub.with_data as i64)
			.bind(transport)
			.bind(&url)
			.bind(reply as i64)
			.bind(&secret)
			.bind(&sub.namespace)
			.bind(&sub.name)
			.execute(&mut *tx)
			.await?
			.rows_affected();
			if updated > 0 || attempt > 0 {
				break;
			}
			let inserted = sqlx::query(
				"INSERT INTO subscriptions (namespace, name, filter, read_ahead, with_data, transport, webhook_url, webhook_reply, webhook_secret, offset_seq, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (namespace, name) DO NOTHING",
			)
			.bind(&sub.namespace)
			.bind(&sub.name)
			.bind(&filter)
			.bind(sub.read_ahead as i64)
			.bind(sub.with_data as i64)
			.bind(transport)
			.bind(&url)
			.bind(reply as i64)
			.bind(&secret)
			.bind(sub.offset)
			.bind(now_ms())
			.execute(&mut *tx)
			.await?
			.rows_affected();
			if inserted > 0 {
				break;
			}
		}
		let row = sqlx::query(
			"SELECT namespace, name, filter, read_ahead, with_data, transport, webhook_url, webhook_reply, webhook_secret, offset_seq FROM subscriptions WHERE namespace = $1 AND name = $2",
		)
		.bind(&sub.namespace)
		.bind(&sub.name)
		.fetch_optional(&mut *tx)
		.await?
		.ok_or(StoreError::Corrupt("subscriptions"))?;
		let saved = subscription_from_row(&row)?;
		tx.commit().await?;
		Ok(saved)
	}

	/// A subscription by name.
	pub async fn subscription(&self, namespace: &str, name: &str) -> Result<Option<Subscription>> {
		let row = sqlx::query(
			"SELECT namespace, name, filter, read_ahead, with_data, transport, webhook_url, webhook_reply, webhook_secret, offset_seq FROM subscriptions WHERE namespace = $1 AND name = $2",
		)
		.bind(namespace)
		.bind(name)
		.fetch_optional(self.reads())
		.await?;
		row.map(|r| subscription_from_row(&r)).transpose()
	}

	/// Every webhook subscription (they run without anyone attached).
	pub async fn webhook_subscriptions(&self) -> Result<Vec<Subscription>> {
		let rows = sqlx::query(
			"SELECT namespace, name, filter, read_ahead, with_data, transport, webhook_url, webhook_reply, webhook_secret, offset_seq FROM subscriptions WHERE transport = 'webhook'",
		)
		.fetch_all(self.reads())
		.await?;
		rows.iter().map(subscription_from_row).collect()
	}

	/// Deletes a subscription; returns whether it existed.
	pub async fn delete_subscription(&self, namespace: &str, name: &str) -> Result<bool> {
		Ok(sqlx::query("DELETE FROM subscriptions WHERE namespace = $1 AND name = $2")
			.bind(namespace)
			.bind(name)
			.execute(self.pool())
			.await?
			.rows_affected()
			> 0)
	}

	/// Records that every event up to `offset` is done for a subscription.
	pub async fn set_offset(&self, namespace: &str, name: &str, offset: i64) -> Result<()> {
		let store = self.clone();
		self.offsets
			.write((namespace.to_string(), name.to_string(), offset), |round| async move {
				store.write_offsets(round).await
			})
			.await
	}

	/// Writes a round of offsets in one transaction (the highest of each subscription), and
	/// answers each; if the round fails together, each is written alone.
	async fn write_offsets(&self, round: Vec<((String, String, i64), super::rounds::Answer)>) {
		let mut highest: std::collections::BTreeMap<(&str, &str), i64> = Default::default();
		for ((namespace, name, offset), _) in &round {
			let entry = highest.entry((namespace, name)).or_insert(*offset);
			*entry = (*entry).max(*offset);
		}
		let together: Result<()> = async {
			let mut tx = self.pool().begin().await?;
			for ((namespace, name), offset) in &highest {
				offset_update(namespace, name, *offset).execute(&mut *tx).await?;
			}
			tx.commit().await?;
			Ok(())
		}
		.await;
		let failed = together.is_err();
		for ((namespace, name, offset), answer) in round {
			let result = if failed {
				offset_update(&namespace, &name, offset).execute(self.pool()).await.map(|_| ())
			} else {
				Ok(())
			};
			let _ = answer.send(result.map_err(Into::into));
		}
	}
}

/// Moves a subscription's offset forward to `offset` (never back).
fn offset_update<'q>(
	namespace: &'q str,
	name: &'q str,
	offset: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
	sqlx::query("UPDATE subscriptions SET offset_seq = $1 WHERE namespace = $2 AND name = $3 AND offset_seq < $1")
		.bind(offset)
		.bind(namespace)
		.bind(name)
}

fn subscription_from_row(r: &sqlx::any::AnyRow) -> Result<Subscription> {
	let transport: String = r.try_get("transport")?;
	let transport = if transport == "webhook" {
		Transport::Webhook {
			url: r.try_get::<Option<String>, _>("webhook_url")?.unwrap_or_default(),
			reply: r.try_get::<i64, _>("webhook_reply")? != 0,
			secret: r.try_get("webhook_secret")?,
		}
	} else {
		Transport::Websocket
	};
	Ok(Subscription {
		namespace: r.try_get("namespace")?,
		name: r.try_get("name")?,
		filter: json_col(r, "filter")?,
		read_ahead: r.try_get::<i64, _>("read_ahead")? as u32,
		with_data: r.try_get::<i64, _>("with_data")? != 0,
		transport,
		offset: r.try_get("offset_seq")?,
	})
}
