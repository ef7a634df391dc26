//! DIDs and names: `did:parley:org/<name>`, `did:parley:node/<name>` and `did:parley:<name>`.

use crate::types::IdentityKind;
use alloc::vec::Vec;

/// The prefix every Parley DID starts with.
pub const DID_PREFIX: &[u8] = b"did:parley:";

/// The DID of an identity of `kind` called `name`.
pub fn did_of(kind: IdentityKind, name: &[u8]) -> Vec<u8> {
	let mut did = Vec::with_capacity(DID_PREFIX.len() + 5 + name.len());
	did.extend_from_slice(DID_PREFIX);
	match kind {
		IdentityKind::Org => did.extend_from_slice(b"org/"),
		IdentityKind::Node => did.extend_from_slice(b"node/"),
		IdentityKind::Custom => {}
	}
	did.extend_from_slice(name);
	did
}

/// Splits a DID into its kind and name, or `None` if it is not a Parley DID.
pub fn parse_did(did: &[u8]) -> Option<(IdentityKind, &[u8])> {
	let rest = did.strip_prefix(DID_PREFIX)?;
	let (kind, name) = if let Some(name) = rest.strip_prefix(b"org/") {
		(IdentityKind::Org, name)
	} else if let Some(name) = rest.strip_prefix(b"node/") {
		(IdentityKind::Node, name)
	} else {
		(IdentityKind::Custom, rest)
	};
	is_valid_name(name).then_some((kind, name))
}

/// Whether `name` may be used as an identity name or a namespace: 1 or more ASCII letters,
/// digits, `.`, `_` or `-`, starting and ending with a letter or digit. (The length bound is the
/// runtime's.) This keeps DIDs unambiguous and safe to put in URLs.
pub fn is_valid_name(name: &[u8]) -> bool {
	let edge_ok = |c: &u8| c.is_ascii_alphanumeric();
	match (name.first(), name.last()) {
		(Some(first), Some(last)) if edge_ok(first) && edge_ok(last) => {
			name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'_' || *c == b'-')
		}
		_ => false,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dids_round_trip() {
		for kind in [IdentityKind::Org, IdentityKind::Node, IdentityKind::Custom] {
			let did = did_of(kind, b"insurer-a");
			assert_eq!(parse_did(&did), Some((kind, &b"insurer-a"[..])));
		}
		assert_eq!(did_of(IdentityKind::Org, b"dev"), b"did:parley:org/dev".to_vec());
		assert_eq!(did_of(IdentityKind::Node, b"dev"), b"did:parley:node/dev".to_vec());
		assert_eq!(did_of(IdentityKind::Custom, b"alice"), b"did:parley:alice".to_vec());
	}

	#[test]
	fn bad_dids_and_names_are_refused() {
		assert_eq!(parse_did(b"did:firefly:org/dev"), None);
		assert_eq!(parse_did(b"did:parley:org/"), None);
		assert_eq!(parse_did(b"did:parley:org/a/b"), None);
		for bad in [&b""[..], b"-a", b"a-", b"a b", b"a/b", b"\xff", b"."] {
			assert!(!is_valid_name(bad), "{bad:?}");
		}
		for good in [&b"a"[..], b"insurer-a", b"Org_1.x", b"9"] {
			assert!(is_valid_name(good), "{good:?}");
		}
	}
}
