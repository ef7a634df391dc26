//! The pallet's behaviours, one per file.

mod lifecycle;
mod nodes;
mod queries;
mod register;
mod verifiers;
