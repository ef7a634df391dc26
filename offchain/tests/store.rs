//! The private store's filters, sorting and paging, run against SQLite always and against
//! PostgreSQL when `PARLEY_TEST_POSTGRES_URL` names a server (scripts/test.sh starts one): the
//! same migrations and the same queries must give the same answers on both.

use parley_offchain::{
	store::{collections::MESSAGES, query::ListQuery, NewMessage, Store, StoreError},
	types::MessageKind,
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

fn message(n: usize, topics: &[&str], tag: &str, key: Option<&str>) -> NewMessage {
	NewMessage {
		id: format!("00000000-0000-0000-0000-{n:012}"),
		namespace: if n % 5 == 4 { "other".into() } else { "default".into() },
		kind: if n.is_multiple_of(2) { MessageKind::Broadcast } else { MessageKind::Private },
		author: format!("did:parley:node/n{}", n % 3),
		group: None,
		topics: topics.iter().map(|t| t.to_string()).collect(),
		tag: tag.into(),
		data: serde_json::json!({ "n": n }),
		attachments: vec![],
		cid: None,
		idempotency_key: key.map(str::to_string),
		transfer: None,
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
