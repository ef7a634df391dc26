//! The collections the list APIs serve, and which of their fields can be filtered and sorted.

use super::query::{field, Collection, Kind::*};

/// Messages: sent from here or released here.
pub const MESSAGES: Collection = Collection {
	table: "messages",
	fields: &[
		field("id", "id", Text, true),
		field("namespace", "namespace", Text, false),
		field("kind", "kind", Text, true),
		field("author", "author", Text, true),
		field("group", "group_id", Text, true),
		field("topics", "topics", Json, true),
		field("tag", "tag", Text, true),
		field("data", "data", Json, false),
		field("data_hash", "data_hash", Text, true),
		field("attachments", "attachments", Json, false),
		field("cid", "cid", Text, true),
		field("state", "state", Text, true),
		field("batch", "batch_id", Text, true),
		field("error", "error", Text, false),
		field("created", "created", Int, true),
		field("confirmed", "confirmed", Int, true),
		field("confirm_sequence", "confirm_seq", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[],
};

/// Data items: JSON values and blobs.
pub const DATA: Collection = Collection {
	table: "data",
	fields: &[
		field("id", "id", Text, true),
		field("name", "name", Text, true),
		field("hash", "hash", Text, true),
		field("size", "size", Int, true),
		field("datatype", "datatype", Text, true),
		field("blob", "blob_hash", Text, true),
		field("value", "value", Json, false),
		field("message", "message_id", Text, true),
		field("created", "created", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[],
};

/// Batches this node authored.
pub const BATCHES: Collection = Collection {
	table: "batches",
	fields: &[
		field("id", "id", Text, true),
		field("kind", "kind", Text, true),
		field("group", "group_id", Text, true),
		field("hash", "hash", Text, true),
		field("contexts", "contexts", Json, true),
		field("recipients", "recipients", Json, false),
		field("pinned_block", "pinned_block", Int, true),
		field("created", "created", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[],
};

/// Pins seen on-chain.
pub const PINS: Collection = Collection {
	table: "pins",
	fields: &[
		field("batch", "batch_id", Text, true),
		field("block", "block", Int, true),
		field("event_index", "event_index", Int, true),
		field("sequence", "sequence", Int, true),
		field("author", "author", Int, true),
		field("hash", "batch_hash", Text, true),
		field("contexts", "contexts", Json, true),
		field("state", "state", Text, true),
		field("detail", "detail", Text, false),
	],
	default_sort: ("block", false),
	fixed: &[],
};

/// Events for apps.
pub const EVENTS: Collection = Collection {
	table: "events",
	fields: &[
		field("sequence", "seq", Int, true),
		field("type", "type", Text, true),
		field("reference", "reference", Text, true),
		field("detail", "detail", Json, false),
		field("topics", "topic", Json, true),
		field("tag", "tag", Text, true),
		field("author", "author", Text, true),
		field("group", "group_id", Text, true),
		field("created", "created", Int, true),
	],
	default_sort: ("seq", false),
	fixed: &[],
};

/// Groups (never their secret).
pub const GROUPS: Collection = Collection {
	table: "groups",
	fields: &[
		field("id", "id", Text, true),
		field("name", "name", Text, true),
		field("members", "members", Json, false),
		field("created", "created", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[],
};

/// Operations: the outbox's deliveries, pins and announcements.
pub const OPERATIONS: Collection = Collection {
	table: "outbox",
	fields: &[
		field("id", "id", Text, true),
		field("kind", "kind", Text, true),
		field("batch", "batch_id", Text, true),
		field("group", "group_id", Text, true),
		field("target", "target", Int, true),
		field("state", "state", Text, true),
		field("attempts", "attempts", Int, true),
		field("error", "last_error", Text, false),
		field("created", "created", Int, true),
		field("updated", "updated", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[],
};

/// Durable event subscriptions.
pub const SUBSCRIPTIONS: Collection = Collection {
	table: "subscriptions",
	fields: &[
		field("name", "name", Text, true),
		field("filter", "filter", Json, false),
		field("read_ahead", "read_ahead", Int, false),
		field("with_data", "with_data", Bool, false),
		field("transport", "transport", Text, true),
		field("webhook_url", "webhook_url", Text, false),
		field("offset", "offset_seq", Int, true),
		field("created", "created", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[],
};

/// Datatypes (definitions of kind `datatype`).
pub const DATATYPES: Collection = Collection {
	table: "definitions",
	fields: &[
		field("name", "name", Text, true),
		field("version", "version", Text, true),
		field("schema", "value", Json, false),
		field("author", "author", Text, true),
		field("message", "message_id", Text, true),
		field("created", "created", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[("kind", "datatype")],
};

/// Every definition broadcast to the parties (datatypes, named topics).
pub const DEFINITIONS: Collection = Collection {
	table: "definitions",
	fields: &[
		field("kind", "kind", Text, true),
		field("name", "name", Text, true),
		field("version", "version", Text, true),
		field("value", "value", Json, false),
		field("author", "author", Text, true),
		field("message", "message_id", Text, true),
		field("created", "created", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[],
};
