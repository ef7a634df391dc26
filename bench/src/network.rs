//! The network under load: its parties as `scripts/local-network.sh` describes them in
//! network.json, and the REST calls the load makes to them.

use serde::Deserialize;
use serde_json::Value;
use std::{path::Path, time::Duration};

/// One party of the network, as network.json lists it.
#[derive(Clone, Debug, Deserialize)]
pub struct Party {
	/// Its name: provider, insurer-a, …
	pub name: String,
	/// Its node's DID (what a group lists).
	pub node_did: String,
	/// The REST API's port on 127.0.0.1.
	pub rest_port: u16,
	/// The operator's API key.
	pub api_key: String,
	/// The node's process id (for its CPU time and memory).
	pub pid: Option<u32>,
}

#[derive(Deserialize)]
struct NetworkFile {
	parties: Vec<Party>,
}

/// Reads the parties from `path` (a network.json).
pub fn parties(path: &Path) -> Result<Vec<Party>, String> {
	let text = std::fs::read_to_string(path)
		.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
	let file: NetworkFile =
		serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
	if file.parties.is_empty() || file.parties.len() > 8 {
		return Err(format!("{}: 1 to 8 parties, not {}", path.display(), file.parties.len()));
	}
	Ok(file.parties)
}

/// A REST client for the parties (connections kept open and reused).
#[derive(Clone)]
pub struct Rest {
	http: reqwest::Client,
}

/// A REST call's outcome: the status and the JSON body.
pub struct Answer {
	/// The HTTP status.
	pub status: u16,
	/// The body (`Value::Null` if it was not JSON).
	pub body: Value,
}

impl Rest {
	/// A client whose calls give up after `timeout`.
	pub fn new(timeout: Duration) -> Self {
		let http = reqwest::Client::builder()
			.timeout(timeout)
			.pool_max_idle_per_host(256)
			.no_proxy()
			.build()
			.expect("a client without TLS or proxies builds");
		Self { http }
	}

	/// The URL of `path` in the default namespace of `party`'s REST API. Only 127.0.0.1: the
	/// load never leaves the machine.
	pub fn url(party: &Party, path: &str) -> String {
		format!("http://127.0.0.1:{}/api/v1/namespaces/default{path}", party.rest_port)
	}

	/// POSTs `body` (JSON) to `path` at `party`.
	pub async fn post(&self, party: &Party, path: &str, body: &Value) -> Result<Answer, String> {
		let request = self
			.http
			.post(Self::url(party, path))
			.bearer_auth(&party.api_key)
			.header("content-type", "application/json")
			.body(body.to_string());
		Self::answer(request).await
	}

	/// Uploads `bytes` as a blob data item at `party`; returns its id.
	pub async fn upload_blob(&self, party: &Party, bytes: Vec<u8>) -> Result<String, String> {
		const BOUNDARY: &str = "parley-bench-boundary-7f3a9c";
		let mut body = format!(
			"--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"bench.bin\"\r\ncontent-type: application/octet-stream\r\n\r\n"
		)
		.into_bytes();
		body.extend_from_slice(&bytes);
		body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
		let request = self
			.http
			.post(Self::url(party, "/data/blob"))
			.bearer_auth(&party.api_key)
			.header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
			.body(body);
		let answer = Self::answer(request).await?;
		match (answer.status, answer.body.get("id").and_then(Value::as_str)) {
			(201, Some(id)) => Ok(id.to_string()),
			(status, _) => Err(format!("blob upload: {status} {}", answer.body)),
		}
	}

	async fn answer(request: reqwest::RequestBuilder) -> Result<Answer, String> {
		let response = request.send().await.map_err(|e| e.to_string())?;
		let status = response.status().as_u16();
		let bytes = response.bytes().await.map_err(|e| e.to_string())?;
		Ok(Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) })
	}
}
