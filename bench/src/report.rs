//! What a run measured: actions sent and confirmed per kind, send→confirmed latency, a
//! per-second timeline, and each node's CPU time and memory read from /proc.

use serde_json::{json, Value};
use std::{
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// One kind of action's tallies.
#[derive(Default)]
struct Tally {
	sent: u64,
	failed: u64,
	confirmed: u64,
	/// Send→confirmed latency of each confirmation, in microseconds.
	latencies: Vec<u64>,
}

/// One second of the run.
#[derive(Default, Clone)]
struct Second {
	sent: u64,
	confirmed: u64,
	latencies: Vec<u64>,
	/// Each node's memory sampled in this second.
	memory: Vec<Memory>,
}

struct Inner {
	started: Instant,
	kinds: Vec<&'static str>,
	tallies: Vec<Tally>,
	seconds: Vec<Second>,
}

/// Records sends and confirmations as they happen (shared by every worker).
#[derive(Clone)]
pub struct Recorder {
	inner: Arc<Mutex<Inner>>,
}

impl Recorder {
	/// A recorder for actions of `kinds`, its clock starting now.
	pub fn new(kinds: Vec<&'static str>) -> Self {
		let tallies = kinds.iter().map(|_| Tally::default()).collect();
		Self {
			inner: Arc::new(Mutex::new(Inner {
				started: Instant::now(),
				kinds,
				tallies,
				seconds: vec![],
			})),
		}
	}

	fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
		f(&mut self.inner.lock().expect("no panic holds the recorder"))
	}

	fn second(inner: &mut Inner) -> &mut Second {
		let at = inner.started.elapsed().as_secs() as usize;
		if inner.seconds.len() <= at {
			inner.seconds.resize(at + 1, Second::default());
		}
		&mut inner.seconds[at]
	}

	/// An action of `kind` was accepted by its node.
	pub fn sent(&self, kind: usize) {
		self.with(|inner| {
			inner.tallies[kind].sent += 1;
			Self::second(inner).sent += 1;
		})
	}

	/// An action of `kind` was refused (it is not counted as sent).
	pub fn failed(&self, kind: usize) {
		self.with(|inner| inner.tallies[kind].failed += 1)
	}

	/// A recipient confirmed an action of `kind`, `latency` after it was sent.
	pub fn confirmed(&self, kind: usize, latency: Duration) {
		let micros = latency.as_micros() as u64;
		self.with(|inner| {
			let tally = &mut inner.tallies[kind];
			tally.confirmed += 1;
			tally.latencies.push(micros);
			let second = Self::second(inner);
			second.confirmed += 1;
			second.latencies.push(micros);
		})
	}

	/// The nodes' memory now (one per node).
	pub fn memory(&self, memory: Vec<Memory>) {
		self.with(|inner| Self::second(inner).memory = memory)
	}

	/// Confirmations so far, over every kind.
	pub fn confirmations(&self) -> u64 {
		self.with(|inner| inner.tallies.iter().map(|t| t.confirmed).sum())
	}

	/// The figures of the run whose load lasted `load` and whose last confirmation came `span`
	/// after it started: per kind and in total (sends per second of load, confirmations per
	/// second of the whole span), and the timeline.
	pub fn summary(&self, load: Duration, span: Duration) -> Value {
		self.with(|inner| {
			let seconds = load.as_secs_f64().max(0.001);
			let span = span.as_secs_f64().max(0.001);
			let mut all = vec![];
			let mut kinds = serde_json::Map::new();
			let (mut sent, mut confirmed, mut failed) = (0, 0, 0);
			for (name, tally) in inner.kinds.iter().zip(inner.tallies.iter_mut()) {
				tally.latencies.sort_unstable();
				all.extend_from_slice(&tally.latencies);
				sent += tally.sent;
				confirmed += tally.confirmed;
				failed += tally.failed;
				kinds.insert(
					name.to_string(),
					json!({
						"sent": tally.sent,
						"refused": tally.failed,
						"confirmations": tally.confirmed,
						"sent_per_s": tally.sent as f64 / seconds,
						"confirmed_per_s": tally.confirmed as f64 / span,
						"latency_ms": percentiles(&tally.latencies),
					}),
				);
			}
			all.sort_unstable();
			let timeline: Vec<Value> = inner
				.seconds
				.iter_mut()
				.enumerate()
				.map(|(t, s)| {
					s.latencies.sort_unstable();
					json!({
						"t": t,
						"sent": s.sent,
						"confirmed": s.confirmed,
						"p50_ms": percentile(&s.latencies, 0.5),
						"p99_ms": percentile(&s.latencies, 0.99),
						"rss_mib": s.memory.iter().map(|m| m.resident_kib as f64 / 1024.0).collect::<Vec<_>>(),
						"anon_mib": s.memory.iter().map(|m| m.anonymous_kib as f64 / 1024.0).collect::<Vec<_>>(),
						"held_mib": s.memory.iter().map(|m| m.held_kib.map(|k| k as f64 / 1024.0)).collect::<Vec<_>>(),
					})
				})
				.collect();
			json!({
				"load_seconds": seconds,
				"span_seconds": span,
				"kinds": kinds,
				"total": {
					"sent": sent,
					"refused": failed,
					"confirmations": confirmed,
					"sent_per_s": sent as f64 / seconds,
					"confirmed_per_s": confirmed as f64 / span,
					"latency_ms": percentiles(&all),
				},
				"timeline": timeline,
			})
		})
	}
}

/// The `q` quantile (0 to 1) of sorted microseconds, in milliseconds.
fn percentile(sorted: &[u64], q: f64) -> Option<f64> {
	if sorted.is_empty() {
		return None;
	}
	let at = ((sorted.len() - 1) as f64 * q).round() as usize;
	Some(sorted[at] as f64 / 1000.0)
}

fn percentiles(sorted: &[u64]) -> Value {
	json!({
		"p50": percentile(sorted, 0.5),
		"p90": percentile(sorted, 0.9),
		"p99": percentile(sorted, 0.99),
		"max": percentile(sorted, 1.0),
	})
}

/// A node's memory at one moment, in KiB, from `/proc/<pid>/status`.
#[derive(Default, Clone, Copy, Debug, PartialEq)]
pub struct Memory {
	/// All its resident pages (`VmRSS`): its own memory and the files it maps, such as the
	/// binary and the chain database's tables (ParityDB maps them; the kernel may drop those
	/// pages whenever it needs the room).
	pub resident_kib: u64,
	/// The process's own memory (`RssAnon`): the heap and stacks, what it cannot give back
	/// without freeing it. A leak shows here.
	pub anonymous_kib: u64,
	/// What the node holds, as its allocator counts it (`parley_memory_allocated_bytes`, read
	/// from its Prometheus endpoint every few seconds): its own memory less the allocator's
	/// metadata, half-used pages and freed pages not yet returned. `None` where not read.
	pub held_kib: Option<u64>,
}

impl Memory {
	/// Reads the two figures from the text of `/proc/<pid>/status` (0 where missing).
	pub fn from_status(status: &str) -> Self {
		let field = |name: &str| {
			status
				.lines()
				.find_map(|l| l.strip_prefix(name))
				.and_then(|rest| rest.split_whitespace().next())
				.and_then(|kib| kib.parse().ok())
				.unwrap_or(0)
		};
		Self { resident_kib: field("VmRSS:"), anonymous_kib: field("RssAnon:"), held_kib: None }
	}
}

/// A process's CPU time and memory (a node's, or the load generator's own), read from /proc.
pub struct NodeUse {
	pid: u32,
	ticks_per_s: f64,
	cpu_at_start: Option<f64>,
	/// The highest memory sampled, each figure on its own.
	pub peak: Memory,
}

impl NodeUse {
	/// Starts measuring process `pid` (its CPU time from now on).
	pub fn new(pid: u32, ticks_per_s: f64) -> Self {
		let mut node = Self { pid, ticks_per_s, cpu_at_start: None, peak: Memory::default() };
		node.cpu_at_start = node.cpu_seconds();
		node
	}

	/// User and system CPU seconds the process has used in all.
	fn cpu_seconds(&self) -> Option<f64> {
		let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
		// The fields after the command name (which may hold spaces), from the last ')'.
		let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
		let utime: f64 = fields.get(11)?.parse().ok()?;
		let stime: f64 = fields.get(12)?.parse().ok()?;
		Some((utime + stime) / self.ticks_per_s)
	}

	/// CPU seconds used since measuring started.
	pub fn cpu_used(&self) -> Option<f64> {
		Some(self.cpu_seconds()? - self.cpu_at_start?)
	}

	/// The process's memory now (and the peaks so far updated).
	pub fn sample_memory(&mut self) -> Memory {
		let now = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
			.map(|status| Memory::from_status(&status))
			.unwrap_or_default();
		self.peak.resident_kib = self.peak.resident_kib.max(now.resident_kib);
		self.peak.anonymous_kib = self.peak.anonymous_kib.max(now.anonymous_kib);
		now
	}
}

/// The machine's CPU time so far, from the first line of `/proc/stat`, in clock ticks: (busy,
/// all), where idle is `idle` plus `iowait` and all is every state but the guests' (counted in
/// `user` already).
pub fn machine_ticks() -> Option<(u64, u64)> {
	machine_ticks_of(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// [`machine_ticks`] from the text of `/proc/stat`.
fn machine_ticks_of(stat: &str) -> Option<(u64, u64)> {
	let line = stat.lines().next()?.strip_prefix("cpu ")?;
	let ticks: Vec<u64> = line.split_whitespace().map(|f| f.parse().ok()).collect::<Option<_>>()?;
	// user nice system idle iowait irq softirq steal [guest guest_nice]
	let all: u64 = ticks.iter().take(8).sum();
	let idle = ticks.get(3)? + ticks.get(4)?;
	Some((all - idle, all))
}

/// Cores busy on average between two [`machine_ticks`] readings, on a machine of `cores`.
pub fn machine_cores_busy(before: (u64, u64), after: (u64, u64), cores: usize) -> Option<f64> {
	let (busy, all) = (after.0.checked_sub(before.0)?, after.1.checked_sub(before.1)?);
	(all > 0).then(|| busy as f64 / all as f64 * cores as f64)
}

/// Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux).
pub fn ticks_per_second() -> f64 {
	std::process::Command::new("getconf")
		.arg("CLK_TCK")
		.output()
		.ok()
		.and_then(|o| String::from_utf8(o.stdout).ok())
		.and_then(|s| s.trim().parse().ok())
		.unwrap_or(100.0)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_machines_busy_cores_are_read_from_proc_stat_with_iowait_as_idle() {
		// user nice system idle iowait irq softirq steal guest guest_nice
		let before = "cpu  100 0 50 800 50 0 0 0 30 0\ncpu0 50 0 25 400 25 0 0 0 15 0\n";
		let after = "cpu  400 0 150 900 150 0 0 0 90 0\ncpu0 200 0 75 450 75 0 0 0 45 0\n";
		let (before, after) = (machine_ticks_of(before).unwrap(), machine_ticks_of(after).unwrap());
		assert_eq!(before, (150, 1000));
		assert_eq!(after, (550, 1600));
		// 400 busy ticks of 600: two thirds of 2 cores.
		let busy = machine_cores_busy(before, after, 2).unwrap();
		assert!((busy - 4.0 / 3.0).abs() < 1e-9, "{busy}");
		assert_eq!(machine_cores_busy(after, before, 2), None, "a counter that went back");
		assert_eq!(machine_ticks_of("intr 1 2 3\n"), None);
	}

	#[test]
	fn memory_is_read_from_proc_status() {
		let status = "Name:\tparley-node\nVmPeak:\t  900000 kB\nVmRSS:\t  221060 kB\nRssAnon:\t  156524 kB\nRssFile:\t   64536 kB\n";
		assert_eq!(
			Memory::from_status(status),
			Memory { resident_kib: 221_060, anonymous_kib: 156_524, held_kib: None }
		);
		assert_eq!(Memory::from_status("Name:\tgone\n"), Memory::default());
		// This process's own figures are there, and its own memory is part of its resident.
		let own = Memory::from_status(&std::fs::read_to_string("/proc/self/status").unwrap());
		assert!(own.anonymous_kib > 0 && own.anonymous_kib <= own.resident_kib);
	}
}
