//! Data items: JSON values and blobs that messages carry, and the definitions (datatypes)
//! broadcast to every party.

use super::{json_col, Result, Store, StoreError};
use crate::types::{now_ms, Attachment, NodeId};
use sqlx::Row;

/// A definition broadcast to every party: the first one confirmed wins its (kind, name,
/// version).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Definition {
	/// `datatype` or `topic`.
	pub kind: String,
	/// Its name.
	pub name: String,
	/// Its version.
	pub version: String,
	/// Its value (for a datatype: the JSON Schema).
	pub value: serde_json::Value,
	/// The DID of the node that defined it.
	pub author: String,
	/// The broadcast message that carried it.
	pub message: String,
}

impl Store {
	/// Stores a data item of this node's (before it is sent).
	pub async fn insert_data(&self, namespace: &str, item: &Attachment) -> Result<()> {
		self.insert_data_for(namespace, item, None).await
	}

	async fn insert_data_for(
		&self,
		namespace: &str,
		item: &Attachment,
		message: Option<&str>,
	) -> Result<()> {
		sqlx::query(
			"INSERT INTO data (id, namespace, name, value, blob_hash, size, hash, datatype, message_id, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
		)
		.bind(&item.id)
		.bind(namespace)
		.bind(&item.name)
		.bind(item.value.as_ref().map(|v| v.to_string()))
		.bind(&item.blob)
		.bind(item.size as i64)
		.bind(&item.hash)
		.bind(&item.datatype)
		.bind(message)
		.bind(now_ms())
		.execute(self.pool())
		.await?;
		Ok(())
	}

	/// Stores the data items a released message carried (at a receiver).
	pub async fn insert_received_data(
		&self,
		namespace: &str,
		message: &str,
		items: &[Attachment],
	) -> Result<()> {
		for item in items {
			self.insert_data_for(namespace, item, Some(message)).await?;
		}
		Ok(())
	}

	/// A data item by id.
	pub async fn data(&self, namespace: &str, id: &str) -> Result<Option<Attachment>> {
		let row = sqlx::query(
			"SELECT id, name, value, blob_hash, size, hash, datatype FROM data WHERE namespace = $1 AND id = $2",
		)
		.bind(namespace)
		.bind(id)
		.fetch_optional(self.reads())
		.await?;
		let Some(row) = row else { return Ok(None) };
		let value: Option<String> = row.try_get("value")?;
		Ok(Some(Attachment {
			id: row.try_get("id")?,
			name: row.try_get("name")?,
			hash: row.try_get("hash")?,
			size: row.try_get::<i64, _>("size")? as u64,
			datatype: row.try_get("datatype")?,
			value: value
				.map(|v| serde_json::from_str(&v).map_err(|_| StoreError::Corrupt("value")))
				.transpose()?,
			blob: row.try_get("blob_hash")?,
		}))
	}

	/// Which nodes may fetch blob `hash`: `None` if some broadcast carries it (any node in
	/// force), else the members of the groups of the private messages that carry it (none if no
	/// message does). Read through `message_blobs`, one indexed lookup whatever the store holds.
	pub async fn blob_readers(&self, hash: &str) -> Result<Option<Vec<NodeId>>> {
		let rows = sqlx::query(
			"SELECT m.kind, g.members FROM message_blobs b JOIN messages m ON m.id = b.message_id LEFT JOIN groups g ON g.id = m.group_id WHERE b.blob_hash = $1",
		)
		.bind(hash)
		.fetch_all(self.reads())
		.await?;
		let mut readers = Vec::new();
		for row in &rows {
			let kind: String = row.try_get("kind")?;
			if kind == "broadcast" {
				return Ok(None);
			}
			if row.try_get::<Option<String>, _>("members")?.is_some() {
				readers.extend(json_col::<Vec<NodeId>>(row, "members")?);
			}
		}
		readers.sort();
		readers.dedup();
		Ok(Some(readers))
	}

	/// Records a definition if its (kind, name, version) is free in the namespace. Returns
	/// whether it won.
	pub async fn define(&self, namespace: &str, definition: &Definition) -> Result<bool> {
		let taken = sqlx::query(
			"SELECT name FROM definitions WHERE namespace = $1 AND kind = $2 AND name = $3 AND version = $4",
		)
		.bind(namespace)
		.bind(&definition.kind)
		.bind(&definition.name)
		.bind(&definition.version)
		.fetch_optional(self.reads())
		.await?
		.is_some();
		if taken {
			return Ok(false);
		}
		sqlx::query(
			"INSERT INTO definitions (namespace, kind, name, version, value, author, message_id, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (namespace, kind, name, version) DO NOTHING",
		)
		.bind(namespace)
		.bind(&definition.kind)
		.bind(&definition.name)
		.bind(&definition.version)
		.bind(definition.value.to_string())
		.bind(&definition.author)
		.bind(&definition.message)
		.bind(now_ms())
		.execute(self.pool())
		.await?;
		Ok(true)
	}

	/// A definition by (kind, name, version).
	pub async fn definition(
		&self,
		namespace: &str,
		kind: &str,
		name: &str,
		version: &str,
	) -> Result<Option<Definition>> {
		let row = sqlx::query(
			"SELECT kind, name, version, value, author, message_id FROM definitions WHERE namespace = $1 AND kind = $2 AND name = $3 AND version = $4",
		)
		.bind(namespace)
		.bind(kind)
		.bind(name)
		.bind(version)
		.fetch_optional(self.reads())
		.await?;
		row.map(|r| {
			Ok(Definition {
				kind: r.try_get("kind")?,
				name: r.try_get("name")?,
				version: r.try_get("version")?,
				value: json_col(&r, "value")?,
				author: r.try_get("author")?,
				message: r.try_get("message_id")?,
			})
		})
		.transpose()
	}
}

/// Records, in the transaction that stores `messages`, which blobs each carries (the
/// `message_blobs` index that [`Store::blob_readers`] reads).
pub(super) async fn link_blobs<'a>(
	conn: &mut sqlx::AnyConnection,
	messages: impl IntoIterator<Item = (&'a str, &'a [Attachment])>,
) -> Result<()> {
	let links: Vec<(&str, &str)> = messages
		.into_iter()
		.flat_map(|(id, attachments)| {
			attachments.iter().filter_map(move |a| a.blob.as_deref().map(|blob| (blob, id)))
		})
		.collect();
	for chunk in links.chunks(super::ROWS_PER_STATEMENT) {
		let sql = format!(
			"INSERT INTO message_blobs (blob_hash, message_id) VALUES {} ON CONFLICT (blob_hash, message_id) DO NOTHING",
			super::rows_of(chunk.len(), 2)
		);
		let mut query = sqlx::query(&sql);
		for (blob, id) in chunk {
			query = query.bind(*blob).bind(*id);
		}
		query.execute(&mut *conn).await?;
	}
	Ok(())
}
