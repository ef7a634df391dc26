//! Runs the list APIs' queries: the filter syntax and the SQL it becomes are in
//! `parley_wire::query` (fuzzed there); here the statement meets the database and its rows
//! become JSON.

pub use parley_wire::query::*;

use super::{Result, Store, StoreError};
use serde_json::{Map, Value};
use sqlx::Row;

/// A page of results.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Page {
	/// The rows.
	pub items: Vec<Value>,
	/// Every match, if asked for.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub total: Option<i64>,
}

impl Store {
	/// Lists rows of `collection` that match `scope` (column = value, e.g. the namespace) and
	/// `query`. Bad fields or values are `StoreError::BadQuery`.
	pub async fn list(
		&self,
		collection: &Collection,
		scope: &[(&str, &str)],
		query: &ListQuery,
	) -> Result<Page> {
		let statement = collection.statement(scope, query).map_err(StoreError::BadQuery)?;
		let bound = |sql| {
			let mut q = sqlx::query(sql);
			for bind in &statement.binds {
				q = match bind {
					Bind::Text(t) => q.bind(t.clone()),
					Bind::Int(i) => q.bind(*i),
				};
			}
			q
		};
		let rows = bound(&statement.select).fetch_all(self.reads()).await?;
		let mut items = Vec::with_capacity(rows.len());
		for row in &rows {
			let mut object = Map::new();
			for field in collection.fields {
				let value = match field.kind {
					Kind::Text => row
						.try_get::<Option<String>, _>(field.column)?
						.map(Value::String)
						.unwrap_or(Value::Null),
					Kind::Int => row
						.try_get::<Option<i64>, _>(field.column)?
						.map(Value::from)
						.unwrap_or(Value::Null),
					Kind::Bool => {
						Value::Bool(row.try_get::<Option<i64>, _>(field.column)?.unwrap_or(0) != 0)
					}
					Kind::Json => match row.try_get::<Option<String>, _>(field.column)? {
						Some(text) => serde_json::from_str(&text)
							.map_err(|_| StoreError::Corrupt(field.column))?,
						None => Value::Null,
					},
				};
				object.insert(field.name.to_string(), value);
			}
			items.push(Value::Object(object));
		}
		let total = if query.count {
			Some(bound(&statement.count).fetch_one(self.reads()).await?.try_get::<i64, _>("n")?)
		} else {
			None
		};
		Ok(Page { items, total })
	}
}
