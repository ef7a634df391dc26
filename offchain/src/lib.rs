//! # Parley off-chain
//!
//! Everything private and off-chain that a Parley node does, usable without a running chain:
//! the chain is reached only through two narrow traits ([`ChainView`], [`Submitter`]) and blocks
//! handed in order to [`Exchange::on_block`].
//!
//! ## The life of a message: one room per step
//! 1. **Accepted** from an app ([`api`] or the node's `parley_*` RPC) in [`send`]'s `accept`:
//!    checked, stored `pending`.
//! 2. **Batched and sealed** in [`send`]'s `batcher`: pending messages are cut into batches
//!    within the chain's bounds, and this node's own copy is sealed ([`envelope::seal`]).
//! 3. **Delivered** by [`send`]'s `outbox`: each recipient's copy is sealed to its X25519 key
//!    and sent over the [`channel`], with retry and backoff.
//! 4. **Pinned** in [`pin`]: the pin (`pins.pin_batch`) is made there, through
//!    [`Submitter::submit_pin`], in the order the batches were made (the pins open after a
//!    restart go together, in order, through [`Submitter::submit_pins`]). What the chain says of
//!    this node's pins (landed, or failed with an error) comes back to it as a note that the
//!    confirm room writes with the block and the pin room settles (`store/outcomes.rs`).
//! 5. **Received** in [`receive`]: deliveries, fetches, group announcements and blob chunks
//!    from other nodes (`inbound`); sealed payloads go to the store ([`store`], `sealed.rs`);
//!    missing payloads are fetched again (`fetch`).
//! 6. **Matched and released** in [`confirm`]: blocks are recorded in order ([`store`],
//!    `pins.rs`), each pin is matched with its payload (hash, author, nonces per context), and a
//!    matched batch's messages become `confirmed` with their `message_confirmed` events in one
//!    transaction (the store's `release.rs`).
//! 7. **Handed to apps** by [`events`]: subscribers (WebSocket, webhooks) get the events at
//!    least once and in order.
//!
//! [`exchange`] is the handle to all of it (what apps and the node call, and the leaves the
//! rooms share), and `start.rs` starts each room's loop.
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
//!   [`exchange::tokens`], the token calls apps make);
//! - [`types`]: ids, node identities, messages and their states;
//! - `wakes`: what one room tells another that needs no answer (there is work for it).

pub mod access;
pub mod api;
pub mod blobs;
pub mod chain;
pub mod channel;
pub mod confirm;
pub mod definitions;
pub mod events;
pub mod exchange;
pub mod keys;
pub mod pin;
pub mod receive;
pub mod send;
mod start;
pub mod store;
pub mod tokens;
pub(crate) mod wakes;

/// The formats decoded from other parties' bytes live in `parley-wire` (fuzzed there); they keep
/// their places in this crate's module tree.
pub use parley_wire::{batch, envelope, sale, types};

pub use chain::{
	era_birth, ChainBlock, ChainView, FailedPin, Governance, InFlight, Member, Motion, OnSigned,
	PinLimits, PinSubmission, PinnedBatch, SkippedBatch, Submitter, MAX_PINS_PER_SUBMISSION,
};
pub use exchange::{Exchange, ExchangeConfig, ExchangeError};
pub use keys::NodeKeys;
pub use types::{Message, MessageState, NodeIdentity};
