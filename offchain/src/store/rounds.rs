//! Group commit: writes that arrive while one transaction commits wait, and go into the next
//! one together. Each caller is answered once its own write is durable, so a burst of writes
//! costs one transaction (and one sync of the disk) per round instead of one per write.

use super::{Result, StoreError};
use std::future::Future;
use tokio::sync::oneshot;

/// How a write of a round is answered.
pub(crate) type Answer = oneshot::Sender<Result<()>>;

/// The writes waiting for the next round, and the turn to write one.
pub(crate) struct Rounds<T> {
	waiting: parking_lot::Mutex<Vec<(T, Answer)>>,
	turn: tokio::sync::Mutex<()>,
}

impl<T> Default for Rounds<T> {
	fn default() -> Self {
		Self { waiting: Default::default(), turn: Default::default() }
	}
}

impl<T: Send + 'static> Rounds<T> {
	/// Queues `item` and waits for its answer. Whoever takes the next turn writes every write
	/// queued by then with `write`, which answers each; it runs in a task of its own, so that a
	/// caller that goes away cannot cut short the round it writes for the others.
	pub(crate) async fn write<F, Fut>(&self, item: T, write: F) -> Result<()>
	where
		F: FnOnce(Vec<(T, Answer)>) -> Fut,
		Fut: Future<Output = ()> + Send + 'static,
	{
		let (answer, mut answered) = oneshot::channel();
		self.waiting.lock().push((item, answer));
		// A write taken into another caller's round is answered without waiting for a turn.
		let turn = tokio::select! {
			biased;
			result = &mut answered => return result.unwrap_or_else(|_| Err(interrupted())),
			turn = self.turn.lock() => turn,
		};
		let round = std::mem::take(&mut *self.waiting.lock());
		if !round.is_empty() {
			let _ = tokio::spawn(write(round)).await;
		}
		drop(turn);
		answered.await.unwrap_or_else(|_| Err(interrupted()))
	}
}

/// The answer of a write whose round stopped before answering it.
fn interrupted() -> StoreError {
	StoreError::Io(std::io::Error::new(
		std::io::ErrorKind::Interrupted,
		"the write was interrupted",
	))
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::{
		atomic::{AtomicUsize, Ordering},
		Arc,
	};

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn writes_that_wait_go_together_and_each_is_answered() {
		let rounds = Arc::new(Rounds::<usize>::default());
		let written = Arc::new(parking_lot::Mutex::new(Vec::new()));
		let round_count = Arc::new(AtomicUsize::new(0));
		let mut callers = Vec::new();
		for i in 0..200 {
			let (rounds, written, round_count) =
				(rounds.clone(), written.clone(), round_count.clone());
			callers.push(tokio::spawn(async move {
				rounds
					.write(i, move |round| async move {
						round_count.fetch_add(1, Ordering::SeqCst);
						// A slow commit, so that writes queue behind it.
						tokio::time::sleep(std::time::Duration::from_millis(5)).await;
						for (item, answer) in round {
							written.lock().push(item);
							let _ = answer.send(if item == 7 {
								Err(StoreError::Duplicate("first".into()))
							} else {
								Ok(())
							});
						}
					})
					.await
			}));
		}
		for (i, caller) in callers.into_iter().enumerate() {
			let answer = caller.await.unwrap();
			assert_eq!(answer.is_err(), i == 7, "caller {i} gets its own answer");
		}
		let mut written = written.lock().clone();
		written.sort();
		assert_eq!(written, (0..200).collect::<Vec<_>>(), "every write once");
		let rounds = round_count.load(Ordering::SeqCst);
		assert!(rounds < 100, "200 writes in {rounds} rounds");
	}
}
