//! One subscription's delivery state, and the rules it keeps: which events it hands out (in
//! order, only the ones its filter matches, at most `read_ahead` unacked at once and never more
//! than [`MAX_WINDOW`] past its offset), to which connection (in turn), how an ack moves the
//! offset (only over a contiguous run of done events, so a restart resumes with no gap), and
//! what happens to a connection's unacked events when it goes away (handed out again, first).
//!
//! No I/O here: the hub ([`super::EventHub`]) reads the events, stores the offsets it is told
//! of and sends the deliveries.

use super::{ConnectionId, Delivery, MAX_WINDOW};
use crate::store::{Event, EventFilter, Subscription};
use std::collections::{BTreeMap, BTreeSet};
use tokio::sync::mpsc;

/// Where a running subscription is, and who it hands events to.
pub(super) struct Dispatch {
	/// The subscription, with its stored offset: every event up to it is done.
	pub(super) sub: Subscription,
	/// Its topic filter, compiled.
	pub(super) topic: Option<regex::Regex>,
	/// Events after `sub.offset` that are done (acked or filtered out), not yet contiguous.
	pub(super) done: BTreeSet<i64>,
	/// Events handed to a connection and not acked yet.
	pub(super) in_flight: BTreeMap<i64, ConnectionId>,
	/// The last event read from the store.
	pub(super) cursor: i64,
	/// The connections attached, each with where its deliveries go.
	pub(super) connections: Vec<(ConnectionId, mpsc::Sender<Delivery>)>,
	next_connection: usize,
	/// When an event was last acknowledged (ms).
	pub(super) last_ack: Option<i64>,
	/// The last failed delivery since then: when (ms), and why.
	pub(super) last_error: Option<(i64, String)>,
}

/// An event to send, to the connection it was handed to.
pub(super) type Handed = (mpsc::Sender<Delivery>, Event);

impl Dispatch {
	/// The state of `sub`, starting at its stored offset, with no connection yet.
	pub(super) fn new(sub: Subscription) -> Self {
		Self {
			topic: compile(&sub.filter),
			cursor: sub.offset,
			sub,
			done: BTreeSet::new(),
			in_flight: BTreeMap::new(),
			connections: Vec::new(),
			next_connection: 0,
			last_ack: None,
			last_error: None,
		}
	}

	/// Takes new options of the subscription (its offset and transport stay).
	pub(super) fn update(&mut self, sub: &Subscription) {
		self.topic = compile(&sub.filter);
		self.sub.filter = sub.filter.clone();
		self.sub.read_ahead = sub.read_ahead;
		self.sub.with_data = sub.with_data;
	}

	/// How many more events may be handed out now.
	pub(super) fn room(&self) -> usize {
		(self.sub.read_ahead as usize).saturating_sub(self.in_flight.len())
	}

	/// Goes through `events` (read from the store in order after the cursor) and hands out the
	/// ones the filter matches, each to the next connection in turn, while there is room;
	/// the others are done at once. Returns what to send, and the new offset if it moved.
	pub(super) fn hand_out(&mut self, events: Vec<Event>) -> (Vec<Handed>, Option<i64>) {
		let mut handed = Vec::new();
		for event in events {
			if self.in_flight.len() >= self.sub.read_ahead as usize || self.connections.is_empty() {
				break;
			}
			if event.sequence - self.sub.offset > MAX_WINDOW {
				break;
			}
			if event.sequence <= self.cursor
				|| event.sequence <= self.sub.offset
				|| self.in_flight.contains_key(&event.sequence)
				|| self.done.contains(&event.sequence)
			{
				continue;
			}
			self.cursor = event.sequence;
			if event.namespace != self.sub.namespace || !self.matches(&event) {
				self.done.insert(event.sequence);
				continue;
			}
			let index = self.next_connection % self.connections.len();
			self.next_connection = self.next_connection.wrapping_add(1);
			let (connection, sender) = self.connections[index].clone();
			self.in_flight.insert(event.sequence, connection);
			handed.push((sender, event));
		}
		(handed, self.advance())
	}

	/// Event `sequence` was acknowledged (at `now`, ms). Returns the new offset if it moved.
	pub(super) fn ack(&mut self, sequence: i64, now: i64) -> Option<i64> {
		self.last_ack = Some(now);
		self.last_error = None;
		if sequence <= self.sub.offset {
			return None;
		}
		self.in_flight.remove(&sequence);
		self.done.insert(sequence);
		self.advance()
	}

	/// Connection `connection` went away: its unacked events are handed out again, first and
	/// in order (the cursor goes back below them).
	pub(super) fn detach(&mut self, connection: ConnectionId) {
		self.connections.retain(|(id, _)| *id != connection);
		let orphaned: Vec<i64> =
			self.in_flight.iter().filter(|(_, c)| **c == connection).map(|(s, _)| *s).collect();
		if let Some(first) = orphaned.first() {
			for seq in &orphaned {
				self.in_flight.remove(seq);
			}
			self.cursor = self.cursor.min(first - 1);
		}
	}

	/// Whether `event` passes the subscription's filter: one of its types, one of the
	/// message's topics matching the topic expression, and the tag, author and group given.
	pub(super) fn matches(&self, event: &Event) -> bool {
		let filter = &self.sub.filter;
		(filter.types.is_empty() || filter.types.iter().any(|t| t == &event.kind))
			&& self.topic.as_ref().is_none_or(|re| event.topics.iter().any(|t| re.is_match(t)))
			&& filter.tag.as_ref().is_none_or(|t| event.tag.as_ref() == Some(t))
			&& filter.author.as_ref().is_none_or(|a| event.author.as_ref() == Some(a))
			&& filter.group.as_ref().is_none_or(|g| event.group.as_ref() == Some(g))
	}

	/// Moves the offset over contiguous done events; returns the new offset if it moved.
	fn advance(&mut self) -> Option<i64> {
		let start = self.sub.offset;
		while self.done.remove(&(self.sub.offset + 1)) {
			self.sub.offset += 1;
		}
		(self.sub.offset != start).then_some(self.sub.offset)
	}
}

fn compile(filter: &EventFilter) -> Option<regex::Regex> {
	filter.topic.as_ref().and_then(|t| regex::Regex::new(t).ok())
}

#[cfg(test)]
mod tests;
