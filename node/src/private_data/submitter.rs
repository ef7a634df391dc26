//! Writes to the chain for the private data service:
//! - `pins.pin_batch`, `pins.pin_batches`, `pins.skip_batch` and the tokens pallet's calls apps ask for, signed here
//!   with the node account key from the keystore (key type `prly`), with a mortal era born at the
//!   last finalized block (see `parley_offchain::era_birth`), and
//!   submitted to the local transaction pool. Submissions are serialized, and each takes the
//!   next account nonce: the chain's nonce at the best block, past this account's transactions
//!   that are ready in the pool (as `system_accountNextIndex` does) and past those it accepted
//!   that the chain has not taken yet ([`InFlight`]: the pool's newest view may not hold one
//!   accepted while it was being built). Each is watched until it is final: one the pool drops
//!   (one signed for the runtime before an upgrade, say) frees its nonce, so it leaves no gap
//!   that later ones would wait on.
//! - acknowledgements: the batch hash is appended to the offchain-storage queue that the pins
//!   pallet's offchain worker drains (see `pallet_pins::ACK_QUEUE_KEY`).

use crate::service::FullClient;
use codec::{Decode, Encode};
use frame_system_rpc_runtime_api::AccountNonceApi;
use futures::future::BoxFuture;
use parley_offchain::{
	era_birth,
	tokens::{SubmittedTx, TokenCall},
	InFlight, OnSigned, PinSubmission, Submitter,
};
use parley_runtime::{
	AccountId, Runtime, RuntimeCall, SignedPayload, TxExtension, UncheckedExtrinsic,
};
use sc_client_api::Backend as _;
use sc_transaction_pool_api::{
	InPoolTransaction, TransactionPool, TransactionSource, TransactionStatus,
};
use sp_api::{Core, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::{offchain::OffchainStorage, sr25519, H256};
use sp_keystore::KeystorePtr;
use sp_runtime::{generic::Era, MultiSignature, OpaqueExtrinsic};
use std::sync::Arc;

type Pool = sc_transaction_pool::TransactionPoolHandle<parley_runtime::opaque::Block, FullClient>;
type OffchainDb =
	<sc_service::TFullBackend<parley_runtime::opaque::Block> as sc_client_api::Backend<
		parley_runtime::opaque::Block,
	>>::OffchainStorage;

// The off-chain side never asks for more pins in one `pins.pin_batches` than the pallet takes.
const _: () =
	assert!(parley_offchain::MAX_PINS_PER_SUBMISSION == pallet_pins::MAX_PINS_PER_CALL as usize);

/// How many blocks a signed pin stays valid.
const MORTALITY: u64 = 64;

/// How long a transaction is followed at most: four times its era at one block a slot. By then
/// it is final, or its era has ended and [`InFlight`] has let its nonce go, so that following
/// it longer frees nothing; the bound keeps a stream the pool never ends (a finality stall
/// across a partition) from holding a task for each pin sent meanwhile.
const FOLLOW_FOR: std::time::Duration =
	std::time::Duration::from_millis(4 * MORTALITY * parley_runtime::MILLI_SECS_PER_BLOCK);

struct Inner {
	client: Arc<FullClient>,
	pool: Arc<Pool>,
	keystore: KeystorePtr,
	account: sr25519::Public,
	/// Held for the whole of a submission, so that two never take the same nonce.
	submitting: tokio::sync::Mutex<()>,
	/// This account's transactions the pool accepted and the chain has not taken yet.
	in_flight: Arc<parking_lot::Mutex<InFlight>>,
	offchain: parking_lot::Mutex<Option<OffchainDb>>,
}

/// Submits this node's pins and queues its acknowledgements.
#[derive(Clone)]
pub struct ChainSubmitter {
	inner: Arc<Inner>,
}

impl ChainSubmitter {
	/// A submitter signing with `account` (an sr25519 key of type `prly` in `keystore`).
	pub fn new(
		client: Arc<FullClient>,
		pool: Arc<Pool>,
		keystore: KeystorePtr,
		account: sr25519::Public,
		backend: &sc_service::TFullBackend<parley_runtime::opaque::Block>,
	) -> Self {
		Self {
			inner: Arc::new(Inner {
				client,
				pool,
				keystore,
				account,
				submitting: tokio::sync::Mutex::new(()),
				in_flight: Default::default(),
				offchain: parking_lot::Mutex::new(backend.offchain_storage()),
			}),
		}
	}

	/// Signs `call` with the next nonce and hands it to the pool; `signed`, if given, is told its
	/// hash and era first (under the same lock, so no other transaction takes the nonce).
	async fn submit(
		&self,
		call: RuntimeCall,
		signed: Option<OnSigned>,
	) -> Result<SubmittedTx, String> {
		let inner = &self.inner;
		let _submitting = inner.submitting.lock().await;
		let info = inner.client.info();
		let best = info.best_hash;
		let api = inner.client.runtime_api();
		let account = AccountId::from(inner.account);
		let chain_nonce = api.account_nonce(best, account.clone()).map_err(|e| e.to_string())?;
		let nonce = inner.in_flight.lock().next_nonce(
			chain_nonce,
			info.best_number as u64,
			next_nonce(&*inner.pool, &account, chain_nonce),
		);
		let version = api.version(best).map_err(|e| e.to_string())?;
		let born = era_birth(info.best_number as u64, info.finalized_number as u64, MORTALITY);
		let era = Era::mortal(MORTALITY, born);
		let birth = era.birth(born) as u32;
		let birth_hash = inner.client.hash(birth).map_err(|e| e.to_string())?.unwrap_or(best);
		let extension: TxExtension = (
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(era),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			frame_system::WeightReclaim::<Runtime>::new(),
		);
		let implicit = (
			(),
			version.spec_version,
			version.transaction_version,
			info.genesis_hash,
			birth_hash,
			(),
			(),
			(),
			None,
			(),
		);
		let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
		let signature = payload
			.using_encoded(|bytes| {
				inner.keystore.sr25519_sign(pallet_pins::KEY_TYPE, &inner.account, bytes)
			})
			.map_err(|e| e.to_string())?
			.ok_or("the node account key is not in the keystore")?;
		let extrinsic = UncheckedExtrinsic::new_signed(
			call,
			account.into(),
			MultiSignature::Sr25519(signature),
			extension,
		);
		let opaque = OpaqueExtrinsic::try_from_encoded_extrinsic(&extrinsic.encode())
			.map_err(|e| e.to_string())?;
		// The pool's hash, and the follower's: blake2-256 of the encoded extrinsic.
		let tx = SubmittedTx {
			hash: sp_crypto_hashing::blake2_256(&opaque.encode()),
			valid_until: era.death(born).saturating_sub(1),
		};
		if let Some(signed) = signed {
			signed(tx).await?;
		}
		match inner.pool.submit_and_watch(best, TransactionSource::Local, opaque).await {
			Ok(status) => {
				inner.in_flight.lock().accepted(nonce, tx.hash, tx.valid_until);
				tokio::spawn(tokio::time::timeout(
					FOLLOW_FOR,
					follow(status, inner.in_flight.clone(), nonce, tx.hash),
				));
				Ok(tx)
			}
			Err(e) => Err(format!("the transaction pool refused the transaction: {e}")),
		}
	}
}

/// Follows this node's transaction `hash` with `nonce` in the pool until it is final, and frees
/// its nonce in `in_flight` if the pool drops it (usurped, dropped or invalid). Run for at most
/// [`FOLLOW_FOR`].
async fn follow(
	mut status: std::pin::Pin<Box<sc_transaction_pool_api::TransactionStatusStreamFor<Pool>>>,
	in_flight: Arc<parking_lot::Mutex<InFlight>>,
	nonce: u32,
	hash: [u8; 32],
) {
	use futures::StreamExt;
	while let Some(news) = status.next().await {
		match news {
			TransactionStatus::Usurped(_)
			| TransactionStatus::Dropped
			| TransactionStatus::Invalid => {
				log::debug!(target: "parley", "the pool dropped this node's transaction 0x{} ({news:?}): nonce {nonce} is free again", hex::encode(hash));
				in_flight.lock().dropped(nonce, hash);
				return;
			}
			TransactionStatus::Finalized(_) | TransactionStatus::FinalityTimeout(_) => return,
			_ => {}
		}
	}
}

/// The nonce for this account's next transaction: `chain_nonce` (at the best block), past every
/// transaction of the account that is ready in `pool`, found by its `provides` tag
/// `(account, nonce)` (as `substrate-frame-rpc-system` does for `system_accountNextIndex`).
fn next_nonce<P: TransactionPool>(pool: &P, account: &AccountId, chain_nonce: u32) -> u32 {
	let mut nonce = chain_nonce;
	let mut tag = (account, nonce).encode();
	// `ready()` yields an account's transactions in nonce order.
	for tx in pool.ready() {
		if tx.provides().first() == Some(&tag) {
			nonce += 1;
			tag = (account, nonce).encode();
		}
	}
	nonce
}

impl Submitter for ChainSubmitter {
	fn submit_pin(&self, pin: PinSubmission) -> BoxFuture<'static, Result<(), String>> {
		let this = self.clone();
		Box::pin(async move {
			let call = RuntimeCall::Pins(pallet_pins::Call::pin_batch {
				namespace: pin.namespace.into_bytes(),
				batch_id: pin.batch_id,
				batch_hash: H256(pin.batch_hash),
				payload_ref: Vec::new(),
				contexts: pin.contexts.into_iter().map(H256).collect(),
			});
			this.submit(call, None).await.map(|_| ())
		})
	}

	fn submit_pins(&self, pins: Vec<PinSubmission>) -> BoxFuture<'static, Result<(), String>> {
		let this = self.clone();
		Box::pin(async move {
			let pins = pins
				.into_iter()
				.map(|pin| pallet_pins::BatchPin {
					namespace: pin.namespace.into_bytes(),
					batch_id: pin.batch_id,
					batch_hash: H256(pin.batch_hash),
					payload_ref: Vec::new(),
					contexts: pin.contexts.into_iter().map(H256).collect(),
				})
				.collect();
			this.submit(RuntimeCall::Pins(pallet_pins::Call::pin_batches { pins }), None)
				.await
				.map(|_| ())
		})
	}

	fn submit_tokens(
		&self,
		call: TokenCall,
		signed: OnSigned,
	) -> BoxFuture<'static, Result<SubmittedTx, String>> {
		let this = self.clone();
		Box::pin(
			async move { this.submit(RuntimeCall::Tokens(tokens_call(call)), Some(signed)).await },
		)
	}

	fn submit_skip(&self, batch_id: [u8; 16]) -> BoxFuture<'static, Result<(), String>> {
		let this = self.clone();
		Box::pin(async move {
			this.submit(RuntimeCall::Pins(pallet_pins::Call::skip_batch { batch_id }), None)
				.await
				.map(|_| ())
		})
	}

	fn acknowledge(&self, batch_hash: [u8; 32]) {
		let mut guard = self.inner.offchain.lock();
		let Some(db) = guard.as_mut() else {
			log::warn!(target: "parley", "no offchain storage: cannot queue acknowledgement");
			return;
		};
		let prefix = sp_core::offchain::STORAGE_PREFIX;
		let key = pallet_pins::ACK_QUEUE_KEY;
		// Compare-and-set against the offchain worker, which drains the same queue.
		for _ in 0..16 {
			let old = db.get(prefix, key);
			let mut entries: Vec<(H256, u32)> =
				old.as_ref().and_then(|v| Decode::decode(&mut &v[..]).ok()).unwrap_or_default();
			if entries.iter().any(|(h, _)| h.0 == batch_hash) {
				return;
			}
			entries.push((H256(batch_hash), 0));
			if entries.len() > pallet_pins::ACK_QUEUE_MAX {
				entries.remove(0);
			}
			if db.compare_and_set(prefix, key, old.as_deref(), &entries.encode()) {
				return;
			}
		}
		log::warn!(target: "parley", "could not queue the acknowledgement of 0x{}", hex::encode(batch_hash));
	}
}

/// The tokens pallet call for an off-chain [`TokenCall`].
fn tokens_call(call: TokenCall) -> pallet_tokens::Call<Runtime> {
	use pallet_tokens::{Call as C, Holding as H, PoolKind as K};
	use parley_offchain::tokens::{Holding, PoolKind};
	let holding = |h: Holding| match h {
		Holding::Amount(amount) => H::Amount(amount),
		Holding::Item(index) => H::Item(index),
	};
	let account = |a: [u8; 32]| AccountId::from(a);
	match call {
		TokenCall::CreatePool {
			namespace,
			name,
			symbol,
			decimals,
			kind,
			metadata_uri,
			metadata_hash,
		} => C::create_pool {
			namespace: namespace.into_bytes(),
			name: name.into_bytes(),
			symbol: symbol.into_bytes(),
			decimals,
			kind: match kind {
				PoolKind::Fungible => K::Fungible,
				PoolKind::NonFungible => K::NonFungible,
			},
			metadata_uri: metadata_uri.into_bytes(),
			metadata_hash: metadata_hash.map(H256),
		},
		TokenCall::Mint { pool, to, holding: h, metadata_hash } => C::mint {
			pool,
			to: account(to),
			tokens: holding(h),
			metadata_hash: metadata_hash.map(H256),
		},
		TokenCall::Burn { pool, holding: h } => C::burn { pool, tokens: holding(h) },
		TokenCall::Transfer { pool, to, holding: h, message_hash } => C::transfer {
			pool,
			to: account(to),
			tokens: holding(h),
			message_hash: message_hash.map(H256),
		},
		TokenCall::TransferFrom { pool, owner, to, holding: h, message_hash } => C::transfer_from {
			pool,
			owner: account(owner),
			to: account(to),
			tokens: holding(h),
			message_hash: message_hash.map(H256),
		},
		TokenCall::Approve { pool, delegate, holding: h } => {
			C::approve { pool, delegate: account(delegate), tokens: holding(h) }
		}
		TokenCall::SetAllowance { pool, delegate, amount } => {
			C::set_allowance { pool, delegate: account(delegate), amount }
		}
		TokenCall::RevokeApproval { pool, delegate, item } => {
			C::revoke_approval { pool, delegate: account(delegate), item }
		}
		TokenCall::Claim { namespace, key_hash, owner } => C::claim {
			namespace: namespace.into_bytes(),
			key_hash: H256(key_hash),
			owner: account(owner),
		},
		TokenCall::TransferClaim { namespace, key_hash, to } => C::transfer_claim {
			namespace: namespace.into_bytes(),
			key_hash: H256(key_hash),
			to: account(to),
		},
		TokenCall::ReleaseClaim { namespace, key_hash } => {
			C::release_claim { namespace: namespace.into_bytes(), key_hash: H256(key_hash) }
		}
		TokenCall::LockEscrow {
			pool,
			payee,
			amount,
			batch_hash,
			node,
			timeout,
			key_hash: None,
		} => C::lock_escrow {
			pool,
			payee: account(payee),
			amount,
			batch_hash: H256(batch_hash),
			node,
			timeout,
		},
		TokenCall::LockEscrow {
			pool,
			payee,
			amount,
			batch_hash,
			node,
			timeout,
			key_hash: Some(key_hash),
		} => C::lock_keyed_escrow {
			pool,
			payee: account(payee),
			amount,
			batch_hash: H256(batch_hash),
			key_hash: H256(key_hash),
			node,
			timeout,
		},
		TokenCall::RevealKey { escrow, key } => C::reveal_key { escrow, key },
		TokenCall::ReleaseEscrow { escrow } => C::release_escrow { escrow },
		TokenCall::RefundEscrow { escrow } => C::refund_escrow { escrow },
	}
}

/// Signs receipts with the node account key in the keystore.
pub struct KeystoreSigner {
	pub(crate) keystore: KeystorePtr,
	pub(crate) account: sr25519::Public,
}

impl parley_offchain::envelope::ReceiptSigner for KeystoreSigner {
	fn account(&self) -> [u8; 32] {
		self.account.0
	}

	fn sign(&self, message: &[u8]) -> Option<[u8; 64]> {
		self.keystore
			.sr25519_sign(pallet_pins::KEY_TYPE, &self.account, message)
			.ok()
			.flatten()
			.map(|s| s.0)
	}
}
