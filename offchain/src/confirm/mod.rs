//! The confirm room: the chain's order made into this node's order.
//!
//! - [`aggregator`]: records blocks in order, matches each pin with its payload (hash, author,
//!   nonces per context; its order rules are `aggregator/order.rs`'s), and releases a matched
//!   batch's messages (`store/release.rs`: `confirmed`, with their `message_confirmed` events,
//!   in one transaction) for [`crate::events`] to hand to apps;
//! - [`acknowledge`]: when this node acknowledges a batch on-chain (only where someone needs
//!   it: proof of receipt asked for, or a payment waiting on it).

pub(crate) mod acknowledge;
pub(crate) mod aggregator;
