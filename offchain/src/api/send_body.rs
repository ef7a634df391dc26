//! The body of a message sent over REST (broadcast, private or request-reply), and how it
//! becomes the exchange's [`MessageRequest`].

use super::{extract::ApiResult, ApiError};
use crate::exchange::MessageRequest;
use serde::Deserialize;
use serde_json::Value;

/// A message to send, as the REST body gives it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = MessageInput)]
pub(crate) struct SendBody {
	/// Topics (1 to 16, each 1 to 128 bytes), or `topic` for one: the message is ordered
	/// with the others of each of its topics.
	#[schema(max_items = 16)]
	topics: Option<Vec<String>>,
	/// One topic.
	#[schema(max_length = 128)]
	topic: Option<String>,
	/// A tag, for apps to tell kinds of message apart.
	#[schema(max_length = 128)]
	tag: Option<String>,
	/// The message's JSON data.
	data: Option<Value>,
	/// Data item ids to attach.
	#[schema(max_items = 64)]
	attachments: Option<Vec<String>>,
	/// The message this replies to (its id, a UUID).
	cid: Option<String>,
	/// The app's idempotency key (1 to 256 bytes, unique in the namespace): a retry with it is
	/// answered 409 with the first message's id, and sends nothing.
	#[schema(max_length = 256)]
	idempotency_key: Option<String>,
	/// For private messages: the group (hex id).
	group: Option<String>,
	/// A token transfer from this node that goes with the message (confirmed together).
	transfer: Option<crate::exchange::MessageTransferRequest>,
	/// Ask each recipient to acknowledge the batch on-chain (default false).
	proof_of_receipt: Option<bool>,
	/// For a private message to one other node: its price (hash-locked delivery versus
	/// payment).
	sale: Option<crate::exchange::SaleRequest>,
}

impl SendBody {
	pub(crate) fn into_send(self, ns: &str) -> ApiResult<(MessageRequest, Option<String>)> {
		let topics = match (self.topics, self.topic) {
			(Some(t), None) => t,
			(None, Some(t)) => vec![t],
			(None, None) => return Err(ApiError::bad_request("topics: give at least one topic")),
			(Some(_), Some(_)) => {
				return Err(ApiError::bad_request("give topics or topic, not both"))
			}
		};
		Ok((
			MessageRequest {
				namespace: ns.into(),
				topics,
				tag: self.tag.unwrap_or_default(),
				data: self.data.unwrap_or(Value::Null),
				attachments: self.attachments.unwrap_or_default(),
				cid: self.cid,
				idempotency_key: self.idempotency_key,
				transfer: self.transfer,
				proof_of_receipt: self.proof_of_receipt.unwrap_or(false),
				sale: self.sale,
			},
			self.group,
		))
	}
}
