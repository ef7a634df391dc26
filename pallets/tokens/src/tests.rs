//! Tests of every call and every error of the tokens pallet, on the real ledgers.

use crate::{mock::*, pallet::*, EscrowId, EscrowState, Holding, PoolId, PoolKind};
use frame_support::{assert_noop, assert_ok, traits::fungibles::Inspect};
use pallet_pins::OnAcknowledged;
use sp_core::H256;

type E = Error<Test>;

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// Creates a pool named `name` in namespace "default" as `who`.
fn pool(who: u64, name: &str, kind: PoolKind) -> u32 {
	let id = NextPoolId::<Test>::get();
	let decimals = if kind == PoolKind::Fungible { 2 } else { 0 };
	assert_ok!(Tokens::create_pool(
		signed(who),
		b"default".to_vec(),
		name.as_bytes().to_vec(),
		b"SYM".to_vec(),
		decimals,
		kind,
		b"https://schemas.example/claim-file.json".to_vec(),
		Some(H256::repeat_byte(9)),
	));
	id
}

/// A fungible pool of the insurer with `amount` minted to the insurer's node.
fn funded_pool(amount: u64) -> u32 {
	let id = pool(INSURER, "coin", PoolKind::Fungible);
	assert_ok!(Tokens::mint(signed(INSURER), id, INSURER_NODE, Holding::Amount(amount), None));
	id
}

fn balance(pool: u32, who: u64) -> u64 {
	Assets::balance(pool, who)
}

fn last_event() -> RuntimeEvent {
	System::events().last().expect("an event").event.clone()
}

fn tokens_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Tokens(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// The provider's node pins a batch with hash `hash`.
fn pin(hash: H256) {
	assert_ok!(Pins::pin_batch(
		signed(PROVIDER_NODE),
		b"default".to_vec(),
		hash.0[..16].try_into().unwrap(),
		hash,
		vec![],
		vec![]
	));
}

// ---- pools ----

#[test]
fn an_org_admin_and_a_node_create_pools_on_the_ledgers() {
	new_test_ext().execute_with(|| {
		let coin = pool(INSURER, "coin", PoolKind::Fungible);
		let files = pool(INSURER_NODE, "claim-files", PoolKind::NonFungible);
		assert_eq!((coin, files), (0, 1));
		let record = Pools::<Test>::get(files).unwrap();
		assert_eq!(record.org, 1);
		assert_eq!(record.kind, PoolKind::NonFungible);
		assert_eq!(record.creator, INSURER_NODE);
		assert_eq!(PoolByName::<Test>::get(record.namespace, record.name), Some(files));
		assert!(Assets::asset_exists(coin));
		assert_eq!(
			pallet_nfts::Collection::<Test>::get(files).unwrap().owner,
			Tokens::account_id()
		);
		assert!(matches!(
			last_event(),
			RuntimeEvent::Tokens(Event::PoolCreated { pool: 1, org: 1, decimals: 0, .. })
		));
	});
}

#[test]
fn create_pool_rejects_bad_input_with_named_errors() {
	new_test_ext().execute_with(|| {
		let create = |who, ns: &[u8], name: &[u8], symbol: &[u8], decimals, kind, uri: &[u8]| {
			Tokens::create_pool(
				signed(who),
				ns.to_vec(),
				name.to_vec(),
				symbol.to_vec(),
				decimals,
				kind,
				uri.to_vec(),
				None,
			)
		};
		let f = PoolKind::Fungible;
		assert_noop!(create(STRANGER, b"default", b"coin", b"C", 0, f, b""), E::NotAParty);
		assert_noop!(create(INSURER, b"", b"coin", b"C", 0, f, b""), E::InvalidNamespace);
		assert_noop!(create(INSURER, b"a b", b"coin", b"C", 0, f, b""), E::InvalidNamespace);
		assert_noop!(create(INSURER, &[b'n'; 65], b"coin", b"C", 0, f, b""), E::InvalidNamespace);
		assert_noop!(create(INSURER, b"default", b"", b"C", 0, f, b""), E::InvalidPoolName);
		assert_noop!(create(INSURER, b"default", &[b'p'; 65], b"C", 0, f, b""), E::InvalidPoolName);
		assert_noop!(
			create(INSURER, b"default", b"coin", &[b'S'; 17], 0, f, b""),
			E::SymbolTooLong
		);
		assert_noop!(create(INSURER, b"default", b"coin", b"C", 0, f, &[b'u'; 257]), E::UriTooLong);
		assert_noop!(create(INSURER, b"default", b"coin", b"C", 19, f, b""), E::InvalidDecimals);
		let nft = PoolKind::NonFungible;
		assert_noop!(create(INSURER, b"default", b"files", b"F", 1, nft, b""), E::InvalidDecimals);
	});
}

#[test]
fn a_pool_name_is_unique_per_namespace() {
	new_test_ext().execute_with(|| {
		pool(INSURER, "coin", PoolKind::Fungible);
		assert_noop!(
			Tokens::create_pool(
				signed(PROVIDER),
				b"default".to_vec(),
				b"coin".to_vec(),
				b"C".to_vec(),
				0,
				PoolKind::NonFungible,
				vec![],
				None
			),
			E::PoolNameTaken
		);
		assert_ok!(Tokens::create_pool(
			signed(PROVIDER),
			b"other-ns".to_vec(),
			b"coin".to_vec(),
			b"C".to_vec(),
			0,
			PoolKind::Fungible,
			vec![],
			None
		));
	});
}

// ---- mint and burn ----

#[test]
fn the_owning_org_mints_amounts_and_items() {
	new_test_ext().execute_with(|| {
		let coin = pool(INSURER, "coin", PoolKind::Fungible);
		assert_ok!(Tokens::mint(signed(INSURER_NODE), coin, PROVIDER, Holding::Amount(500), None));
		assert_eq!(balance(coin, PROVIDER), 500);
		let files = pool(INSURER, "files", PoolKind::NonFungible);
		let meta = Some(H256::repeat_byte(4));
		assert_ok!(Tokens::mint(signed(INSURER), files, INSURER_NODE, Holding::Item(7), meta));
		assert_eq!(Tokens::item_owner(files, 7), Some(INSURER_NODE));
		assert_eq!(ItemMetadata::<Test>::get(files, 7), meta);
		assert_eq!(Tokens::balance_of(files, &INSURER_NODE), Some(1));
		assert_eq!(Tokens::items_of(files, &INSURER_NODE, 10), vec![7]);
		assert_eq!(
			last_event(),
			RuntimeEvent::Tokens(Event::Minted {
				pool: files,
				to: INSURER_NODE,
				tokens: Holding::Item(7),
				metadata_hash: meta,
				operator: INSURER,
			})
		);
	});
}

#[test]
fn mint_rejects_bad_input_with_named_errors() {
	new_test_ext().execute_with(|| {
		let coin = pool(INSURER, "coin", PoolKind::Fungible);
		let files = pool(INSURER, "files", PoolKind::NonFungible);
		let amount = Holding::Amount(1);
		assert_noop!(Tokens::mint(signed(INSURER), 42, PROVIDER, amount, None), E::UnknownPool);
		assert_noop!(Tokens::mint(signed(STRANGER), coin, PROVIDER, amount, None), E::NotAParty);
		assert_noop!(Tokens::mint(signed(PROVIDER), coin, PROVIDER, amount, None), E::NotPoolOwner);
		assert_noop!(
			Tokens::mint(signed(PROVIDER_NODE), files, PROVIDER, Holding::Item(1), None),
			E::NotPoolOwner
		);
		assert_noop!(
			Tokens::mint(signed(INSURER), coin, PROVIDER, Holding::Item(1), None),
			E::WrongPoolKind
		);
		assert_noop!(
			Tokens::mint(signed(INSURER), files, PROVIDER, amount, None),
			E::WrongPoolKind
		);
		assert_noop!(
			Tokens::mint(signed(INSURER), coin, PROVIDER, Holding::Amount(0), None),
			E::ZeroAmount
		);
		assert_ok!(Tokens::mint(signed(INSURER), coin, PROVIDER, Holding::Amount(u64::MAX), None));
		assert_noop!(Tokens::mint(signed(INSURER), coin, INSURER, amount, None), E::SupplyOverflow);
	});
}

#[test]
fn a_second_mint_of_an_index_fails_with_token_index_taken() {
	new_test_ext().execute_with(|| {
		let files = pool(INSURER, "files", PoolKind::NonFungible);
		assert_ok!(Tokens::mint(signed(INSURER), files, INSURER_NODE, Holding::Item(7), None));
		assert_noop!(
			Tokens::mint(signed(INSURER_NODE), files, PROVIDER, Holding::Item(7), None),
			E::TokenIndexTaken
		);
		assert_eq!(Tokens::item_owner(files, 7), Some(INSURER_NODE));
	});
}

#[test]
fn holders_burn_their_tokens() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		assert_ok!(Tokens::burn(signed(INSURER_NODE), coin, Holding::Amount(40)));
		assert_eq!(balance(coin, INSURER_NODE), 60);
		assert_noop!(
			Tokens::burn(signed(INSURER_NODE), coin, Holding::Amount(61)),
			E::InsufficientBalance
		);
		assert_noop!(Tokens::burn(signed(INSURER_NODE), coin, Holding::Amount(0)), E::ZeroAmount);

		let files = pool(INSURER, "files", PoolKind::NonFungible);
		let meta = Some(H256::repeat_byte(1));
		assert_ok!(Tokens::mint(signed(INSURER), files, INSURER_NODE, Holding::Item(1), meta));
		assert_noop!(Tokens::burn(signed(PROVIDER), files, Holding::Item(1)), E::NotTokenOwner);
		assert_noop!(Tokens::burn(signed(INSURER_NODE), files, Holding::Item(2)), E::UnknownToken);
		assert_ok!(Tokens::burn(signed(INSURER_NODE), files, Holding::Item(1)));
		assert_eq!(Tokens::item_owner(files, 1), None);
		assert_eq!(ItemMetadata::<Test>::get(files, 1), None);
		assert_eq!(
			last_event(),
			RuntimeEvent::Tokens(Event::Burned {
				pool: files,
				from: INSURER_NODE,
				tokens: Holding::Item(1)
			})
		);
	});
}

// ---- transfers and approvals ----

#[test]
fn a_transfer_carries_the_hash_of_its_private_message() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let message = Some(H256::repeat_byte(0xaa));
		assert_ok!(Tokens::transfer(
			signed(INSURER_NODE),
			coin,
			PROVIDER,
			Holding::Amount(30),
			message
		));
		assert_eq!((balance(coin, INSURER_NODE), balance(coin, PROVIDER)), (70, 30));
		assert_eq!(
			last_event(),
			RuntimeEvent::Tokens(Event::Transferred {
				pool: coin,
				from: INSURER_NODE,
				to: PROVIDER,
				tokens: Holding::Amount(30),
				message_hash: message,
				operator: INSURER_NODE,
			})
		);
	});
}

#[test]
fn a_transfer_over_balance_fails_with_insufficient_balance() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		assert_noop!(
			Tokens::transfer(signed(INSURER_NODE), coin, PROVIDER, Holding::Amount(101), None),
			E::InsufficientBalance
		);
		assert_noop!(
			Tokens::transfer(signed(STRANGER), coin, PROVIDER, Holding::Amount(1), None),
			E::InsufficientBalance
		);
		assert_noop!(
			Tokens::transfer(signed(INSURER_NODE), coin, PROVIDER, Holding::Amount(0), None),
			E::ZeroAmount
		);
		assert_noop!(
			Tokens::transfer(signed(INSURER_NODE), 9, PROVIDER, Holding::Amount(1), None),
			E::UnknownPool
		);
	});
}

#[test]
fn only_the_holder_transfers_an_nft() {
	new_test_ext().execute_with(|| {
		let files = pool(INSURER, "files", PoolKind::NonFungible);
		assert_ok!(Tokens::mint(signed(INSURER), files, INSURER_NODE, Holding::Item(7), None));
		assert_noop!(
			Tokens::transfer(signed(PROVIDER), files, PROVIDER, Holding::Item(7), None),
			E::NotTokenOwner
		);
		assert_noop!(
			Tokens::transfer(signed(INSURER_NODE), files, PROVIDER, Holding::Item(8), None),
			E::UnknownToken
		);
		assert_noop!(
			Tokens::transfer(signed(INSURER_NODE), files, PROVIDER, Holding::Amount(1), None),
			E::WrongPoolKind
		);
		assert_ok!(Tokens::transfer(signed(INSURER_NODE), files, PROVIDER, Holding::Item(7), None));
		assert_eq!(Tokens::item_owner(files, 7), Some(PROVIDER));
	});
}

#[test]
fn a_delegate_transfers_within_its_allowance() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		assert_ok!(Tokens::approve(signed(INSURER_NODE), coin, OTHER, Holding::Amount(50)));
		assert_eq!(Tokens::allowance(coin, &INSURER_NODE, &OTHER), 50);
		assert_ok!(Tokens::transfer_from(
			signed(OTHER),
			coin,
			INSURER_NODE,
			PROVIDER,
			Holding::Amount(20),
			None
		));
		assert_eq!(balance(coin, PROVIDER), 20);
		assert_eq!(Tokens::allowance(coin, &INSURER_NODE, &OTHER), 30);
		assert!(matches!(
			last_event(),
			RuntimeEvent::Tokens(Event::Transferred { operator: OTHER, from: INSURER_NODE, .. })
		));
		assert_noop!(
			Tokens::transfer_from(
				signed(OTHER),
				coin,
				INSURER_NODE,
				OTHER,
				Holding::Amount(31),
				None
			),
			E::NotApproved
		);
		assert_noop!(
			Tokens::transfer_from(
				signed(STRANGER),
				coin,
				INSURER_NODE,
				OTHER,
				Holding::Amount(1),
				None
			),
			E::NotApproved
		);
		assert_noop!(
			Tokens::approve(signed(INSURER_NODE), coin, OTHER, Holding::Amount(0)),
			E::ZeroAmount
		);
		assert_noop!(
			Tokens::approve(signed(INSURER_NODE), 9, OTHER, Holding::Amount(1)),
			E::UnknownPool
		);
	});
}

#[test]
fn a_holder_lowers_and_withdraws_an_allowance_and_the_delegate_cannot_spend_past_it() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let reserved_before = Balances::reserved_balance(INSURER_NODE);
		assert_ok!(Tokens::approve(signed(INSURER_NODE), coin, OTHER, Holding::Amount(50)));
		let deposit = Balances::reserved_balance(INSURER_NODE);
		// Lowered: the delegate can move 10, not 11, and the deposit stays one deposit.
		assert_ok!(Tokens::set_allowance(signed(INSURER_NODE), coin, OTHER, 10));
		assert!(matches!(
			last_event(),
			RuntimeEvent::Tokens(Event::AllowanceSet {
				amount: 10,
				owner: INSURER_NODE,
				delegate: OTHER,
				..
			})
		));
		assert_eq!(Tokens::allowance(coin, &INSURER_NODE, &OTHER), 10);
		assert_eq!(Balances::reserved_balance(INSURER_NODE), deposit);
		let spend = |amount| {
			Tokens::transfer_from(
				signed(OTHER),
				coin,
				INSURER_NODE,
				OTHER,
				Holding::Amount(amount),
				None,
			)
		};
		assert_noop!(spend(11), E::NotApproved);
		assert_ok!(spend(4));
		assert_eq!(Tokens::allowance(coin, &INSURER_NODE, &OTHER), 6);
		// Withdrawn: nothing more moves, and any deposit comes back.
		assert_ok!(Tokens::set_allowance(signed(INSURER_NODE), coin, OTHER, 0));
		assert_eq!(Tokens::allowance(coin, &INSURER_NODE, &OTHER), 0);
		assert_eq!(Balances::reserved_balance(INSURER_NODE), reserved_before);
		assert_noop!(spend(1), E::NotApproved);
		assert_eq!(balance(coin, OTHER), 4);
		// Nothing left to withdraw; raised again from nothing it is a fresh allowance.
		assert_noop!(Tokens::set_allowance(signed(INSURER_NODE), coin, OTHER, 0), E::NotApproved);
		assert_ok!(Tokens::set_allowance(signed(INSURER_NODE), coin, OTHER, 7));
		assert_eq!(Tokens::allowance(coin, &INSURER_NODE, &OTHER), 7);
		// Only the holder sets its own allowances: the delegate setting one sets its own (none
		// of the holder's tokens), and a stranger's withdrawal finds nothing to withdraw.
		assert_noop!(Tokens::set_allowance(signed(OTHER), coin, OTHER, 0), E::NotApproved);
		assert_noop!(Tokens::set_allowance(signed(STRANGER), coin, OTHER, 0), E::NotApproved);
		assert_eq!(Tokens::allowance(coin, &INSURER_NODE, &OTHER), 7);
		let files = pool(INSURER, "files", PoolKind::NonFungible);
		assert_noop!(
			Tokens::set_allowance(signed(INSURER_NODE), files, OTHER, 1),
			E::WrongPoolKind
		);
		assert_noop!(Tokens::set_allowance(signed(INSURER_NODE), 9, OTHER, 1), E::UnknownPool);
	});
}

#[test]
fn a_holder_revokes_an_item_approval_and_nobody_else_can() {
	new_test_ext().execute_with(|| {
		let files = pool(INSURER, "files", PoolKind::NonFungible);
		assert_ok!(Tokens::mint(signed(INSURER), files, INSURER_NODE, Holding::Item(7), None));
		assert_ok!(Tokens::approve(signed(INSURER_NODE), files, OTHER, Holding::Item(7)));
		// Neither the delegate nor a stranger withdraws it; naming another delegate withdraws
		// nothing.
		assert_noop!(Tokens::revoke_approval(signed(OTHER), files, OTHER, 7), E::NotTokenOwner);
		assert_noop!(Tokens::revoke_approval(signed(STRANGER), files, OTHER, 7), E::NotTokenOwner);
		assert_noop!(
			Tokens::revoke_approval(signed(INSURER_NODE), files, STRANGER, 7),
			E::NotApproved
		);
		assert_ok!(Tokens::revoke_approval(signed(INSURER_NODE), files, OTHER, 7));
		assert!(matches!(
			last_event(),
			RuntimeEvent::Tokens(Event::ApprovalRevoked {
				item: 7,
				owner: INSURER_NODE,
				delegate: OTHER,
				..
			})
		));
		assert_noop!(
			Tokens::transfer_from(
				signed(OTHER),
				files,
				INSURER_NODE,
				OTHER,
				Holding::Item(7),
				None
			),
			E::NotApproved
		);
		assert_noop!(
			Tokens::revoke_approval(signed(INSURER_NODE), files, OTHER, 7),
			E::NotApproved
		);
		assert_noop!(
			Tokens::revoke_approval(signed(INSURER_NODE), files, OTHER, 8),
			E::UnknownToken
		);
		let coin = funded_pool(100);
		assert_noop!(
			Tokens::revoke_approval(signed(INSURER_NODE), coin, OTHER, 7),
			E::WrongPoolKind
		);
	});
}

#[test]
fn an_nft_approval_lasts_until_the_next_transfer() {
	new_test_ext().execute_with(|| {
		let files = pool(INSURER, "files", PoolKind::NonFungible);
		assert_ok!(Tokens::mint(signed(INSURER), files, INSURER_NODE, Holding::Item(7), None));
		assert_noop!(
			Tokens::approve(signed(PROVIDER), files, OTHER, Holding::Item(7)),
			E::NotTokenOwner
		);
		assert_ok!(Tokens::approve(signed(INSURER_NODE), files, OTHER, Holding::Item(7)));
		assert_noop!(
			Tokens::transfer_from(
				signed(STRANGER),
				files,
				INSURER_NODE,
				STRANGER,
				Holding::Item(7),
				None
			),
			E::NotApproved
		);
		assert_ok!(Tokens::transfer_from(
			signed(OTHER),
			files,
			INSURER_NODE,
			PROVIDER,
			Holding::Item(7),
			None
		));
		assert_eq!(Tokens::item_owner(files, 7), Some(PROVIDER));
		assert_eq!(ItemApprovals::<Test>::get(files, 7), None);
		assert_noop!(
			Tokens::transfer_from(signed(OTHER), files, PROVIDER, OTHER, Holding::Item(7), None),
			E::NotApproved
		);
	});
}

// ---- uniqueness claims ----

#[test]
fn the_first_claim_wins_and_a_duplicate_fails_with_already_claimed() {
	new_test_ext().execute_with(|| {
		let key = H256::repeat_byte(0x11);
		assert_ok!(Tokens::claim(signed(PROVIDER_NODE), b"claims".to_vec(), key, PROVIDER));
		assert_noop!(
			Tokens::claim(signed(INSURER_NODE), b"claims".to_vec(), key, INSURER),
			E::AlreadyClaimed
		);
		let bounded = NameOf::<Test>::try_from(b"claims".to_vec()).unwrap();
		assert_eq!(Claims::<Test>::get(&bounded, key).unwrap().owner, PROVIDER);
		// The same key in another namespace is another record.
		assert_ok!(Tokens::claim(signed(INSURER_NODE), b"invoices".to_vec(), key, INSURER));
		assert_noop!(
			Tokens::claim(signed(STRANGER), b"orders".to_vec(), key, STRANGER),
			E::NotAParty
		);
		assert_noop!(
			Tokens::claim(signed(INSURER), b"bad ns".to_vec(), key, INSURER),
			E::InvalidNamespace
		);
	});
}

#[test]
fn a_claim_is_transferred_and_released_by_its_owner_only() {
	new_test_ext().execute_with(|| {
		let key = H256::repeat_byte(0x22);
		let ns = || b"claims".to_vec();
		assert_ok!(Tokens::claim(signed(PROVIDER), ns(), key, PROVIDER));
		assert_noop!(Tokens::transfer_claim(signed(INSURER), ns(), key, INSURER), E::NotClaimOwner);
		assert_noop!(
			Tokens::transfer_claim(signed(PROVIDER), ns(), H256::zero(), INSURER),
			E::UnknownClaim
		);
		assert_ok!(Tokens::transfer_claim(signed(PROVIDER), ns(), key, INSURER));
		assert_noop!(Tokens::release_claim(signed(PROVIDER), ns(), key), E::NotClaimOwner);
		assert_noop!(Tokens::release_claim(signed(INSURER), ns(), H256::zero()), E::UnknownClaim);
		assert_ok!(Tokens::release_claim(signed(INSURER), ns(), key));
		// Released: the key can be claimed again.
		assert_ok!(Tokens::claim(signed(OTHER), ns(), key, OTHER));
		let history: Vec<_> = tokens_events()
			.into_iter()
			.filter(|e| {
				matches!(
					e,
					Event::Claimed { .. }
						| Event::ClaimTransferred { .. }
						| Event::ClaimReleased { .. }
				)
			})
			.collect();
		assert_eq!(
			history,
			vec![
				Event::Claimed { namespace: ns(), key_hash: key, owner: PROVIDER, by: PROVIDER },
				Event::ClaimTransferred {
					namespace: ns(),
					key_hash: key,
					from: PROVIDER,
					to: INSURER
				},
				Event::ClaimReleased { namespace: ns(), key_hash: key, owner: INSURER },
				Event::Claimed { namespace: ns(), key_hash: key, owner: OTHER, by: OTHER },
			]
		);
	});
}

// ---- delivery versus payment ----

fn lock(coin: u32, batch: H256, amount: u64, timeout: u64) -> u64 {
	let id = NextEscrowId::<Test>::get();
	assert_ok!(Tokens::lock_escrow(
		signed(INSURER_NODE),
		coin,
		PROVIDER,
		amount,
		batch,
		INSURER_NODE_ID,
		timeout
	));
	id
}

#[test]
fn an_escrow_is_released_when_the_payers_node_acknowledges_the_batch() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xb1);
		pin(batch);
		let escrow = lock(coin, batch, 40, 10);
		assert_eq!(balance(coin, INSURER_NODE), 60);
		assert_eq!(balance(coin, Tokens::account_id()), 40);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Locked);

		assert_ok!(Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, batch));
		assert_eq!(balance(coin, PROVIDER), 40);
		assert_eq!(balance(coin, Tokens::account_id()), 0);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Released);
		assert_eq!(
			last_event(),
			RuntimeEvent::Tokens(Event::EscrowReleased {
				escrow,
				payee: PROVIDER,
				amount: 40,
				batch_hash: batch
			})
		);
		// No double release, and no refund after the release.
		assert_noop!(Tokens::release_escrow(signed(PROVIDER), escrow), E::EscrowNotLocked);
		run_to_block(20);
		assert_noop!(Tokens::refund_escrow(signed(INSURER), escrow), E::EscrowNotLocked);
		assert_eq!(balance(coin, INSURER_NODE), 60);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Released);
	});
}

#[test]
fn an_escrow_is_refunded_after_its_timeout_and_never_released_after() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xb2);
		pin(batch);
		let escrow = lock(coin, batch, 40, 5);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().expires_at, 6);
		run_to_block(5);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Locked);
		assert_noop!(Tokens::refund_escrow(signed(INSURER), escrow), E::EscrowNotExpired);
		run_to_block(6);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Refunded);
		assert_eq!(balance(coin, INSURER_NODE), 100);
		assert!(tokens_events().contains(&Event::EscrowRefunded {
			escrow,
			payer: INSURER_NODE,
			amount: 40,
			batch_hash: batch
		}));
		assert!(EscrowExpiries::<Test>::get(6).is_empty());

		// A release after the refund: the late acknowledgement pays nobody.
		let released_before = tokens_events().len();
		assert_ok!(Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, batch));
		assert_eq!(balance(coin, PROVIDER), 0);
		assert_eq!(tokens_events().len(), released_before);
		assert_noop!(Tokens::release_escrow(signed(PROVIDER), escrow), E::EscrowNotLocked);
		assert_noop!(Tokens::refund_escrow(signed(INSURER), escrow), E::EscrowNotLocked);
		assert_eq!(balance(coin, INSURER_NODE), 100);
	});
}

#[test]
fn an_acknowledgement_pays_for_the_escrows_it_releases_not_for_the_most_it_could() {
	new_test_ext().execute_with(|| {
		use frame_support::{dispatch::GetDispatchInfo, traits::Get};
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xb9);
		pin(batch);
		lock(coin, batch, 40, 10);
		let reserved =
			pallet_pins::Call::<Test>::acknowledge { author: PROVIDER_NODE_ID, batch_hash: batch }
				.get_dispatch_info()
				.call_weight;
		let used = Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, batch)
			.unwrap()
			.actual_weight
			.unwrap();
		// The acknowledgement, the batch's escrow list, the one escrow read and released.
		let db = <<Test as frame_system::Config>::DbWeight as Get<
			frame_support::weights::RuntimeDbWeight,
		>>::get();
		let expected = <() as pallet_pins::WeightInfo>::acknowledge()
			.saturating_add(db.reads(2))
			.saturating_add(<() as crate::WeightInfo>::release_escrow());
		assert_eq!(used, expected);
		assert!(used.ref_time() < reserved.ref_time(), "{used:?} refunded from {reserved:?}");
		assert_eq!(balance(coin, PROVIDER), 40);
	});
}

#[test]
fn an_acknowledgement_from_the_wrong_node_releases_nothing() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xb3);
		pin(batch);
		let escrow = lock(coin, batch, 40, 10);
		assert_ok!(Pins::acknowledge(signed(OTHER_NODE), PROVIDER_NODE_ID, batch));
		assert!(pallet_pins::Acknowledgements::<Test>::contains_key(batch, OTHER_NODE_ID));
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Locked);
		assert_eq!(balance(coin, PROVIDER), 0);
		assert_noop!(Tokens::release_escrow(signed(PROVIDER), escrow), E::NotAcknowledged);
		// The payer's own node acknowledges: now it is released.
		assert_ok!(Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, batch));
		assert_eq!(balance(coin, PROVIDER), 40);
	});
}

#[test]
fn an_escrow_locked_after_the_acknowledgement_is_released_at_once() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xb4);
		pin(batch);
		assert_ok!(Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, batch));
		let escrow = lock(coin, batch, 25, 10);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Released);
		assert_eq!(balance(coin, PROVIDER), 25);
		assert!(EscrowsByBatch::<Test>::get((batch, INSURER_NODE_ID)).is_empty());
		assert!(EscrowExpiries::<Test>::get(11).is_empty());
	});
}

#[test]
fn release_escrow_retries_a_release_and_refund_escrow_a_refund() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xb5);
		pin(batch);
		let escrow = lock(coin, batch, 10, 3);
		assert_noop!(Tokens::release_escrow(signed(PROVIDER), 77), E::UnknownEscrow);
		assert_noop!(Tokens::refund_escrow(signed(PROVIDER), 77), E::UnknownEscrow);
		// Acknowledged without the hook (as if its release had failed): a retry releases it.
		pallet_pins::Acknowledgements::<Test>::insert(batch, INSURER_NODE_ID, 1);
		assert_ok!(Tokens::release_escrow(signed(STRANGER), escrow));
		assert_eq!(balance(coin, PROVIDER), 10);

		let other_batch = H256::repeat_byte(0xb6);
		let second = lock(coin, other_batch, 10, 3);
		// Skip the hook's refund: a manual retry refunds it once expired.
		System::set_block_number(4);
		assert_ok!(Tokens::refund_escrow(signed(STRANGER), second));
		assert_eq!(Escrows::<Test>::get(second).unwrap().state, EscrowState::Refunded);
		assert_eq!(balance(coin, INSURER_NODE), 90);
	});
}

#[test]
fn lock_escrow_rejects_bad_input_with_named_errors() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let files = pool(INSURER, "files", PoolKind::NonFungible);
		let batch = H256::repeat_byte(0xc1);
		let lock_as = |who, pool, payee, amount, node, timeout| {
			Tokens::lock_escrow(signed(who), pool, payee, amount, batch, node, timeout)
		};
		let n = INSURER_NODE_ID;
		assert_noop!(lock_as(STRANGER, coin, PROVIDER, 1, n, 5), E::NotAParty);
		assert_noop!(lock_as(INSURER_NODE, 9, PROVIDER, 1, n, 5), E::UnknownPool);
		assert_noop!(lock_as(INSURER_NODE, files, PROVIDER, 1, n, 5), E::EscrowNeedsFungiblePool);
		assert_noop!(
			lock_as(INSURER_NODE, coin, PROVIDER, 1, PROVIDER_NODE_ID, 5),
			E::NotPayersNode
		);
		assert_noop!(lock_as(INSURER_NODE, coin, PROVIDER, 1, 999, 5), E::NotPayersNode);
		assert_noop!(lock_as(INSURER_NODE, coin, INSURER_NODE, 1, n, 5), E::PayeeIsPayer);
		assert_noop!(lock_as(INSURER_NODE, coin, PROVIDER, 1, n, 0), E::InvalidTimeout);
		assert_noop!(lock_as(INSURER_NODE, coin, PROVIDER, 1, n, 1001), E::InvalidTimeout);
		assert_noop!(lock_as(INSURER_NODE, coin, PROVIDER, 101, n, 5), E::InsufficientBalance);
		assert_noop!(lock_as(INSURER_NODE, coin, PROVIDER, 0, n, 5), E::ZeroAmount);
		// The org admin pays with the org's node as acknowledger.
		assert_ok!(Tokens::mint(signed(INSURER), coin, INSURER, Holding::Amount(5), None));
		assert_ok!(lock_as(INSURER, coin, PROVIDER, 5, n, 5));
	});
}

#[test]
fn escrow_queues_are_bounded() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(1000);
		let batch = H256::repeat_byte(0xd1);
		for _ in 0..4 {
			lock(coin, batch, 1, 100);
		}
		assert_noop!(
			Tokens::lock_escrow(
				signed(INSURER_NODE),
				coin,
				PROVIDER,
				1,
				batch,
				INSURER_NODE_ID,
				100
			),
			E::TooManyEscrowsForBatch
		);
		// Two expiries per block, spread over eight blocks: sixteen escrows with one timeout.
		for i in 0..16u8 {
			lock(coin, H256::repeat_byte(i), 1, 50);
		}
		assert_eq!(EscrowExpiries::<Test>::get(51).len(), 2);
		assert_eq!(EscrowExpiries::<Test>::get(58).len(), 2);
		assert_noop!(
			Tokens::lock_escrow(
				signed(INSURER_NODE),
				coin,
				PROVIDER,
				1,
				H256::repeat_byte(0xee),
				INSURER_NODE_ID,
				50
			),
			E::ExpiryQueueFull
		);
		// Every spread escrow is refunded by block 58.
		run_to_block(58);
		assert_eq!(balance(coin, INSURER_NODE), 1000 - 4);
	});
}

#[test]
fn the_acknowledgement_hook_declares_its_worst_case_weight() {
	new_test_ext().execute_with(|| {
		let worst = <Tokens as OnAcknowledged>::max_weight();
		let one = <Tokens as OnAcknowledged>::on_acknowledged(H256::zero(), INSURER_NODE_ID);
		assert!(worst.all_gt(one));
	});
}

#[test]
fn exhausted_pool_and_escrow_ids_fail_with_named_errors() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		NextPoolId::<Test>::put(PoolId::MAX);
		assert_noop!(
			Tokens::create_pool(
				signed(INSURER),
				b"default".to_vec(),
				b"last".to_vec(),
				b"L".to_vec(),
				0,
				PoolKind::Fungible,
				Vec::new(),
				None,
			),
			E::PoolIdsExhausted
		);
		NextEscrowId::<Test>::put(EscrowId::MAX);
		assert_noop!(
			Tokens::lock_escrow(
				signed(INSURER_NODE),
				coin,
				PROVIDER,
				1,
				H256::repeat_byte(0xf1),
				INSURER_NODE_ID,
				5
			),
			E::EscrowIdsExhausted
		);
	});
}

#[test]
fn a_rival_cannot_crowd_a_payer_off_a_batch_with_dust_escrows() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let dust = pool(OTHER, "dust", PoolKind::Fungible);
		assert_ok!(Tokens::mint(signed(OTHER), dust, OTHER_NODE, Holding::Amount(100), None));
		let batch = H256::repeat_byte(0xe1);
		pin(batch);
		// The other org fills every place it has on the batch (4 in the mock) with dust...
		let dust_lock =
			|| Tokens::lock_escrow(signed(OTHER_NODE), dust, PROVIDER, 1, batch, OTHER_NODE_ID, 50);
		for _ in 0..4 {
			assert_ok!(dust_lock());
		}
		assert_noop!(dust_lock(), E::TooManyEscrowsForBatch);
		// ...and it cannot take the insurer's places: those wait on the insurer's own node.
		assert_noop!(
			Tokens::lock_escrow(signed(OTHER_NODE), dust, PROVIDER, 1, batch, INSURER_NODE_ID, 50),
			E::NotPayersNode
		);
		// The insurer still locks its payment, and its node's acknowledgement releases it.
		let paid = lock(coin, batch, 30, 10);
		assert_eq!(EscrowsByBatch::<Test>::get((batch, INSURER_NODE_ID)).into_inner(), vec![paid]);
		assert_ok!(Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, batch));
		assert_eq!(Escrows::<Test>::get(paid).unwrap().state, EscrowState::Released);
		assert_eq!(balance(coin, PROVIDER), 30);
		assert_eq!(
			EscrowsByBatch::<Test>::get((batch, OTHER_NODE_ID)).len(),
			4,
			"the dust waits on"
		);
	});
}

#[test]
fn the_v1_migration_moves_claims_and_waiting_escrows_to_their_new_keys_once() {
	use crate::migrations::v1::{v0, MigrateToV1};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		// A claim and two waiting escrows, made in this layout, then moved back to version 0's.
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xe2);
		pin(batch);
		let (first, second) = (lock(coin, batch, 10, 20), lock(coin, batch, 20, 20));
		let key = H256::repeat_byte(0xe3);
		assert_ok!(Tokens::claim(signed(INSURER), b"default".to_vec(), key, INSURER));
		let ns: NameOf<Test> = b"default".to_vec().try_into().unwrap();
		let claim = Claims::<Test>::take(&ns, key).unwrap();
		let waiting = EscrowsByBatch::<Test>::take((batch, INSURER_NODE_ID));
		v0::Claims::<Test>::insert(&ns, key, &claim);
		v0::EscrowsByBatch::<Test>::insert(batch, &waiting);
		StorageVersion::new(0).put::<Tokens>();
		assert!(Claims::<Test>::get(&ns, key).is_none(), "the new layout does not read old keys");
		#[cfg(feature = "try-runtime")]
		MigrateToV1::<Test>::try_on_runtime_upgrade(true)
			.expect("pre- and post-upgrade checks hold");
		#[cfg(not(feature = "try-runtime"))]
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Tokens::on_chain_storage_version(), 1);
		assert_eq!(Claims::<Test>::get(&ns, key), Some(claim));
		assert_eq!(
			EscrowsByBatch::<Test>::get((batch, INSURER_NODE_ID)).into_inner(),
			vec![first, second]
		);
		assert!(!frame_support::storage::unhashed::exists(
			&v0::EscrowsByBatch::<Test>::hashed_key_for(batch)
		));
		// The moved escrows are released by the acknowledgement, as before the upgrade.
		assert_ok!(Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, batch));
		assert_eq!(balance(coin, PROVIDER), 30);
		// At version 1, running it again changes nothing.
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Claims::<Test>::iter().count(), 1);
	});
}

#[test]
fn ended_escrows_are_forgotten_after_the_window_in_id_order() {
	use frame_support::{traits::Hooks, weights::Weight};
	let idle = |now: u64| <Tokens as Hooks<u64>>::on_idle(now, Weight::MAX);
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let (b1, b2) = (H256::repeat_byte(0xd1), H256::repeat_byte(0xd2));
		pin(b1);
		pin(b2);
		// On a batch never acknowledged, escrow 0 times out at block 6 (refunded) and escrow 1
		// at 51; escrow 2 is released at once (its batch acknowledged), its timeout at 11.
		let refunded = lock(coin, b2, 10, 5);
		let waiting = lock(coin, b2, 10, 50);
		assert_ok!(Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, b1));
		let released = lock(coin, b1, 10, 10);
		assert_eq!(Escrows::<Test>::get(released).unwrap().state, EscrowState::Released);
		run_to_block(6);
		assert_eq!(Escrows::<Test>::get(refunded).unwrap().state, EscrowState::Refunded);
		// Within the window (100 blocks after its timeout) the refunded one stays.
		idle(105);
		assert!(Escrows::<Test>::get(refunded).is_some());
		// After it, it goes; the one still locked stops the cursor, so the released one after
		// it stays too.
		idle(106);
		assert!(Escrows::<Test>::get(refunded).is_none());
		assert!(Escrows::<Test>::get(waiting).is_some());
		assert!(Escrows::<Test>::get(released).is_some());
		assert_eq!(EscrowsForgottenBelow::<Test>::get(), 1);
		// A forgotten escrow cannot be released nor refunded again.
		assert_noop!(Tokens::refund_escrow(signed(INSURER), refunded), E::UnknownEscrow);
		assert_noop!(Tokens::release_escrow(signed(PROVIDER), refunded), E::UnknownEscrow);
		// Once the waiting one ends (refunded at 51) and both windows pass, both go.
		run_to_block(51);
		assert_eq!(Escrows::<Test>::get(waiting).unwrap().state, EscrowState::Refunded);
		idle(150);
		assert!(Escrows::<Test>::get(waiting).is_some(), "ended at 51: kept through 150");
		idle(151);
		assert!(Escrows::<Test>::get(waiting).is_none());
		assert!(Escrows::<Test>::get(released).is_none());
		assert_eq!(EscrowsForgottenBelow::<Test>::get(), 3);
		assert_eq!(Escrows::<Test>::iter().count(), 0);
		// New escrows get new ids.
		assert_eq!(lock(coin, b2, 10, 5), 3);
	});
}

// ---- hash-locked delivery versus payment ----

fn key_of(n: u8) -> ([u8; 32], H256) {
	let key = [n; 32];
	(key, <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&key))
}

fn lock_keyed(coin: u32, batch: H256, key_hash: H256, amount: u64, timeout: u64) -> u64 {
	let id = NextEscrowId::<Test>::get();
	assert_ok!(Tokens::lock_keyed_escrow(
		signed(INSURER_NODE),
		coin,
		PROVIDER,
		amount,
		batch,
		key_hash,
		INSURER_NODE_ID,
		timeout
	));
	id
}

#[test]
fn a_keyed_escrow_pays_the_payee_on_the_key_and_publishes_it() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xe1);
		pin(batch);
		let (key, key_hash) = key_of(7);
		let escrow = lock_keyed(coin, batch, key_hash, 40, 10);
		assert_eq!(balance(coin, INSURER_NODE), 60);
		assert!(tokens_events().contains(&Event::EscrowKeyLocked { escrow, key_hash }));
		// No acknowledgement list: the payer's node acknowledging releases nothing.
		assert!(EscrowsByBatch::<Test>::get((batch, INSURER_NODE_ID)).is_empty());
		assert_ok!(Pins::acknowledge(signed(INSURER_NODE), PROVIDER_NODE_ID, batch));
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Locked);
		assert_noop!(Tokens::release_escrow(signed(PROVIDER), escrow), E::EscrowIsKeyed);
		// A wrong key pays nobody.
		assert_noop!(Tokens::reveal_key(signed(PROVIDER), escrow, [8; 32]), E::WrongKey);
		assert_eq!(balance(coin, PROVIDER), 0);
		// The key pays the payee, and is public from now on.
		assert_ok!(Tokens::reveal_key(signed(PROVIDER), escrow, key));
		assert_eq!(balance(coin, PROVIDER), 40);
		assert_eq!(balance(coin, Tokens::account_id()), 0);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Released);
		let events = tokens_events();
		let revealed = Event::EscrowKeyRevealed { escrow, batch_hash: batch, key };
		let paid = Event::EscrowReleased { escrow, payee: PROVIDER, amount: 40, batch_hash: batch };
		let at = events.iter().position(|e| *e == revealed).expect("key revealed");
		assert_eq!(events.get(at + 1), Some(&paid));
		// Paid once: no second reveal, no refund at the timeout.
		assert_noop!(Tokens::reveal_key(signed(PROVIDER), escrow, key), E::EscrowNotLocked);
		run_to_block(20);
		assert_eq!(balance(coin, INSURER_NODE), 60);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Released);
	});
}

#[test]
fn a_keyed_escrow_is_refunded_at_its_timeout_and_a_late_key_pays_nobody() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xe2);
		pin(batch);
		let (key, key_hash) = key_of(9);
		let escrow = lock_keyed(coin, batch, key_hash, 40, 5);
		run_to_block(6);
		assert_eq!(Escrows::<Test>::get(escrow).unwrap().state, EscrowState::Refunded);
		assert_eq!(balance(coin, INSURER_NODE), 100);
		assert_noop!(Tokens::reveal_key(signed(PROVIDER), escrow, key), E::EscrowNotLocked);
		assert_eq!(balance(coin, PROVIDER), 0);
	});
}

#[test]
fn a_key_cannot_be_revealed_from_the_expiry_block_nor_on_an_acknowledged_escrow() {
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xe3);
		pin(batch);
		let (key, key_hash) = key_of(3);
		let keyed = lock_keyed(coin, batch, key_hash, 10, 5);
		// The expiry block's refund has not run (as if its queue had failed): still too late.
		frame_system::Pallet::<Test>::set_block_number(6);
		assert_noop!(Tokens::reveal_key(signed(PROVIDER), keyed, key), E::EscrowExpired);
		// An escrow released by acknowledgement has no key to reveal.
		let plain = lock(coin, batch, 10, 10);
		assert_noop!(Tokens::reveal_key(signed(PROVIDER), plain, key), E::EscrowNotKeyed);
		assert_noop!(Tokens::reveal_key(signed(PROVIDER), 99, key), E::UnknownEscrow);
		// The same checks as an acknowledged escrow's lock.
		assert_noop!(
			Tokens::lock_keyed_escrow(
				signed(INSURER_NODE),
				coin,
				INSURER_NODE,
				10,
				batch,
				key_hash,
				INSURER_NODE_ID,
				5
			),
			E::PayeeIsPayer
		);
		assert_noop!(
			Tokens::lock_keyed_escrow(
				signed(INSURER_NODE),
				coin,
				PROVIDER,
				10,
				batch,
				key_hash,
				PROVIDER_NODE_ID,
				5
			),
			E::NotPayersNode
		);
	});
}

#[test]
fn a_forgotten_keyed_escrow_forgets_its_key_hash() {
	use frame_support::{traits::Hooks, weights::Weight};
	new_test_ext().execute_with(|| {
		let coin = funded_pool(100);
		let batch = H256::repeat_byte(0xe4);
		pin(batch);
		let (_, key_hash) = key_of(4);
		let escrow = lock_keyed(coin, batch, key_hash, 10, 5);
		run_to_block(6);
		<Tokens as Hooks<u64>>::on_idle(106, Weight::MAX);
		assert!(Escrows::<Test>::get(escrow).is_none());
		assert!(EscrowKeys::<Test>::get(escrow).is_none());
	});
}
