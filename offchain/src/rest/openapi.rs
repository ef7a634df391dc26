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
			{ "name": "confirm", "in": "query", "description": "Wait until the message is confirmed or rejected.", "schema": { "type": "boolean" } },
			{ "name": "timeout", "in": "query", "description": "How long to wait, in ms (default 60000).", "schema": { "type": "integer", "minimum": 0, "maximum": 600000 } }],
		"requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": if private { "#/components/schemas/PrivateMessageInput" } else { "#/components/schemas/MessageInput" } } } } },
		"responses": {
			"200": ok_json("Confirmed (or rejected), with `confirm=true`.", json!({ "$ref": "#/components/schemas/Message" })),
			"202": ok_json("Accepted; it will be batched, sent and pinned.", json!({ "$ref": "#/components/schemas/Message" })),
			"400": error_response("Bad input."),
			"404": error_response("Unknown group."),
			"408": error_response("Not confirmed in time (the body has the message id)."),
			"409": error_response("The idempotency key was used before (the body has the first message's id), or this node is not a registered node.")
		}
	})
}

/// The document.
pub fn document() -> Value {
	json!({
		"openapi": "3.0.3",
		"info": {
			"title": "Parley REST API",
			"version": "1",
			"description": "Send broadcast and private messages, upload data and blobs, define datatypes, query history and subscribe to events. Every party runs its own node; messages are confirmed in the chain's order."
		},
		"servers": [{ "url": "/" }],
		"paths": {
			"/api/v1/status": { "get": { "summary": "This node's identity, channel and pending work.", "responses": { "200": ok_json("Status.", json!({ "type": "object" })) } } },
			"/api/v1/identities": { "get": { "summary": "Node identities on-chain.", "responses": { "200": ok_json("Identities.", json!({ "type": "array", "items": { "$ref": "#/components/schemas/Identity" } })) } } },
			"/api/v1/identities/{did}": { "get": { "summary": "One identity.", "parameters": [path_param("did", "A DID, e.g. did:parley:node/provider.")],
				"responses": { "200": ok_json("The identity.", json!({ "$ref": "#/components/schemas/Identity" })), "404": error_response("No such identity.") } } },
			"/api/v1/identities/{did}/did": { "get": { "summary": "An identity's DID document.", "parameters": [path_param("did", "A DID.")],
				"responses": { "200": ok_json("The DID document.", json!({ "type": "object" })), "404": error_response("No such identity.") } } },
			"/api/v1/namespaces/{ns}/messages": { "get": list_op("Messages.", "Message", &["id", "kind", "author", "group", "topics", "tag", "state", "batch", "cid", "created", "confirmed", "confirm_sequence"]) },
			"/api/v1/namespaces/{ns}/messages/{id}": { "get": { "summary": "One message.", "parameters": [ns_param(), path_param("id", "Message id.")],
				"responses": { "200": ok_json("The message.", json!({ "$ref": "#/components/schemas/Message" })), "400": error_response("Bad namespace."), "404": error_response("No such message.") } } },
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
			"/api/v1/namespaces/{ns}/operations": { "get": list_op("Operations: deliveries, pins and announcements, with status, error and retry count.", "Operation", &["id", "kind", "batch", "group", "target", "state", "attempts", "created", "updated"]) },
			"/api/v1/namespaces/{ns}/operations/{id}/retry": { "post": { "summary": "Retry an operation now.", "parameters": [ns_param(), path_param("id", "Operation id.")],
				"responses": { "200": ok_json("The operation.", json!({ "$ref": "#/components/schemas/Operation" })), "400": error_response("Bad namespace."), "404": error_response("No such operation.") } } },
			"/api/v1/namespaces/{ns}/contexts/{context}/skip": { "post": { "summary": "Skip the batch blocking a context, on-chain: every node stops waiting for it.", "parameters": [ns_param(), path_param("context", "A context (32-byte hex) or batch id (16-byte hex), as `context_blocked` reports it.")],
				"responses": { "202": ok_json("Skip submitted.", json!({ "type": "object" })), "400": error_response("Bad id, or the chain refused the skip (too early)."), "404": error_response("No pending pin on that context.") } } }
		},
		"components": { "schemas": {
			"Error": { "type": "object", "required": ["error", "code"], "properties": { "error": { "type": "string" }, "code": { "type": "integer" }, "id": { "type": "string" } } },
			"Attachment": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "hash": { "type": "string" }, "size": { "type": "integer" }, "datatype": { "type": "string" }, "value": {}, "blob": { "type": "string" } } },
			"Message": { "type": "object", "properties": {
				"id": { "type": "string" }, "namespace": { "type": "string" }, "kind": { "type": "string", "enum": ["broadcast", "private"] }, "author": { "type": "string" }, "group": { "type": "string", "nullable": true },
				"topics": { "type": "array", "items": { "type": "string" } }, "tag": { "type": "string" }, "data": {}, "data_hash": { "type": "string" },
				"attachments": { "type": "array", "items": { "$ref": "#/components/schemas/Attachment" } }, "cid": { "type": "string", "nullable": true },
				"state": { "type": "string", "enum": ["pending", "sent", "pinned", "confirmed", "rejected"] }, "batch": { "type": "string", "nullable": true }, "error": { "type": "string", "nullable": true },
				"created": { "type": "integer" }, "confirmed": { "type": "integer", "nullable": true }, "confirm_sequence": { "type": "integer", "nullable": true } } },
			"MessageInput": { "type": "object", "additionalProperties": false, "properties": {
				"topics": { "type": "array", "minItems": 1, "maxItems": 16, "items": { "type": "string", "minLength": 1, "maxLength": 128 } },
				"topic": { "type": "string", "minLength": 1, "maxLength": 128 }, "tag": { "type": "string", "maxLength": 128 }, "data": {},
				"attachments": { "type": "array", "maxItems": 64, "items": { "type": "string" } }, "cid": { "type": "string", "format": "uuid" },
				"idempotencyKey": { "type": "string", "minLength": 1, "maxLength": 256 }, "group": { "type": "string", "pattern": "^(0x)?[0-9a-f]{32}$" } } },
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
			"Batch": { "type": "object" }, "Pin": { "type": "object" }, "Operation": { "type": "object" }, "Identity": { "type": "object" },
			"Event": { "type": "object", "properties": { "sequence": { "type": "integer" }, "type": { "type": "string" }, "reference": { "type": "string" }, "detail": {}, "topics": { "type": "array", "items": { "type": "string" } } } },
			"Subscription": { "type": "object" },
			"SubscriptionInput": { "type": "object", "additionalProperties": false, "required": ["name"], "properties": {
				"name": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" },
				"filter": { "type": "object", "additionalProperties": false, "properties": { "types": { "type": "array", "items": { "type": "string" } }, "topic": { "type": "string", "description": "A regular expression." }, "tag": { "type": "string" }, "author": { "type": "string" }, "group": { "type": "string" } } },
				"firstEvent": { "oneOf": [{ "type": "string", "enum": ["oldest", "newest"] }, { "type": "integer", "minimum": 1 }] },
				"readAhead": { "type": "integer", "minimum": 1, "maximum": 1000 }, "withData": { "type": "boolean" },
				"webhook": { "type": "object", "additionalProperties": false, "required": ["url"], "properties": { "url": { "type": "string" }, "reply": { "type": "boolean" } } } } }
		} }
	})
}
