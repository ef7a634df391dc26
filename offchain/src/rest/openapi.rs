//! The OpenAPI 3 document of the REST API, served at `/api/v1/openapi.json`.

use serde_json::{json, Value};

fn ns_param() -> Value {
	json!({ "name": "ns", "in": "path", "required": true, "description": "Namespace (`default` always exists).",
		"schema": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$", "example": "default" } })
}

fn path_param(name: &str, description: &str) -> Value {
	json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn list_params() -> Vec<Value> {
	vec![
		json!({ "name": "sort", "in": "query", "description": "Field to sort by; `-field` for descending.", "schema": { "type": "string" } }),
		json!({ "name": "skip", "in": "query", "schema": { "type": "integer", "minimum": 0 } }),
		json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1000 } }),
		json!({ "name": "count", "in": "query", "description": "Also return the total: `{items, total}`.", "schema": { "type": "boolean" } }),
	]
}

fn error_response(description: &str) -> Value {
	json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok_json(description: &str, schema: Value) -> Value {
	json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn list_op(summary: &str, item: &str, extra: &[&str]) -> Value {
	let mut params = vec![ns_param()];
	params.extend(list_params());
	let filter_help = format!(
		"Filters use `field=value`, with `!`, `@` (contains), `>`, `<`, `>=`, `<=` prefixes or `in:a,b`. Filterable: {}.",
		extra.join(", ")
	);
	for field in extra {
		params.push(json!({ "name": field, "in": "query", "schema": { "type": "string" } }));
	}
	json!({
		"summary": summary,
		"description": filter_help,
		"parameters": params,
		"responses": {
			"200": ok_json("The matches (an array; `{items, total}` with `count=true`).", json!({ "oneOf": [
				{ "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
				{ "type": "object", "properties": { "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } }, "total": { "type": "integer" } } }
			] })),
			"400": error_response("A bad filter, sort or page.")
		}
	})
}

fn send_op(summary: &str, private: bool) -> Value {
	json!({
		"summary": summary,
		"parameters": [ns_param(),
			{ "name": "confirm", "in": "query", "description": "Wait until the message is confirmed or rejected at this node, the sender's (each recipient confirms on its own; wait there with `GET …/messages/{id}?confirm=true`).", "schema": { "type": "boolean" } },
			{ "name": "timeout", "in": "query", "description": "How long to wait, in ms (default 60000).", "schema": { "type": "integer", "minimum": 0, "maximum": 600000 } }],
		"requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": if private { "#/components/schemas/PrivateMessageInput" } else { "#/components/schemas/MessageInput" } } } } },
		"responses": {
			"200": ok_json("Confirmed (or rejected), with `confirm=true`.", json!({ "$ref": "#/components/schemas/Message" })),
			"202": ok_json("Accepted; it will be batched, sent and pinned.", json!({ "$ref": "#/components/schemas/Message" })),
			"400": error_response("Bad input."),
			"404": error_response("Unknown group, or the pool of a transfer or sale."),
			"408": error_response("Not confirmed in time (the body has the message id)."),
			"409": error_response("The idempotency key was used before (the body has the first message's id), or this node is not a registered node."),
			"507": error_response("The disk under the node's private store is full: nothing new is accepted until there is space (what was accepted before is kept).")
		}
	})
}

/// A write of a token call: `202` at once with the operation, `200` once on-chain with
/// `confirm=true`, `422` when the chain refused it.
fn token_write(summary: &str, schema: Option<&str>, extra_params: Vec<Value>) -> Value {
	let mut params = vec![ns_param()];
	params.extend(extra_params);
	params.push(json!({ "name": "confirm", "in": "query", "description": "Wait until the call succeeded or failed on-chain.", "schema": { "type": "boolean" } }));
	params.push(json!({ "name": "timeout", "in": "query", "description": "How long to wait, in ms (default 60000).", "schema": { "type": "integer", "minimum": 0, "maximum": 600000 } }));
	let mut op = json!({
		"summary": summary,
		"parameters": params,
		"responses": {
			"200": ok_json("Succeeded on-chain (with `confirm=true`).", json!({ "$ref": "#/components/schemas/TokenOperation" })),
			"202": ok_json("Submitted: follow it at `/tokens/operations/{id}`.", json!({ "$ref": "#/components/schemas/TokenOperation" })),
			"400": error_response("Bad input, or the holder does not hold the tokens."),
			"404": error_response("Unknown pool, item, claim or batch."),
			"408": error_response("Not settled in time (the body has the operation id)."),
			"409": error_response("The idempotency key was used before (the body's `id` is the first operation's), or this node is not a registered node."),
			"422": error_response("The chain refused the call (the error names the pallet error, e.g. `Tokens.AlreadyClaimed`).")
		}
	});
	if let Some(schema) = schema {
		op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
	}
	op
}

/// The token, claim and escrow routes.
fn token_paths() -> Value {
	let escrow_id = json!({ "name": "id", "in": "path", "required": true, "description": "Escrow id.", "schema": { "type": "integer", "minimum": 0 } });
	let key_hash = json!({ "name": "key_hash", "in": "path", "required": true, "description": "The claimed key's hash (32 bytes hex).", "schema": { "$ref": "#/components/schemas/Hash" } });
	json!({
		"/api/v1/namespaces/{ns}/tokens/pools": {
			"get": list_op("Token pools (from the chain).", "Pool", &["pool", "name", "symbol", "decimals", "type", "org", "creator", "block"]),
			"post": token_write("Create a token pool (fungible or nonfungible) owned by this node's org; its name is unique in the namespace.", Some("PoolInput"), vec![]) },
		"/api/v1/namespaces/{ns}/tokens/pools/{pool}": { "get": { "summary": "One pool, by id or name.", "parameters": [ns_param(), path_param("pool", "Pool id or name.")],
			"responses": { "200": ok_json("The pool.", json!({ "$ref": "#/components/schemas/Pool" })), "400": error_response("Bad namespace."), "404": error_response("No such pool.") } } },
		"/api/v1/namespaces/{ns}/tokens/mint": { "post": token_write("Mint: an amount (fungible) or an item with a unique index (nonfungible). Only the pool's org may mint.", Some("MintInput"), vec![]) },
		"/api/v1/namespaces/{ns}/tokens/burn": { "post": token_write("Burn this node's tokens.", Some("BurnInput"), vec![]) },
		"/api/v1/namespaces/{ns}/tokens/transfers": {
			"get": list_op("Transfers, mints and burns seen on-chain.", "TokenTransfer", &["block", "pool", "type", "from", "to", "amount", "index", "message_hash", "message"]),
			"post": token_write("Transfer this node's tokens (or, with `from`, tokens it was approved for), optionally carrying a message hash.", Some("TransferInput"), vec![]) },
		"/api/v1/namespaces/{ns}/tokens/approvals": {
			"get": list_op("Approvals seen on-chain, and their withdrawals (`action`: `approve`, `set`, `revoke`).", "TokenApproval", &["block", "pool", "owner", "delegate", "amount", "index", "action"]),
			"post": token_write("Approve a delegate to transfer an amount or an item of this node's, set its allowance, or withdraw its approval.", Some("ApprovalInput"), vec![]) },
		"/api/v1/namespaces/{ns}/tokens/balances": { "get": { "summary": "An account's balance in a pool (fungible: amount; nonfungible: its items), read from the chain.",
			"parameters": [ns_param(),
				{ "name": "pool", "in": "query", "required": true, "schema": { "type": "string" } },
				{ "name": "account", "in": "query", "required": true, "schema": { "type": "string" } }],
			"responses": { "200": ok_json("The balance.", json!({ "type": "object" })), "400": error_response("Bad account or query."), "404": error_response("No such pool.") } } },
		"/api/v1/namespaces/{ns}/tokens/operations": { "get": list_op("Token calls this node submitted, with their outcome.", "TokenOperation", &["id", "kind", "tx_hash", "state", "block", "message", "idempotency_key", "created"]) },
		"/api/v1/namespaces/{ns}/tokens/operations/{id}": { "get": { "summary": "One token operation.", "parameters": [ns_param(), path_param("id", "Operation id.")],
			"responses": { "200": ok_json("The operation.", json!({ "$ref": "#/components/schemas/TokenOperation" })), "400": error_response("Bad namespace."), "404": error_response("No such operation.") } } },
		"/api/v1/namespaces/{ns}/claims": {
			"get": list_op("Uniqueness claims: one owner per key hash; the first claim wins.", "Claim", &["key_hash", "owner", "claimed_by", "state", "block", "updated_block"]),
			"post": token_write("Claim a business record key (or its hash). A second claim of the same key fails with `Tokens.AlreadyClaimed`.", Some("ClaimInput"), vec![]) },
		"/api/v1/namespaces/{ns}/claims/{key_hash}": {
			"get": { "summary": "One claim.", "parameters": [ns_param(), key_hash.clone()],
				"responses": { "200": ok_json("The claim.", json!({ "$ref": "#/components/schemas/Claim" })), "400": error_response("Bad hash or namespace."), "404": error_response("Not claimed.") } },
			"delete": token_write("Release this node's claim.", None, vec![key_hash.clone()]) },
		"/api/v1/namespaces/{ns}/claims/{key_hash}/transfer": { "post": token_write("Hand this node's claim to another owner.", Some("ClaimTransferInput"), vec![key_hash.clone()]) },
		"/api/v1/namespaces/{ns}/claims/{key_hash}/history": { "get": {
			"summary": "A claim's history: claimed, transferred, released.",
			"parameters": [ns_param(), key_hash],
			"responses": { "200": ok_json("The history.", json!({ "type": "array", "items": { "$ref": "#/components/schemas/ClaimHistory" } })), "400": error_response("Bad hash, namespace or filter.") } } },
		"/api/v1/namespaces/{ns}/escrows": {
			"get": list_op("Delivery-versus-payment escrows.", "Escrow", &["id", "pool", "payer", "payee", "amount", "batch_hash", "node", "expires_at", "state", "locked_block", "key_hash"]),
			"post": token_write("Lock a payment to `payee` until this node acknowledges the batch on-chain (then it is released to the payee), refunded after `timeout` blocks otherwise.", Some("EscrowInput"), vec![]) },
		"/api/v1/namespaces/{ns}/escrows/{id}": { "get": { "summary": "One escrow.", "parameters": [ns_param(), escrow_id.clone()],
			"responses": { "200": ok_json("The escrow.", json!({ "$ref": "#/components/schemas/Escrow" })), "400": error_response("Bad id or namespace."), "404": error_response("No such escrow.") } } },
		"/api/v1/namespaces/{ns}/escrows/{id}/release": { "post": token_write("Push the release of an escrow whose batch was acknowledged (the chain does it by itself; this is a retry).", None, vec![escrow_id.clone()]) },
		"/api/v1/namespaces/{ns}/offers": { "get": list_op("Batches for sale received here: held (`offered`) until their sale key is revealed on-chain, then `opened`. Lock an escrow with the offer's `key_hash` to buy one.", "Offer", &["batch", "batch_hash", "key_hash", "seller", "pool", "amount", "payee", "state", "offered", "opened"]) },
		"/api/v1/namespaces/{ns}/escrows/{id}/refund": { "post": token_write("Push the refund of an expired escrow (the chain does it by itself; this is a retry).", None, vec![escrow_id]) }
	})
}

/// The document.
pub fn document() -> Value {
	let mut document = base_document();
	if let (Some(paths), Value::Object(tokens)) = (document["paths"].as_object_mut(), token_paths())
	{
		paths.extend(tokens);
	}
	document
}

fn base_document() -> Value {
	json!({
		"openapi": "3.0.3",
		"info": {
			"title": "Parley REST API",
			"version": "1",
			"description": "Send broadcast and private messages, upload data and blobs, define datatypes, query history and subscribe to events; create token pools, mint, burn, transfer and approve tokens, claim unique business keys, and lock delivery-versus-payment escrows. Every party runs its own node; messages are confirmed in the chain's order."
		},
		"servers": [{ "url": "/" }],
		"security": [{ "apiKey": [] }],
		"paths": {
			"/api/v1/status": { "get": { "summary": "This node's identity, channel and pending work.", "responses": { "200": ok_json("Status.", json!({ "type": "object" })) } } },
			"/api/v1/identities": { "get": { "summary": "Node identities on-chain.", "responses": { "200": ok_json("Identities.", json!({ "type": "array", "items": { "$ref": "#/components/schemas/Identity" } })) } } },
			"/api/v1/identities/{did}": { "get": { "summary": "One identity.", "parameters": [path_param("did", "A DID, e.g. did:parley:node/provider.")],
				"responses": { "200": ok_json("The identity.", json!({ "$ref": "#/components/schemas/Identity" })), "404": error_response("No such identity.") } } },
			"/api/v1/identities/{did}/did": { "get": { "summary": "An identity's DID document.", "parameters": [path_param("did", "A DID.")],
				"responses": { "200": ok_json("The DID document.", json!({ "type": "object" })), "404": error_response("No such identity.") } } },
			"/api/v1/governance": { "get": { "summary": "Who governs the network, as of the latest imported block: the member orgs (one vote each, cast by the admin account) with the validator node each chose, and the open motions with their decisions and votes. Members propose and vote with `governance.propose` and `governance.vote` on-chain.",
				"responses": { "200": ok_json("Members and open motions.", json!({ "$ref": "#/components/schemas/Governance" })), "500": error_response("The chain could not be read.") } } },
			"/api/v1/namespaces/{ns}/messages": { "get": list_op("Messages.", "Message", &["id", "kind", "author", "group", "topics", "tag", "state", "batch", "cid", "created", "confirmed", "confirm_sequence"]) },
			"/api/v1/namespaces/{ns}/messages/{id}": { "get": { "summary": "One message.", "description": "With `confirm=true`, waits until this node has confirmed or rejected the message, also if it has not arrived yet (a recipient confirms on its own, possibly after the sender).",
				"parameters": [ns_param(), path_param("id", "Message id."),
					{ "name": "confirm", "in": "query", "description": "Wait until the message is confirmed or rejected at this node.", "schema": { "type": "boolean" } },
					{ "name": "timeout", "in": "query", "description": "How long to wait, in ms (default 60000).", "schema": { "type": "integer", "minimum": 0, "maximum": 600000 } }],
				"responses": { "200": ok_json("The message.", json!({ "$ref": "#/components/schemas/Message" })), "400": error_response("Bad namespace."), "404": error_response("No such message."), "408": error_response("Not confirmed here in time.") } } },
			"/api/v1/namespaces/{ns}/messages/broadcast": { "post": send_op("Send a message to every node.", false) },
			"/api/v1/namespaces/{ns}/messages/private": { "post": send_op("Send a message to a group.", true) },
			"/api/v1/namespaces/{ns}/messages/requestreply": { "post": {
				"summary": "Send a message (to `group`, or broadcast) and wait for its reply (a message whose `cid` is its id).",
				"parameters": [ns_param(), { "name": "timeout", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": 600000 } }],
				"requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessageInput" } } } },
				"responses": { "200": ok_json("The reply.", json!({ "$ref": "#/components/schemas/Message" })), "400": error_response("Bad input."), "404": error_response("Unknown group."), "408": error_response("No reply in time."), "409": error_response("Conflict.") } } },
			"/api/v1/namespaces/{ns}/data": {
				"get": list_op("Data items.", "Data", &["id", "name", "hash", "size", "datatype", "blob", "message", "created"]),
				"post": { "summary": "Store a JSON data item, validated against a datatype if given.", "parameters": [ns_param()],
					"requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DataInput" } } } },
					"responses": { "201": ok_json("Stored.", json!({ "$ref": "#/components/schemas/Data" })), "400": error_response("Bad input, or data not matching its datatype (the message names the field).") } } },
			"/api/v1/namespaces/{ns}/data/blob": { "post": { "summary": "Upload a blob (multipart, part `file`), streamed to the content-addressed store.", "parameters": [ns_param()],
				"requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "file": { "type": "string", "format": "binary" } }, "required": ["file"] } } } },
				"responses": { "201": ok_json("Stored.", json!({ "$ref": "#/components/schemas/Data" })), "400": error_response("Bad multipart."), "413": error_response("Too large.") } } },
			"/api/v1/namespaces/{ns}/data/{id}": { "get": { "summary": "One data item.", "parameters": [ns_param(), path_param("id", "Data id.")],
				"responses": { "200": ok_json("The item.", json!({ "$ref": "#/components/schemas/Data" })), "400": error_response("Bad namespace."), "404": error_response("No such item.") } } },
			"/api/v1/namespaces/{ns}/data/{id}/blob": { "get": { "summary": "Download a blob.", "parameters": [ns_param(), path_param("id", "Data id.")],
				"responses": { "200": { "description": "The bytes (`x-parley-hash` has their hash).", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } }, "400": error_response("Bad namespace."), "404": error_response("No such blob (or not arrived yet).") } } },
			"/api/v1/namespaces/{ns}/datatypes": {
				"get": list_op("Datatypes defined (first confirmed wins).", "Datatype", &["name", "version", "author", "message", "created"]),
				"post": { "summary": "Broadcast a datatype definition (a JSON Schema).", "parameters": [ns_param(),
					{ "name": "confirm", "in": "query", "schema": { "type": "boolean" } }, { "name": "timeout", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": 600000 } }],
					"requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DatatypeInput" } } } },
					"responses": { "200": ok_json("Its message, confirmed.", json!({ "$ref": "#/components/schemas/Message" })), "202": ok_json("Its message, accepted.", json!({ "$ref": "#/components/schemas/Message" })), "400": error_response("Bad input."), "408": error_response("Not confirmed in time."), "409": error_response("Conflict.") } } },
			"/api/v1/namespaces/{ns}/datatypes/{name}/{version}": { "get": { "summary": "One datatype.", "parameters": [ns_param(), path_param("name", "Name."), path_param("version", "Version.")],
				"responses": { "200": ok_json("The datatype.", json!({ "$ref": "#/components/schemas/Datatype" })), "400": error_response("Bad namespace."), "404": error_response("Not defined.") } } },
			"/api/v1/namespaces/{ns}/definitions": {
				"get": list_op("Every definition (datatypes and named topics).", "Definition", &["kind", "name", "version", "author", "message", "created"]),
				"post": { "summary": "Broadcast a definition: `datatype` (value: a JSON Schema) or `topic` (value: any JSON). The first confirmed wins.", "parameters": [ns_param(),
					{ "name": "confirm", "in": "query", "schema": { "type": "boolean" } }, { "name": "timeout", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": 600000 } }],
					"requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DefinitionInput" } } } },
					"responses": { "200": ok_json("Its message, confirmed.", json!({ "$ref": "#/components/schemas/Message" })), "202": ok_json("Its message, accepted.", json!({ "$ref": "#/components/schemas/Message" })), "400": error_response("Bad input."), "408": error_response("Not confirmed in time."), "409": error_response("Conflict.") } } },
			"/api/v1/namespaces/{ns}/groups": {
				"get": list_op("Private groups.", "Group", &["id", "name", "created"]),
				"post": { "summary": "Create a private group of this node and other nodes.", "parameters": [ns_param()],
					"requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/GroupInput" } } } },
					"responses": { "201": ok_json("Created.", json!({ "$ref": "#/components/schemas/Group" })), "400": error_response("Bad input."), "409": error_response("This node is not a registered node.") } } },
			"/api/v1/namespaces/{ns}/groups/{id}": { "get": { "summary": "One group and its members.", "parameters": [ns_param(), path_param("id", "Group id (hex).")],
				"responses": { "200": ok_json("The group.", json!({ "$ref": "#/components/schemas/Group" })), "400": error_response("Bad namespace."), "404": error_response("No such group.") } } },
			"/api/v1/namespaces/{ns}/batches": { "get": list_op("Batches this node sent.", "Batch", &["id", "kind", "group", "hash", "pinned_block", "created"]) },
			"/api/v1/namespaces/{ns}/batches/{id}": { "get": { "summary": "One batch this node sent, with the signed receipts its recipients returned (the proof of delivery that stays off-chain).", "parameters": [ns_param(), path_param("id", "Batch id (hex).")],
				"responses": { "200": ok_json("The batch and its receipts.", json!({ "$ref": "#/components/schemas/BatchWithReceipts" })), "400": error_response("Bad namespace."), "404": error_response("No such batch sent from here.") } } },
			"/api/v1/namespaces/{ns}/pins": { "get": list_op("Pins seen on-chain.", "Pin", &["batch", "block", "sequence", "author", "hash", "state"]) },
			"/api/v1/namespaces/{ns}/events": { "get": list_op("Events, in this node's order.", "Event", &["sequence", "type", "reference", "topics", "tag", "author", "group", "created"]) },
			"/api/v1/namespaces/{ns}/subscriptions": {
				"get": list_op("Durable subscriptions.", "Subscription", &["name", "transport", "offset", "created"]),
				"post": { "summary": "Create (or update) a named durable subscription: WebSocket by default, or a webhook.", "parameters": [ns_param()],
					"requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SubscriptionInput" } } } },
					"responses": { "201": ok_json("Created.", json!({ "$ref": "#/components/schemas/Subscription" })), "400": error_response("Bad options.") } } },
			"/api/v1/namespaces/{ns}/subscriptions/{name}": {
				"get": { "summary": "One subscription.", "parameters": [ns_param(), path_param("name", "Name.")], "responses": { "200": ok_json("It.", json!({ "$ref": "#/components/schemas/Subscription" })), "400": error_response("Bad namespace."), "404": error_response("No such subscription.") } },
				"delete": { "summary": "Delete a subscription.", "parameters": [ns_param(), path_param("name", "Name.")], "responses": { "204": { "description": "Deleted." }, "400": error_response("Bad namespace."), "404": error_response("No such subscription.") } } },
			"/api/v1/namespaces/{ns}/subscriptions/{name}/progress": { "get": { "summary": "Where a subscription is: its offset and lag behind the node's latest event; while it is delivered, its events in flight, connections, last acknowledgement and last delivery error.", "parameters": [ns_param(), path_param("name", "Name.")],
				"responses": { "200": ok_json("Its progress.", json!({ "type": "object", "properties": { "name": { "type": "string" }, "running": { "type": "boolean" }, "offset": { "type": "integer" }, "last_event": { "type": "integer" }, "lag": { "type": "integer" }, "cursor": { "type": "integer" }, "in_flight": { "type": "integer" }, "connections": { "type": "integer" }, "last_ack": { "type": "integer", "nullable": true }, "last_error": { "type": "string", "nullable": true }, "last_error_at": { "type": "integer", "nullable": true } } })), "400": error_response("Bad namespace."), "404": error_response("No such subscription.") } } },
			"/api/v1/namespaces/{ns}/summary": { "get": { "summary": "A namespace at a glance (the explorer's home screen): messages by state, pins held back here past the blocked-report time, and confirmations per minute with their mean and longest send-to-confirmed latency.", "parameters": [ns_param(), { "name": "minutes", "in": "query", "description": "How many minutes back confirmations are counted (1 to 1440, default 60).", "schema": { "type": "integer", "minimum": 1, "maximum": 1440 } }],
				"responses": { "200": ok_json("The summary.", json!({ "type": "object", "properties": { "messages": { "type": "object", "additionalProperties": { "type": "integer" } }, "blocked": { "type": "integer" }, "per_minute": { "type": "array", "items": { "type": "object", "properties": { "minute": { "type": "integer" }, "confirmed": { "type": "integer" }, "latency_mean_ms": { "type": "number" }, "latency_max_ms": { "type": "integer" } } } } } })), "400": error_response("Bad namespace or window.") } } },
			"/api/v1/namespaces/{ns}/operations": { "get": list_op("Operations: deliveries, pins and announcements, with status, error and retry count.", "Operation", &["id", "kind", "batch", "group", "target", "state", "attempts", "created", "updated"]) },
			"/api/v1/namespaces/{ns}/operations/{id}/retry": { "post": { "summary": "Retry an operation now.", "parameters": [ns_param(), path_param("id", "Operation id.")],
				"responses": { "200": ok_json("The operation.", json!({ "$ref": "#/components/schemas/Operation" })), "400": error_response("Bad namespace."), "404": error_response("No such operation.") } } },
			"/api/v1/namespaces/{ns}/contexts/{context}/skip": { "post": { "summary": "Skip a batch whose payload never arrives, on-chain: every node stops waiting for it. Only the batch's author may: this node's own batch (by its id) is skipped; another party's batch is refused with 403, naming the governance proposal (SkipBatch) the members vote on instead.", "parameters": [ns_param(), path_param("context", "A context (32-byte hex) or batch id (16-byte hex), as `context_blocked` reports it, or the id of a batch this node sent.")],
				"responses": { "202": ok_json("Skip submitted.", json!({ "type": "object" })), "400": error_response("Bad id, the batch is not pinned yet, or too early to skip it."), "403": error_response("Another party's batch: only its author may skip it, or the members by vote."), "404": error_response("No pending pin on that context."), "422": error_response("The transaction pool refused the skip.") } } }
		},
		"components": {
		"securitySchemes": { "apiKey": { "type": "http", "scheme": "bearer", "description": "An API key made with `parley-node api-key create`, scoped read, write or admin in some or all namespaces: 401 without a valid one, 403 beyond its scope. A node without a key file needs none (loopback only)." } },
		"schemas": {
			"Error": { "type": "object", "required": ["error", "code"], "properties": { "error": { "type": "string" }, "code": { "type": "integer" }, "id": { "type": "string" } } },
			"Attachment": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "hash": { "type": "string" }, "size": { "type": "integer" }, "datatype": { "type": "string" }, "value": {}, "blob": { "type": "string" } } },
			"Message": { "type": "object", "properties": {
				"id": { "type": "string" }, "namespace": { "type": "string" }, "kind": { "type": "string", "enum": ["broadcast", "private"] }, "author": { "type": "string" }, "group": { "type": "string", "nullable": true },
				"topics": { "type": "array", "items": { "type": "string" } }, "tag": { "type": "string" }, "data": {}, "data_hash": { "type": "string" },
				"attachments": { "type": "array", "items": { "$ref": "#/components/schemas/Attachment" } }, "cid": { "type": "string", "nullable": true },
				"state": { "type": "string", "enum": ["awaiting_transfer", "pending", "sent", "pinned", "confirmed", "rejected"] }, "hash": { "type": "string" }, "transfer": { "type": "object", "nullable": true, "description": "The token transfer the message goes with (and, once on-chain, its block and event)." }, "batch": { "type": "string", "nullable": true }, "error": { "type": "string", "nullable": true },
				"created": { "type": "integer" }, "confirmed": { "type": "integer", "nullable": true }, "confirm_sequence": { "type": "integer", "nullable": true } } },
			"MessageInput": { "type": "object", "additionalProperties": false, "properties": {
				"topics": { "type": "array", "minItems": 1, "maxItems": 16, "items": { "type": "string", "minLength": 1, "maxLength": 128 } },
				"topic": { "type": "string", "minLength": 1, "maxLength": 128 }, "tag": { "type": "string", "maxLength": 128 }, "data": {},
				"attachments": { "type": "array", "maxItems": 64, "items": { "type": "string" } }, "cid": { "type": "string", "format": "uuid" },
				"idempotencyKey": { "type": "string", "minLength": 1, "maxLength": 256 }, "group": { "type": "string", "pattern": "^(0x)?[0-9a-f]{32}$" },
				"transfer": { "$ref": "#/components/schemas/MessageTransferInput" },
				"sale": { "$ref": "#/components/schemas/SaleInput" },
				"proofOfReceipt": { "type": "boolean", "description": "Ask each recipient to acknowledge the batch on-chain: proof of receipt that anyone can read, and that shows who received it. Default false: each recipient's signed receipt stays with the sender (see the message's operations), and a recipient acknowledges on-chain only when an escrow waits on it." } } },
			"MessageTransferInput": { "type": "object", "additionalProperties": false, "required": ["pool", "to"],
				"description": "A token transfer from this node that goes with the message (delivery with payment): the transfer is submitted first, carrying the message's hash, and the message is confirmed only when its pin and the transfer are both on-chain.",
				"properties": { "pool": { "$ref": "#/components/schemas/PoolRef" }, "to": { "$ref": "#/components/schemas/AccountRef" }, "amount": { "$ref": "#/components/schemas/Amount" }, "index": { "$ref": "#/components/schemas/ItemIndex" } } },
			"SaleInput": { "type": "object", "additionalProperties": false, "required": ["pool", "amount"],
				"description": "Sell a private message to the one other member of its group (hash-locked delivery versus payment): it travels in a batch of its own, locked under a one-time key; the recipient's node holds it (a `batch_offered` event with the key hash and price) until the recipient locks at least `amount` in an escrow with that `keyHash` and this node reveals the key on-chain to take the payment.",
				"properties": { "pool": { "$ref": "#/components/schemas/PoolRef" }, "amount": { "$ref": "#/components/schemas/Amount" } } },
			"PrivateMessageInput": { "allOf": [{ "$ref": "#/components/schemas/MessageInput" }], "required": ["group"] },
			"Data": { "$ref": "#/components/schemas/Attachment" },
			"DataInput": { "type": "object", "additionalProperties": false, "required": ["value"], "properties": { "value": {}, "name": { "type": "string" },
				"datatype": { "type": "object", "additionalProperties": false, "required": ["name", "version"], "properties": { "name": { "type": "string" }, "version": { "type": "string" } } } } },
			"Datatype": { "type": "object", "properties": { "name": { "type": "string" }, "version": { "type": "string" }, "schema": {}, "value": {}, "author": { "type": "string" }, "message": { "type": "string" } } },
			"DatatypeInput": { "type": "object", "additionalProperties": false, "required": ["name", "version", "schema"], "properties": { "name": { "type": "string" }, "version": { "type": "string" }, "schema": { "type": "object" } } },
			"Definition": { "type": "object", "properties": { "kind": { "type": "string" }, "name": { "type": "string" }, "version": { "type": "string" }, "value": {}, "author": { "type": "string" }, "message": { "type": "string" } } },
			"DefinitionInput": { "type": "object", "additionalProperties": false, "required": ["kind", "name", "version", "value"], "properties": { "kind": { "type": "string", "enum": ["datatype", "topic"] }, "name": { "type": "string" }, "version": { "type": "string" }, "value": {} } },
			"Group": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "members": { "type": "array", "items": { "type": "integer" } }, "created": { "type": "integer" } } },
			"GroupInput": { "type": "object", "additionalProperties": false, "required": ["name", "members"], "properties": { "name": { "type": "string", "minLength": 1, "maxLength": 64 }, "members": { "type": "array", "items": { "type": "string" } } } },
			"Batch": { "type": "object" }, "Pin": { "type": "object" },
			"BatchWithReceipts": { "type": "object", "required": ["receipts"], "properties": { "receipts": { "type": "array", "items": { "type": "object", "required": ["node", "batch_hash", "signature", "received"], "properties": {
				"node": { "type": "string" }, "batch_hash": { "type": "string" }, "signature": { "type": "string" }, "received": { "type": "integer" } } } } } }, "Operation": { "type": "object" }, "Identity": { "type": "object" },
			"Governance": { "type": "object", "required": ["best_block", "members", "motions"], "properties": {
				"best_block": { "type": "integer" },
				"members": { "type": "array", "items": { "type": "object", "properties": {
					"org": { "type": "string", "description": "The member org's DID." },
					"admin": { "type": "string", "description": "Its admin account (SS58), which votes for it." },
					"validator": { "type": "string", "description": "The DID of the node the members chose as its validator." },
					"validator_account": { "type": "string" },
					"validating": { "type": "boolean", "description": "In the current session's validator set." },
					"next_session": { "type": "boolean", "description": "In the next session's set: in force, with the session keys the members voted for." } } } },
				"motions": { "type": "array", "items": { "type": "object", "properties": {
					"index": { "type": "integer", "description": "The proposal index `governance.vote` takes." },
					"hash": { "type": "string" },
					"kind": { "type": "string", "enum": ["AdmitOrg", "RemoveOrg", "ReplaceValidator", "UpgradeRuntime", "SetParameter", "SkipBatch"] },
					"decision": { "type": "object", "description": "What it decides: DIDs, hashes, the parameter." },
					"threshold": { "type": "integer", "description": "Ayes it needs to pass." },
					"ayes": { "type": "array", "items": { "$ref": "#/components/schemas/Voter" } },
					"nays": { "type": "array", "items": { "$ref": "#/components/schemas/Voter" } },
					"end": { "type": "integer", "description": "The block its voting period ends in." },
					"ends_in_blocks": { "type": "integer" } } } } } },
			"Voter": { "type": "object", "properties": { "account": { "type": "string" }, "org": { "type": "string", "nullable": true } } },
			"Event": { "type": "object", "properties": { "sequence": { "type": "integer" }, "type": { "type": "string" }, "reference": { "type": "string" }, "detail": {}, "topics": { "type": "array", "items": { "type": "string" } } } },
			"Subscription": { "type": "object" },
			"PoolRef": { "description": "A pool: its id, or its name in the namespace.", "oneOf": [{ "type": "integer", "minimum": 0, "maximum": 4294967295u32 }, { "type": "string", "minLength": 1, "maxLength": 64 }] },
			"AccountRef": { "type": "string", "description": "An account: SS58, 0x-hex (32 bytes), or a node DID (that node's account).", "example": "did:parley:node/provider" },
			"Amount": { "description": "An amount in the pool's smallest unit (a decimal string or an integer).", "oneOf": [{ "type": "string", "pattern": "^[0-9]{1,39}$" }, { "type": "integer", "minimum": 0 }] },
			"ItemIndex": { "description": "An NFT's index in its pool.", "oneOf": [{ "type": "string", "pattern": "^[0-9]{1,20}$" }, { "type": "integer", "minimum": 0 }] },
			"Hash": { "type": "string", "pattern": "^(0x)?[0-9a-fA-F]{64}$" },
			"IdempotencyKey": { "type": "string", "minLength": 1, "maxLength": 256, "description": "Unique in the namespace: a retry with the same key is answered 409 with the first operation's id, and no second transaction is sent." },
			"PoolInput": { "type": "object", "additionalProperties": false, "required": ["name"], "properties": {
				"name": { "type": "string", "minLength": 1, "maxLength": 64 }, "symbol": { "type": "string", "maxLength": 16 }, "decimals": { "type": "integer", "minimum": 0, "maximum": 18 },
				"type": { "type": "string", "enum": ["fungible", "nonfungible"] }, "metadataUri": { "type": "string", "maxLength": 256 }, "metadataHash": { "$ref": "#/components/schemas/Hash" }, "idempotencyKey": { "$ref": "#/components/schemas/IdempotencyKey" } } },
			"MintInput": { "type": "object", "additionalProperties": false, "required": ["pool"], "properties": {
				"pool": { "$ref": "#/components/schemas/PoolRef" }, "to": { "$ref": "#/components/schemas/AccountRef" }, "amount": { "$ref": "#/components/schemas/Amount" }, "index": { "$ref": "#/components/schemas/ItemIndex" }, "metadataHash": { "$ref": "#/components/schemas/Hash" }, "idempotencyKey": { "$ref": "#/components/schemas/IdempotencyKey" } } },
			"BurnInput": { "type": "object", "additionalProperties": false, "required": ["pool"], "properties": {
				"pool": { "$ref": "#/components/schemas/PoolRef" }, "amount": { "$ref": "#/components/schemas/Amount" }, "index": { "$ref": "#/components/schemas/ItemIndex" }, "idempotencyKey": { "$ref": "#/components/schemas/IdempotencyKey" } } },
			"TransferInput": { "type": "object", "additionalProperties": false, "required": ["pool", "to"], "properties": {
				"pool": { "$ref": "#/components/schemas/PoolRef" }, "to": { "$ref": "#/components/schemas/AccountRef" }, "amount": { "$ref": "#/components/schemas/Amount" }, "index": { "$ref": "#/components/schemas/ItemIndex" },
				"from": { "$ref": "#/components/schemas/AccountRef" }, "messageHash": { "$ref": "#/components/schemas/Hash" }, "idempotencyKey": { "$ref": "#/components/schemas/IdempotencyKey" } } },
			"ApprovalInput": { "type": "object", "additionalProperties": false, "required": ["pool", "delegate"],
				"description": "`amount` adds to the delegate's allowance (fungible), `index` approves it for an item (non-fungible); `allowance` sets its allowance to exactly this (`0` withdraws it); `approved: false` withdraws its approval: the whole allowance, or the item `index`.",
				"properties": {
				"pool": { "$ref": "#/components/schemas/PoolRef" }, "delegate": { "$ref": "#/components/schemas/AccountRef" }, "amount": { "$ref": "#/components/schemas/Amount" }, "index": { "$ref": "#/components/schemas/ItemIndex" },
				"allowance": { "$ref": "#/components/schemas/Amount" }, "approved": { "type": "boolean", "description": "`false` withdraws the approval (default `true`)." }, "idempotencyKey": { "$ref": "#/components/schemas/IdempotencyKey" } } },
			"ClaimInput": { "type": "object", "additionalProperties": false, "properties": {
				"key": { "type": "string", "minLength": 1, "description": "The business key; its blake2-256 hash is claimed." }, "keyHash": { "$ref": "#/components/schemas/Hash" }, "owner": { "$ref": "#/components/schemas/AccountRef" }, "idempotencyKey": { "$ref": "#/components/schemas/IdempotencyKey" } } },
			"ClaimTransferInput": { "type": "object", "additionalProperties": false, "required": ["to"], "properties": { "to": { "$ref": "#/components/schemas/AccountRef" } } },
			"EscrowInput": { "type": "object", "additionalProperties": false, "required": ["pool", "payee", "amount", "timeout"], "properties": {
				"pool": { "$ref": "#/components/schemas/PoolRef" }, "payee": { "$ref": "#/components/schemas/AccountRef" }, "amount": { "$ref": "#/components/schemas/Amount" },
				"batch": { "type": "string", "pattern": "^(0x)?[0-9a-f]{32}$", "description": "The pinned batch to be delivered to this node." }, "batchHash": { "$ref": "#/components/schemas/Hash" },
				"timeout": { "type": "integer", "minimum": 1, "maximum": 302400, "description": "Blocks until the payment is refunded if this node has not acknowledged the batch (or, with `keyHash`, the seller has not revealed the key)." },
				"keyHash": { "allOf": [{ "$ref": "#/components/schemas/Hash" }], "description": "Hash-locked: released only by the seller revealing the sale key with this hash (from the `batch_offered` event), never by this node's acknowledgement." }, "idempotencyKey": { "$ref": "#/components/schemas/IdempotencyKey" } } },
			"TokenOperation": { "type": "object", "properties": { "id": { "type": "string" }, "namespace": { "type": "string" }, "kind": { "type": "string" }, "input": {}, "tx_hash": { "type": "string", "nullable": true },
				"state": { "type": "string", "enum": ["submitting", "submitted", "succeeded", "failed"] }, "error": { "type": "string", "nullable": true }, "block": { "type": "integer", "nullable": true }, "result": {}, "message": { "type": "string", "nullable": true }, "idempotency_key": { "type": "string", "nullable": true }, "created": { "type": "integer" } } },
			"Pool": { "type": "object" }, "TokenTransfer": { "type": "object" }, "TokenApproval": { "type": "object" }, "Claim": { "type": "object" }, "ClaimHistory": { "type": "object" }, "Escrow": { "type": "object" }, "Offer": { "type": "object" },
			"SubscriptionInput": { "type": "object", "additionalProperties": false, "required": ["name"], "properties": {
				"name": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" },
				"filter": { "type": "object", "additionalProperties": false, "properties": { "types": { "type": "array", "items": { "type": "string" } }, "topic": { "type": "string", "description": "A regular expression." }, "tag": { "type": "string" }, "author": { "type": "string" }, "group": { "type": "string" } } },
				"firstEvent": { "oneOf": [{ "type": "string", "enum": ["oldest", "newest"] }, { "type": "integer", "minimum": 1 }] },
				"readAhead": { "type": "integer", "minimum": 1, "maximum": 1000 }, "withData": { "type": "boolean" },
				"webhook": { "type": "object", "additionalProperties": false, "required": ["url"], "properties": { "url": { "type": "string", "description": "http:// or https://; not a loopback, private or link-local address unless the node runs with --webhooks-allow-private" }, "reply": { "type": "boolean" }, "secret": { "type": "string", "minLength": 16, "maxLength": 256, "description": "signs each delivery: X-Parley-Signature-256: sha256=<hex HMAC-SHA256 of the body>" } } } } }
		} }
	})
}
