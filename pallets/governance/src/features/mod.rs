//! The pallet's behaviours, one per file.

mod decisions;
mod genesis;
mod motions;
pub mod queries;
pub mod sessions;
