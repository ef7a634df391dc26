//! What apps ask, as the REST API and JSON-RPC take it: a message to send, and of tokens:
//! pools, mints, burns, transfers, approvals, claims, escrows, and the transfer a message goes
//! with.

use serde::Deserialize;
use serde_json::Value;

/// A pool, named by its id or by its name in the namespace.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PoolRef {
	/// Its id.
	Id(u32),
	/// Its name.
	Name(String),
}

/// Creates a pool.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreatePoolRequest {
	/// Name, unique in the namespace.
	pub name: String,
	/// Symbol (default: empty).
	pub symbol: Option<String>,
	/// Decimals (fungible pools; default 0).
	pub decimals: Option<u8>,
	/// `fungible` (default) or `nonfungible`.
	#[serde(rename = "type")]
	pub kind: Option<String>,
	/// Where the pool's metadata (a token schema) lives.
	pub metadata_uri: Option<String>,
	/// Its hash (32 bytes hex).
	pub metadata_hash: Option<String>,
	/// The app's idempotency key (1 to 256 bytes, unique in the namespace): a retry with it is
	/// answered with the first operation, never a second transaction.
	pub idempotency_key: Option<String>,
}

/// Mints tokens.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MintRequest {
	/// The pool.
	pub pool: PoolRef,
	/// The recipient (default: this node's account).
	pub to: Option<String>,
	/// An amount (fungible pools).
	pub amount: Option<Value>,
	/// An item index (non-fungible pools).
	pub index: Option<Value>,
	/// The token's metadata hash.
	pub metadata_hash: Option<String>,
	/// The app's idempotency key (1 to 256 bytes, unique in the namespace): a retry with it is
	/// answered with the first operation, never a second transaction.
	pub idempotency_key: Option<String>,
}

/// Burns this node's tokens.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BurnRequest {
	/// The pool.
	pub pool: PoolRef,
	/// An amount.
	pub amount: Option<Value>,
	/// An item index.
	pub index: Option<Value>,
	/// The app's idempotency key (1 to 256 bytes, unique in the namespace): a retry with it is
	/// answered with the first operation, never a second transaction.
	pub idempotency_key: Option<String>,
}

/// Transfers tokens.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TransferRequest {
	/// The pool.
	pub pool: PoolRef,
	/// The recipient.
	pub to: String,
	/// An amount.
	pub amount: Option<Value>,
	/// An item index.
	pub index: Option<Value>,
	/// Transfer from this holder, who approved this node (default: this node's own tokens).
	pub from: Option<String>,
	/// The hash of the private message the transfer goes with.
	pub message_hash: Option<String>,
	/// The app's idempotency key (1 to 256 bytes, unique in the namespace): a retry with it is
	/// answered with the first operation, never a second transaction.
	pub idempotency_key: Option<String>,
}

/// Approves a delegate, changes its allowance, or withdraws its approval.
///
/// - `amount`: adds to its allowance in a fungible pool; `index`: approves it for an item;
/// - `allowance`: sets its allowance in a fungible pool to exactly this (`0` withdraws it);
/// - `approved: false`: withdraws its approval: its whole allowance in a fungible pool, or the
///   item `index` in a non-fungible one.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApproveRequest {
	/// The pool.
	pub pool: PoolRef,
	/// The delegate.
	pub delegate: String,
	/// An amount to add to its allowance.
	pub amount: Option<Value>,
	/// An item it may transfer (or, with `approved: false`, may no longer).
	pub index: Option<Value>,
	/// The allowance it gets, replacing what it had.
	pub allowance: Option<Value>,
	/// `false` withdraws the approval (default `true`).
	pub approved: Option<bool>,
	/// The app's idempotency key (1 to 256 bytes, unique in the namespace): a retry with it is
	/// answered with the first operation, never a second transaction.
	pub idempotency_key: Option<String>,
}

/// Claims a business record key.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClaimRequest {
	/// The key (hashed with blake2-256 here), or give `keyHash`.
	pub key: Option<String>,
	/// The key's hash (32 bytes hex).
	pub key_hash: Option<String>,
	/// The owner (default: this node's account).
	pub owner: Option<String>,
	/// The app's idempotency key (1 to 256 bytes, unique in the namespace): a retry with it is
	/// answered with the first operation, never a second transaction.
	pub idempotency_key: Option<String>,
}

/// Hands a claim to another account.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClaimTransferRequest {
	/// The new owner.
	pub to: String,
}

/// Locks a payment until this node acknowledges a batch.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EscrowRequest {
	/// The fungible pool paid in.
	pub pool: PoolRef,
	/// Who is paid on delivery.
	pub payee: String,
	/// How much.
	pub amount: Value,
	/// The batch to be delivered (16-byte hex id, pinned already), or give `batchHash`.
	pub batch: Option<String>,
	/// The batch's hash (32 bytes hex).
	pub batch_hash: Option<String>,
	/// Blocks until the payment is refunded if no acknowledgement came.
	pub timeout: u32,
	/// For a batch bought under a sale key (hash-locked delivery versus payment): the key's
	/// hash, from the `batch_offered` event. The payment is then released only by the seller
	/// revealing the key that opens the batch, never by this node's acknowledgement.
	pub key_hash: Option<String>,
	/// The app's idempotency key (1 to 256 bytes, unique in the namespace): a retry with it is
	/// answered with the first operation, never a second transaction.
	pub idempotency_key: Option<String>,
}

/// The price of a private message for sale: the recipient's node holds it unopened until the
/// recipient pays at least `amount` into a hash-locked escrow and the seller reveals its key.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SaleRequest {
	/// The fungible pool the price is paid in.
	pub pool: PoolRef,
	/// The least amount.
	pub amount: Value,
}

/// The token transfer a message goes with.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MessageTransferRequest {
	/// The pool.
	pub pool: PoolRef,
	/// The recipient.
	pub to: String,
	/// An amount.
	pub amount: Option<Value>,
	/// An item index.
	pub index: Option<Value>,
}

/// A message to send, as apps describe it.
#[derive(Clone, Debug, Default)]
pub struct MessageRequest {
	/// Namespace (default `default`).
	pub namespace: String,
	/// Topics (1 to 16).
	pub topics: Vec<String>,
	/// Tag.
	pub tag: String,
	/// The message's own JSON data (`null` if it only carries attachments).
	pub data: serde_json::Value,
	/// Ids of data items (in the namespace) to attach.
	pub attachments: Vec<String>,
	/// The message this one replies to.
	pub cid: Option<String>,
	/// A resubmission with the same key gets the first message's id back (a conflict).
	pub idempotency_key: Option<String>,
	/// A token transfer from this node's account that goes with the message: the transfer is
	/// submitted first, carrying the message's hash, and the message is batched only once the
	/// transfer is on-chain.
	pub transfer: Option<MessageTransferRequest>,
	/// Asks each recipient to acknowledge the message's batch on-chain, as proof of receipt
	/// that anyone can read (and that shows who received it). Without it the proof is each
	/// recipient's signed receipt, kept off-chain by this node, unless a payment waits on an
	/// acknowledgement.
	pub proof_of_receipt: bool,
	/// Sells the message to the one other member of its group (hash-locked delivery versus
	/// payment): it travels in a batch of its own, locked under a one-time key; the recipient's
	/// node opens it once the recipient paid the price into a hash-locked escrow and this node
	/// revealed the key on-chain to take the payment.
	pub sale: Option<SaleRequest>,
}
