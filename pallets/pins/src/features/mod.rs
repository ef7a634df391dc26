//! The pallet's behaviours, one per file.

mod acknowledge;
mod pin;
