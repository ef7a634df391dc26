//! `parley-bench`: drives a running Parley network (scripts/local-network.sh's network.json)
//! with a named workload for a given time, then waits until every message sent is confirmed at
//! each of its recipients, and prints, per kind of action and in total: actions/s sent and
//! confirmed, send→confirmed latency p50/p90/p99 (the recipient's confirmation timed from the
//! send, on this process's one clock), each node's CPU seconds and peak memory, and the machine's
//! limits measured in the same run, with the ratio to each. The same figures go to a JSON file,
//! with a per-second timeline, and a PNG chart of that timeline. The run fails (exit 1) if a message is not confirmed at every
//! recipient by the end, or is confirmed twice at one.
//!
//! `scripts/bench.sh` starts a network, builds this, and runs it.

mod chart;
mod confirm;
mod limits;
mod load;
mod network;
mod report;

use clap::Parser;
use load::{Run, Workload};
use serde_json::{json, Value};
use std::{
	path::PathBuf,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// Drives a Parley network with a workload and prints what it confirmed, how fast, and at what
/// cost.
#[derive(Parser, Debug)]
struct Args {
	/// `private-small`, `mix` or `blob`.
	workload: String,
	/// The network's description (scripts/local-network.sh writes it).
	#[arg(long)]
	network: PathBuf,
	/// How long the load runs, in seconds.
	#[arg(long, default_value_t = 30)]
	seconds: u64,
	/// Runs the mix for this many minutes and reports memory and latency per minute (memory
	/// must grow less than 10% after the first 5 minutes).
	#[arg(long)]
	soak: Option<u64>,
	/// The mix's worker counts are FireFly's times this.
	#[arg(long, default_value_t = 1.0)]
	scale: f64,
	/// Workers per party (private-small, blob).
	#[arg(long, default_value_t = 8)]
	workers: usize,
	/// Blob senders in all, each to the next party only (blob; without it: `--workers`, at most
	/// 2, per party, each to every other party). `--streams 1` has one blob in flight at a time
	/// to one recipient, so that each transfer's own rate is one stream's.
	#[arg(long)]
	streams: Option<usize>,
	/// Unconfirmed messages per worker (private-small).
	#[arg(long, default_value_t = 512)]
	depth: usize,
	/// At most this many sends per second in all (default: as fast as they go).
	#[arg(long)]
	rate: Option<f64>,
	/// Bytes of each blob (default: 16 KiB in the mix, 8 MiB in `blob`).
	#[arg(long)]
	blob_bytes: Option<usize>,
	/// How long to wait, after the load, for every confirmation.
	#[arg(long, default_value_t = 180)]
	drain_seconds: u64,
	/// Where to write the figures as JSON.
	#[arg(long)]
	json: Option<PathBuf>,
}

#[tokio::main]
async fn main() {
	let args = Args::parse();
	match bench(args).await {
		Ok(true) => {}
		Ok(false) => std::process::exit(1),
		Err(e) => {
			eprintln!("[bench] {e}");
			std::process::exit(2);
		}
	}
}

async fn bench(args: Args) -> Result<bool, String> {
	let parties = network::parties(&args.network)?;
	let n = parties.len();
	let seconds = args.soak.map(|m| m * 60).unwrap_or(args.seconds).max(1);
	let workload = match (args.workload.as_str(), args.soak) {
		(_, Some(_)) | ("mix", None) => {
			Workload::mix(n, args.scale, args.blob_bytes.unwrap_or(16 << 10))
		}
		("private-small", None) => Workload::private_small(n, args.workers, args.depth),
		("blob", None) => {
			let senders = args.streams.unwrap_or(args.workers.min(2) * n).max(1);
			Workload::blob(n, senders, args.blob_bytes.unwrap_or(8 << 20), args.streams.is_some())
		}
		(other, None) => {
			return Err(format!("unknown workload {other}: private-small, mix or blob"))
		}
	};
	let name = if args.soak.is_some() { "soak (mix)" } else { args.workload.as_str() };
	println!("[bench] {name}: {} workers on {n} parties for {seconds} s", workload.workers.len());

	println!("[bench] measuring the machine's limits");
	let limits = limits::measure().await;

	let id = format!("bench-{}", std::process::id() ^ rand::random::<u32>() >> 8);
	let rest = network::Rest::new(Duration::from_secs(120));
	let mints = workload.kinds.contains(&load::Action::Mint);
	let load::Prepared { groups, pairs, pools } =
		load::prepare(&rest, &parties, &id, mints).await?;
	let recorder = report::Recorder::new(workload.kinds.iter().map(|a| a.name()).collect());
	let ledger = confirm::Ledger::new(recorder.clone());
	let streams = confirm::Streams::default();
	for (i, party) in parties.iter().enumerate() {
		confirm::subscribe(&rest, party, i, &id, &format!("^{id}-"), ledger.clone()).await?;
		if name == "blob" {
			let blobs = format!("{id}-blobs");
			confirm::subscribe_blobs(&rest, party, &blobs, streams.clone()).await?;
		}
	}

	let ticks = report::ticks_per_second();
	let mut nodes: Vec<_> =
		parties.iter().map(|p| p.pid.map(|pid| report::NodeUse::new(pid, ticks))).collect();
	// What the run leaves of the machine: the generator's own CPU, and the machine's in all.
	let generator = report::NodeUse::new(std::process::id(), ticks);
	let machine_at_start = report::machine_ticks();
	let started = Instant::now();
	let run = Arc::new(Run {
		parties: parties.clone(),
		rest,
		recorder: recorder.clone(),
		ledger: ledger.clone(),
		id: id.clone(),
		groups,
		pairs,
		pools,
		payload: workload.payload,
		blob: workload.blob,
		until: started + Duration::from_secs(seconds),
		rate: args.rate,
		workers: workload.workers.len(),
	});
	let tasks: Vec<_> = workload
		.workers
		.iter()
		.enumerate()
		.map(|(i, w)| tokio::spawn(load::drive(run.clone(), w.clone(), i)))
		.collect();

	// What each node holds, as its allocator counts it: read from its Prometheus endpoint every
	// 5 s (jemalloc's counts there are refreshed as often) by a task of its own, so that a node
	// slow to answer never delays the per-second sampling below.
	let held: Arc<Mutex<Vec<Option<u64>>>> = Arc::new(Mutex::new(vec![None; n]));
	let held_reader = {
		let (held, parties) = (held.clone(), parties.clone());
		let rest = network::Rest::new(Duration::from_secs(5));
		tokio::spawn(async move {
			let mut every = tokio::time::interval(Duration::from_secs(5));
			loop {
				every.tick().await;
				for (i, party) in parties.iter().enumerate() {
					let kib = rest.held_kib(party).await;
					held.lock().expect("no panic holds it")[i] = kib;
				}
			}
		})
	};

	// Each second: the nodes' memory; every 10 s a line of progress. Then the drain.
	let drain_until = run.until + Duration::from_secs(args.drain_seconds);
	let mut load_ended: Option<Duration> = None;
	let mut tick = tokio::time::interval(Duration::from_secs(1));
	let mut last_confirmations = 0;
	loop {
		tick.tick().await;
		let latest_held = held.lock().expect("no panic holds it").clone();
		let memory: Vec<report::Memory> = nodes
			.iter_mut()
			.zip(latest_held)
			.map(|(n, held_kib)| report::Memory {
				held_kib,
				..n.as_mut().map(|n| n.sample_memory()).unwrap_or_default()
			})
			.collect();
		recorder.memory(memory.clone());
		let elapsed = started.elapsed();
		let (waiting, _) = ledger.outstanding();
		if elapsed.as_secs().is_multiple_of(10) && elapsed.as_secs() > 0 {
			let confirmations = recorder.confirmations();
			println!(
				"[bench] {:>4} s: {} confirmations in the last 10 s, {waiting} messages awaiting a recipient, node memory {:?} MiB ({:?} its own, [{}] held)",
				elapsed.as_secs(),
				confirmations - last_confirmations,
				memory.iter().map(|m| m.resident_kib / 1024).collect::<Vec<_>>(),
				memory.iter().map(|m| m.anonymous_kib / 1024).collect::<Vec<_>>(),
				memory
					.iter()
					.map(|m| m.held_kib.map(|k| (k / 1024).to_string()).unwrap_or("-".into()))
					.collect::<Vec<_>>()
					.join(", ")
			);
			last_confirmations = confirmations;
		}
		// Workers stop sending at the load's end; an action in flight then (a mint waiting for
		// its block, a send awaiting its answer) still counts.
		if load_ended.is_none() && Instant::now() >= run.until {
			load_ended = Some(elapsed);
		}
		let done = waiting == 0 && tasks.iter().all(|t| t.is_finished());
		if load_ended.is_some() && (done || Instant::now() >= drain_until) {
			break;
		}
	}
	held_reader.abort();
	let load = load_ended.unwrap_or(Duration::from_secs(seconds));
	let span = started.elapsed();
	let machine_busy = machine_at_start.zip(report::machine_ticks()).and_then(|(before, after)| {
		let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
		report::machine_cores_busy(before, after, cores)
	});
	let (unconfirmed, duplicates) = ledger.outstanding();

	let summary = recorder.summary(load, span);
	let node_use: Vec<Value> = parties
		.iter()
		.zip(&nodes)
		.map(|(p, n)| {
			json!({
				"party": p.name,
				"cpu_seconds": n.as_ref().and_then(|n| n.cpu_used()),
				"cpu_cores_busy": n.as_ref().and_then(|n| n.cpu_used()).map(|c| c / span.as_secs_f64()),
				"peak_rss_mib": n.as_ref().map(|n| n.peak.resident_kib as f64 / 1024.0),
				"peak_anon_mib": n.as_ref().map(|n| n.peak.anonymous_kib as f64 / 1024.0),
			})
		})
		.collect();
	let blob_mb_per_s = (name == "blob").then(|| {
		let kind = load::Action::BlobPrivate.name();
		summary["kinds"][kind]["confirmations"].as_f64().unwrap_or(0.0) * workload.blob as f64
			/ 1e6 / span.as_secs_f64()
	});
	// Each blob transfer's own rate (bytes over the time from its first chunk asked to its hash
	// checked): what one stream carries, apart from the wait for blocks around it.
	let rates = streams.rates();
	let blob_streams = (name == "blob" && !rates.is_empty()).then(|| {
		json!({
			"transfers": rates.len(),
			"median_mb_per_s": rates[rates.len() / 2],
			"slowest_mb_per_s": rates[0],
			"fastest_mb_per_s": rates[rates.len() - 1],
		})
	});
	let result = json!({
		"workload": name,
		"parties": n,
		"workers": workload.workers.len(),
		"rate_limit": args.rate,
		"payload_bytes": workload.payload,
		"blob_bytes": workload.blob,
		"drained_seconds": span.as_secs_f64() - load.as_secs_f64(),
		"unconfirmed": unconfirmed,
		"confirmed_twice": duplicates,
		"summary": summary,
		"nodes": node_use,
		"generator_cpu_seconds": generator.cpu_used(),
		"generator_cores_busy": generator.cpu_used().map(|c| c / span.as_secs_f64()),
		"machine_cores_busy": machine_busy,
		"blob_confirmed_mb_per_s": blob_mb_per_s,
		"blob_streams": blob_streams,
		"limits": limits,
	});
	print_report(&result);
	let flat = args.soak.is_none() || soak_report(&result);
	let path = args.json.unwrap_or_else(|| PathBuf::from(format!("{id}.json")));
	std::fs::write(&path, serde_json::to_string_pretty(&result).expect("JSON serializes"))
		.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
	let chart = path.with_extension("png");
	let timeline = result["summary"]["timeline"].as_array().cloned().unwrap_or_default();
	std::fs::write(&chart, chart::png(&timeline))
		.map_err(|e| format!("cannot write {}: {e}", chart.display()))?;
	println!(
		"[bench] figures written to {}, and a chart to {} (top: sent/s grey, confirmed/s blue; bottom: latency p50 green, p99 red, in ms; x: seconds)",
		path.display(),
		chart.display()
	);
	let mut ok = true;
	if !flat {
		println!("[bench] FAILED: node memory grew 10% or more after the first 5 minutes");
		ok = false;
	}
	if unconfirmed > 0 {
		println!("[bench] FAILED: {unconfirmed} messages were not confirmed at every recipient within {} s of the load's end", args.drain_seconds);
		ok = false;
	}
	if duplicates > 0 {
		println!("[bench] FAILED: {duplicates} confirmations came twice");
		ok = false;
	}
	Ok(ok)
}

fn ms(v: &Value) -> String {
	v.as_f64().map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into())
}

/// Prints the figures as a table.
fn print_report(result: &Value) {
	let summary = &result["summary"];
	println!();
	println!(
		"{:<16} {:>8} {:>9} {:>12} {:>13} {:>8} {:>8} {:>8}",
		"kind", "sent", "sent/s", "confirmed", "confirmed/s", "p50 ms", "p90 ms", "p99 ms"
	);
	let row = |name: &str, k: &Value| {
		println!(
			"{:<16} {:>8} {:>9.1} {:>12} {:>13.1} {:>8} {:>8} {:>8}",
			name,
			k["sent"].as_u64().unwrap_or(0),
			k["sent_per_s"].as_f64().unwrap_or(0.0),
			k["confirmations"].as_u64().unwrap_or(0),
			k["confirmed_per_s"].as_f64().unwrap_or(0.0),
			ms(&k["latency_ms"]["p50"]),
			ms(&k["latency_ms"]["p90"]),
			ms(&k["latency_ms"]["p99"]),
		)
	};
	if let Some(kinds) = summary["kinds"].as_object() {
		for (name, k) in kinds {
			row(name, k);
		}
	}
	row("total", &summary["total"]);
	println!(
		"(confirmed = confirmations at each recipient; sent/s over the {:.0} s of load, confirmed/s over the {:.0} s until the last one, {:.1} s after the load; the peak second confirmed {})",
		summary["load_seconds"].as_f64().unwrap_or(0.0),
		summary["span_seconds"].as_f64().unwrap_or(0.0),
		result["drained_seconds"].as_f64().unwrap_or(0.0),
		summary["timeline"]
			.as_array()
			.into_iter()
			.flatten()
			.filter_map(|s| s["confirmed"].as_u64())
			.max()
			.unwrap_or(0),
	);
	for node in result["nodes"].as_array().into_iter().flatten() {
		println!(
			"node {:<10} CPU {:>7.1} s ({:.2} cores busy), peak memory {:>6.0} MiB resident, {:>6.0} MiB its own",
			node["party"].as_str().unwrap_or("?"),
			node["cpu_seconds"].as_f64().unwrap_or(0.0),
			node["cpu_cores_busy"].as_f64().unwrap_or(0.0),
			node["peak_rss_mib"].as_f64().unwrap_or(0.0),
			node["peak_anon_mib"].as_f64().unwrap_or(0.0),
		);
	}
	println!(
		"load generator CPU {:.1} s ({:.2} cores busy); the machine {:.2} of {} cores busy over the run",
		result["generator_cpu_seconds"].as_f64().unwrap_or(0.0),
		result["generator_cores_busy"].as_f64().unwrap_or(0.0),
		result["machine_cores_busy"].as_f64().unwrap_or(0.0),
		result["limits"]["cores"],
	);
	let limits = &result["limits"];
	println!(
		"machine: {} cores; blake2b {:.0} MB/s per core; HPKE seal {:.0} MB/s per core, {:.0} seals/s of 1 KiB; loopback TCP {:.0} MB/s; a blob stream's limit {:.0} MB/s",
		limits["cores"],
		limits["blake2b_mb_per_s_per_core"].as_f64().unwrap_or(0.0),
		limits["hpke_seal_mb_per_s_per_core"].as_f64().unwrap_or(0.0),
		limits["hpke_seals_per_s_per_core_1kib"].as_f64().unwrap_or(0.0),
		limits["loopback_tcp_mb_per_s"].as_f64().unwrap_or(0.0),
		limits["blob_stream_limit_mb_per_s"].as_f64().unwrap_or(0.0),
	);
	let confirmed = summary["total"]["confirmed_per_s"].as_f64().unwrap_or(0.0);
	let seals = limits["hpke_seals_per_s_per_core_1kib"].as_f64().unwrap_or(1.0);
	println!(
		"ratios: confirmed messages/s to 1 KiB seals/s per core {:.3}",
		confirmed / seals.max(1.0)
	);
	if let Some(blob) = result["blob_confirmed_mb_per_s"].as_f64() {
		let limit = limits["blob_stream_limit_mb_per_s"].as_f64().unwrap_or(1.0);
		println!(
			"blobs: {blob:.1} MB/s confirmed at the recipients, {:.0}% of one stream's limit",
			100.0 * blob / limit.max(0.001)
		);
		let streams = &result["blob_streams"];
		if let Some(median) = streams["median_mb_per_s"].as_f64() {
			println!(
				"blob streams: {} transfers, median {median:.1} MB/s ({:.0}% of one stream's limit), slowest {:.1}, fastest {:.1}",
				streams["transfers"],
				100.0 * median / limit.max(0.001),
				streams["slowest_mb_per_s"].as_f64().unwrap_or(0.0),
				streams["fastest_mb_per_s"].as_f64().unwrap_or(0.0),
			);
		}
	}
	if result["unconfirmed"] == 0 && result["confirmed_twice"] == 0 {
		println!("every message sent was confirmed exactly once at each of its recipients");
	}
}

/// Prints the soak's minutes: confirmations/s, latency, and each node's memory over the
/// minute; and whether memory stayed flat (grew less than 10%) after the first five minutes.
///
/// Flat is judged on each node's own memory (`RssAnon`: heap and stacks), where a leak shows.
/// Its resident memory is printed too, but it also counts the pages of the chain database's
/// tables that ParityDB maps: those grow with the chain on disk, and the kernel takes them back
/// whenever it needs the room. And what the node holds, as its allocator counts it: own memory
/// less jemalloc's metadata, half-used pages and freed pages not yet returned.
///
/// A minute's figure for a node is the median of its per-second readings in that minute: what
/// a node holds rises and falls by ±5 MiB within seconds (blocks, batches and payloads in
/// flight), so one reading at a minute's end says more about that instant than about the
/// minute. Growth is from minute 5 to the last minute of load. The growth between those two
/// single readings (how stops 33-40 judged it), the least-squares trend over the minutes
/// between, and the high-water marks of each half are printed beside it.
fn soak_report(result: &Value) -> bool {
	let Some(timeline) = result["summary"]["timeline"].as_array() else { return false };
	// Only minutes wholly under load: the drain after it is quieter.
	let load_seconds = result["summary"]["load_seconds"].as_f64().unwrap_or(f64::MAX);
	let minutes: Vec<&[Value]> = timeline
		.chunks(60)
		.enumerate()
		.take_while(|(m, chunk)| chunk.len() == 60 && ((m + 1) * 60) as f64 <= load_seconds + 0.5)
		.map(|(_, chunk)| chunk)
		.collect();
	println!(
		"\nminute  confirmed/s  p50 ms  p99 ms  resident MiB per node  own MiB per node  held MiB per node"
	);
	// Per minute: each node's medians (resident, own, held), its last readings (resident,
	// own), and the highest own memory over the nodes in any second.
	let mut medians: Vec<[Vec<Option<f64>>; 3]> = vec![];
	let mut last_readings: Vec<Vec<f64>> = vec![];
	let mut highest_own: Vec<f64> = vec![];
	for (minute, seconds) in minutes.iter().enumerate() {
		let confirmed: u64 = seconds.iter().filter_map(|s| s["confirmed"].as_u64()).sum();
		let p50: Vec<f64> = seconds.iter().filter_map(|s| s["p50_ms"].as_f64()).collect();
		let p99: Vec<f64> = seconds.iter().filter_map(|s| s["p99_ms"].as_f64()).collect();
		let per_node = |field: &str| -> Vec<Option<f64>> {
			let nodes = seconds.iter().filter_map(|s| s[field].as_array()).map(Vec::len).max();
			(0..nodes.unwrap_or(0))
				.map(|node| {
					median(
						&seconds.iter().filter_map(|s| s[field][node].as_f64()).collect::<Vec<_>>(),
					)
				})
				.collect()
		};
		let figures = [per_node("rss_mib"), per_node("anon_mib"), per_node("held_mib")];
		let shown = |v: &[Option<f64>]| {
			let cells: Vec<String> = v
				.iter()
				.map(|m| m.map(|m| format!("{m:.0}")).unwrap_or_else(|| "-".into()))
				.collect();
			format!("[{}]", cells.join(", "))
		};
		println!(
			"{minute:>6}  {:>11.1}  {:>6}  {:>6}  {:<21}  {:<16}  {}",
			confirmed as f64 / seconds.len() as f64,
			median(&p50).map(|v| format!("{v:.0}")).unwrap_or("-".into()),
			median(&p99).map(|v| format!("{v:.0}")).unwrap_or("-".into()),
			shown(&figures[0]),
			shown(&figures[1]),
			shown(&figures[2]),
		);
		last_readings.push(
			seconds
				.last()
				.and_then(|s| s["anon_mib"].as_array())
				.map(|r| r.iter().filter_map(Value::as_f64).collect())
				.unwrap_or_default(),
		);
		highest_own.push(
			seconds
				.iter()
				.filter_map(|s| s["anon_mib"].as_array())
				.flatten()
				.filter_map(Value::as_f64)
				.fold(0.0, f64::max),
		);
		medians.push(figures);
	}
	if medians.len() < 7 {
		println!("memory: the soak was too short to judge (under 7 minutes of load)");
		return true;
	}
	let last = medians.len() - 1;
	let growth = |figure: usize| {
		let (base, end) = (&medians[5][figure], &medians[last][figure]);
		let pairs: Vec<(f64, f64)> =
			base.iter().zip(end).filter_map(|(b, e)| Some(((*b)?, (*e)?))).collect();
		let (base, end): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
		(!base.is_empty()).then(|| largest_growth(&base, &end))
	};
	let own = growth(1).unwrap_or(0.0);
	println!(
		"memory growth from minute 5 to minute {last} (each the median of its readings): own {:.1}% at most ({}); resident {:.1}% at most (the database's mapped tables included); held {}",
		own * 100.0,
		if own < 0.10 { "flat" } else { "NOT flat" },
		growth(0).unwrap_or(0.0) * 100.0,
		growth(2).map(|g| format!("{:.1}% at most", g * 100.0)).unwrap_or("not read".into()),
	);
	println!(
		"  own memory's growth between the single readings at those minutes' ends: {:.1}% at most",
		largest_growth(&last_readings[5], &last_readings[last]) * 100.0
	);
	let trends = |figure: usize| {
		let nodes = medians[5][figure].len();
		(0..nodes)
			.map(|node| {
				let points: Vec<(f64, f64)> = (5..=last)
					.filter_map(|m| Some((m as f64, medians[m][figure].get(node).copied()??)))
					.collect();
				trend(&points).map(|t| format!("{t:+.2}")).unwrap_or_else(|| "-".into())
			})
			.collect::<Vec<_>>()
			.join(", ")
	};
	println!(
		"  trend over minutes 5-{last} (least squares, MiB a minute per node): own [{}], held [{}]",
		trends(1),
		trends(2)
	);
	// Caches that fill and a log that is kept in memory until it is written out make memory
	// rise and fall; a leak raises the high-water mark from one half of the soak to the next.
	let after_warmup = &highest_own[6..];
	let (earlier, later) = after_warmup.split_at(after_warmup.len() / 2);
	if !earlier.is_empty() {
		let mark = |m: &[f64]| m.iter().copied().fold(0.0, f64::max);
		println!(
			"  own memory's high-water mark: {:.0} MiB in minutes 6-{}, {:.0} MiB in minutes {}-{} ({:+.1}%)",
			mark(earlier),
			5 + earlier.len(),
			mark(later),
			6 + earlier.len(),
			5 + after_warmup.len(),
			(mark(later) - mark(earlier)) / mark(earlier).max(1.0) * 100.0
		);
	}
	own < 0.10
}

/// The median of `values` (the upper one of an even count); `None` if there are none.
fn median(values: &[f64]) -> Option<f64> {
	let mut sorted = values.to_vec();
	sorted.sort_by(|a, b| a.total_cmp(b));
	sorted.get(sorted.len() / 2).copied()
}

/// The slope of the least-squares line through `points` (x, y); `None` for fewer than two
/// distinct x.
fn trend(points: &[(f64, f64)]) -> Option<f64> {
	let n = points.len() as f64;
	let (mean_x, mean_y) =
		(points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
	let spread: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
	(spread > 0.0)
		.then(|| points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum::<f64>() / spread)
}

/// The largest growth from `base` to `last` over the nodes, as a fraction of `base` (a node
/// missing from either counts as no growth).
fn largest_growth(base: &[f64], last: &[f64]) -> f64 {
	base.iter().zip(last).map(|(b, l)| (l - b) / b.max(1.0)).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A soak timeline of `minutes`, each node's memory at second `t` given by the closures.
	fn timeline(
		minutes: usize,
		resident: impl Fn(usize) -> f64,
		own: impl Fn(usize) -> f64,
	) -> Value {
		let seconds: Vec<Value> = (0..minutes * 60)
			.map(|t| {
				json!({ "t": t, "confirmed": 10, "p50_ms": 900.0, "p99_ms": 1500.0,
				"rss_mib": [resident(t), resident(t)], "anon_mib": [own(t), own(t)] })
			})
			.collect();
		json!({ "summary": { "timeline": seconds, "load_seconds": (minutes * 60) as f64 } })
	}

	#[test]
	fn a_soak_is_judged_flat_on_the_nodes_own_memory() {
		// The mapped database grows (a third more), the nodes' own memory stays: flat.
		let mapped = timeline(10, |t| 300.0 + t as f64 * 0.2, |_| 150.0);
		assert!(soak_report(&mapped));
		// The nodes' own memory grows by a fifth after minute 5: not flat.
		let leak = timeline(10, |_| 300.0, |t| if t < 420 { 150.0 } else { 180.0 });
		assert!(!soak_report(&leak));
		// Under 7 minutes there is nothing to judge it on.
		assert!(soak_report(&timeline(6, |_| 1.0, |t| t as f64)));
		// Own memory that swings by ±8% from second to second, with no trend, is flat, though
		// the last reading of minute 5 is a low and the last of the soak a high (+17%).
		let swinging = timeline(
			10,
			|_| 300.0,
			|t| {
				if t == 359 {
					138.0
				} else if t == 599 {
					162.0
				} else {
					150.0 + (t % 3) as f64 - 1.0
				}
			},
		);
		assert!(soak_report(&swinging));
		// The drain after the load (a part minute, or whole minutes past `load_seconds`) is not
		// judged: memory that rises only there is still flat.
		let mut drained = timeline(12, |_| 300.0, |t| if t < 600 { 150.0 } else { 200.0 });
		drained["summary"]["load_seconds"] = json!(600.0);
		assert!(soak_report(&drained));
	}

	#[test]
	fn the_trend_is_the_least_squares_slope() {
		assert_eq!(trend(&[(5.0, 100.0), (6.0, 102.0), (7.0, 104.0)]), Some(2.0));
		assert_eq!(trend(&[(5.0, 100.0), (6.0, 110.0), (7.0, 100.0)]), Some(0.0));
		assert_eq!(trend(&[(5.0, 100.0)]), None);
		assert_eq!(trend(&[]), None);
		assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
		assert_eq!(median(&[]), None);
	}

	#[test]
	fn growth_is_the_largest_over_the_nodes() {
		assert_eq!(largest_growth(&[100.0, 200.0], &[105.0, 260.0]), 0.3);
		assert_eq!(largest_growth(&[100.0], &[90.0]), 0.0, "shrinking is no growth");
		assert_eq!(largest_growth(&[], &[]), 0.0);
	}
}
