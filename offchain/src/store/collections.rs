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
		field("hash", "hash", Text, true),
		field("transfer", "transfer", Json, false),
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

/// Token pools, as created on-chain.
pub const TOKEN_POOLS: Collection = Collection {
	table: "token_pools",
	fields: &[
		field("pool", "pool", Int, true),
		field("name", "name", Text, true),
		field("symbol", "symbol", Text, true),
		field("decimals", "decimals", Int, true),
		field("type", "kind", Text, true),
		field("org", "org", Int, true),
		field("creator", "creator", Text, true),
		field("metadata_uri", "metadata_uri", Text, true),
		field("metadata_hash", "metadata_hash", Text, true),
		field("block", "block", Int, true),
	],
	default_sort: ("pool", false),
	fixed: &[],
};

/// Mints, burns and transfers, in chain order.
pub const TOKEN_TRANSFERS: Collection = Collection {
	table: "token_transfers",
	fields: &[
		field("block", "block", Int, true),
		field("event_index", "event_index", Int, true),
		field("pool", "pool", Int, true),
		field("type", "type", Text, true),
		field("from", "from_account", Text, true),
		field("to", "to_account", Text, true),
		field("amount", "amount", Text, true),
		field("index", "item", Int, true),
		field("message_hash", "message_hash", Text, true),
		field("message", "message_id", Text, true),
		field("operator", "operator", Text, true),
		field("metadata_hash", "metadata_hash", Text, true),
	],
	default_sort: ("block", false),
	fixed: &[],
};

/// Approvals of delegates, and their withdrawals (`action`: `approve`, `set`, `revoke`).
pub const TOKEN_APPROVALS: Collection = Collection {
	table: "token_approvals",
	fields: &[
		field("block", "block", Int, true),
		field("event_index", "event_index", Int, true),
		field("pool", "pool", Int, true),
		field("owner", "owner", Text, true),
		field("delegate", "delegate", Text, true),
		field("amount", "amount", Text, true),
		field("index", "item", Int, true),
		field("action", "action", Text, true),
	],
	default_sort: ("block", false),
	fixed: &[],
};

/// Uniqueness claims as they stand.
pub const CLAIMS: Collection = Collection {
	table: "claims",
	fields: &[
		field("key_hash", "key_hash", Text, true),
		field("owner", "owner", Text, true),
		field("claimed_by", "claimed_by", Text, true),
		field("state", "state", Text, true),
		field("block", "block", Int, true),
		field("updated_block", "updated_block", Int, true),
	],
	default_sort: ("block", false),
	fixed: &[],
};

/// Every claim, transfer and release of a claim, in chain order.
pub const CLAIM_HISTORY: Collection = Collection {
	table: "claim_history",
	fields: &[
		field("block", "block", Int, true),
		field("event_index", "event_index", Int, true),
		field("key_hash", "key_hash", Text, true),
		field("action", "action", Text, true),
		field("from", "from_account", Text, true),
		field("to", "to_account", Text, true),
	],
	default_sort: ("block", false),
	fixed: &[],
};

/// Delivery-versus-payment escrows.
pub const ESCROWS: Collection = Collection {
	table: "escrows",
	fields: &[
		field("id", "id", Int, true),
		field("pool", "pool", Int, true),
		field("payer", "payer", Text, true),
		field("payee", "payee", Text, true),
		field("amount", "amount", Text, true),
		field("batch_hash", "batch_hash", Text, true),
		field("node", "node", Int, true),
		field("expires_at", "expires_at", Int, true),
		field("state", "state", Text, true),
		field("locked_block", "locked_block", Int, true),
		field("settled_block", "settled_block", Int, true),
		field("key_hash", "key_hash", Text, true),
		field("key", "sale_key", Text, false),
	],
	default_sort: ("id", false),
	fixed: &[],
};

/// Batches for sale received here (hash-locked delivery versus payment): `offered` until their
/// sale key is revealed on-chain, then `opened`.
pub const OFFERS: Collection = Collection {
	table: "offers",
	fields: &[
		field("batch", "batch_id", Text, true),
		field("batch_hash", "batch_hash", Text, true),
		field("key_hash", "key_hash", Text, true),
		field("seller", "seller", Int, true),
		field("pool", "pool", Int, true),
		field("amount", "amount", Text, true),
		field("payee", "payee", Text, true),
		field("state", "state", Text, true),
		field("offered", "offered", Int, true),
		field("opened", "opened", Int, true),
	],
	default_sort: ("offered", false),
	fixed: &[],
};

/// Token transactions this node signed for its apps.
pub const TOKEN_OPERATIONS: Collection = Collection {
	table: "token_ops",
	fields: &[
		field("id", "id", Text, true),
		field("kind", "kind", Text, true),
		field("input", "input", Json, false),
		field("tx_hash", "tx_hash", Text, true),
		field("state", "state", Text, true),
		field("error", "error", Text, false),
		field("block", "block", Int, true),
		field("result", "result", Json, false),
		field("message", "message_id", Text, true),
		field("idempotency_key", "idempotency_key", Text, true),
		field("created", "created", Int, true),
		field("updated", "updated", Int, true),
	],
	default_sort: ("created", false),
	fixed: &[],
};
