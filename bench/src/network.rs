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
	/// The node's Prometheus endpoint's port on 127.0.0.1 (for what its allocator counts).
	#[serde(default)]
	pub prometheus_port: Option<u16>,
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

	/// The bytes `party`'s node holds (`parley_memory_allocated_bytes` on its Prometheus
	/// endpoint: what jemalloc counts as allocated and not freed), in KiB; `None` if the node
	/// has no endpoint or does not export it.
	pub async fn held_kib(&self, party: &Party) -> Option<u64> {
		let port = party.prometheus_port?;
		let url = format!("http://127.0.0.1:{port}/metrics");
		let response = self.http.get(url).timeout(Duration::from_secs(5)).send().await.ok()?;
		gauge(&response.text().await.ok()?, "parley_memory_allocated_bytes")
			.map(|b| b as u64 / 1024)
	}

	async fn answer(request: reqwest::RequestBuilder) -> Result<Answer, String> {
		let response = request.send().await.map_err(|e| e.to_string())?;
		let status = response.status().as_u16();
		let bytes = response.bytes().await.map_err(|e| e.to_string())?;
		Ok(Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) })
	}
}

/// The value of the gauge `name` in Prometheus's text format: its first sample, whatever its
/// labels (a node labels each of its samples with its chain).
fn gauge(text: &str, name: &str) -> Option<f64> {
	text.lines()
		.filter(|line| !line.starts_with('#'))
		.find_map(|line| {
			let rest = line.strip_prefix(name)?;
			let rest = match rest.strip_prefix('{') {
				Some(labelled) => labelled.split_once('}')?.1,
				None => rest,
			};
			rest.strip_prefix(' ')
		})
		.and_then(|value| value.trim().parse().ok())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_gauge_is_read_from_prometheus_text() {
		let text = "# HELP parley_memory_allocated_bytes Bytes the node holds\n\
			# TYPE parley_memory_allocated_bytes gauge\n\
			parley_memory_allocated_bytes_total 1\n\
			parley_memory_allocated_bytes 111149056\n\
			parley_memory_active_bytes{chain=\"local3\"} 120000000\n";
		assert_eq!(gauge(text, "parley_memory_allocated_bytes"), Some(111_149_056.0));
		assert_eq!(gauge(text, "parley_memory_active_bytes"), Some(120_000_000.0));
		assert_eq!(gauge(text, "parley_memory_metadata_bytes"), None);
		assert_eq!(
			gauge("parley_memory_allocated_bytes NaNx\n", "parley_memory_allocated_bytes"),
			None
		);
	}
}
