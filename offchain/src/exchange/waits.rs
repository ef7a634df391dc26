//! Waiting for an outcome: `confirm=true` sends, reading a message until it is confirmed here,
//! and request/reply, woken whenever this node records something new.

use super::{Exchange, ExchangeError};
use crate::types::Message;
use std::time::Duration;

/// One look of [`Exchange::wait_on_events`]: done, or not yet and why.
pub(crate) enum Waited<T> {
	/// Done, with the value.
	Done(T),
	/// Not yet: the reason, for the timeout error.
	NotYet(String),
}

impl Exchange {
	/// Reads with `read` now and again each time this node records something new (a block, a
	/// delivery, an acknowledgement), until it is [`Waited::Done`] or `timeout` has passed: then
	/// a `Timeout` error with the last reason it was not done.
	pub(crate) async fn wait_on_events<T, Fut>(
		&self,
		timeout: Duration,
		read: impl Fn() -> Fut,
	) -> Result<T, ExchangeError>
	where
		Fut: std::future::Future<Output = Result<Waited<T>, ExchangeError>>,
	{
		let deadline = tokio::time::Instant::now() + timeout;
		loop {
			let notified = self.inner.events.next();
			let why = match read().await? {
				Waited::Done(value) => return Ok(value),
				Waited::NotYet(why) => why,
			};
			if tokio::time::timeout_at(deadline, notified).await.is_err() {
				return Err(ExchangeError::Timeout(why));
			}
		}
	}

	/// Waits (up to `timeout`) until message `id` is confirmed or rejected at this node; returns
	/// it. Each node confirms a message on its own, once it holds both the pin (in block order)
	/// and the payload, so a recipient may confirm after the sender: a message that has not
	/// reached this node yet is waited for too (a `Timeout` if it does not come in time).
	pub async fn wait_for_outcome(
		&self,
		id: &str,
		timeout: Duration,
	) -> Result<Message, ExchangeError> {
		self.wait_on_events(timeout, || async move {
			let message = match self.inner.store.message(id).await? {
				Some(message) => message,
				None => {
					return Ok(Waited::NotYet(format!("message {id} has not reached this node")))
				}
			};
			Ok(match message.state {
				crate::types::MessageState::Confirmed | crate::types::MessageState::Rejected => {
					Waited::Done(message)
				}
				state => Waited::NotYet(format!("message {id} is still {}", state.as_str())),
			})
		})
		.await
	}

	/// Waits (up to `timeout`) for a confirmed reply to message `id` (a message whose `cid` is
	/// `id`); returns it.
	pub async fn wait_for_reply(
		&self,
		namespace: &str,
		id: &str,
		timeout: Duration,
	) -> Result<Message, ExchangeError> {
		let query = crate::store::query::ListQuery::parse([
			("cid".to_string(), id.to_string()),
			("state".to_string(), "confirmed".to_string()),
		])
		.expect("a valid query");
		let query = &query;
		let reply_id = self
			.wait_on_events(timeout, || async move {
				let page =
					self.list(&crate::store::collections::MESSAGES, namespace, query).await?;
				Ok(match page.items.first() {
					Some(reply) => {
						Waited::Done(reply["id"].as_str().unwrap_or_default().to_string())
					}
					None => Waited::NotYet(format!("no reply to {id} yet")),
				})
			})
			.await?;
		self.message(&reply_id).await
	}
}
