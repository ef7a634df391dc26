//! The pallet's behaviours, one per file.

mod acknowledge;
pub mod offchain;
mod pin;
mod records;
mod retention;
mod skip;
