//! A list query as a stranger can send it to REST (`?field=value&…`) or JSON-RPC: any text,
//! split into pairs, parsed, and turned into the SQL the store runs. A query is refused with a
//! message or becomes a statement whose text holds only the collection's own names: every value
//! the caller sent is a bound parameter, numbered `$1`…`$n` in order, and bounded in number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley_wire::query::{field, Collection, Kind, ListQuery, MAX_FILTERS, MAX_IN_VALUES};

/// A collection with a field of every kind (as the store's messages collection has).
const MESSAGES: Collection = Collection {
	table: "messages",
	fields: &[
		field("id", "id", Kind::Text, true),
		field("created", "created", Kind::Int, true),
		field("topics", "topics", Kind::Json, true),
		field("pinned", "pinned", Kind::Bool, true),
		field("data", "data", Kind::Json, false),
	],
	default_sort: ("created", false),
	fixed: &[("kind", "private")],
};

/// The words a statement may hold besides placeholders and numbers.
const WORDS: &[&str] = &[
	"SELECT", "FROM", "WHERE", "AND", "ORDER", "BY", "ASC", "DESC", "LIMIT", "OFFSET", "LIKE",
	"ESCAPE", "IN", "COUNT", "AS", "n", "messages", "id", "created", "topics", "pinned", "data",
	"kind",
];

fuzz_target!(|text: &str| {
	let pairs = text.split('&').map(|pair| match pair.split_once('=') {
		Some((k, v)) => (k.to_string(), v.to_string()),
		None => (pair.to_string(), String::new()),
	});
	let Ok(query) = ListQuery::parse(pairs) else { return };
	assert!(query.filters.len() <= MAX_FILTERS);
	assert!((1..=1000).contains(&query.limit) && query.skip >= 0);
	let Ok(statement) = MESSAGES.statement(&[("namespace", "default")], &query) else { return };
	assert!(statement.binds.len() <= 2 + MAX_FILTERS * MAX_IN_VALUES);
	for sql in [&statement.select, &statement.count] {
		let mut expected = 1;
		for token in sql.split(|c: char| c.is_whitespace() || "(),*=<>!".contains(c)) {
			if token.is_empty() || token.parse::<i64>().is_ok() || token == "'\\'" {
				continue;
			}
			if let Some(n) = token.strip_prefix('$') {
				assert_eq!(n.parse::<usize>().ok(), Some(expected), "placeholders in order: {sql}");
				expected += 1;
				continue;
			}
			assert!(
				WORDS.contains(&token) || token == "namespace" || token == "1",
				"{token:?} in {sql}"
			);
		}
		assert_eq!(expected - 1, statement.binds.len(), "one bound value per placeholder");
	}
});
