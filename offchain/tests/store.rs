//! The private store's filters, sorting and paging, and its settling of pins that failed
//! on-chain, run against SQLite always and against PostgreSQL when `PARLEY_TEST_POSTGRES_URL`
//! names a server (scripts/test.sh starts one): the same migrations and the same queries must
//! give the same answers on both.

use codec::Encode;
use parley_offchain::{
	batch::Author,
	store::{
		collections::{MESSAGES, OPERATIONS},
		query::ListQuery,
		NewMessage, NewTokenOp, OutboxKind, Recording, RetryOutcome, Store, StoreError,
	},
	tokens::ExtrinsicOutcome,
	types::{Group, MessageKind},
	ChainBlock, FailedPin, MessageState, PinnedBatch,
};

/// The stores to test: a fresh SQLite file, and a fresh PostgreSQL database if configured.
async fn stores() -> Vec<(String, Store, tempfile::TempDir)> {
	let mut out = Vec::new();
	let dir = tempfile::tempdir().unwrap();
	out.push(("sqlite".to_string(), Store::open_in(dir.path()).await.unwrap(), dir));
	if let Ok(url) = std::env::var("PARLEY_TEST_POSTGRES_URL") {
		let name = format!("parley_test_{}", hex::encode(rand::random::<[u8; 6]>()));
		sqlx::any::install_default_drivers();
		let admin = sqlx::AnyPool::connect(&url).await.expect("PostgreSQL server");
		sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
		let (base, _) = url.rsplit_once('/').expect("URL with a database");
		let dir = tempfile::tempdir().unwrap();
		let store =
			Store::open(&format!("{base}/{name}"), &dir.path().join("payloads")).await.unwrap();
		assert!(!store.is_sqlite());
		out.push(("postgres".to_string(), store, dir));
	} else {
		eprintln!("PARLEY_TEST_POSTGRES_URL not set: testing SQLite only");
	}
	out
}

/// Sends at once are written together, and each still gets its own answer: every message is
/// stored once, in the order of acceptance, and an idempotency key used by several sends at
/// once (in one round or across rounds) is granted to exactly one, the others told its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_at_once_are_written_together_each_answered_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		let mut sends = Vec::new();
		for n in 0..300usize {
			let store = store.clone();
			// Every tenth send in the default namespace reuses one key.
			let key = (n % 10 == 0).then_some("invoice-1");
			sends.push(tokio::spawn(async move {
				(n, store.insert_message(&message(n, &["t"], "", key)).await)
			}));
		}
		let mut granted = Vec::new();
		let mut told = Vec::new();
		for send in sends {
			match send.await.unwrap() {
				(n, Ok(())) if n % 10 == 0 => granted.push(n),
				(_, Ok(())) => {}
				(n, Err(StoreError::Duplicate(first))) => told.push((n, first)),
				(n, Err(e)) => panic!("{backend}: send {n}: {e}"),
			}
		}
		// Keys are per namespace: n % 5 == 4 is in "other", never a multiple of 10.
		assert_eq!(granted.len(), 1, "{backend}: one send gets the key: {granted:?}");
		let first = format!("00000000-0000-0000-0000-{:012}", granted[0]);
		assert_eq!(told.len(), 29, "{backend}: the other 29 are told");
		assert!(told.iter().all(|(_, id)| *id == first), "{backend}: told the first's id");
		let stored = store
			.list(&MESSAGES, &[], &query(&[("limit", "1000"), ("sort", "created")]))
			.await
			.unwrap()
			.items;
		assert_eq!(stored.len(), 271, "{backend}: every other send stored once");
		let ids: std::collections::BTreeSet<_> =
			stored.iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
		assert_eq!(ids.len(), 271, "{backend}: no message twice");
	}
}

fn message(n: usize, topics: &[&str], tag: &str, key: Option<&str>) -> NewMessage {
	NewMessage {
		id: format!("00000000-0000-0000-0000-{n:012}"),
		namespace: if n % 5 == 4 { "other".into() } else { "default".into() },
		kind: if n.is_multiple_of(2) { MessageKind::Broadcast } else { MessageKind::Private },
		author: format!("did:parley:node/n{}", n % 3),
		created: parley_offchain::types::now_ms(),
		group: None,
		topics: topics.iter().map(|t| t.to_string()).collect(),
		tag: tag.into(),
		data: serde_json::json!({ "n": n }),
		attachments: vec![],
		cid: None,
		idempotency_key: key.map(str::to_string),
		transfer: None,
		proof_of_receipt: false,
		sale: None,
	}
}

fn query(pairs: &[(&str, &str)]) -> ListQuery {
	ListQuery::parse(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
}

async fn ids(store: &Store, pairs: &[(&str, &str)]) -> Vec<usize> {
	let page = store.list(&MESSAGES, &[("namespace", "default")], &query(pairs)).await.unwrap();
	page.items.iter().map(|m| m["id"].as_str().unwrap()[24..].parse().unwrap()).collect()
}

#[tokio::test]
async fn filters_sorting_and_paging_agree_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		for n in 0..20 {
			let topics: &[&str] = match n % 4 {
				0 => &["claims"],
				1 => &["claims", "audit"],
				2 => &["audit_log"],
				_ => &["100%"],
			};
			store
				.insert_message(&message(n, topics, if n < 10 { "low" } else { "high" }, None))
				.await
				.unwrap();
			tokio::time::sleep(std::time::Duration::from_millis(2)).await;
		}
		// 16 of the 20 are in `default` (every fifth is in `other`).
		assert_eq!(ids(&store, &[]).await.len(), 16, "{backend}");
		// eq / neq on text.
		assert_eq!(
			ids(&store, &[("tag", "high")]).await,
			vec![10, 11, 12, 13, 15, 16, 17, 18],
			"{backend}"
		);
		assert_eq!(
			ids(&store, &[("tag", "!high")]).await,
			vec![0, 1, 2, 3, 5, 6, 7, 8],
			"{backend}"
		);
		// An element of the topics list, exactly: `audit` does not match `audit_log`.
		assert_eq!(ids(&store, &[("topics", "audit")]).await, vec![1, 5, 13, 17], "{backend}");
		// `%` and `_` are not wildcards.
		assert_eq!(ids(&store, &[("topics", "100%")]).await, vec![3, 7, 11, 15], "{backend}");
		// Contains on text.
		assert_eq!(ids(&store, &[("author", "@n1")]).await, vec![1, 7, 10, 13, 16], "{backend}");
		// in:
		assert_eq!(
			ids(&store, &[("author", "in:did:parley:node/n0,did:parley:node/n2")]).await.len(),
			11,
			"{backend}"
		);
		// gt / lt / gte on numbers, against the creation times.
		let all = store.list(&MESSAGES, &[("namespace", "default")], &query(&[])).await.unwrap();
		let created: Vec<i64> = all.items.iter().map(|m| m["created"].as_i64().unwrap()).collect();
		let middle = created[8].to_string();
		assert_eq!(
			ids(&store, &[("created", &format!(">{middle}"))]).await.len(),
			created.iter().filter(|c| **c > created[8]).count(),
			"{backend}"
		);
		assert_eq!(
			ids(&store, &[("created", &format!("<={middle}"))]).await.len(),
			created.iter().filter(|c| **c <= created[8]).count(),
			"{backend}"
		);
		// Sort descending, skip and limit, with the total.
		let page = store
			.list(
				&MESSAGES,
				&[("namespace", "default")],
				&query(&[
					("sort", "-created"),
					("skip", "2"),
					("limit", "3"),
					("count", "true"),
					("tag", "low"),
				]),
			)
			.await
			.unwrap();
		let got: Vec<usize> =
			page.items.iter().map(|m| m["id"].as_str().unwrap()[24..].parse().unwrap()).collect();
		assert_eq!((got, page.total), (vec![6, 5, 3], Some(8)), "{backend}");
		// Several conditions at once.
		assert_eq!(
			ids(&store, &[("kind", "private"), ("topics", "claims"), ("tag", "high")]).await,
			vec![13, 17],
			"{backend}"
		);
		// Bad fields and values are named errors, not panics.
		for bad in [&[("nope", "x")][..], &[("created", ">soon")], &[("sort", "nope")]] {
			let err =
				store.list(&MESSAGES, &[("namespace", "default")], &query(bad)).await.unwrap_err();
			assert!(matches!(err, StoreError::BadQuery(_)), "{backend}: {err}");
		}
		// The other namespace is separate.
		let other = store.list(&MESSAGES, &[("namespace", "other")], &query(&[])).await.unwrap();
		assert_eq!(other.items.len(), 4, "{backend}");
	}
}

#[tokio::test]
async fn an_idempotency_key_is_used_once_per_namespace_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		store.insert_message(&message(1, &["t"], "", Some("order-7"))).await.unwrap();
		let again =
			store.insert_message(&message(2, &["t"], "", Some("order-7"))).await.unwrap_err();
		assert!(
			matches!(&again, StoreError::Duplicate(id) if id == "00000000-0000-0000-0000-000000000001"),
			"{backend}: {again}"
		);
		// The same key in another namespace, and messages without keys, are fine.
		store.insert_message(&message(4, &["t"], "", Some("order-7"))).await.unwrap();
		store.insert_message(&message(6, &["t"], "", None)).await.unwrap();
		store.insert_message(&message(8, &["t"], "", None)).await.unwrap();
	}
}

/// Puts the pending messages of `ids` into one private batch by node 1 for recipient node 2, as
/// the batcher does; returns its id, hash and contexts.
async fn private_batch(
	store: &Store,
	group: &Group,
	ids: &[usize],
	batch: u8,
) -> ([u8; 16], [u8; 32], Vec<[u8; 32]>) {
	for n in ids {
		let mut m = message(*n, &["t1", "t2"], "", None);
		m.namespace = "default".into();
		m.kind = MessageKind::Private;
		m.group = Some(group.id);
		store.insert_message(&m).await.unwrap();
	}
	let mut plans = store.pending_batches(100).await.unwrap();
	assert_eq!(plans.len(), 1);
	let plan = plans.remove(0);
	let author = Author { node: 1, did: "did:parley:node/a".into() };
	let payload =
		store.commit_batch(plan, [batch; 16], author, &[2], |p| p.encode()).await.unwrap();
	(payload.batch_id, payload.hash(), payload.contexts())
}

fn failed_pin(batch: ([u8; 16], [u8; 32], Vec<[u8; 32]>), error: &str) -> FailedPin {
	FailedPin {
		signer: [1; 32],
		batch_id: batch.0,
		batch_hash: batch.1,
		contexts: batch.2,
		error: error.into(),
	}
}

fn recording(me: u32) -> Recording {
	Recording { fetch_after_ms: 0, me: Some(me), failed_pin_authors: vec![Some(1)] }
}

#[tokio::test]
async fn a_pin_that_failed_on_chain_settles_its_batch_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		let group = Group {
			id: [4; 16],
			namespace: "default".into(),
			name: "g".into(),
			members: vec![1, 2],
			secret: [9; 32],
		};
		store.save_group(&group, &[]).await.unwrap();
		// A batch that failed with an error a new batch avoids: its messages are sent again.
		let first = private_batch(&store, &group, &[1, 3], 1).await;
		let block =
			|number, failed| ChainBlock { number, failed_pins: vec![failed], ..Default::default() };
		let too_many = failed_pin(first.clone(), "Pins.TooManyContexts");
		store.record_block(&block(1, too_many.clone()), &recording(1)).await.unwrap();
		let state = |id: &'static str| {
			let store = store.clone();
			async move { store.message(id).await.unwrap().unwrap() }
		};
		// Recording the block writes none of the sender's state: the pin room settles it.
		let m1 = state("00000000-0000-0000-0000-000000000001").await;
		assert_eq!(
			m1.batch,
			Some(hex::encode(first.0)),
			"{backend}: settled before the pin room ran"
		);
		assert!(store.pin_outcome_waiting(&first.0).await.unwrap(), "{backend}");
		let settled = store.settle_pin_outcomes().await.unwrap();
		assert_eq!((settled.landed, settled.failed), (0, 1), "{backend}");
		assert!(!store.pin_outcome_waiting(&first.0).await.unwrap(), "{backend}");
		let m1 = state("00000000-0000-0000-0000-000000000001").await;
		assert_eq!((m1.state, m1.batch), (MessageState::Pending, None), "{backend}");
		// Its contexts are void for its author: a later pin of that author may pass them.
		let void = store.rejected_contexts(1).await.unwrap();
		assert!(first.2.iter().all(|c| void.contains(c)), "{backend}");
		assert!(
			store.rejected_contexts(2).await.unwrap().is_empty(),
			"{backend}: only the signer's"
		);
		// Its pin operation is failed with the error, its delivery cancelled; both are final.
		let query = ListQuery::parse([("batch".to_string(), hex::encode(first.0))]).unwrap();
		let ops = store.list(&OPERATIONS, &[], &query).await.unwrap().items;
		let state_of =
			|kind: &str| ops.iter().find(|o| o["kind"] == kind).unwrap()["state"].clone();
		assert_eq!(
			(state_of("pin"), state_of("deliver")),
			("failed".into(), "cancelled".into()),
			"{backend}"
		);
		for op in &ops {
			let retried = store.retry_op_now(op["id"].as_str().unwrap()).await.unwrap();
			assert!(matches!(retried, RetryOutcome::Final(_)), "{backend}: {retried:?}");
		}
		// Recording the same block again changes nothing (a replay after a restart).
		store.record_block(&block(1, too_many), &recording(1)).await.unwrap();
		store.settle_pin_outcomes().await.unwrap();
		let events = store.events_after(0, 100).await.unwrap();
		assert_eq!(events.iter().filter(|e| e.kind == "operation_failed").count(), 1, "{backend}");
		// Sent again, it fails twice more: then it is rejected with the error, never sent again.
		for (round, batch) in [(2u64, 2u8), (3, 3)] {
			let plan = store.pending_batches(100).await.unwrap().remove(0);
			let author = Author { node: 1, did: "did:parley:node/a".into() };
			let payload =
				store.commit_batch(plan, [batch; 16], author, &[2], |p| p.encode()).await.unwrap();
			let failed = failed_pin(
				(payload.batch_id, payload.hash(), payload.contexts()),
				"Pins.TooManyContexts",
			);
			store.record_block(&block(round, failed), &recording(1)).await.unwrap();
			store.settle_pin_outcomes().await.unwrap();
		}
		let m1 = state("00000000-0000-0000-0000-000000000001").await;
		assert_eq!(m1.state, MessageState::Rejected, "{backend}");
		assert_eq!(
			m1.error.as_deref(),
			Some("its pin failed on-chain: Pins.TooManyContexts"),
			"{backend}"
		);
		assert!(store.pending_batches(100).await.unwrap().is_empty(), "{backend}");
		// Any other error rejects at once.
		let other = private_batch(&store, &group, &[5], 4).await;
		store
			.record_block(&block(4, failed_pin(other, "Pins.InvalidNamespace")), &recording(1))
			.await
			.unwrap();
		store.settle_pin_outcomes().await.unwrap();
		let m5 = state("00000000-0000-0000-0000-000000000005").await;
		assert_eq!(m5.state, MessageState::Rejected, "{backend}");
		// Another party records the same failures: its contexts are void there too, and nothing
		// else changes (it authored none of those batches).
		let events = store.events_after(0, 1000).await.unwrap();
		assert_eq!(events.iter().filter(|e| e.kind == "operation_failed").count(), 4, "{backend}");
		assert_eq!(events.iter().filter(|e| e.kind == "message_rejected").count(), 2, "{backend}");
	}
}

#[tokio::test]
async fn a_failed_duplicate_of_a_landed_pin_voids_nothing_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		let group = Group {
			id: [5; 16],
			namespace: "default".into(),
			name: "g".into(),
			members: vec![1, 2],
			secret: [9; 32],
		};
		store.save_group(&group, &[]).await.unwrap();
		let batch = private_batch(&store, &group, &[7], 7).await;
		// The pin lands; a resubmitted copy of it fails in the same block.
		let pin = PinnedBatch {
			block: 1,
			event_index: 0,
			namespace: "default".into(),
			sequence: 0,
			author: 1,
			batch_id: batch.0,
			batch_hash: batch.1,
			contexts: batch.2.clone(),
		};
		let block = ChainBlock {
			number: 1,
			pins: vec![pin],
			failed_pins: vec![failed_pin(batch.clone(), "Pins.BatchAlreadyPinned")],
			..Default::default()
		};
		store.record_block(&block, &recording(1)).await.unwrap();
		let settled = store.settle_pin_outcomes().await.unwrap();
		assert_eq!(
			(settled.landed, settled.failed),
			(1, 0),
			"{backend}: a failed duplicate of a landed pin is no failure of this node's"
		);
		assert!(store.rejected_contexts(1).await.unwrap().is_empty(), "{backend}");
		let m = store.message("00000000-0000-0000-0000-000000000007").await.unwrap().unwrap();
		assert_eq!(m.state, MessageState::Pinned, "{backend}");
		let events = store.events_after(0, 100).await.unwrap();
		assert!(!events.iter().any(|e| e.kind == "operation_failed"), "{backend}");
	}
}

/// Empty databases to build by hand: a SQLite file, and a PostgreSQL database if configured.
async fn empty_databases() -> Vec<(String, String, tempfile::TempDir)> {
	sqlx::any::install_default_drivers();
	let dir = tempfile::tempdir().unwrap();
	let mut out = vec![(
		"sqlite".into(),
		format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display()),
		dir,
	)];
	if let Ok(url) = std::env::var("PARLEY_TEST_POSTGRES_URL") {
		let name = format!("parley_test_{}", hex::encode(rand::random::<[u8; 6]>()));
		let admin = sqlx::AnyPool::connect(&url).await.expect("PostgreSQL server");
		sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
		let (base, _) = url.rsplit_once('/').expect("URL with a database");
		out.push(("postgres".into(), format!("{base}/{name}"), tempfile::tempdir().unwrap()));
	}
	out
}

#[tokio::test]
async fn a_database_migrated_by_an_earlier_release_keeps_its_rows_and_gets_only_the_new_migrations()
{
	for (backend, url, dir) in empty_databases().await {
		// A database as an earlier release left it: migrations 1 to 3 applied and recorded in
		// its own `schema_migrations` table, and a group in it.
		{
			let pool = sqlx::AnyPool::connect(&url).await.unwrap();
			for sql in [
				include_str!("../migrations/0001_private_data.sql"),
				include_str!("../migrations/0002_app_api.sql"),
				include_str!("../migrations/0003_tokens.sql"),
			] {
				sqlx::raw_sql(sql).execute(&pool).await.unwrap();
			}
			sqlx::raw_sql(
				"CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY); INSERT INTO schema_migrations (version) VALUES (1), (2), (3); INSERT INTO groups (id, namespace, name, members, secret, created) VALUES ('aa', 'default', 'kept', '[]', '00', 1); INSERT INTO token_approvals (block, event_index, namespace, pool, owner, delegate, amount, item) VALUES (5, 1, 'default', 1, 'o', 'd', '500', NULL); INSERT INTO pins (batch_id, block, event_index, namespace, sequence, author, batch_hash, contexts, state, seen) VALUES ('bb', 7, 0, 'default', 0, 3, 'cc', '[]', 'released', 9)",
			)
			.execute(&pool)
			.await
			.unwrap();
			// This node's private message carrying an uploaded blob, and a blob no message
			// carries: the earlier release found the readers by scanning attachments.
			let blob = "b1".repeat(32);
			sqlx::raw_sql(&format!(
				"INSERT INTO groups (id, namespace, name, members, secret, created) VALUES ('ab', 'default', 'pair', '[1,2]', '00', 1); INSERT INTO messages (id, namespace, kind, author, group_id, topics, tag, data, data_hash, state, created, attachments) VALUES ('m1', 'default', 'private', 'did:parley:node/a', 'ab', '[]', '', 'null', 'dd', 'confirmed', 1, '[{{\"id\":\"d1\",\"name\":\"f\",\"hash\":\"{blob}\",\"size\":3,\"blob\":\"{blob}\"}}]'); INSERT INTO data (id, namespace, name, blob_hash, size, hash, created) VALUES ('d1', 'default', 'f', '{blob}', 3, '{blob}', 1), ('d2', 'default', 'g', '{}', 3, 'ee', 1)",
				"c2".repeat(32)
			))
			.execute(&pool)
			.await
			.unwrap();
			pool.close().await;
		}
		let store = Store::open(&url, &dir.path().join("payloads")).await.unwrap();
		drop(store);
		// Opened twice: the second open has nothing to adopt or run.
		let store = Store::open(&url, &dir.path().join("payloads")).await.unwrap();
		// Migration 15 found the blobs of the messages stored before it.
		assert_eq!(
			store.blob_readers(&"b1".repeat(32)).await.unwrap(),
			Some(vec![1, 2]),
			"{backend}: the old message's group reads its blob"
		);
		assert_eq!(
			store.blob_readers(&"c2".repeat(32)).await.unwrap(),
			Some(vec![]),
			"{backend}: no one reads a blob no message carries"
		);
		let pool = sqlx::AnyPool::connect(&url).await.unwrap();
		let versions: Vec<i64> =
			sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
				.fetch_all(&pool)
				.await
				.unwrap();
		let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
			.unwrap()
			.count() as i64;
		assert_eq!(
			versions,
			(1..=migrations).collect::<Vec<i64>>(),
			"{backend}: sqlx tracks every migration once"
		);
		let kept: String = sqlx::query_scalar("SELECT name FROM groups WHERE id = 'aa'")
			.fetch_one(&pool)
			.await
			.unwrap();
		assert_eq!(kept, "kept", "{backend}: the rows are kept");
		// Migration 10 keys pins by (batch id, author): the old pin is kept with its state, and
		// another node's pin of the same id is a second row, not a conflict.
		let state: String =
			sqlx::query_scalar("SELECT state FROM pins WHERE batch_id = 'bb' AND author = 3")
				.fetch_one(&pool)
				.await
				.unwrap();
		assert_eq!(state, "released", "{backend}: the pin is kept");
		sqlx::query("INSERT INTO pins (batch_id, block, event_index, namespace, sequence, author, batch_hash, contexts, state) VALUES ('bb', 8, 0, 'default', 1, 4, 'cc', '[]', 'pending')")
			.execute(&pool)
			.await
			.unwrap();
		// Migration 9 marks the approvals recorded before it as plain approvals.
		let action: String =
			sqlx::query_scalar("SELECT action FROM token_approvals WHERE block = 5")
				.fetch_one(&pool)
				.await
				.unwrap();
		assert_eq!(action, "approve", "{backend}: an earlier approval row reads as an approval");
		// Migration 4 ran (its table exists) and the old bookkeeping is gone.
		let void: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM void_contexts")
			.fetch_one(&pool)
			.await
			.unwrap();
		assert_eq!(void, 0, "{backend}");
		// Migration 11 ran: messages say whether they ask for proof of receipt.
		let asking: i64 =
			sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE proof_of_receipt <> 0")
				.fetch_one(&pool)
				.await
				.unwrap();
		assert_eq!(asking, 0, "{backend}");
		// Migration 6 ran: sealed payloads have a size.
		let sized: i64 =
			sqlx::query_scalar("SELECT COUNT(size) FROM sealed").fetch_one(&pool).await.unwrap();
		assert_eq!(sized, 0, "{backend}");
		assert!(
			sqlx::query("SELECT version FROM schema_migrations").fetch_all(&pool).await.is_err(),
			"{backend}: schema_migrations is dropped"
		);
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_number_events_once_each_and_in_order_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		// 8 writers (8 connections on PostgreSQL) append 40 events each, while a reader follows
		// the stream as a subscriber does: by offset, never seeing a number after a gap.
		let writers: Vec<_> = (0..8)
			.map(|w| {
				let store = store.clone();
				tokio::spawn(async move {
					let mut seqs = Vec::new();
					for n in 0..40 {
						let reference = format!("w{w}-{n}");
						let event = parley_offchain::store::NewEvent {
							kind: "test_event",
							namespace: "default",
							reference: &reference,
							..Default::default()
						};
						seqs.push(store.record_event(&event).await.expect("an event appends"));
					}
					seqs
				})
			})
			.collect();
		let reader = {
			let store = store.clone();
			tokio::spawn(async move {
				let mut offset = 0;
				while offset < 320 {
					for event in store.events_after(offset, 1000).await.unwrap() {
						assert_eq!(event.sequence, offset + 1, "the reader never sees a gap");
						offset = event.sequence;
					}
					tokio::task::yield_now().await;
				}
				offset
			})
		};
		let mut all = Vec::new();
		for writer in writers {
			all.extend(writer.await.unwrap());
		}
		all.sort();
		assert_eq!(all, (1..=320).collect::<Vec<i64>>(), "{backend}: every number once");
		assert_eq!(
			tokio::time::timeout(std::time::Duration::from_secs(60), reader)
				.await
				.unwrap()
				.unwrap(),
			320,
			"{backend}"
		);
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_and_a_fetch_of_one_batch_at_once_keep_one_copy_whole_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		for round in 0..40u8 {
			let batch_id = [round; 16];
			// The author's delivery and another member's relayed copy, sealed differently.
			let from_author = vec![1u8; 64 * 1024];
			let relayed = vec![2u8; 48 * 1024];
			let (a, b) = tokio::join!(
				store.store_sealed(&batch_id, 1, &[9; 32], &from_author),
				store.store_sealed(&batch_id, 2, &[9; 32], &relayed),
			);
			let (a, b) = (a.unwrap(), b.unwrap());
			assert!(a ^ b, "{backend}: exactly one copy is new (round {round}: {a}, {b})");
			let kept = store.sealed(&batch_id).await.unwrap().expect("a copy");
			assert_eq!(
				kept,
				if a { from_author } else { relayed },
				"{backend}: the winner's bytes"
			);
			// A discard racing a new copy leaves a row and its file, or neither.
			let again = vec![3u8; 1024];
			let (d, s) = tokio::join!(
				store.discard_sealed(&batch_id),
				store.store_sealed(&batch_id, 3, &[9; 32], &again),
			);
			d.unwrap();
			let stored = s.unwrap();
			// Either the discard came first and the new copy is kept whole, or the store found the
			// old copy (not new) and the discard then removed it: never a row without its file.
			match store.sealed(&batch_id).await.unwrap() {
				Some(bytes) => {
					assert!(stored, "{backend}: a copy kept that was not stored");
					assert_eq!(bytes, again, "{backend}");
				}
				None => assert!(!stored, "{backend}: the new copy was stored, then lost"),
			}
		}
	}
}

/// What a sender stores here for batches it never pins is counted in bytes (so a delivery past
/// the node's bound can be refused) and collected after a while; a pinned batch's payload, and
/// this node's own batches, are kept.
#[tokio::test]
async fn sealed_payloads_never_pinned_are_bounded_and_collected_on_every_backend() {
	for (backend, store, dir) in stores().await {
		assert_eq!(store.unpinned_sealed_bytes(2).await.unwrap(), 0, "{backend}");
		for (n, size) in [(1u8, 1000usize), (2, 2000), (3, 4000)] {
			assert!(store.store_sealed(&[n; 16], 2, &[n; 32], &vec![n; size]).await.unwrap());
		}
		// Another sender's copies do not count against this one.
		store.store_sealed(&[9; 16], 3, &[9; 32], &[9; 500]).await.unwrap();
		assert_eq!(store.unpinned_sealed_bytes(2).await.unwrap(), 7000, "{backend}");
		assert_eq!(store.unpinned_sealed_bytes(3).await.unwrap(), 500, "{backend}");
		// One of them is pinned: it no longer counts.
		let pin = PinnedBatch {
			block: 1,
			event_index: 0,
			namespace: "default".into(),
			sequence: 0,
			author: 2,
			batch_id: [3; 16],
			batch_hash: [3; 32],
			contexts: vec![[1; 32]],
		};
		let block = ChainBlock { number: 1, pins: vec![pin], ..Default::default() };
		store.record_block(&block, &recording(1)).await.unwrap();
		assert_eq!(store.unpinned_sealed_bytes(2).await.unwrap(), 3000, "{backend}");
		// This node's own batch, not pinned yet, is never collected.
		let group = Group {
			id: [6; 16],
			namespace: "default".into(),
			name: "g".into(),
			members: vec![1, 2],
			secret: [9; 32],
		};
		store.save_group(&group, &[]).await.unwrap();
		let own = private_batch(&store, &group, &[11], 11).await;
		// Nothing is old enough yet.
		assert_eq!(store.collect_unpinned_sealed(0).await.unwrap(), 0, "{backend}");
		// Past the TTL: the three unpinned copies of others go, rows and files.
		let later = i64::MAX;
		assert_eq!(store.collect_unpinned_sealed(later).await.unwrap(), 3, "{backend}");
		for n in [1u8, 2, 9] {
			assert_eq!(store.sealed(&[n; 16]).await.unwrap(), None, "{backend}");
			let file = dir.path().join("payloads").join(format!("{}.sealed", hex::encode([n; 16])));
			assert!(!file.exists(), "{backend}: {file:?} left behind");
		}
		assert!(store.sealed(&[3; 16]).await.unwrap().is_some(), "{backend}: pinned kept");
		assert!(store.sealed(&own.0).await.unwrap().is_some(), "{backend}: own batch kept");
		assert_eq!(store.unpinned_sealed_bytes(2).await.unwrap(), 0, "{backend}");
	}
}

#[tokio::test]
async fn a_private_batch_names_its_readers_without_being_opened_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		let group = Group::new("default".into(), "g".into(), vec![2, 1], [3; 32]);
		store.save_group(&group, &[]).await.unwrap();
		let batch = private_batch(&store, &group, &[1], 6).await;
		// The group's members, from the store: a node outside it is answered without a decryption.
		assert_eq!(store.batch_readers(&batch.0).await.unwrap(), Some(vec![1, 2]), "{backend}");
		assert_eq!(store.batch_readers(&[0xee; 16]).await.unwrap(), None, "{backend}");
	}
}

#[tokio::test]
async fn messages_that_ask_for_proof_of_receipt_never_share_a_batch_with_those_that_do_not() {
	for (backend, store, _dir) in stores().await {
		// Broadcasts in `default`, accepted in turn: plain, asking, plain, asking.
		for (n, asks) in [(0, false), (2, true), (6, false), (8, true)] {
			let mut m = message(n, &["t"], "", None);
			m.proof_of_receipt = asks;
			store.insert_message(&m).await.unwrap();
		}
		let plans = store.pending_batches(100).await.unwrap();
		let shape: Vec<(bool, usize)> =
			plans.iter().map(|p| (p.proof_of_receipt, p.messages.len())).collect();
		assert_eq!(shape, vec![(false, 2), (true, 2)], "{backend}");
		// The request travels in the batch and is covered by its hash.
		let author = Author { node: 1, did: "did:parley:node/a".into() };
		let mut plans = plans.into_iter();
		let plain = plans.next().unwrap();
		let asking = plans.next().unwrap();
		let plain = store.commit_batch(plain, [1; 16], author.clone(), &[2], |p| p.encode()).await;
		let asking = store.commit_batch(asking, [2; 16], author, &[2], |p| p.encode()).await;
		let (plain, asking) = (plain.unwrap(), asking.unwrap());
		assert!(!plain.proof_of_receipt && asking.proof_of_receipt, "{backend}");
		let mut stripped = asking.clone();
		stripped.proof_of_receipt = false;
		assert_ne!(stripped.hash(), asking.hash(), "{backend}");
	}
}

/// A sender with many pins held back (in doubt after a restart, each waiting for the one before
/// it) keeps delivering: the pins it may not submit yet are due on every pass, and must not
/// fill the outbox's pass so that a delivery queued after them is never run.
#[tokio::test]
async fn pins_held_back_do_not_starve_the_deliveries_after_them_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		let group = Group::new("default".into(), "g".into(), vec![1, 2], [3; 32]);
		store.save_group(&group, &[]).await.unwrap();
		// 70 batches, each a pin and a delivery; the deliveries are done, the pins stay open.
		for b in 0..70u8 {
			private_batch(&store, &group, &[2 * b as usize + 1], b).await;
		}
		let limit = 64;
		for op in store.due_ops(200).await.unwrap() {
			if op.kind == OutboxKind::Deliver {
				store.complete_op(&op.id).await.unwrap();
			}
		}
		let last = private_batch(&store, &group, &[1001], 200).await;
		let due = store.due_ops(limit).await.unwrap();
		let pins = due.iter().filter(|op| op.kind == OutboxKind::Pin).count();
		assert_eq!(pins, limit as usize, "{backend}: a full pass of pins");
		assert!(
			due.iter().any(|op| op.kind == OutboxKind::Deliver && op.batch_id == Some(last.0)),
			"{backend}: the delivery queued after 70 open pins is in the pass"
		);
	}
}

/// A token operation of `namespace` with idempotency key `key`, as the exchange records it.
async fn token_op(
	store: &Store,
	id: &str,
	namespace: &str,
	key: Option<&str>,
) -> Result<(), StoreError> {
	let input = serde_json::json!({ "pool": 1, "amount": "1" });
	let op = NewTokenOp {
		id,
		namespace,
		kind: "transfer",
		input: &input,
		message_id: None,
		idempotency_key: key,
	};
	store.insert_token_op(&op).await
}

#[tokio::test]
async fn a_token_operation_is_made_once_per_key_and_followed_from_its_signing_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		// One operation per key and namespace: a retry names the first.
		token_op(&store, "op-a", "default", Some("pay-1")).await.unwrap();
		let again = token_op(&store, "op-b", "default", Some("pay-1")).await.unwrap_err();
		assert!(matches!(&again, StoreError::Duplicate(id) if id == "op-a"), "{backend}: {again}");
		assert!(store.token_op("op-b").await.unwrap().is_none(), "{backend}");
		token_op(&store, "op-c", "other", Some("pay-1")).await.unwrap();
		assert_eq!(
			store.token_op("op-a").await.unwrap().unwrap().idempotency_key.as_deref(),
			Some("pay-1")
		);

		// A node stops with three operations `submitting`: one signed (it may be in a pool),
		// one never signed, and one signed whose transaction lands before the pool's answer.
		token_op(&store, "signed", "default", Some("pay-2")).await.unwrap();
		store.token_op_signed("signed", &[7; 32], 20).await.unwrap();
		token_op(&store, "unsigned", "default", Some("pay-3")).await.unwrap();
		token_op(&store, "landed", "default", None).await.unwrap();
		store.token_op_signed("landed", &[8; 32], 20).await.unwrap();
		let block = |number, extrinsics| ChainBlock { number, extrinsics, ..Default::default() };
		let outcome = |hash| ExtrinsicOutcome { index: 1, hash, error: None };
		let recording = Recording { fetch_after_ms: 0, me: Some(1), failed_pin_authors: vec![] };
		store.record_block(&block(1, vec![outcome([8; 32])]), &recording).await.unwrap();
		let state = |id: &'static str| {
			let store = store.clone();
			async move { store.token_op(id).await.unwrap().unwrap() }
		};
		assert_eq!(state("landed").await.state, "succeeded", "{backend}: counted from its signing");

		// (op-a and op-c, never signed either, fail with it.)
		assert_eq!(store.fail_interrupted_token_ops().await.unwrap(), 3, "{backend}");
		let unsigned = state("unsigned").await;
		assert_eq!(unsigned.state, "failed", "{backend}");
		assert!(unsigned.error.unwrap().contains("nothing was sent"), "{backend}");
		assert_eq!(state("signed").await.state, "submitted", "{backend}: followed, not failed");
		assert_eq!(state("landed").await.state, "succeeded", "{backend}");

		// The signed one is decided by the chain: not in a block before its era ends, it fails.
		store.record_block(&block(20, vec![]), &recording).await.unwrap();
		assert_eq!(state("signed").await.state, "submitted", "{backend}: still in its era");
		store.record_block(&block(21, vec![]), &recording).await.unwrap();
		let signed = state("signed").await;
		assert_eq!(signed.state, "failed", "{backend}");
		assert!(signed.error.unwrap().contains("era ended"), "{backend}");
	}
}

#[tokio::test]
async fn a_token_operation_the_pool_refused_after_signing_is_decided_by_the_chain_on_every_backend()
{
	for (backend, store, _dir) in stores().await {
		let block = |number, extrinsics| ChainBlock { number, extrinsics, ..Default::default() };
		let outcome = |hash| ExtrinsicOutcome { index: 1, hash, error: None };
		let recording = Recording { fetch_after_ms: 0, me: Some(1), failed_pin_authors: vec![] };
		let state = |id: &'static str| {
			let store = store.clone();
			async move { store.token_op(id).await.unwrap().unwrap() }
		};
		let refusal = "the transaction pool refused the transaction: AncientBirthBlock";
		// Never signed: nothing left the node, so a refusal fails it at once.
		token_op(&store, "unsigned", "default", None).await.unwrap();
		assert!(!store.token_op_in_doubt("unsigned", refusal).await.unwrap(), "{backend}");
		assert_eq!(state("unsigned").await.state, "submitting", "{backend}: left to the caller");

		// Signed, then refused: followed, with the refusal kept; it lands, so it succeeded.
		token_op(&store, "landed", "default", Some("pay-1")).await.unwrap();
		store.token_op_signed("landed", &[9; 32], 30).await.unwrap();
		assert!(store.token_op_in_doubt("landed", refusal).await.unwrap(), "{backend}");
		let landed = state("landed").await;
		assert_eq!((landed.state.as_str(), landed.error.as_deref()), ("submitted", Some(refusal)));
		// Signed, refused, and never in a block: failed when its era ends, naming the refusal.
		token_op(&store, "lost", "default", Some("pay-2")).await.unwrap();
		store.token_op_signed("lost", &[10; 32], 30).await.unwrap();
		assert!(store.token_op_in_doubt("lost", refusal).await.unwrap(), "{backend}");

		store.record_block(&block(5, vec![outcome([9; 32])]), &recording).await.unwrap();
		assert_eq!(state("landed").await.state, "succeeded", "{backend}: the chain decided");
		store.record_block(&block(30, vec![]), &recording).await.unwrap();
		assert_eq!(state("lost").await.state, "submitted", "{backend}: still in its era");
		store.record_block(&block(31, vec![]), &recording).await.unwrap();
		let lost = state("lost").await;
		assert_eq!(lost.state, "failed", "{backend}");
		let error = lost.error.unwrap();
		assert!(
			error.contains("era ended") && error.contains("AncientBirthBlock"),
			"{backend}: {error}"
		);
		assert_eq!(state("landed").await.error, None, "{backend}: the note goes when it lands");
		// A restart leaves both as they are: neither is `submitting`.
		assert_eq!(
			store.fail_interrupted_token_ops().await.unwrap(),
			1,
			"{backend}: only the unsigned"
		);
		assert_eq!(state("landed").await.state, "succeeded", "{backend}");
	}
}

/// A message that goes with a token transfer waits until the chain settles the transfer's
/// operation; recording that block leaves the message alone (it is the send room's), and the
/// send room then lets it go, or rejects it if the transfer failed.
#[tokio::test]
async fn a_message_waiting_for_its_transfer_goes_on_only_when_the_send_room_settles_it_on_every_backend(
) {
	for (backend, store, _dir) in stores().await {
		let transfer = parley_offchain::tokens::TransferRef {
			pool: 1,
			to: [2; 32],
			holding: parley_offchain::tokens::Holding::Amount(5),
		};
		let input = serde_json::json!({ "pool": 1, "amount": "5" });
		for (n, op, hash) in [(11usize, "pays", [11u8; 32]), (13, "refused", [13; 32])] {
			let mut m = message(n, &["t"], "", None);
			m.transfer = Some(transfer.clone());
			store.insert_message(&m).await.unwrap();
			let op = NewTokenOp {
				id: op,
				namespace: &m.namespace,
				kind: "transfer",
				input: &input,
				message_id: Some(&m.id),
				idempotency_key: None,
			};
			store.insert_token_op(&op).await.unwrap();
			store.token_op_signed(op.id, &hash, 20).await.unwrap();
		}
		let state = |n: usize| {
			let store = store.clone();
			async move {
				store.message(&format!("00000000-0000-0000-0000-{n:012}")).await.unwrap().unwrap()
			}
		};
		assert_eq!(state(11).await.state, MessageState::AwaitingTransfer, "{backend}");
		// Nothing settled yet: nothing moves.
		let none = store.settle_awaited_transfers().await.unwrap();
		assert_eq!((none.released, none.rejected), (0, 0), "{backend}");
		let block = ChainBlock {
			number: 3,
			extrinsics: vec![
				ExtrinsicOutcome { index: 1, hash: [11; 32], error: None },
				ExtrinsicOutcome {
					index: 2,
					hash: [13; 32],
					error: Some("Assets.BalanceLow".into()),
				},
			],
			..Default::default()
		};
		let recording = Recording { fetch_after_ms: 0, me: Some(1), failed_pin_authors: vec![] };
		store.record_block(&block, &recording).await.unwrap();
		assert_eq!(store.token_op("pays").await.unwrap().unwrap().state, "succeeded", "{backend}");
		assert_eq!(store.token_op("refused").await.unwrap().unwrap().state, "failed", "{backend}");
		for n in [11, 13] {
			assert_eq!(
				state(n).await.state,
				MessageState::AwaitingTransfer,
				"{backend}: recording a block writes no message of this node's"
			);
		}
		let settled = store.settle_awaited_transfers().await.unwrap();
		assert_eq!((settled.released, settled.rejected), (1, 1), "{backend}");
		let paid = state(11).await;
		assert_eq!(paid.state, MessageState::Pending, "{backend}");
		let landed = paid.transfer.as_ref().and_then(|t| t.get("block")).cloned();
		assert_eq!(landed, Some(serde_json::json!(3)), "{backend}: its transfer's block");
		let refused = state(13).await;
		assert_eq!(refused.state, MessageState::Rejected, "{backend}");
		assert_eq!(
			refused.error.as_deref(),
			Some("its token transfer failed: Assets.BalanceLow"),
			"{backend}"
		);
		let events = store.events_after(0, 100).await.unwrap();
		assert_eq!(events.iter().filter(|e| e.kind == "message_rejected").count(), 1, "{backend}");
		// Settled once: again, nothing moves.
		let again = store.settle_awaited_transfers().await.unwrap();
		assert_eq!((again.released, again.rejected), (0, 0), "{backend}");
	}
}

/// A batch's release writes its messages in a few statements, not a few per message: the
/// outcome is the same on every backend. This node's own batch is confirmed in place; another
/// node's batch of more messages than one statement writes (with one message repeated) is
/// inserted, each message once, numbered in order, with its event, and its author's nonce moves
/// past the last.
#[tokio::test]
async fn a_batch_is_released_in_order_with_its_events_and_nonces_on_every_backend() {
	use parley_offchain::{
		batch::{BatchMessage, BatchPayload},
		store::Release,
	};
	for (backend, store, _dir) in stores().await {
		let group = Group {
			id: [7; 16],
			namespace: "default".into(),
			name: "g".into(),
			members: vec![1, 2],
			secret: [9; 32],
		};
		store.save_group(&group, &[]).await.unwrap();
		// This node's own batch of three (each on t1 and t2), the first carrying a blob.
		let own_blob = "a7".repeat(32);
		assert_eq!(store.blob_readers(&own_blob).await.unwrap(), Some(vec![]), "{backend}");
		for n in [21usize, 23, 27] {
			let mut m = message(n, &["t1", "t2"], "", None);
			m.namespace = "default".into();
			m.kind = MessageKind::Private;
			m.group = Some(group.id);
			if n == 21 {
				m.attachments = vec![parley_offchain::types::Attachment {
					id: "00000000-0000-0000-0000-0000000000d1".into(),
					name: "x.bin".into(),
					hash: own_blob.clone(),
					size: 4,
					datatype: None,
					value: None,
					blob: Some(own_blob.clone()),
				}];
			}
			store.insert_message(&m).await.unwrap();
		}
		let plan = store.pending_batches(100).await.unwrap().remove(0);
		let author = Author { node: 1, did: "did:parley:node/a".into() };
		let own = store.commit_batch(plan, [21; 16], author, &[2], |p| p.encode()).await.unwrap();
		// Another node's batch: 70 messages on topic t, then the first repeated.
		let mut messages: Vec<BatchMessage> = (0..70u64)
			.map(|n| BatchMessage {
				id: {
					let mut id = [0x5a; 16];
					id[..8].copy_from_slice(&n.to_be_bytes());
					id
				},
				topics: vec!["t".into()],
				tag: "tag".into(),
				data: format!("{{\"n\":{n}}}").into_bytes(),
				nonces: vec![n],
				created: 1_000 + n as i64,
				cid: None,
				attachments: vec![],
				transfer: None,
			})
			.collect();
		// The sixth carries a blob: its group may fetch it from here.
		messages[5].attachments = vec![parley_offchain::batch::BatchAttachment {
			id: [0xd5; 16],
			name: "scan.pdf".into(),
			datatype: None,
			content: parley_offchain::batch::AttachmentContent::Blob { hash: [0xb5; 32], size: 9 },
		}];
		let mut repeated = messages[0].clone();
		repeated.nonces = vec![70];
		messages.push(repeated);
		let theirs = BatchPayload {
			batch_id: [22; 16],
			namespace: "default".into(),
			kind: MessageKind::Private,
			author: Author { node: 2, did: "did:parley:node/b".into() },
			group: Some(group.clone()),
			messages,
			proof_of_receipt: false,
		};
		let pinned = |payload: &BatchPayload, index: u32| PinnedBatch {
			block: 1,
			event_index: index,
			namespace: "default".into(),
			sequence: index as u64,
			author: payload.author.node,
			batch_id: payload.batch_id,
			batch_hash: payload.hash(),
			contexts: payload.contexts(),
		};
		let block = ChainBlock {
			number: 1,
			pins: vec![pinned(&own, 0), pinned(&theirs, 1)],
			..Default::default()
		};
		store.record_block(&block, &recording(1)).await.unwrap();
		let pins = store.pending_pins().await.unwrap();
		assert_eq!(pins.len(), 2, "{backend}");
		let released_own = store.release(Release { payload: &own, pin: &pins[0] }).await.unwrap();
		assert_eq!(released_own.len(), 3, "{backend}");
		let released = store.release(Release { payload: &theirs, pin: &pins[1] }).await.unwrap();
		assert_eq!(released.len(), 70, "{backend}: the repeated message once");
		// Released again: nothing (the pin is no longer pending).
		let again = store.release(Release { payload: &theirs, pin: &pins[1] }).await.unwrap();
		assert!(again.is_empty(), "{backend}");
		// Confirmed in order, numbered 1.., each with its event in the same order.
		let mut sequences = Vec::new();
		for id in released_own.iter().chain(&released) {
			let m = store.message(id).await.unwrap().unwrap();
			assert_eq!(m.state, MessageState::Confirmed, "{backend}: {id}");
			sequences.push(m.confirm_sequence.unwrap());
		}
		assert_eq!(sequences, (1..=73).collect::<Vec<i64>>(), "{backend}");
		let received = store.message(&released[69]).await.unwrap().unwrap();
		assert_eq!(received.data, serde_json::json!({ "n": 69 }), "{backend}");
		assert_eq!(received.author, "did:parley:node/b", "{backend}");
		assert_eq!(received.batch.as_deref(), Some(hex::encode([22u8; 16]).as_str()));
		assert_eq!(received.created, 1_069, "{backend}");
		let events: Vec<_> = store
			.events_after(0, 1000)
			.await
			.unwrap()
			.into_iter()
			.filter(|e| e.kind == "message_confirmed")
			.collect();
		let references: Vec<&String> = events.iter().map(|e| &e.reference).collect();
		let expected: Vec<&String> = released_own.iter().chain(&released).collect();
		assert_eq!(references, expected, "{backend}");
		assert!(events.windows(2).all(|w| w[0].sequence + 1 == w[1].sequence), "{backend}");
		// Nonces: this node's t1 and t2 moved past 2; the other author's t past the repeat.
		assert_eq!(store.expected_nonce(&group.id, "t1", 1).await.unwrap(), 3, "{backend}");
		assert_eq!(store.expected_nonce(&group.id, "t2", 1).await.unwrap(), 3, "{backend}");
		assert_eq!(store.expected_nonce(&group.id, "t", 2).await.unwrap(), 71, "{backend}");
		// Who may fetch a blob is known from the messages that carry it: the group of this
		// node's own message (written when it was accepted) and of the received one.
		assert_eq!(store.blob_readers(&own_blob).await.unwrap(), Some(vec![1, 2]), "{backend}");
		let received_blob = hex::encode([0xb5u8; 32]);
		assert_eq!(
			store.blob_readers(&received_blob).await.unwrap(),
			Some(vec![1, 2]),
			"{backend}"
		);
		// A broadcast carrying the same blob opens it to every node in force.
		let mut broadcast = message(41, &["b"], "", None);
		broadcast.namespace = "default".into();
		broadcast.kind = MessageKind::Broadcast;
		broadcast.attachments = vec![parley_offchain::types::Attachment {
			id: "00000000-0000-0000-0000-0000000000d2".into(),
			name: "x.bin".into(),
			hash: own_blob.clone(),
			size: 4,
			datatype: None,
			value: None,
			blob: Some(own_blob.clone()),
		}];
		store.insert_message(&broadcast).await.unwrap();
		assert_eq!(store.blob_readers(&own_blob).await.unwrap(), None, "{backend}");
	}
}

/// A send is answered with the message as accepted, built in memory: it is what the store
/// shows once the message is written, field for field (plain, private in a group, with a
/// reply id and data, and with a token transfer).
#[tokio::test]
async fn a_message_as_accepted_is_what_the_store_shows_on_every_backend() {
	for (backend, store, _dir) in stores().await {
		let mut shapes = vec![message(31, &["a"], "", None), message(32, &["a", "b"], "tag", None)];
		let mut private = message(33, &["p"], "", Some("key-33"));
		private.kind = MessageKind::Private;
		private.group = Some([3; 16]);
		private.cid = Some("00000000-0000-0000-0000-000000000031".into());
		private.data = serde_json::json!({ "nested": [1, 2.5, "three", null], "n": 33 });
		shapes.push(private);
		let mut paying = message(34, &["t"], "", None);
		paying.transfer = Some(parley_offchain::tokens::TransferRef {
			pool: 2,
			to: [4; 32],
			holding: parley_offchain::tokens::Holding::Amount(9),
		});
		shapes.push(paying);
		for m in shapes {
			store.insert_message(&m).await.unwrap();
			let stored = store.message(&m.id).await.unwrap().unwrap();
			assert_eq!(m.accepted_view().unwrap(), stored, "{backend}: {}", m.id);
		}
	}
}
