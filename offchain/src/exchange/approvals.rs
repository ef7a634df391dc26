//! Approvals for apps: a delegate approved for an amount (added to its allowance) or an item,
//! an allowance set to exactly an amount (lowered, raised, or `0` to withdraw it), and an item's
//! approval withdrawn, each signed by this node's account as the holder (see [`super::tokens`]
//! for how a token call is followed to its outcome).

use super::{
	requests::ApproveRequest,
	tokens::{bad, holding, merge},
	Exchange, ExchangeError,
};
use crate::{
	store::{PoolRow, TokenOp},
	tokens::{parse_amount, Account, Holding, PoolKind, TokenCall},
};
use serde_json::json;

impl Exchange {
	/// Lets a delegate transfer this node's tokens.
	pub async fn approve_tokens(
		&self,
		namespace: &str,
		request: ApproveRequest,
	) -> Result<TokenOp, ExchangeError> {
		self.check_token_key(namespace, request.idempotency_key.as_deref()).await?;
		let pool = self.token_pool(namespace, &request.pool).await?;
		let delegate = self.resolve_account(&request.delegate)?;
		if request.approved == Some(false) || request.allowance.is_some() {
			return self.withdraw_approval(namespace, &pool, delegate, request).await;
		}
		let holding = holding(&request.amount, &request.index)?;
		if let Holding::Item(_) = holding {
			self.check_holds(&pool, &self.me()?.account, &holding)?;
		} else if holding.kind() != pool.pool_kind() {
			return Err(bad(format!("pool {} is {}: give index", pool.name, pool.kind)));
		}
		let mut input = json!({ "pool": pool.pool, "delegate": crate::tokens::ss58(&delegate) });
		merge(&mut input, holding.to_json());
		let call = TokenCall::Approve { pool: pool.pool, delegate, holding };
		self.submit_token_call(namespace, call, input, None, request.idempotency_key.as_deref())
			.await
	}

	/// Sets a delegate's allowance to exactly `allowance`, or withdraws its approval (`approved:
	/// false`): of the whole allowance in a fungible pool, of item `index` in a non-fungible one.
	async fn withdraw_approval(
		&self,
		namespace: &str,
		pool: &PoolRow,
		delegate: Account,
		request: ApproveRequest,
	) -> Result<TokenOp, ExchangeError> {
		let kind = pool.pool_kind();
		let call = match (&request.allowance, request.approved, kind) {
			(Some(_), Some(false), _) => {
				return Err(bad("give allowance, or approved: false to withdraw, not both"))
			}
			(Some(_), _, PoolKind::NonFungible) => {
				return Err(bad(format!(
					"pool {} is nonfungible: an allowance is an amount",
					pool.name
				)))
			}
			(Some(allowance), _, PoolKind::Fungible) => {
				if request.amount.is_some() || request.index.is_some() {
					return Err(bad("give allowance alone, without amount or index"));
				}
				let amount = parse_amount("allowance", allowance).map_err(bad)?;
				TokenCall::SetAllowance { pool: pool.pool, delegate, amount }
			}
			(None, _, PoolKind::Fungible) => {
				if request.amount.is_some() || request.index.is_some() {
					return Err(bad(
						"approved: false withdraws the whole allowance: give no amount",
					));
				}
				TokenCall::SetAllowance { pool: pool.pool, delegate, amount: 0 }
			}
			(None, _, PoolKind::NonFungible) => {
				let item_holding = holding(&None, &request.index)?;
				let Holding::Item(item) = item_holding else {
					return Err(bad("give the index whose approval to withdraw"));
				};
				self.check_holds(pool, &self.me()?.account, &item_holding)?;
				TokenCall::RevokeApproval { pool: pool.pool, delegate, item }
			}
		};
		let mut input = json!({ "pool": pool.pool, "delegate": crate::tokens::ss58(&delegate) });
		match &call {
			TokenCall::SetAllowance { amount, .. } => {
				input["allowance"] = amount.to_string().into()
			}
			TokenCall::RevokeApproval { item, .. } => {
				input["index"] = (*item).into();
				input["approved"] = false.into();
			}
			_ => {}
		}
		self.submit_token_call(namespace, call, input, None, request.idempotency_key.as_deref())
			.await
	}
}
