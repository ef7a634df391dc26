//! Benchmarks of the tokens pallet's calls at their worst case: longest names, new accounts,
//! full escrow queues.

use super::*;
use crate::features::escrow::EXPIRY_SPREAD;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{traits::Get, BoundedVec};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_identities::{IdentityId, NodeRegistry};
use pallet_pins::AcknowledgementLedger;
use sp_core::H256;
use sp_runtime::traits::Saturating;

fn name<T: Config>(fill: u8) -> Vec<u8> {
	vec![fill; T::MaxNameLen::get() as usize]
}

/// A node account in force (the whitelisted caller) and its identity.
fn party<T: Config>() -> (T::AccountId, IdentityId) {
	let who: T::AccountId = whitelisted_caller();
	let id = T::Nodes::register_benchmark_node(&who, 0);
	(who, id)
}

fn create<T: Config>(who: &T::AccountId, kind: PoolKind) -> PoolId {
	let decimals = if kind == PoolKind::Fungible { T::MaxDecimals::get() } else { 0 };
	Pallet::<T>::do_create_pool(
		who,
		name::<T>(b'n'),
		vec![b'p'; T::MaxNameLen::get() as usize - 1],
		vec![b'S'; T::MaxSymbolLen::get() as usize],
		decimals,
		kind,
		vec![b'u'; T::MaxUriLen::get() as usize],
		Some(H256::repeat_byte(1)),
	)
	.expect("benchmark pool is valid")
}

fn amount<T: Config>(units: u32) -> HoldingOf<T> {
	Holding::Amount(units.into())
}

/// A fungible pool with 1000 units minted to `who`.
fn funded<T: Config>(who: &T::AccountId) -> PoolId {
	let pool = create::<T>(who, PoolKind::Fungible);
	Pallet::<T>::do_mint(who, pool, who.clone(), amount::<T>(1000), None).expect("mint");
	pool
}

/// A non-fungible pool with item 1 minted to `who`.
fn with_item<T: Config>(who: &T::AccountId) -> PoolId {
	let pool = create::<T>(who, PoolKind::NonFungible);
	Pallet::<T>::do_mint(who, pool, who.clone(), Holding::Item(1), Some(H256::repeat_byte(2)))
		.expect("mint");
	pool
}

/// Fills the expiry queues of the `EXPIRY_SPREAD - 1` blocks from `now + timeout`, and the batch
/// queue of `batch` but for one place, so the next escrow on `batch` with `timeout` takes the
/// longest path.
fn crowd_queues<T: Config>(batch: H256, node: IdentityId, timeout: BlockNumberFor<T>) {
	let full = BoundedVec::<EscrowId, T::MaxExpiriesPerBlock>::try_from(vec![
		u64::MAX;
		T::MaxExpiriesPerBlock::get()
			as usize
	])
	.expect("fits");
	let mut at = frame_system::Pallet::<T>::block_number().saturating_add(timeout);
	for _ in 1..EXPIRY_SPREAD {
		EscrowExpiries::<T>::insert(at, full.clone());
		at = at.saturating_add(1u32.into());
	}
	let waiting = BoundedVec::<EscrowId, T::MaxEscrowsPerBatch>::try_from(vec![
		u64::MAX;
		T::MaxEscrowsPerBatch::get().saturating_sub(1)
			as usize
	])
	.expect("fits");
	EscrowsByBatch::<T>::insert(escrow_wait_key(batch, node), waiting);
}

/// An escrow locked by a node of its own org, paying a fresh account, on crowded queues.
fn locked<T: Config>() -> (EscrowId, H256, IdentityId) {
	let (payer, node) = party::<T>();
	let pool = funded::<T>(&payer);
	let batch = H256::repeat_byte(7);
	let timeout: BlockNumberFor<T> = 10u32.into();
	crowd_queues::<T>(batch, node, timeout);
	let escrow = Pallet::<T>::do_lock_escrow(
		&payer,
		pool,
		account("payee", 0, 0),
		100u32.into(),
		batch,
		node,
		timeout,
		None,
	)
	.expect("lock");
	(escrow, batch, node)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_fungible_pool() {
		let (who, _) = party::<T>();

		#[extrinsic_call]
		create_pool(
			RawOrigin::Signed(who),
			name::<T>(b'n'),
			name::<T>(b'p'),
			vec![b'S'; T::MaxSymbolLen::get() as usize],
			T::MaxDecimals::get(),
			PoolKind::Fungible,
			vec![b'u'; T::MaxUriLen::get() as usize],
			Some(H256::repeat_byte(1)),
		);

		assert!(Pools::<T>::contains_key(0));
	}

	#[benchmark]
	fn create_item_pool() {
		let (who, _) = party::<T>();

		#[extrinsic_call]
		create_pool(
			RawOrigin::Signed(who),
			name::<T>(b'n'),
			name::<T>(b'p'),
			vec![b'S'; T::MaxSymbolLen::get() as usize],
			0,
			PoolKind::NonFungible,
			vec![b'u'; T::MaxUriLen::get() as usize],
			Some(H256::repeat_byte(1)),
		);

		assert!(Pools::<T>::contains_key(0));
	}

	#[benchmark]
	fn mint_amount() {
		let (who, _) = party::<T>();
		let pool = create::<T>(&who, PoolKind::Fungible);
		let to: T::AccountId = account("to", 0, 0);

		#[extrinsic_call]
		mint(RawOrigin::Signed(who), pool, to.clone(), amount::<T>(1000), Some(H256::zero()));

		assert_eq!(Pallet::<T>::balance_of(pool, &to), Some(1000u32.into()));
	}

	#[benchmark]
	fn mint_item() {
		let (who, _) = party::<T>();
		let pool = create::<T>(&who, PoolKind::NonFungible);
		let to: T::AccountId = account("to", 0, 0);

		#[extrinsic_call]
		mint(RawOrigin::Signed(who), pool, to.clone(), Holding::Item(1), Some(H256::zero()));

		assert_eq!(Pallet::<T>::item_owner(pool, 1), Some(to));
	}

	#[benchmark]
	fn burn_amount() {
		let (who, _) = party::<T>();
		let pool = funded::<T>(&who);

		#[extrinsic_call]
		burn(RawOrigin::Signed(who.clone()), pool, amount::<T>(1000));

		assert_eq!(Pallet::<T>::balance_of(pool, &who), Some(0u32.into()));
	}

	#[benchmark]
	fn burn_item() {
		let (who, _) = party::<T>();
		let pool = with_item::<T>(&who);
		ItemApprovals::<T>::insert(pool, 1, account::<T::AccountId>("delegate", 0, 0));

		#[extrinsic_call]
		burn(RawOrigin::Signed(who), pool, Holding::Item(1));

		assert_eq!(Pallet::<T>::item_owner(pool, 1), None);
	}

	#[benchmark]
	fn transfer_amount() {
		let (who, _) = party::<T>();
		let pool = funded::<T>(&who);
		let to: T::AccountId = account("to", 0, 0);

		#[extrinsic_call]
		transfer(
			RawOrigin::Signed(who.clone()),
			pool,
			to.clone(),
			amount::<T>(1000),
			Some(H256::zero()),
		);

		assert_eq!(Pallet::<T>::balance_of(pool, &to), Some(1000u32.into()));
	}

	#[benchmark]
	fn transfer_item() {
		let (who, _) = party::<T>();
		let pool = with_item::<T>(&who);
		let to: T::AccountId = account("to", 0, 0);
		ItemApprovals::<T>::insert(pool, 1, account::<T::AccountId>("delegate", 0, 0));

		#[extrinsic_call]
		transfer(RawOrigin::Signed(who), pool, to.clone(), Holding::Item(1), Some(H256::zero()));

		assert_eq!(Pallet::<T>::item_owner(pool, 1), Some(to));
	}

	#[benchmark]
	fn approve_amount() {
		let (who, _) = party::<T>();
		let pool = funded::<T>(&who);
		let delegate: T::AccountId = account("delegate", 0, 0);

		#[extrinsic_call]
		approve(RawOrigin::Signed(who.clone()), pool, delegate.clone(), amount::<T>(500));

		assert_eq!(Pallet::<T>::allowance(pool, &who, &delegate), 500u32.into());
	}

	#[benchmark]
	fn approve_item() {
		let (who, _) = party::<T>();
		let pool = with_item::<T>(&who);
		let delegate: T::AccountId = account("delegate", 0, 0);

		#[extrinsic_call]
		approve(RawOrigin::Signed(who), pool, delegate.clone(), Holding::Item(1));

		assert_eq!(ItemApprovals::<T>::get(pool, 1), Some(delegate));
	}

	#[benchmark]
	fn set_allowance() {
		// The worst case: an allowance to withdraw, and a new one to set.
		let (who, _) = party::<T>();
		let pool = funded::<T>(&who);
		let delegate: T::AccountId = account("delegate", 0, 0);
		Pallet::<T>::do_approve(&who, pool, delegate.clone(), amount::<T>(1000)).expect("approve");

		#[extrinsic_call]
		set_allowance(RawOrigin::Signed(who.clone()), pool, delegate.clone(), 300u32.into());

		assert_eq!(Pallet::<T>::allowance(pool, &who, &delegate), 300u32.into());
	}

	#[benchmark]
	fn revoke_approval() {
		let (who, _) = party::<T>();
		let pool = with_item::<T>(&who);
		let delegate: T::AccountId = account("delegate", 0, 0);
		Pallet::<T>::do_approve(&who, pool, delegate.clone(), Holding::Item(1)).expect("approve");

		#[extrinsic_call]
		revoke_approval(RawOrigin::Signed(who), pool, delegate, 1);

		assert_eq!(ItemApprovals::<T>::get(pool, 1), None);
	}

	#[benchmark]
	fn transfer_from_amount() {
		let (who, _) = party::<T>();
		let pool = funded::<T>(&who);
		let delegate: T::AccountId = account("delegate", 0, 0);
		let to: T::AccountId = account("to", 0, 0);
		Pallet::<T>::do_approve(&who, pool, delegate.clone(), amount::<T>(1000)).expect("approve");

		#[extrinsic_call]
		transfer_from(
			RawOrigin::Signed(delegate),
			pool,
			who,
			to.clone(),
			amount::<T>(1000),
			Some(H256::zero()),
		);

		assert_eq!(Pallet::<T>::balance_of(pool, &to), Some(1000u32.into()));
	}

	#[benchmark]
	fn transfer_from_item() {
		let (who, _) = party::<T>();
		let pool = with_item::<T>(&who);
		let delegate: T::AccountId = account("delegate", 0, 0);
		let to: T::AccountId = account("to", 0, 0);
		Pallet::<T>::do_approve(&who, pool, delegate.clone(), Holding::Item(1)).expect("approve");

		#[extrinsic_call]
		transfer_from(
			RawOrigin::Signed(delegate),
			pool,
			who,
			to.clone(),
			Holding::Item(1),
			Some(H256::zero()),
		);

		assert_eq!(Pallet::<T>::item_owner(pool, 1), Some(to));
	}

	#[benchmark]
	fn claim() {
		let (who, _) = party::<T>();
		let key = H256::repeat_byte(3);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), name::<T>(b'c'), key, who.clone());

		let ns = NameOf::<T>::try_from(name::<T>(b'c')).expect("fits");
		assert!(Claims::<T>::contains_key(ns, key));
	}

	#[benchmark]
	fn transfer_claim() {
		let (who, _) = party::<T>();
		let key = H256::repeat_byte(3);
		Pallet::<T>::do_claim(&who, name::<T>(b'c'), key, who.clone()).expect("claim");
		let to: T::AccountId = account("to", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), name::<T>(b'c'), key, to.clone());

		let ns = NameOf::<T>::try_from(name::<T>(b'c')).expect("fits");
		assert_eq!(Claims::<T>::get(ns, key).map(|c| c.owner), Some(to));
	}

	#[benchmark]
	fn release_claim() {
		let (who, _) = party::<T>();
		let key = H256::repeat_byte(3);
		Pallet::<T>::do_claim(&who, name::<T>(b'c'), key, who.clone()).expect("claim");

		#[extrinsic_call]
		_(RawOrigin::Signed(who), name::<T>(b'c'), key);

		let ns = NameOf::<T>::try_from(name::<T>(b'c')).expect("fits");
		assert!(!Claims::<T>::contains_key(ns, key));
	}

	/// The longest path: the expiry queues of the first blocks are full, the batch queue has
	/// one place left.
	#[benchmark]
	fn lock_escrow() {
		let (who, node) = party::<T>();
		let pool = funded::<T>(&who);
		let batch = H256::repeat_byte(7);
		let timeout: BlockNumberFor<T> = 10u32.into();
		crowd_queues::<T>(batch, node, timeout);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			pool,
			account("payee", 0, 0),
			100u32.into(),
			batch,
			node,
			timeout,
		);

		assert_eq!(Escrows::<T>::get(0).map(|e| e.state), Some(EscrowState::Locked));
	}

	#[benchmark]
	fn release_escrow() {
		let (escrow, batch, node) = locked::<T>();
		T::Acknowledgements::record_benchmark_acknowledgement(batch, node);
		let caller: T::AccountId = account("anyone", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), escrow);

		assert_eq!(Escrows::<T>::get(escrow).map(|e| e.state), Some(EscrowState::Released));
	}

	#[benchmark]
	fn refund_escrow() {
		let (escrow, _, _) = locked::<T>();
		let expires_at = Escrows::<T>::get(escrow).expect("locked").expires_at;
		frame_system::Pallet::<T>::set_block_number(expires_at);
		let caller: T::AccountId = account("anyone", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), escrow);

		assert_eq!(Escrows::<T>::get(escrow).map(|e| e.state), Some(EscrowState::Refunded));
	}

	#[benchmark]
	fn lock_keyed_escrow() {
		let (who, node) = party::<T>();
		let pool = funded::<T>(&who);
		let timeout: BlockNumberFor<T> = 10u32.into();
		// The expiry queues crowded; a keyed escrow joins no batch's list.
		crowd_queues::<T>(H256::repeat_byte(8), node, timeout);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			pool,
			account("payee", 0, 0),
			100u32.into(),
			H256::repeat_byte(7),
			<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&[5; 32]),
			node,
			timeout,
		);

		assert!(EscrowKeys::<T>::contains_key(0));
	}

	#[benchmark]
	fn reveal_key() {
		let (payer, node) = party::<T>();
		let pool = funded::<T>(&payer);
		let timeout: BlockNumberFor<T> = 10u32.into();
		crowd_queues::<T>(H256::repeat_byte(8), node, timeout);
		let key = [5u8; 32];
		let escrow = Pallet::<T>::do_lock_escrow(
			&payer,
			pool,
			account("payee", 0, 0),
			100u32.into(),
			H256::repeat_byte(7),
			node,
			timeout,
			Some(<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&key)),
		)
		.expect("lock");
		let caller: T::AccountId = account("anyone", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), escrow, key);

		assert_eq!(Escrows::<T>::get(escrow).map(|e| e.state), Some(EscrowState::Released));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
