//! # Parley off-chain
//!
//! Everything private and off-chain that a Parley node does, usable without a running chain:
//! the chain is reached only through two narrow traits ([`ChainView`], [`Submitter`]) and blocks
//! handed in order to [`Exchange::on_block`].
//!
//! One module per job:
//! - [`channel`]: the libp2p data channel (TCP + noise + yamux), allow-listed from the chain;
//! - [`envelope`]: HPKE sealing to a node's X25519 key, and signed receipts;
//! - [`batch`]: batch payloads, their manifest hash and their (masked) pin contexts;
//! - [`store`]: the private database (SQLite or PostgreSQL) and sealed payload files;
//! - [`blobs`]: content-addressed blob files, transferred in resumable chunks;
//! - [`keys`]: this node's channel and encryption keys on disk;
//! - [`tokens`]: token pools, transfers, claims and escrows as the chain reports them;
//! - [`exchange`]: the service tying them together: batcher, outbox, aggregator, inbound.

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "512"]

pub mod batch;
pub mod blobs;
pub mod chain;
pub mod channel;
pub mod definitions;
pub mod envelope;
pub mod events;
pub mod exchange;
pub mod keys;
pub mod rest;
pub mod store;
pub mod tokens;
pub mod types;

pub use chain::{ChainView, PinLimits, PinSubmission, Submitter};
pub use exchange::{Exchange, ExchangeConfig, ExchangeError};
pub use keys::NodeKeys;
pub use types::{ChainBlock, FailedPin, Message, MessageState, NodeIdentity, PinnedBatch};
