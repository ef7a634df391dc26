//! The runtime API through which the node and apps read token holdings.

// `decl_runtime_apis!` repeats the trait's generic bounds in the code it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::{ItemIndex, PoolId};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Reads balances, items and allowances of token pools.
	pub trait TokensApi<AccountId: Codec, Balance: Codec> {
		/// What `who` holds in `pool`: its amount in a fungible pool, its number of items in a
		/// non-fungible one. `None` if the pool does not exist.
		fn balance(pool: PoolId, who: AccountId) -> Option<Balance>;
		/// The indexes of the items `who` holds in non-fungible `pool`, at most `limit`.
		fn items_of(pool: PoolId, who: AccountId, limit: u32) -> Vec<ItemIndex>;
		/// Who holds item `index` of non-fungible `pool`.
		fn item_owner(pool: PoolId, index: ItemIndex) -> Option<AccountId>;
		/// How much of `owner`'s tokens in fungible `pool` `delegate` may still transfer.
		fn allowance(pool: PoolId, owner: AccountId, delegate: AccountId) -> Balance;
	}
}
