//! The node's memory as its allocator counts it, on the node's Prometheus endpoint.
//!
//! The kernel's figure for a process (`RssAnon`) mixes what the node holds with what jemalloc
//! keeps around it: its metadata, pages it has half filled, and pages freed but not yet given
//! back. A leak grows the first; the others rise and settle with the load. These gauges, as
//! polkadot's node exports them, keep the two apart, so that an operator (and the soak in
//! `scripts/bench.sh`) can tell whether a node's growing memory is something it holds.

use std::time::Duration;
use substrate_prometheus_endpoint::{register, Gauge, PrometheusError, Registry, U64};
use tikv_jemalloc_ctl::{epoch, epoch_mib, stats};

/// How often the gauges are read from jemalloc.
const EVERY: Duration = Duration::from_secs(5);

/// Reads one of jemalloc's counters, in bytes.
type Counter = fn() -> Result<usize, tikv_jemalloc_ctl::Error>;

/// jemalloc's counters, looked up once, and the gauges they are copied to.
pub struct MemoryGauges {
	/// jemalloc's epoch: advancing it totals the arenas' counts.
	refresh: epoch_mib,
	counters: Vec<(Counter, Gauge<U64>)>,
}

/// The counters exported: each gauge's name, its help text, and how jemalloc reads it.
const COUNTERS: [(&str, &str, Counter); 5] = [
	(
		"parley_memory_allocated_bytes",
		"Bytes the node holds: every allocation not yet freed (jemalloc's stats.allocated)",
		stats::allocated::read,
	),
	(
		"parley_memory_active_bytes",
		"Bytes in the allocator's pages that hold at least one allocation (stats.active)",
		stats::active::read,
	),
	(
		"parley_memory_metadata_bytes",
		"Bytes the allocator uses for its own bookkeeping (stats.metadata)",
		stats::metadata::read,
	),
	(
		"parley_memory_resident_bytes",
		"Bytes of the allocator's pages resident in memory, freed pages not yet returned included (stats.resident)",
		stats::resident::read,
	),
	(
		"parley_memory_retained_bytes",
		"Address space the allocator keeps mapped for reuse without memory behind it (stats.retained)",
		stats::retained::read,
	),
];

impl MemoryGauges {
	/// Registers the gauges with `registry`. Fails if jemalloc was built without statistics
	/// or a gauge of the same name is already registered.
	pub fn register(registry: &Registry) -> Result<Self, String> {
		let refresh = epoch::mib().map_err(|e| format!("jemalloc's epoch: {e}"))?;
		let mut counters = Vec::with_capacity(COUNTERS.len());
		for (name, help, read) in COUNTERS {
			read().map_err(|e| format!("jemalloc's statistics ({name}): {e}"))?;
			let gauge = Gauge::new(name, help)
				.and_then(|gauge| register(gauge, registry))
				.map_err(|e: PrometheusError| format!("{name}: {e}"))?;
			counters.push((read, gauge));
		}
		Ok(Self { refresh, counters })
	}

	/// Copies jemalloc's counters into the gauges once. jemalloc totals its arenas' counts
	/// when its epoch advances, so that is done first.
	pub fn update(&self) {
		if let Err(e) = self.refresh.advance() {
			log::debug!(target: "parley", "jemalloc's epoch did not advance: {e}");
			return;
		}
		for (read, gauge) in &self.counters {
			if let Ok(bytes) = read() {
				gauge.set(bytes as u64);
			}
		}
	}

	/// Keeps the gauges current for as long as the node runs.
	pub async fn run(self) {
		let mut every = tokio::time::interval(EVERY);
		every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		loop {
			every.tick().await;
			self.update();
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_gauges_carry_jemallocs_counts() {
		let registry = Registry::new();
		let gauges = MemoryGauges::register(&registry).expect("jemalloc is built with statistics");
		// Something this thread holds while the gauges are read: allocated must count it.
		let held = std::hint::black_box(vec![7u8; 8 << 20]);
		gauges.update();
		let value = |name: &str| {
			registry
				.gather()
				.into_iter()
				.find(|family| family.get_name() == name)
				.and_then(|family| family.get_metric().first().map(|m| m.get_gauge().get_value()))
				.unwrap_or_else(|| panic!("{name} is registered"))
		};
		let (allocated, active, resident) = (
			value("parley_memory_allocated_bytes"),
			value("parley_memory_active_bytes"),
			value("parley_memory_resident_bytes"),
		);
		assert!(allocated >= held.len() as f64, "allocated {allocated} counts the 8 MiB held");
		assert!(active >= allocated && resident >= active, "{allocated} <= {active} <= {resident}");
		assert!(value("parley_memory_metadata_bytes") > 0.0);
		// Registering twice in one registry is refused, not doubled.
		assert!(MemoryGauges::register(&registry).is_err());
		drop(held);
	}
}
