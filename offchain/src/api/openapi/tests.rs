//! The document's own rules: every operation is grouped under a declared resource, has a unique
//! id, names its errors with the shared error schema, and points only at schemas it defines.

use super::document;
use serde_json::Value;
use std::collections::BTreeSet;

fn document_json() -> Value {
	serde_json::to_value(document()).expect("the document serializes")
}

/// Every (method, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
	let mut out = Vec::new();
	for (path, item) in doc["paths"].as_object().expect("paths") {
		for (method, operation) in item.as_object().expect("a path item") {
			out.push((method.clone(), path.clone(), operation.clone()));
		}
	}
	out
}

#[test]
fn every_operation_is_under_a_declared_resource_with_a_unique_id() {
	let doc = document_json();
	let tags: BTreeSet<&str> =
		doc["tags"].as_array().expect("tags").iter().filter_map(|t| t["name"].as_str()).collect();
	let mut ids = BTreeSet::new();
	let ops = operations(&doc);
	assert!(ops.len() >= 60, "the API has {} operations", ops.len());
	let mut used = BTreeSet::new();
	for (method, path, op) in &ops {
		let op_tags = op["tags"].as_array().unwrap_or_else(|| panic!("{method} {path}: no tag"));
		assert_eq!(op_tags.len(), 1, "{method} {path}: one resource");
		let tag = op_tags[0].as_str().expect("a tag name");
		assert!(tags.contains(tag), "{method} {path}: tag {tag} is not declared");
		used.insert(tag.to_string());
		let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: no id"));
		assert!(ids.insert(id.to_string()), "{method} {path}: operation id {id} used twice");
		assert!(
			op["summary"].as_str().is_some_and(|s| !s.is_empty()),
			"{method} {path}: no summary"
		);
		if path.starts_with("/api/v1/namespaces/{ns}") {
			let params = op["parameters"].as_array().expect("parameters");
			assert!(
				params.iter().any(|p| p["name"] == "ns" && p["in"] == "path"),
				"{method} {path}: the namespace parameter"
			);
		}
	}
	assert_eq!(used.len(), tags.len(), "every declared resource has operations");
}

#[test]
fn every_operation_names_its_errors_and_its_bodies() {
	let doc = document_json();
	for (method, path, op) in operations(&doc) {
		let responses = op["responses"].as_object().expect("responses");
		assert!(
			responses.keys().any(|s| s.starts_with('2')),
			"{method} {path}: no success response"
		);
		let errors: Vec<&String> =
			responses.keys().filter(|s| s.starts_with('4') || s.starts_with('5')).collect();
		assert!(!errors.is_empty() || method == "get", "{method} {path}: a write with no error");
		for status in errors {
			let schema = &responses[status]["content"]["application/json"]["schema"]["$ref"];
			assert_eq!(schema, "#/components/schemas/Error", "{method} {path} {status}");
		}
		if method == "post" && !path.ends_with("/retry") && !path.ends_with("/skip") {
			let released = path.ends_with("/release") || path.ends_with("/refund");
			assert!(
				released || op["requestBody"]["content"].is_object(),
				"{method} {path}: no request body"
			);
		}
	}
}

#[test]
fn every_schema_referenced_is_defined() {
	let doc = document_json();
	let schemas = doc["components"]["schemas"].as_object().expect("schemas");
	let text = doc.to_string();
	let mut rest = text.as_str();
	let mut seen = 0;
	while let Some(at) = rest.find("#/components/schemas/") {
		rest = &rest[at + "#/components/schemas/".len()..];
		let name: String = rest.chars().take_while(|c| *c != '"').collect();
		assert!(schemas.contains_key(&name), "{name} is referenced but not defined");
		seen += 1;
	}
	assert!(seen > 100, "{seen} references");
	// The request bodies come from the handlers' own types: a field a handler decodes shows.
	let send = &schemas["MessageInput"]["properties"];
	for field in ["topics", "topic", "data", "group", "idempotencyKey", "transfer", "sale"] {
		assert!(send[field].is_object(), "MessageInput.{field}");
	}
	assert_eq!(schemas["MessageInput"]["additionalProperties"], false);
	// And a list's rows come from its store collection.
	for field in ["id", "state", "confirmed", "topics", "batch"] {
		assert!(schemas["Message"]["properties"][field].is_object(), "Message.{field}");
	}
}
