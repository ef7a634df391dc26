//! The workloads and the workers that drive them: each worker sends one kind of action from one
//! party on a topic of its own, with at most `depth` of its actions unconfirmed at once (FireFly's
//! performance workers send one and wait for it: a depth of 1).

use crate::{
	confirm::Ledger,
	network::{Party, Rest},
	report::Recorder,
};
use serde_json::{json, Value};
use std::{
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// What a worker sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
	/// A broadcast to every party.
	Broadcast,
	/// A private message to a group of every party.
	Private,
	/// A blob, then a broadcast carrying it.
	BlobBroadcast,
	/// A blob, then a private message carrying it.
	BlobPrivate,
	/// A mint of one token in the sender's own pool (confirmed when its operation succeeds).
	Mint,
}

impl Action {
	/// The kind's name in the report.
	pub fn name(self) -> &'static str {
		match self {
			Action::Broadcast => "broadcast",
			Action::Private => "private",
			Action::BlobBroadcast => "blob-broadcast",
			Action::BlobPrivate => "blob-private",
			Action::Mint => "token-mint",
		}
	}

	fn private(self) -> bool {
		matches!(self, Action::Private | Action::BlobPrivate)
	}

	fn blob(self) -> bool {
		matches!(self, Action::BlobBroadcast | Action::BlobPrivate)
	}
}

/// One worker: an action from a party, at most `depth` unconfirmed.
#[derive(Clone, Debug)]
pub struct Worker {
	/// Index of its kind in the report.
	pub kind: usize,
	/// What it sends.
	pub action: Action,
	/// The sending party's index.
	pub from: usize,
	/// How many of its actions may be unconfirmed at once.
	pub depth: usize,
	/// Whether it sends to the next party only (a group of two), rather than to every other.
	pub to_one: bool,
}

/// A named workload: its kinds (in report order) and its workers.
pub struct Workload {
	/// The kinds of action, in report order.
	pub kinds: Vec<Action>,
	/// The workers.
	pub workers: Vec<Worker>,
	/// Bytes of each message's data.
	pub payload: usize,
	/// Bytes of each blob.
	pub blob: usize,
}

impl Workload {
	/// FireFly's long-run mix (FireFly issue #1540: 50 broadcast, 50 private, 30 blob-broadcast,
	/// 30 blob-private and 10 token-mint workers), each count times `scale` (at least one), spread
	/// over the parties; every worker sends one action and waits for it.
	pub fn mix(parties: usize, scale: f64, blob: usize) -> Self {
		let counts = [
			(Action::Broadcast, 50.0),
			(Action::Private, 50.0),
			(Action::BlobBroadcast, 30.0),
			(Action::BlobPrivate, 30.0),
			(Action::Mint, 10.0),
		];
		let mut workers = vec![];
		let mut next = 0;
		for (kind, (action, count)) in counts.iter().enumerate() {
			for _ in 0..((count * scale).round() as usize).max(1) {
				workers.push(Worker {
					kind,
					action: *action,
					from: next % parties,
					depth: 1,
					to_one: false,
				});
				next += 1;
			}
		}
		Self { kinds: counts.iter().map(|(a, _)| *a).collect(), workers, payload: 1024, blob }
	}

	/// 1 KiB private messages from every party to a group of all of them, `workers` workers per
	/// party with up to `depth` unconfirmed each.
	pub fn private_small(parties: usize, workers: usize, depth: usize) -> Self {
		let workers = (0..parties * workers)
			.map(|i| Worker {
				kind: 0,
				action: Action::Private,
				from: i % parties,
				depth,
				to_one: false,
			})
			.collect();
		Self { kinds: vec![Action::Private], workers, payload: 1024, blob: 0 }
	}

	/// Private messages each carrying a blob of `blob` bytes, from `senders` workers in all
	/// (spread over the parties), each waiting for its message before the next; to every other
	/// party, or with `to_one` to the next party only, so that each blob is one stream.
	pub fn blob(parties: usize, senders: usize, blob: usize, to_one: bool) -> Self {
		let workers = (0..senders)
			.map(|i| Worker {
				kind: 0,
				action: Action::BlobPrivate,
				from: i % parties,
				depth: 1,
				to_one,
			})
			.collect();
		Self { kinds: vec![Action::BlobPrivate], workers, payload: 64, blob }
	}
}

/// What every worker of a run shares.
pub struct Run {
	/// The parties.
	pub parties: Vec<Party>,
	/// The REST client.
	pub rest: Rest,
	/// Sends and confirmations.
	pub recorder: Recorder,
	/// Messages awaiting their recipients.
	pub ledger: Ledger,
	/// The run's id: its topics, groups, pools and subscriptions are named after it.
	pub id: String,
	/// Each party's group of every party (its id), for private messages.
	pub groups: Vec<String>,
	/// Each party's group of itself and the next party (its id).
	pub pairs: Vec<String>,
	/// Each party's token pool, for mints.
	pub pools: Vec<String>,
	/// Bytes of each message's data, and of each blob.
	pub payload: usize,
	pub blob: usize,
	/// The load stops at this instant.
	pub until: Instant,
	/// At most this many sends per second in all (`None`: as fast as they go).
	pub rate: Option<f64>,
	/// How many workers share `rate`.
	pub workers: usize,
}

/// What [`prepare`] made: each party's group of every party, its group with the next party,
/// and its token pool.
pub struct Prepared {
	/// Each party's group of every party.
	pub groups: Vec<String>,
	/// Each party's group of itself and the next party.
	pub pairs: Vec<String>,
	/// Each party's token pool.
	pub pools: Vec<String>,
}

/// Makes what the workload needs at each party: a group of every party, a group with the next
/// party, and a token pool.
pub async fn prepare(
	rest: &Rest,
	parties: &[Party],
	id: &str,
	mints: bool,
) -> Result<Prepared, String> {
	let (mut groups, mut pairs, mut pools) = (vec![], vec![], vec![]);
	for (i, party) in parties.iter().enumerate() {
		let others: Vec<&str> = parties
			.iter()
			.enumerate()
			.filter(|(j, _)| *j != i)
			.map(|(_, p)| p.node_did.as_str())
			.collect();
		let next = parties[(i + 1) % parties.len()].node_did.as_str();
		for (name, members, made_into) in [
			(format!("{id}-{i}"), others, &mut groups),
			(format!("{id}-{i}-pair"), vec![next], &mut pairs),
		] {
			let made =
				rest.post(party, "/groups", &json!({ "name": name, "members": members })).await?;
			match made.body.get("id").and_then(Value::as_str) {
				Some(group) if (200..300).contains(&made.status) => {
					made_into.push(group.to_string())
				}
				_ => return Err(format!("{}: group: {} {}", party.name, made.status, made.body)),
			}
		}
		let pool = format!("{id}-{i}");
		if mints {
			let made = rest
				.post(party, "/tokens/pools?confirm=true", &json!({ "name": pool, "decimals": 0 }))
				.await?;
			if made.status != 200 {
				return Err(format!("{}: token pool: {} {}", party.name, made.status, made.body));
			}
		}
		pools.push(pool);
	}
	Ok(Prepared { groups, pairs, pools })
}

/// Runs `worker` (number `index`) until the run's end.
pub async fn drive(run: Arc<Run>, worker: Worker, index: usize) {
	let slots = Arc::new(Semaphore::new(worker.depth));
	let from = &run.parties[worker.from];
	let next = (worker.from + 1) % run.parties.len();
	let recipients = if worker.to_one {
		1u8 << next
	} else {
		(0..run.parties.len()).filter(|p| *p != worker.from).fold(0u8, |bits, p| bits | (1 << p))
	};
	let group = if worker.to_one { &run.pairs } else { &run.groups }[worker.from].clone();
	let topic = format!("{}-{}-{index}", run.id, worker.action.name());
	let pace = run.rate.map(|rate| Duration::from_secs_f64(run.workers as f64 / rate));
	let mut next_at = tokio::time::Instant::now();
	let mut errors = 0u32;
	while Instant::now() < run.until {
		let Ok(slot) = slots.clone().acquire_owned().await else { return };
		if let Some(pace) = pace {
			tokio::time::sleep_until(next_at).await;
			next_at += pace;
		}
		if Instant::now() >= run.until {
			return;
		}
		let sent_at = Instant::now();
		let outcome = match worker.action {
			Action::Mint => {
				let body = json!({ "pool": run.pools[worker.from], "amount": "1" });
				run.rest.post(from, "/tokens/mint?confirm=true", &body).await.and_then(|a| {
					if a.status == 200 {
						run.recorder.sent(worker.kind);
						run.recorder.confirmed(worker.kind, sent_at.elapsed());
						Ok(())
					} else {
						Err(format!("mint: {} {}", a.status, a.body))
					}
				})
			}
			action => {
				let mut body = json!({
					"topics": [topic],
					"data": "x".repeat(run.payload),
				});
				if action.private() {
					body["group"] = group.clone().into();
				}
				let mut outcome = Ok(());
				if action.blob() {
					// Random, so no blob is another's; filled in one call, not drawn byte by byte
					// on the cores the nodes share.
					let mut bytes = vec![0u8; run.blob];
					rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
					match run.rest.upload_blob(from, bytes).await {
						Ok(id) => body["attachments"] = json!([id]),
						Err(e) => outcome = Err(e),
					}
				}
				let path =
					if action.private() { "/messages/private" } else { "/messages/broadcast" };
				match outcome {
					Ok(()) => run.rest.post(from, path, &body).await.and_then(|a| {
						match (a.status, a.body.get("id").and_then(Value::as_str)) {
							(200 | 202, Some(id)) => {
								run.recorder.sent(worker.kind);
								run.ledger.sent(
									id.to_string(),
									worker.kind,
									worker.from,
									sent_at,
									recipients,
									Some(slot),
								);
								Ok(())
							}
							_ => Err(format!("{path}: {} {}", a.status, a.body)),
						}
					}),
					Err(e) => Err(e),
				}
			}
		};
		if let Err(e) = outcome {
			run.recorder.failed(worker.kind);
			errors += 1;
			if errors <= 3 {
				eprintln!("[bench] {} {}: {e}", from.name, worker.action.name());
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}
}
