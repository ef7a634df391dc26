//! Content-addressed blob files under the node's base path, written in chunks and never held
//! whole in memory. A transfer that breaks leaves a `.partial` file that the next attempt resumes
//! from.

use crate::types::Hash;
use parking_lot::Mutex;
use std::{
	collections::HashSet,
	io::{Read, Seek, SeekFrom, Write},
	path::{Path, PathBuf},
	sync::Arc,
};

/// The blob folder.
#[derive(Clone)]
pub struct BlobStore {
	dir: PathBuf,
	/// Blobs being fetched now, so that each is fetched once.
	fetching: Arc<Mutex<HashSet<Hash>>>,
}

/// A blob being fetched: while it lives, [`BlobStore::begin_fetch`] refuses a second fetch of
/// the same blob.
pub struct Fetching {
	fetching: Arc<Mutex<HashSet<Hash>>>,
	hash: Hash,
}

impl Drop for Fetching {
	fn drop(&mut self) {
		self.fetching.lock().remove(&self.hash);
	}
}

/// How many blob file jobs (an upload's final hash and sync, a fetched chunk's append, the check
/// of a fetched copy, a download's read) run at once, each on one of as many threads of their
/// own. Two cores and one disk do no more at once than a few.
///
/// They ran on tokio's blocking threads before, one task each. Under load (the mix: about 60 of
/// them a second on a node whose two cores were busy) tokio made a new thread whenever no idle
/// one had woken yet, and kept every thread it made as long as some work came within ten
/// seconds, which at that rate was always. A node kept 60 to 110 threads, its memory rose a step
/// with each burst that made more (a pause of a few seconds made 35 more threads and 13 MiB),
/// and neither ever came down. A fixed set of threads cannot grow.
pub const FILE_JOBS_AT_ONCE: usize = 8;

/// A blob file job, as the threads of [`file_threads`] run it.
type FileJob = Box<dyn FnOnce() + Send>;

/// The slots of [`FILE_JOBS_AT_ONCE`], for the whole process: each job waiting or running holds
/// one, so that at most that many jobs (and the bytes they carry) are ever queued.
static FILE_JOBS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(FILE_JOBS_AT_ONCE);

/// The queue of the [`FILE_JOBS_AT_ONCE`] threads (`parley-files`) that run blob file jobs,
/// started on first use; or why they could not be started.
fn file_threads() -> std::io::Result<&'static std::sync::mpsc::Sender<FileJob>> {
	static THREADS: std::sync::OnceLock<Result<std::sync::mpsc::Sender<FileJob>, String>> =
		std::sync::OnceLock::new();
	THREADS
		.get_or_init(|| {
			let (queue, jobs) = std::sync::mpsc::channel::<FileJob>();
			let jobs = Arc::new(Mutex::new(jobs));
			for _ in 0..FILE_JOBS_AT_ONCE {
				let jobs = jobs.clone();
				std::thread::Builder::new()
					.name("parley-files".into())
					.spawn(move || loop {
						let Ok(job) = jobs.lock().recv() else { return };
						// A job that panics loses its answer (its caller gets an error), not
						// the thread, where a panic hook does not end the process first (as
						// Substrate's does in a node).
						let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
					})
					.map_err(|e| format!("cannot start the blob file threads: {e}"))?;
			}
			Ok(queue)
		})
		.as_ref()
		.map_err(|e| std::io::Error::other(e.clone()))
}

/// Runs a blob's file `work` off the async workers, on the threads of [`FILE_JOBS_AT_ONCE`],
/// once a slot is free: a 64 MiB blob's sync alone takes a tenth of a second.
pub async fn on_disk<T: Send + 'static>(
	work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
	// The semaphore is never closed.
	let _slot = FILE_JOBS.acquire().await.map_err(std::io::Error::other)?;
	let (answer, answered) = tokio::sync::oneshot::channel();
	let job: FileJob = Box::new(move || {
		let _ = answer.send(work());
	});
	file_threads()?
		.send(job)
		.map_err(|_| std::io::Error::other("the blob file threads have stopped"))?;
	answered.await.map_err(|_| std::io::Error::other("a blob file job ended without an answer"))?
}

/// A streaming blake2-256 hasher (the same hash as `sp_core::blake2_256`).
pub fn hasher() -> blake2b_simd::State {
	blake2b_simd::Params::new().hash_length(32).to_state()
}

/// Finishes a [`hasher`].
pub fn finish(state: &blake2b_simd::State) -> Hash {
	state.finalize().as_bytes().try_into().expect("hash length is 32")
}

impl BlobStore {
	/// The blob store in `dir` (created if missing).
	pub fn new(dir: &Path) -> std::io::Result<Self> {
		std::fs::create_dir_all(dir)?;
		Ok(Self { dir: dir.to_path_buf(), fetching: Default::default() })
	}

	/// Starts fetching blob `hash`, unless it is being fetched already (then `None`). The fetch
	/// ends when the returned [`Fetching`] is dropped.
	pub fn begin_fetch(&self, hash: Hash) -> Option<Fetching> {
		self.fetching
			.lock()
			.insert(hash)
			.then(|| Fetching { fetching: self.fetching.clone(), hash })
	}

	/// Where a complete blob lives.
	pub fn path(&self, hash: &Hash) -> PathBuf {
		self.dir.join(hex::encode(hash))
	}

	fn partial_path(&self, hash: &Hash) -> PathBuf {
		self.dir.join(format!("{}.partial", hex::encode(hash)))
	}

	/// The size of a complete blob, if present.
	pub fn size(&self, hash: &Hash) -> Option<u64> {
		std::fs::metadata(self.path(hash)).ok().map(|m| m.len())
	}

	/// Copies `reader` into the store, hashing as it goes; returns (hash, size).
	pub fn import(&self, reader: &mut impl Read) -> std::io::Result<(Hash, u64)> {
		let tmp = self.dir.join(format!("import-{}.tmp", hex::encode(rand::random::<[u8; 8]>())));
		let mut file = std::fs::File::create(&tmp)?;
		let mut state = hasher();
		let mut buf = vec![0u8; 1024 * 1024];
		let mut size = 0u64;
		loop {
			let n = reader.read(&mut buf)?;
			if n == 0 {
				break;
			}
			state.update(&buf[..n]);
			file.write_all(&buf[..n])?;
			size += n as u64;
		}
		file.sync_all()?;
		let hash = finish(&state);
		std::fs::rename(&tmp, self.path(&hash))?;
		Ok((hash, size))
	}

	/// Starts writing a new blob in pieces (an upload); [`BlobWriter::finish`] names it by hash.
	pub fn writer(&self) -> std::io::Result<BlobWriter> {
		let tmp = self.dir.join(format!("upload-{}.tmp", hex::encode(rand::random::<[u8; 8]>())));
		Ok(BlobWriter {
			file: Some(std::fs::File::create(&tmp)?),
			tmp,
			store: self.clone(),
			state: hasher(),
			size: 0,
			writeback: Writeback::default(),
		})
	}

	/// Reads up to `max_len` bytes of blob `hash` from `offset`; returns (total size, bytes).
	pub fn read_chunk(
		&self,
		hash: &Hash,
		offset: u64,
		max_len: usize,
	) -> std::io::Result<Option<(u64, Vec<u8>)>> {
		let mut file = match std::fs::File::open(self.path(hash)) {
			Ok(f) => f,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
			Err(e) => return Err(e),
		};
		let total = file.metadata()?.len();
		if offset > total {
			return Ok(Some((total, Vec::new())));
		}
		file.seek(SeekFrom::Start(offset))?;
		let len = max_len.min((total - offset) as usize);
		let mut data = vec![0u8; len];
		file.read_exact(&mut data)?;
		Ok(Some((total, data)))
	}

	/// Opens the partial copy of blob `hash` to append to (made if missing), hashing what a
	/// previous, broken transfer already wrote, so that the transfer resumes where it broke and
	/// the blob is hashed as it arrives rather than read back at the end.
	pub fn resume(&self, hash: &Hash) -> std::io::Result<PartialBlob> {
		let path = self.partial_path(hash);
		let mut file =
			std::fs::OpenOptions::new().create(true).read(true).append(true).open(&path)?;
		let mut state = hasher();
		let mut len = 0u64;
		let mut buf = vec![0u8; 1024 * 1024];
		loop {
			let n = file.read(&mut buf)?;
			if n == 0 {
				break;
			}
			state.update(&buf[..n]);
			len += n as u64;
		}
		Ok(PartialBlob {
			file,
			path,
			state,
			len,
			hash: *hash,
			complete: self.path(hash),
			writeback: Writeback::default(),
		})
	}

	/// Opens a complete blob for reading.
	pub fn open(&self, hash: &Hash) -> std::io::Result<std::fs::File> {
		std::fs::File::open(self.path(hash))
	}
}

/// A blob being fetched: its `.partial` file, open for appending, and the hash of what it holds.
/// Left unfinished (a transfer that breaks), the file stays for the next attempt to resume.
pub struct PartialBlob {
	file: std::fs::File,
	path: PathBuf,
	state: blake2b_simd::State,
	len: u64,
	hash: Hash,
	complete: PathBuf,
	writeback: Writeback,
}

impl PartialBlob {
	/// How many bytes it holds.
	pub fn len(&self) -> u64 {
		self.len
	}

	/// Whether it holds nothing yet.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}

	/// Appends the next bytes of the blob.
	pub fn append(&mut self, data: &[u8]) -> std::io::Result<()> {
		self.file.write_all(data)?;
		self.state.update(data);
		self.len += data.len() as u64;
		self.writeback.wrote(&self.file, self.len);
		Ok(())
	}

	/// Checks the hash of what it holds: if it is the blob's, syncs the file and makes it the
	/// complete blob (`true`); if not, removes it (`false`).
	pub fn finish(self) -> std::io::Result<bool> {
		if finish(&self.state) != self.hash {
			drop(self.file);
			std::fs::remove_file(&self.path)?;
			return Ok(false);
		}
		self.file.sync_all()?;
		drop(self.file);
		std::fs::rename(&self.path, &self.complete)?;
		Ok(true)
	}
}

/// Bytes written before writeback is started for them: about one chunk.
const WRITEBACK_STEP: u64 = 1024 * 1024;

/// Where writeback of a blob file being written was last started. As each
/// [`WRITEBACK_STEP`] is written, the kernel is told to start writing it to disk without
/// waiting for it (Linux's `sync_file_range` with `SYNC_FILE_RANGE_WRITE`), so that the sync
/// that makes the blob durable at its end finds its pages on disk already instead of flushing
/// the whole blob then. Measured with `scripts/bench-channel.sh 8`: that sync took 5.5-7.3 ms
/// of an 8 MiB transfer's 32-44 ms, and 0.8-1.5 ms with writeback started as it arrived. A
/// hint only: durability still comes from that final sync, so a failed hint is ignored.
#[derive(Default)]
struct Writeback {
	/// The offset up to which writeback was started.
	started: u64,
}

impl Writeback {
	/// `file` now holds `end` bytes: starts writeback of those not started yet, once there
	/// are [`WRITEBACK_STEP`] of them.
	fn wrote(&mut self, file: &std::fs::File, end: u64) {
		if end < self.started.saturating_add(WRITEBACK_STEP) {
			return;
		}
		#[cfg(target_os = "linux")]
		{
			use std::os::fd::AsRawFd;
			let (offset, len) =
				(self.started as libc::off64_t, (end - self.started) as libc::off64_t);
			// SAFETY: the call only reads its integer arguments; `file` keeps the descriptor
			// open throughout.
			let _ = unsafe {
				libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE)
			};
		}
		#[cfg(not(target_os = "linux"))]
		let _ = file;
		self.started = end;
	}
}

/// A blob being written in pieces; dropped unfinished, its temporary file is removed.
pub struct BlobWriter {
	file: Option<std::fs::File>,
	tmp: PathBuf,
	store: BlobStore,
	state: blake2b_simd::State,
	size: u64,
	writeback: Writeback,
}

impl BlobWriter {
	/// Appends bytes; fails past `max` bytes in all.
	pub fn write(&mut self, bytes: &[u8], max: u64) -> std::io::Result<()> {
		if self.size + bytes.len() as u64 > max {
			return Err(std::io::Error::new(
				std::io::ErrorKind::InvalidInput,
				format!("blob is larger than {max} bytes"),
			));
		}
		self.state.update(bytes);
		self.size += bytes.len() as u64;
		let file = self.file.as_mut().expect("open until finished");
		file.write_all(bytes)?;
		self.writeback.wrote(file, self.size);
		Ok(())
	}

	/// Syncs the blob and names it by its hash; returns (hash, size).
	pub fn finish(mut self) -> std::io::Result<(Hash, u64)> {
		let file = self.file.take().expect("finished once");
		file.sync_all()?;
		drop(file);
		let hash = finish(&self.state);
		std::fs::rename(&self.tmp, self.store.path(&hash))?;
		Ok((hash, self.size))
	}
}

impl Drop for BlobWriter {
	fn drop(&mut self) {
		if self.file.take().is_some() {
			let _ = std::fs::remove_file(&self.tmp);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn blob(len: usize) -> Vec<u8> {
		(0..len).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()
	}

	/// A burst of blob file jobs runs at most [`FILE_JOBS_AT_ONCE`] at a time on as many
	/// threads, however many come at once, and every job still runs and answers; a job that
	/// panics answers with an error and leaves the threads working.
	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn a_burst_of_file_jobs_runs_on_a_few_threads_and_every_one_answers() {
		use std::sync::atomic::{AtomicUsize, Ordering};
		let running = Arc::new(AtomicUsize::new(0));
		let most = Arc::new(AtomicUsize::new(0));
		let threads = Arc::new(Mutex::new(HashSet::new()));
		let jobs: Vec<_> = (0..8 * FILE_JOBS_AT_ONCE)
			.map(|i| {
				let (running, most, threads) = (running.clone(), most.clone(), threads.clone());
				tokio::spawn(on_disk(move || {
					let now = running.fetch_add(1, Ordering::SeqCst) + 1;
					most.fetch_max(now, Ordering::SeqCst);
					threads.lock().insert(std::thread::current().id());
					std::thread::sleep(std::time::Duration::from_millis(20));
					running.fetch_sub(1, Ordering::SeqCst);
					Ok(i)
				}))
			})
			.collect();
		let mut answers = Vec::new();
		for job in jobs {
			answers.push(job.await.unwrap().unwrap());
		}
		assert_eq!(answers, (0..8 * FILE_JOBS_AT_ONCE).collect::<Vec<_>>());
		let most = most.load(Ordering::SeqCst);
		assert!(most <= FILE_JOBS_AT_ONCE, "{most} jobs ran at once");
		assert!(most > 1, "the jobs ran one at a time");
		let threads = threads.lock().len();
		assert!(threads <= FILE_JOBS_AT_ONCE, "the jobs ran on {threads} threads");

		let panicked = on_disk(|| -> std::io::Result<()> { panic!("a job that panics") }).await;
		assert!(panicked.is_err());
		for i in 0..2 * FILE_JOBS_AT_ONCE {
			assert_eq!(on_disk(move || Ok(i)).await.unwrap(), i, "the threads work on after it");
		}
	}

	/// A transfer that breaks leaves its partial copy; the next one resumes from its end, and
	/// the blob is complete only once the bytes hash to its name.
	#[test]
	fn a_broken_transfer_resumes_and_completes_only_with_the_right_bytes() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::new(dir.path()).unwrap();
		let bytes = blob(3 * 1024 * 1024 + 17);
		let hash = crate::types::blake2_256(&bytes);
		let mut partial = store.resume(&hash).unwrap();
		assert!(partial.is_empty());
		partial.append(&bytes[..1_500_000]).unwrap();
		drop(partial); // the transfer breaks
		assert_eq!(store.size(&hash), None, "not a blob yet");
		let mut partial = store.resume(&hash).unwrap();
		assert_eq!(partial.len(), 1_500_000, "resumed where it broke");
		partial.append(&bytes[1_500_000..]).unwrap();
		assert!(partial.finish().unwrap());
		assert_eq!(store.size(&hash), Some(bytes.len() as u64));
		let (total, first) = store.read_chunk(&hash, 0, 10).unwrap().unwrap();
		assert_eq!((total, first.as_slice()), (bytes.len() as u64, &bytes[..10]));
		assert!(!store.partial_path(&hash).exists(), "the partial copy became the blob");
	}

	/// Bytes that do not hash to the blob's name are thrown away, so the next attempt starts
	/// again from nothing.
	#[test]
	fn bytes_that_do_not_hash_to_the_blob_are_discarded() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::new(dir.path()).unwrap();
		let bytes = blob(4096);
		let hash = crate::types::blake2_256(&bytes);
		let mut partial = store.resume(&hash).unwrap();
		let mut forged = bytes.clone();
		forged[100] ^= 1;
		partial.append(&forged).unwrap();
		assert!(!partial.finish().unwrap());
		assert_eq!(store.size(&hash), None);
		assert!(store.resume(&hash).unwrap().is_empty(), "the next attempt starts afresh");
	}
}
