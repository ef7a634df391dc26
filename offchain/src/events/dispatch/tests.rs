//! The dispatcher's rules, without a store or a socket: what is handed out, to whom, how acks
//! move the offset, and what a connection that goes away leaves behind.

use super::*;
use crate::store::Transport;

fn subscription(read_ahead: u32, filter: EventFilter) -> Subscription {
	Subscription {
		namespace: "default".into(),
		name: "claims".into(),
		filter,
		read_ahead,
		with_data: false,
		transport: Transport::Websocket,
		offset: 0,
	}
}

fn event(sequence: i64, kind: &str, topics: &[&str]) -> Event {
	Event {
		sequence,
		kind: kind.into(),
		namespace: "default".into(),
		reference: format!("m{sequence}"),
		detail: None,
		topics: topics.iter().map(|t| t.to_string()).collect(),
		tag: None,
		author: None,
		group: None,
		created: 0,
	}
}

/// `count` confirmations on topic `claim-1`, from sequence `first`.
fn confirmations(first: i64, count: i64) -> Vec<Event> {
	(first..first + count).map(|n| event(n, "message_confirmed", &["claim-1"])).collect()
}

fn connect(d: &mut Dispatch, id: ConnectionId) -> mpsc::Receiver<Delivery> {
	let (tx, rx) = mpsc::channel(16);
	d.connections.push((id, tx));
	rx
}

fn sequences(handed: &[Handed]) -> Vec<i64> {
	handed.iter().map(|(_, e)| e.sequence).collect()
}

fn holder(d: &Dispatch, sequence: i64) -> Option<ConnectionId> {
	d.in_flight.get(&sequence).copied()
}

#[test]
fn only_matching_events_are_handed_out_in_turn_and_the_others_are_done_at_once() {
	let filter = EventFilter {
		types: vec!["message_confirmed".into()],
		topic: Some("^claim-".into()),
		..Default::default()
	};
	let mut d = Dispatch::new(subscription(10, filter));
	let (_a, _b) = (connect(&mut d, 1), connect(&mut d, 2));
	let mut elsewhere = event(5, "message_confirmed", &["claim-c"]);
	elsewhere.namespace = "other".into();
	let events = vec![
		event(1, "message_confirmed", &["claim-a"]),
		event(2, "message_confirmed", &["invoice-a"]),
		event(3, "message_rejected", &["claim-a"]),
		event(4, "message_confirmed", &["claim-b"]),
		elsewhere,
		// One of a message's topics is enough.
		event(6, "message_confirmed", &["invoice-d", "claim-d"]),
	];
	let (handed, moved) = d.hand_out(events);
	assert_eq!(sequences(&handed), [1, 4, 6]);
	assert_eq!([holder(&d, 1), holder(&d, 4), holder(&d, 6)], [Some(1), Some(2), Some(1)]);
	// 2, 3 and 5 are done, but 1 is not acked: the stored offset cannot pass it.
	assert_eq!((moved, d.sub.offset, d.cursor), (None, 0, 6));

	// Acks move the offset only over a contiguous run of done events.
	assert_eq!(d.ack(1, 100), Some(3));
	assert_eq!(d.ack(6, 101), None, "4 is still unacked");
	assert_eq!(d.ack(4, 102), Some(6));
	assert!(d.done.is_empty() && d.in_flight.is_empty());
	assert_eq!(d.last_ack, Some(102));
	// An ack of what is behind the offset (again, or late) changes nothing.
	assert_eq!(d.ack(4, 103), None);
	assert_eq!((d.sub.offset, d.done.len()), (6, 0));
}

#[test]
fn read_ahead_bounds_the_unacked_events_of_a_subscription() {
	let mut d = Dispatch::new(subscription(2, EventFilter::default()));
	let _app = connect(&mut d, 1);
	let (handed, _) = d.hand_out(confirmations(1, 5));
	assert_eq!(sequences(&handed), [1, 2]);
	assert_eq!((d.room(), d.cursor), (0, 2));
	// Read again (the hub polls): nothing more until an ack makes room.
	assert!(d.hand_out(confirmations(3, 3)).0.is_empty());
	assert_eq!(d.cursor, 2, "what was not handed out is read again later");
	assert_eq!(d.ack(2, 1), None);
	assert_eq!(sequences(&d.hand_out(confirmations(3, 3)).0), [3]);
	assert_eq!(d.ack(1, 2), Some(2));
}

#[test]
fn an_event_held_unacked_bounds_how_far_past_it_the_subscription_reads() {
	// An app holds event 1 and never acks it, while events it does not want flow past.
	let filter = EventFilter { topic: Some("^claim-".into()), ..Default::default() };
	let mut d = Dispatch::new(subscription(1000, filter));
	let _app = connect(&mut d, 1);
	assert_eq!(sequences(&d.hand_out(confirmations(1, 1)).0), [1]);
	let unwanted: Vec<Event> =
		(2..MAX_WINDOW + 50).map(|n| event(n, "message_confirmed", &["invoice"])).collect();
	let (handed, moved) = d.hand_out(unwanted.clone());
	assert!(handed.is_empty());
	assert_eq!(moved, None);
	// It read up to the window and no further: the `done` set stays bounded.
	assert_eq!(d.cursor, MAX_WINDOW);
	assert!(d.done.len() as i64 <= MAX_WINDOW);
	// The ack lets it move on from where it stopped, with nothing skipped.
	assert_eq!(d.ack(1, 1), Some(MAX_WINDOW));
	let rest: Vec<Event> = unwanted.into_iter().filter(|e| e.sequence > d.cursor).collect();
	assert_eq!(d.hand_out(rest).1, Some(MAX_WINDOW + 49));
}

#[test]
fn a_connection_that_goes_away_has_its_unacked_events_handed_out_again_first_and_in_order() {
	let mut d = Dispatch::new(subscription(10, EventFilter::default()));
	let (_one, _two) = (connect(&mut d, 1), connect(&mut d, 2));
	assert_eq!(sequences(&d.hand_out(confirmations(1, 4)).0), [1, 2, 3, 4]);
	assert_eq!(d.ack(2, 1), None);
	// Connection 1 (holding 1 and 3) goes away; 4 stays with connection 2.
	d.detach(1);
	assert_eq!(d.cursor, 0, "the cursor goes back below the first orphaned event");
	assert_eq!(d.in_flight.keys().copied().collect::<Vec<_>>(), [4]);
	// Read again from the store: 1 and 3 go to the connection left, 2 (acked) and 4 (in
	// flight) are not handed out twice.
	let (handed, _) = d.hand_out(confirmations(1, 4));
	assert_eq!(sequences(&handed), [1, 3]);
	assert_eq!([holder(&d, 1), holder(&d, 3), holder(&d, 4)], [Some(2), Some(2), Some(2)]);
	for sequence in [1, 3, 4] {
		d.ack(sequence, 2);
	}
	assert_eq!(d.sub.offset, 4);
}

#[test]
fn with_no_connection_nothing_is_read_so_nothing_is_missed() {
	let mut d = Dispatch::new(subscription(10, EventFilter::default()));
	let (handed, moved) = d.hand_out(confirmations(1, 3));
	assert!(handed.is_empty());
	assert_eq!((moved, d.cursor, d.done.len()), (None, 0, 0));
	let _late = connect(&mut d, 7);
	assert_eq!(sequences(&d.hand_out(confirmations(1, 3)).0), [1, 2, 3]);
}

#[test]
fn the_tag_author_and_group_of_a_filter_must_all_match() {
	let filter = EventFilter {
		tag: Some("urgent".into()),
		author: Some("did:parley:node/provider".into()),
		group: Some("ab".into()),
		..Default::default()
	};
	let d = Dispatch::new(subscription(1, filter));
	let mut e = event(1, "message_confirmed", &["claim-1"]);
	assert!(!d.matches(&e), "none given");
	e.tag = Some("urgent".into());
	e.author = Some("did:parley:node/provider".into());
	assert!(!d.matches(&e), "no group");
	e.group = Some("ab".into());
	assert!(d.matches(&e));
	e.author = Some("did:parley:node/insurer-a".into());
	assert!(!d.matches(&e), "another author");
}

#[test]
fn new_options_take_effect_and_keep_the_offset() {
	let mut d = Dispatch::new(subscription(1, EventFilter::default()));
	let _app = connect(&mut d, 1);
	d.hand_out(confirmations(1, 1));
	d.ack(1, 1);
	let changed = subscription(5, EventFilter { topic: Some("^x".into()), ..Default::default() });
	d.update(&changed);
	assert_eq!((d.sub.offset, d.sub.read_ahead, d.room()), (1, 5, 5));
	assert!(!d.matches(&event(2, "message_confirmed", &["claim-1"])));
}
