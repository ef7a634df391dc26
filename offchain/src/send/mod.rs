//! The send room: an app's message from its acceptance to its delivery.
//!
//! 1. [`accept`]: an app's message, data item, datatype or group is checked and stored
//!    `pending` (from [`crate::api`] or the node's `parley_*` RPC);
//! 2. [`batcher`]: pending messages are cut into batches within the chain's bounds, and this
//!    node's own copy of each is sealed ([`crate::envelope::seal`]); each batch's deliveries
//!    and pin are queued as operations in the same transaction;
//! 3. [`outbox`]: each recipient's copy is sealed to its X25519 key and delivered over the
//!    [`crate::channel`], its signed receipt kept; the pin goes to [`crate::pin`].

pub mod accept;
pub(crate) mod batcher;
pub(crate) mod outbox;
