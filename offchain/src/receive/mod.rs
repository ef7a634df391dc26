//! The receive room: what other nodes send this node, and what it asks them for again.
//!
//! - [`inbound`]: answers the channel's requests: deliveries (stored sealed, as they came,
//!   until their pin is matched), fetches, group announcements and blob chunks, each checked
//!   against the asker's identity on-chain;
//! - [`fetch`]: fetches a pinned batch's payload that has not arrived (from its author, then
//!   the other nodes), in a loop of its own so that a slow or withholding node never holds up
//!   the matcher, and a confirmed message's blobs, in the background.

pub(crate) mod fetch;
pub mod inbound;
