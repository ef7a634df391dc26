//! Parley off-chain: filled in by the private data channel work.
