//! Feeds the private data service the chain's blocks, in order and each once: the pins, failed
//! pins, acknowledgements, skips, identity and token events of every finalized block (or every
//! best block, if so configured), with the hash and outcome of each of its extrinsics, starting after
//! the last block the service recorded, so a restart replays what it missed. On every imported
//! block it also refreshes who may connect to the data channel.

use crate::service::FullClient;
use codec::{Decode, Encode};
use futures::StreamExt;
use parley_offchain::{
	tokens::{ExtrinsicOutcome, Holding, PoolKind, TokenEvent, TokenRecord},
	ChainBlock, Exchange, FailedPin, PinnedBatch, SkippedBatch,
};
use parley_runtime::{Hash, RuntimeError, RuntimeEvent};
use sc_client_api::{BlockBackend, BlockchainEvents, StorageProvider};
use sp_blockchain::HeaderBackend;
use std::{sync::Arc, time::Duration};

use super::archive;

type Backend = sc_service::TFullBackend<parley_runtime::opaque::Block>;

/// Which blocks confirm pins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfirmOn {
	/// Finalized blocks (GRANDPA): a confirmation is never taken back.
	Finalized,
	/// Best imported blocks: faster, but a pin in a block later retracted by a reorg is not
	/// taken back.
	Imported,
}

/// The pins and acknowledgements of block `number` of the best chain, or `None` if there is no
/// such block yet. Its events come from the [`archive`] (kept since the block was imported), or
/// else from the block's state, if that is not pruned yet.
fn read_block(
	client: &FullClient,
	backend: &Backend,
	number: u64,
) -> Result<Option<ChainBlock>, String> {
	let Some(hash) = client.hash(number as u32).map_err(|e| e.to_string())? else {
		return Ok(None);
	};
	let raw = match archive::events(backend, &hash) {
		Some(raw) => Some(raw),
		None => client
			.storage(hash, &archive::system_events_key())
			.map_err(|e| format!("{e} (the block's state is pruned and it was not archived)"))?
			.map(|data| data.0),
	};
	let records: Vec<frame_system::EventRecord<RuntimeEvent, Hash>> = match raw {
		Some(data) => {
			Decode::decode(&mut &data[..]).map_err(|e| format!("events of #{number}: {e}"))?
		}
		None => Vec::new(),
	};
	let mut block = ChainBlock { number, hash: hash.0, ..Default::default() };
	let body = client.block_body(hash).map_err(|e| e.to_string())?.unwrap_or_default();
	block.extrinsics = body
		.iter()
		.enumerate()
		.map(|(i, xt)| ExtrinsicOutcome {
			index: i as u32,
			hash: sp_crypto_hashing::blake2_256(&xt.encode()),
			error: None,
		})
		.collect();
	for (index, record) in records.into_iter().enumerate() {
		let extrinsic = match record.phase {
			frame_system::Phase::ApplyExtrinsic(i) => Some(i),
			_ => None,
		};
		match record.event {
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error, ..
			}) => {
				let Some(i) = extrinsic else { continue };
				let error = error_name(dispatch_error);
				if let Some(xt) = body.get(i as usize) {
					block.failed_pins.extend(failed_pins(xt, &error));
				}
				if let Some(outcome) = block.extrinsics.get_mut(i as usize) {
					outcome.error = Some(error);
				}
			}
			RuntimeEvent::Tokens(event) => {
				if let Some(event) = token_event(event) {
					block.tokens.push(TokenRecord { event_index: index as u32, extrinsic, event });
				}
			}
			RuntimeEvent::Pins(pallet_pins::Event::BatchPinned {
				namespace,
				sequence,
				author_node,
				batch_id,
				batch_hash,
				contexts,
				..
			}) => block.pins.push(PinnedBatch {
				block: number,
				event_index: index as u32,
				namespace: String::from_utf8_lossy(&namespace).into_owned(),
				sequence,
				author: author_node,
				batch_id,
				batch_hash: batch_hash.0,
				contexts: contexts.into_iter().map(|c| c.0).collect(),
			}),
			RuntimeEvent::Pins(pallet_pins::Event::PinRefused {
				signer,
				batch_id,
				batch_hash,
				contexts,
				error,
			}) => block.failed_pins.push(FailedPin {
				signer: signer.into(),
				batch_id,
				batch_hash: batch_hash.0,
				contexts: contexts.into_iter().map(|c| c.0).collect(),
				error: error_name(error),
			}),
			RuntimeEvent::Pins(pallet_pins::Event::BatchAcknowledged { batch_hash, node }) => {
				block.acknowledgements.push((batch_hash.0, node))
			}
			RuntimeEvent::Pins(pallet_pins::Event::BatchSkipped { batch_id, node, .. }) => {
				block.skips.push(SkippedBatch { author: node, batch_id, by_vote: false })
			}
			RuntimeEvent::Pins(pallet_pins::Event::BatchSkippedByVote {
				batch_id,
				author_node,
				..
			}) => block.skips.push(SkippedBatch { author: author_node, batch_id, by_vote: true }),
			RuntimeEvent::Identities(event) => {
				use pallet_identities::{did_of, Event as E, IdentityKind};
				let did = |kind, name: &[u8]| String::from_utf8(did_of(kind, name)).ok();
				let (id, did, what) = match event {
					E::OrgRegistered { id, name, .. } => {
						(id, did(IdentityKind::Org, &name), "org_registered")
					}
					E::NodeRegistered { id, name, .. } => {
						(id, did(IdentityKind::Node, &name), "node_registered")
					}
					E::NodeUpdated { id, .. } => (id, None, "node_updated"),
					E::IdentityVerified { id, .. } => (id, None, "identity_verified"),
					E::IdentityDeactivated { id } => (id, None, "identity_deactivated"),
					_ => continue,
				};
				block.identities.push((id, did, what.to_string()));
			}
			_ => {}
		}
	}
	Ok(Some(block))
}

/// The pins of a failed extrinsic, with its signer, if it is a `pins.pin_batch` (one) or a
/// `pins.pin_batches` (each of its pins: none of them was made).
fn failed_pins(
	extrinsic: &parley_runtime::opaque::UncheckedExtrinsic,
	error: &str,
) -> Vec<FailedPin> {
	let Ok(decoded) = parley_runtime::UncheckedExtrinsic::decode(&mut &extrinsic.encode()[..])
	else {
		return Vec::new();
	};
	let sp_runtime::generic::Preamble::Signed(sp_runtime::MultiAddress::Id(signer), ..) =
		decoded.preamble
	else {
		return Vec::new();
	};
	let pins = match decoded.function {
		parley_runtime::RuntimeCall::Pins(pallet_pins::Call::pin_batch {
			batch_id,
			batch_hash,
			contexts,
			..
		}) => vec![(batch_id, batch_hash, contexts)],
		parley_runtime::RuntimeCall::Pins(pallet_pins::Call::pin_batches { pins }) => {
			pins.into_iter().map(|p| (p.batch_id, p.batch_hash, p.contexts)).collect()
		}
		_ => Vec::new(),
	};
	pins.into_iter()
		.map(|(batch_id, batch_hash, contexts)| FailedPin {
			signer: signer.clone().into(),
			batch_id,
			batch_hash: batch_hash.0,
			contexts: contexts.into_iter().map(|c| c.0).collect(),
			error: error.to_string(),
		})
		.collect()
}

/// A dispatch error by name: `Tokens.AlreadyClaimed` for a pallet error, else its kind
/// (`BadOrigin`, `Token(FundsUnavailable)`, …).
fn error_name(error: sp_runtime::DispatchError) -> String {
	match RuntimeError::from_dispatch_error(error) {
		Some(runtime_error) => {
			let text = format!("{runtime_error:?}");
			match text.split_once('(') {
				Some((pallet, rest)) => format!("{pallet}.{}", rest.trim_end_matches(')')),
				None => text,
			}
		}
		None => format!("{error:?}"),
	}
}

fn holding(holding: pallet_tokens::Holding<parley_runtime::Balance>) -> Holding {
	match holding {
		pallet_tokens::Holding::Amount(amount) => Holding::Amount(amount),
		pallet_tokens::Holding::Item(index) => Holding::Item(index),
	}
}

fn text(bytes: Vec<u8>) -> String {
	String::from_utf8_lossy(&bytes).into_owned()
}

/// The off-chain form of a tokens pallet event.
fn token_event(event: pallet_tokens::Event<parley_runtime::Runtime>) -> Option<TokenEvent> {
	use pallet_tokens::Event as E;
	let account = |a: parley_runtime::AccountId| -> [u8; 32] { a.into() };
	Some(match event {
		E::PoolCreated {
			pool,
			kind,
			org,
			namespace,
			name,
			symbol,
			decimals,
			metadata_uri,
			metadata_hash,
			creator,
		} => TokenEvent::PoolCreated {
			pool,
			kind: match kind {
				pallet_tokens::PoolKind::Fungible => PoolKind::Fungible,
				pallet_tokens::PoolKind::NonFungible => PoolKind::NonFungible,
			},
			org,
			namespace: text(namespace),
			name: text(name),
			symbol: text(symbol),
			decimals,
			metadata_uri: text(metadata_uri),
			metadata_hash: metadata_hash.map(|h| h.0),
			creator: account(creator),
		},
		E::Minted { pool, to, tokens, metadata_hash, operator } => TokenEvent::Minted {
			pool,
			to: account(to),
			holding: holding(tokens),
			metadata_hash: metadata_hash.map(|h| h.0),
			operator: account(operator),
		},
		E::Burned { pool, from, tokens } => {
			TokenEvent::Burned { pool, from: account(from), holding: holding(tokens) }
		}
		E::Transferred { pool, from, to, tokens, message_hash, operator } => {
			TokenEvent::Transferred {
				pool,
				from: account(from),
				to: account(to),
				holding: holding(tokens),
				message_hash: message_hash.map(|h| h.0),
				operator: account(operator),
			}
		}
		E::Approved { pool, owner, delegate, tokens } => TokenEvent::Approved {
			pool,
			owner: account(owner),
			delegate: account(delegate),
			holding: holding(tokens),
		},
		E::AllowanceSet { pool, owner, delegate, amount } => TokenEvent::AllowanceSet {
			pool,
			owner: account(owner),
			delegate: account(delegate),
			amount,
		},
		E::ApprovalRevoked { pool, owner, delegate, item } => TokenEvent::ApprovalRevoked {
			pool,
			owner: account(owner),
			delegate: account(delegate),
			item,
		},
		E::Claimed { namespace, key_hash, owner, by } => TokenEvent::Claimed {
			namespace: text(namespace),
			key_hash: key_hash.0,
			owner: account(owner),
			by: account(by),
		},
		E::ClaimTransferred { namespace, key_hash, from, to } => TokenEvent::ClaimTransferred {
			namespace: text(namespace),
			key_hash: key_hash.0,
			from: account(from),
			to: account(to),
		},
		E::ClaimReleased { namespace, key_hash, owner } => TokenEvent::ClaimReleased {
			namespace: text(namespace),
			key_hash: key_hash.0,
			owner: account(owner),
		},
		E::EscrowLocked { escrow, payer, payee, pool, amount, batch_hash, node, expires_at } => {
			TokenEvent::EscrowLocked {
				escrow,
				payer: account(payer),
				payee: account(payee),
				pool,
				amount,
				batch_hash: batch_hash.0,
				node,
				expires_at: expires_at as u64,
			}
		}
		E::EscrowKeyLocked { escrow, key_hash } => {
			TokenEvent::EscrowKeyLocked { escrow, key_hash: key_hash.0 }
		}
		E::EscrowKeyRevealed { escrow, batch_hash, key } => {
			TokenEvent::EscrowKeyRevealed { escrow, batch_hash: batch_hash.0, key }
		}
		E::EscrowReleased { escrow, payee, amount, batch_hash } => TokenEvent::EscrowReleased {
			escrow,
			payee: account(payee),
			amount,
			batch_hash: batch_hash.0,
		},
		E::EscrowRefunded { escrow, payer, amount, batch_hash } => TokenEvent::EscrowRefunded {
			escrow,
			payer: account(payer),
			amount,
			batch_hash: batch_hash.0,
		},
		#[allow(unreachable_patterns)]
		_ => return None,
	})
}

/// Follows the chain until the node stops.
pub async fn follow(
	client: Arc<FullClient>,
	backend: Arc<Backend>,
	exchange: Exchange,
	confirm_on: ConfirmOn,
) {
	let mut imports = client.import_notification_stream();
	let mut finality = client.finality_notification_stream();
	let mut next = loop {
		match exchange.next_block().await {
			Ok(next) => break next,
			Err(e) => {
				log::error!(target: "parley", "cannot read the block cursor: {e}; retrying");
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
		}
	};
	log::info!(target: "parley", "following {confirm_on:?} blocks from #{next}");
	// Archived events are dropped once the store has recorded their block (and any left from
	// before a crash, up to a window back).
	let mut forgotten = next.saturating_sub(1024);
	loop {
		if let Ok(recorded) = exchange.next_block().await {
			while forgotten + 1 < recorded {
				forgotten += 1;
				archive::forget(&backend, forgotten as u32);
			}
		}
		let info = client.info();
		let target = match confirm_on {
			ConfirmOn::Finalized => info.finalized_number,
			ConfirmOn::Imported => info.best_number,
		} as u64;
		while next <= target {
			match read_block(&client, &backend, next) {
				Ok(Some(block)) => {
					exchange.on_block(block).await;
					next += 1;
				}
				Ok(None) => break,
				Err(e) => {
					log::error!(target: "parley", "cannot read block #{next}: {e}; retrying");
					tokio::time::sleep(Duration::from_secs(1)).await;
					break;
				}
			}
		}
		tokio::select! {
			import = imports.next() => {
				if import.is_none() {
					return;
				}
				if let Err(e) = exchange.refresh_identities().await {
					log::warn!(target: "parley", "cannot refresh node identities: {e}");
				}
			},
			finalized = finality.next() => if finalized.is_none() {
				return;
			},
		}
	}
}
