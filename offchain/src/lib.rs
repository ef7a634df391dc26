//! # Parley off-chain
//!
//! Everything private and off-chain that a Parley node does, usable without a running chain:
//! the chain is reached only through two narrow traits ([`ChainView`], [`Submitter`]) and blocks
//! handed in order to [`Exchange::on_block`].
//!
//! ## The life of a message, and where each step is
//! 1. **Accepted** from an app ([`api`] or the node's `parley_*` RPC) in
//!    [`exchange::accept`]: checked, stored `pending`.
//! 2. **Batched and sealed** in `exchange::batcher`: pending messages are cut into batches
//!    within the chain's bounds, and this node's own copy is sealed ([`envelope::seal`]).
//! 3. **Delivered and pinned** by `exchange::outbox`: each recipient's copy is sealed to its
//!    X25519 key and sent over the [`channel`]; the pin (`pins.pin_batch`) is made there too,
//!    through [`Submitter::submit_pin`], with retry and backoff (the pins open after a restart
//!    go together, in order, through [`Submitter::submit_pins`]).
//! 4. **Received** in [`exchange::inbound`]: deliveries, fetches, group announcements and blob
//!    chunks from other nodes; sealed payloads go to the store ([`store`], `sealed.rs`).
//! 5. **Matched** in `exchange::aggregator`: blocks are recorded in order ([`store`],
//!    `pins.rs`), each pin is matched with its payload (hash, author, nonces per context), and
//!    missing payloads are fetched again.
//! 6. **Released** in the store's `release.rs`: a matched batch's messages become `confirmed`
//!    with their `message_confirmed` events in one transaction; [`events`] hands the events to
//!    subscribers (WebSocket, webhooks) at least once and in order.
//!
//! ## Shared leaves
//! - [`access`]: who may call a node (API keys with scopes, checked by [`api`]);
//! - [`chain`]: the two traits, and what the node reads from each block ([`ChainBlock`]);
//! - [`channel`]: the libp2p data channel (TCP + noise + yamux), allow-listed from the chain;
//! - [`envelope`]: HPKE sealing to a node's X25519 key, and signed receipts;
//! - [`batch`]: batch payloads, their manifest hash and their (masked) pin contexts;
//! - [`store`]: the private database (SQLite or PostgreSQL) and sealed payload files;
//! - [`blobs`]: content-addressed blob files, transferred in resumable chunks;
//! - [`keys`]: this node's channel and encryption keys on disk;
//! - [`definitions`]: datatypes and other broadcast definitions, first confirmed wins;
//! - [`tokens`]: token pools, transfers, claims and escrows as the chain reports them (and
//!   `exchange::tokens`, the token calls apps make);
//! - [`types`]: ids, node identities, messages and their states.

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "512"]

pub mod access;
pub mod api;
pub mod blobs;
pub mod chain;
pub mod channel;
pub mod definitions;
pub mod events;
pub mod exchange;
pub mod keys;
pub mod store;
pub mod tokens;

/// The formats decoded from other parties' bytes live in `parley-wire` (fuzzed there); they keep
/// their places in this crate's module tree.
pub use parley_wire::{batch, envelope, sale, types};

pub use chain::{
	era_birth, ChainBlock, ChainView, FailedPin, Governance, Member, Motion, OnSigned, PinLimits,
	PinSubmission, PinnedBatch, SkippedBatch, Submitter, MAX_PINS_PER_SUBMISSION,
};
pub use exchange::{Exchange, ExchangeConfig, ExchangeError};
pub use keys::NodeKeys;
pub use types::{Message, MessageState, NodeIdentity};
