//! Definitions broadcast to every party: datatypes (JSON Schemas that data can be validated
//! against) and named topics (a name with a JSON description). A definition travels as a
//! broadcast message on topic [`TOPIC`], tagged `parley.definition.<kind>`; every node handles
//! it when the message is released, in pin order, so every node agrees: the first definition of
//! a `kind/name/version` wins (`definition_confirmed`), any later one loses
//! (`definition_rejected`).

use crate::{
	store::{Definition, NewEvent, Store},
	types::Message,
};

/// The topic definitions are broadcast on.
pub const TOPIC: &str = "parley.definitions";
/// The kinds of definition.
pub const KINDS: &[&str] = &["datatype", "topic"];

/// The tag a definition of `kind` is broadcast with.
pub fn tag(kind: &str) -> String {
	format!("parley.definition.{kind}")
}

/// Checks a definition before it is broadcast (and again when it is released).
pub fn check(
	kind: &str,
	name: &str,
	version: &str,
	value: &serde_json::Value,
) -> Result<(), String> {
	match kind {
		"datatype" => check_datatype(name, version, value),
		"topic" => check_datatype(name, version, &serde_json::json!({})),
		other => Err(format!("kind must be one of {}, not '{other}'", KINDS.join(", "))),
	}
}

/// Checks a datatype's name, version and schema before it is broadcast.
pub fn check_datatype(name: &str, version: &str, schema: &serde_json::Value) -> Result<(), String> {
	let valid = |s: &str| {
		!s.is_empty()
			&& s.len() <= 64
			&& s.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
	};
	if !valid(name) {
		return Err("name must be 1 to 64 letters, digits, '.', '_' or '-'".into());
	}
	if !valid(version) {
		return Err("version must be 1 to 64 letters, digits, '.', '_' or '-'".into());
	}
	jsonschema::validator_for(schema)
		.map_err(|e| format!("schema is not a valid JSON Schema: {e}"))?;
	Ok(())
}

/// Validates `value` against JSON Schema `schema`; the error names the failing field.
pub fn validate(schema: &serde_json::Value, value: &serde_json::Value) -> Result<(), String> {
	let validator =
		jsonschema::validator_for(schema).map_err(|e| format!("stored schema is invalid: {e}"))?;
	let errors: Vec<String> = validator
		.iter_errors(value)
		.take(5)
		.map(|e| {
			let path = e.instance_path.to_string();
			let field = if path.is_empty() { "(root)".to_string() } else { path };
			format!("{field}: {e}")
		})
		.collect();
	if errors.is_empty() {
		Ok(())
	} else {
		Err(format!("data does not match its datatype: {}", errors.join("; ")))
	}
}

/// Whether a message of `kind` with `tag` and `topics` is a definition (a broadcast on the
/// definitions topic, tagged `parley.definition.<kind>`): only those are looked at once
/// released.
pub fn is_definition(kind: crate::types::MessageKind, tag: &str, topics: &[String]) -> bool {
	kind == crate::types::MessageKind::Broadcast
		&& tag.starts_with("parley.definition.")
		&& topics.iter().any(|t| t == TOPIC)
}

/// Handles a released broadcast that carries a definition: records it if it is the first of its
/// `name/version`, and writes `definition_confirmed` or `definition_rejected`.
pub async fn on_released(store: &Store, message: &Message) -> Result<(), crate::store::StoreError> {
	if !is_definition(message.kind, &message.tag, &message.topics) {
		return Ok(());
	}
	let Some(kind) = message.tag.strip_prefix("parley.definition.") else { return Ok(()) };
	let field = |key: &str| message.data.get(key).and_then(|v| v.as_str()).map(str::to_string);
	let (Some(name), Some(version), Some(value)) =
		(field("name"), field("version"), message.data.get("value").cloned())
	else {
		return reject(store, message, "malformed definition").await;
	};
	if let Err(e) = check(kind, &name, &version, &value) {
		return reject(store, message, &e).await;
	}
	let definition = Definition {
		kind: kind.into(),
		name: name.clone(),
		version: version.clone(),
		value,
		author: message.author.clone(),
		message: message.id.clone(),
	};
	if store.define(&message.namespace, &definition).await? {
		let detail = serde_json::json!({ "kind": kind, "name": name, "version": version });
		store
			.record_event(&NewEvent {
				kind: "definition_confirmed",
				namespace: &message.namespace,
				reference: &message.id,
				detail: Some(&detail),
				author: Some(&message.author),
				..Default::default()
			})
			.await?;
		Ok(())
	} else {
		reject(store, message, &format!("{kind} {name}/{version} is already defined")).await
	}
}

async fn reject(
	store: &Store,
	message: &Message,
	reason: &str,
) -> Result<(), crate::store::StoreError> {
	let detail = serde_json::json!({ "reason": reason });
	store
		.record_event(&NewEvent {
			kind: "definition_rejected",
			namespace: &message.namespace,
			reference: &message.id,
			detail: Some(&detail),
			author: Some(&message.author),
			..Default::default()
		})
		.await?;
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn invalid_data_names_the_failing_field() {
		let schema = serde_json::json!({
			"type": "object",
			"properties": { "amount": { "type": "integer" }, "patient": { "type": "string" } },
			"required": ["amount"]
		});
		assert!(validate(&schema, &serde_json::json!({ "amount": 3 })).is_ok());
		let error = validate(&schema, &serde_json::json!({ "amount": "three" })).unwrap_err();
		assert!(error.contains("/amount"), "{error}");
		assert!(check_datatype("claim", "1.0", &schema).is_ok());
		assert!(check_datatype("bad name", "1", &schema).is_err());
		assert!(check_datatype("claim", "1", &serde_json::json!({ "type": 7 })).is_err());
	}
}
