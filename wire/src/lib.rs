//! # Parley wire formats
//!
//! What crosses a Parley node's boundaries and is decoded from bytes or text that another party
//! (or a stranger) chose: the formats, their hashes and their checks, with no I/O. The node's
//! private data service (`parley-offchain`) uses them; the fuzz targets in `fuzz/` feed them
//! arbitrary input, which is why they live in a crate of their own, small enough to build with
//! coverage instrumentation in a minute or two.
//!
//! - [`types`]: ids, node identities, messages, groups;
//! - [`batch`]: batch payloads, the manifest whose hash is pinned, and (masked) pin contexts;
//! - [`envelope`]: HPKE sealing to a node's X25519 key, and signed receipts;
//! - [`holding`]: token words a batch carries (which tokens move, the transfer a message
//!   declares);
//! - [`sale`]: a batch locked under a one-time key for hash-locked delivery versus payment;
//! - [`channel`]: the data channel's requests and responses, and their bounded framing;
//! - [`query`]: the list filter syntax of the REST and JSON-RPC APIs, and the SQL it becomes.

pub mod batch;
pub mod channel;
pub mod envelope;
pub mod holding;
pub mod query;
pub mod sale;
pub mod types;
