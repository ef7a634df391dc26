//! The one filter syntax of every list API, over JSON-RPC and REST alike, and the SQL statement
//! it becomes, which runs unchanged on SQLite and PostgreSQL (`parley-offchain`'s store runs it).
//!
//! A query is a set of `field=value` pairs plus `sort`, `skip`, `limit` and `count`. A value may
//! start with an operator:
//!
//! | value | meaning |
//! |---|---|
//! | `x` | equals `x` |
//! | `!x` | does not equal `x` |
//! | `@x` | contains `x` (for lists such as `topics`: has an element equal to `x`) |
//! | `>x`, `<x`, `>=x`, `<=x` | compares (numbers compare as numbers) |
//! | `in:a,b,c` | equals one of `a`, `b`, `c` |
//!
//! `sort=created` sorts ascending, `sort=-created` descending; `skip` and `limit` page (limit 1 to
//! 1000, default 100); `count=true` also returns the total number of matches. A query carries at
//! most [`MAX_FILTERS`] filters and an `in:` at most [`MAX_IN_VALUES`] values: more is a bad
//! query (a 400), so that no caller can make the node build an unbounded statement.

use serde_json::{Map, Value};

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
	/// `x`
	Eq,
	/// `!x`
	Neq,
	/// `@x`
	Contains,
	/// `>x`
	Gt,
	/// `<x`
	Lt,
	/// `>=x`
	Gte,
	/// `<=x`
	Lte,
	/// `in:a,b`
	In,
}

/// One condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
	/// The API field name.
	pub field: String,
	/// The comparison.
	pub op: Op,
	/// The operand (for `In`, comma-separated).
	pub value: String,
}

/// A parsed list query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
	/// Conditions, all of which must hold.
	pub filters: Vec<Filter>,
	/// Sort field and whether descending.
	pub sort: Option<(String, bool)>,
	/// Rows to skip.
	pub skip: i64,
	/// Most rows to return.
	pub limit: i64,
	/// Whether to count every match.
	pub count: bool,
}

impl Default for ListQuery {
	fn default() -> Self {
		Self { filters: Vec::new(), sort: None, skip: 0, limit: 100, count: false }
	}
}

/// The most filters one list query may carry.
pub const MAX_FILTERS: usize = 32;

/// The most values one `in:` filter may list.
pub const MAX_IN_VALUES: usize = 100;

fn parse_value(raw: &str) -> (Op, String) {
	for (prefix, op) in [
		(">=", Op::Gte),
		("<=", Op::Lte),
		("in:", Op::In),
		("!", Op::Neq),
		("@", Op::Contains),
		(">", Op::Gt),
		("<", Op::Lt),
	] {
		if let Some(rest) = raw.strip_prefix(prefix) {
			return (op, rest.to_string());
		}
	}
	(Op::Eq, raw.to_string())
}

impl ListQuery {
	/// Parses `field=value` pairs (query-string pairs, or a JSON object's entries).
	pub fn parse<I: IntoIterator<Item = (String, String)>>(
		pairs: I,
	) -> std::result::Result<Self, String> {
		let mut query = ListQuery::default();
		for (key, raw) in pairs {
			match key.as_str() {
				"sort" => {
					let (field, desc) = match raw.strip_prefix('-') {
						Some(f) => (f.to_string(), true),
						None => (raw.trim_start_matches('+').to_string(), false),
					};
					query.sort = Some((field, desc));
				}
				"skip" => {
					query.skip =
						raw.parse().map_err(|_| format!("skip: '{raw}' is not a number"))?
				}
				"limit" => {
					let limit: i64 =
						raw.parse().map_err(|_| format!("limit: '{raw}' is not a number"))?;
					if !(1..=1000).contains(&limit) {
						return Err(format!("limit: {limit} is not between 1 and 1000"));
					}
					query.limit = limit;
				}
				"count" => query.count = matches!(raw.as_str(), "true" | "1" | ""),
				_ => {
					let (op, value) = parse_value(&raw);
					if op == Op::In && value.split(',').count() > MAX_IN_VALUES {
						return Err(format!("{key}: in: lists at most {MAX_IN_VALUES} values"));
					}
					if query.filters.len() == MAX_FILTERS {
						return Err(format!("at most {MAX_FILTERS} filters in one query"));
					}
					query.filters.push(Filter { field: key, op, value });
				}
			}
		}
		if query.skip < 0 {
			return Err("skip: must not be negative".into());
		}
		Ok(query)
	}

	/// Parses a JSON object of filters (as `parley_list*` methods take them).
	pub fn from_json(object: &Map<String, Value>) -> std::result::Result<Self, String> {
		let pairs = object.iter().map(|(k, v)| {
			let value = match v {
				Value::String(s) => s.clone(),
				Value::Null => String::new(),
				other => other.to_string(),
			};
			(k.clone(), value)
		});
		Self::parse(pairs)
	}
}

/// How a column is stored and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
	/// TEXT, shown as a string.
	Text,
	/// BIGINT, shown as a number.
	Int,
	/// TEXT holding JSON, shown as that JSON; `@x` and `x` match an element of a JSON list of
	/// strings.
	Json,
	/// BIGINT 0/1, shown as a boolean.
	Bool,
}

/// A field of a collection: its API name, its column, how it is stored, and whether it can be
/// filtered and sorted on.
#[derive(Clone, Copy, Debug)]
pub struct Field {
	/// The API name.
	pub name: &'static str,
	/// The SQL column.
	pub column: &'static str,
	/// Storage kind.
	pub kind: Kind,
	/// Whether queries may filter and sort on it.
	pub queryable: bool,
}

/// Shorthand for a [`Field`].
pub const fn field(name: &'static str, column: &'static str, kind: Kind, queryable: bool) -> Field {
	Field { name, column, kind, queryable }
}

/// A table served by the list APIs.
pub struct Collection {
	/// Its table.
	pub table: &'static str,
	/// Its fields, in output order.
	pub fields: &'static [Field],
	/// The default sort: column and whether descending.
	pub default_sort: (&'static str, bool),
	/// Conditions every query of this collection adds (column, value).
	pub fixed: &'static [(&'static str, &'static str)],
}

impl Collection {
	fn field(&self, name: &str) -> std::result::Result<&Field, String> {
		self.fields.iter().find(|f| f.name == name && f.queryable).ok_or_else(|| {
			let known: Vec<_> =
				self.fields.iter().filter(|f| f.queryable).map(|f| f.name).collect();
			format!("unknown field '{name}'; one of: {}", known.join(", "))
		})
	}
}

/// SQL text plus its bound values, built up together.
struct Sql {
	text: String,
	binds: Vec<Bind>,
}

/// A value bound to a statement's `$n` placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bind {
	/// A TEXT value.
	Text(String),
	/// A BIGINT value.
	Int(i64),
}

impl Sql {
	fn bind(&mut self, value: Bind) -> String {
		self.binds.push(value);
		format!("${}", self.binds.len())
	}
}

fn typed(field: &Field, value: &str) -> std::result::Result<Bind, String> {
	match field.kind {
		Kind::Int => value
			.parse::<i64>()
			.map(Bind::Int)
			.map_err(|_| format!("{}: '{value}' is not a number", field.name)),
		Kind::Bool => match value {
			"true" | "1" => Ok(Bind::Int(1)),
			"false" | "0" => Ok(Bind::Int(0)),
			_ => Err(format!("{}: '{value}' is not true or false", field.name)),
		},
		Kind::Text | Kind::Json => Ok(Bind::Text(value.to_string())),
	}
}

fn escape_like(value: &str) -> String {
	value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A list query as SQL: the page's `SELECT`, the `COUNT(*)` of every match (its one column is
/// `n`), and the values bound to both statements' placeholders `$1`, `$2`, … in order. Every
/// value a caller sent is a bound value; the SQL text holds only the collection's own table and
/// column names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
	/// The page of matches, in the query's order.
	pub select: String,
	/// How many rows match in all.
	pub count: String,
	/// The bound values.
	pub binds: Vec<Bind>,
}

impl Collection {
	/// The statement that lists rows of this collection matching `scope` (column = value, e.g.
	/// the namespace) and `query`. An unknown field or a value of the wrong kind is an error
	/// naming it.
	pub fn statement(
		&self,
		scope: &[(&str, &str)],
		query: &ListQuery,
	) -> std::result::Result<Statement, String> {
		let mut sql = Sql { text: String::from(" WHERE 1 = 1"), binds: Vec::new() };
		for (column, value) in scope.iter().chain(self.fixed.iter()) {
			let p = sql.bind(Bind::Text(value.to_string()));
			sql.text.push_str(&format!(" AND {column} = {p}"));
		}
		for filter in &query.filters {
			let field = self.field(&filter.field)?;
			let column = field.column;
			let condition = match (filter.op, field.kind) {
				(Op::Eq | Op::Contains, Kind::Json) => {
					let element = serde_json::to_string(&filter.value).expect("strings serialize");
					let p = sql.bind(Bind::Text(format!("%{}%", escape_like(&element))));
					format!("{column} LIKE {p} ESCAPE '\\'")
				}
				(Op::Contains, _) => {
					let p = sql.bind(Bind::Text(format!("%{}%", escape_like(&filter.value))));
					format!("{column} LIKE {p} ESCAPE '\\'")
				}
				(Op::In, _) => {
					let mut placeholders = Vec::new();
					for item in filter.value.split(',') {
						placeholders.push(sql.bind(typed(field, item)?));
					}
					format!("{column} IN ({})", placeholders.join(", "))
				}
				(op, _) => {
					let p = sql.bind(typed(field, &filter.value)?);
					let sign = match op {
						Op::Eq => "=",
						Op::Neq => "<>",
						Op::Gt => ">",
						Op::Lt => "<",
						Op::Gte => ">=",
						Op::Lte => "<=",
						Op::Contains | Op::In => unreachable!("handled above"),
					};
					format!("{column} {sign} {p}")
				}
			};
			sql.text.push_str(" AND ");
			sql.text.push_str(&condition);
		}
		let (sort_column, desc) = match &query.sort {
			Some((name, desc)) => (self.field(name)?.column, *desc),
			None => self.default_sort,
		};
		let columns: Vec<&str> = self.fields.iter().map(|f| f.column).collect();
		let select = format!(
			"SELECT {} FROM {}{} ORDER BY {sort_column} {}, {} LIMIT {} OFFSET {}",
			columns.join(", "),
			self.table,
			sql.text,
			if desc { "DESC" } else { "ASC" },
			self.fields[0].column,
			query.limit,
			query.skip
		);
		let count = format!("SELECT COUNT(*) AS n FROM {}{}", self.table, sql.text);
		Ok(Statement { select, count, binds: sql.binds })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn operators_parse() {
		let q = ListQuery::parse(
			[
				("topic", "@claims"),
				("created", ">=5"),
				("state", "!pending"),
				("author", "in:a,b"),
				("sort", "-created"),
				("limit", "10"),
				("count", "true"),
			]
			.map(|(k, v)| (k.to_string(), v.to_string())),
		)
		.unwrap();
		assert_eq!(
			q.filters[0],
			Filter { field: "topic".into(), op: Op::Contains, value: "claims".into() }
		);
		assert_eq!(q.filters[1].op, Op::Gte);
		assert_eq!(q.filters[2].op, Op::Neq);
		assert_eq!(
			q.filters[3],
			Filter { field: "author".into(), op: Op::In, value: "a,b".into() }
		);
		assert_eq!((q.sort, q.limit, q.count), (Some(("created".into(), true)), 10, true));
		assert!(ListQuery::parse([("limit".to_string(), "0".to_string())]).is_err());
		assert!(ListQuery::parse([("skip".to_string(), "x".to_string())]).is_err());
	}

	#[test]
	fn a_query_cannot_grow_without_bound() {
		let values = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
		let one = |k: &str, v: String| ListQuery::parse([(k.to_string(), v)]);
		assert!(one("author", format!("in:{}", values(MAX_IN_VALUES))).is_ok());
		let err = one("author", format!("in:{}", values(MAX_IN_VALUES + 1))).unwrap_err();
		assert!(err.contains("at most 100 values"), "{err}");
		let filters = |n: usize| (0..n).map(|i| (format!("f{i}"), "x".to_string()));
		assert!(ListQuery::parse(filters(MAX_FILTERS)).is_ok());
		let err = ListQuery::parse(filters(MAX_FILTERS + 1)).unwrap_err();
		assert!(err.contains("at most 32 filters"), "{err}");
	}
}
