//! The pallet's behaviours, one per file.

mod claims;
pub(crate) mod escrow;
mod ledger;
mod parties;
mod pools;
mod retention;
mod tokens;
