//! The machine's limits that bound a run, measured in the same run: what one core hashes
//! (blake2b-256, a payload's and a blob's hash) and seals (HPKE with X25519, HKDF-SHA256 and
//! ChaCha20-Poly1305, as envelopes are), and what loopback TCP carries.

use hpke::{
	aead::ChaCha20Poly1305, kdf::HkdfSha256, kem::X25519HkdfSha256, Kem as _, OpModeS,
	Serializable as _,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Runs `step` until `budget` has passed; returns how many times it ran and the time taken.
fn repeat(budget: Duration, mut step: impl FnMut()) -> (u64, Duration) {
	let started = Instant::now();
	let mut runs = 0;
	while started.elapsed() < budget {
		step();
		runs += 1;
	}
	(runs, started.elapsed())
}

/// blake2b-256 on one core, in MB/s (1 MiB inputs).
fn blake2b_mb_per_s(budget: Duration) -> f64 {
	let data = vec![7u8; 1 << 20];
	let (runs, took) = repeat(budget, || {
		std::hint::black_box(blake2b_simd::Params::new().hash_length(32).hash(&data));
	});
	runs as f64 * (1 << 20) as f64 / 1e6 / took.as_secs_f64()
}

/// HPKE single-shot seals of `size`-byte payloads on one core: seals/s and MB/s.
fn seal_rate(size: usize, budget: Duration) -> (f64, f64) {
	let (_, public) = X25519HkdfSha256::derive_keypair(&[3u8; 32]);
	let payload = vec![5u8; size];
	let mut rng = rand::rng();
	let (runs, took) = repeat(budget, || {
		let sealed = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256, _>(
			&OpModeS::Base,
			&public,
			b"parley-bench",
			&payload,
			b"",
			&mut rng,
		)
		.expect("sealing to a valid key succeeds");
		std::hint::black_box(sealed.0.to_bytes());
	});
	let per_s = runs as f64 / took.as_secs_f64();
	(per_s, per_s * size as f64 / 1e6)
}

/// Loopback TCP on 127.0.0.1, one stream, in MB/s.
async fn loopback_mb_per_s(bytes: usize) -> Result<f64, String> {
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
	let address = listener.local_addr().map_err(|e| e.to_string())?;
	let reader = tokio::spawn(async move {
		let (mut socket, _) = listener.accept().await?;
		let mut buffer = vec![0u8; 256 << 10];
		let mut total = 0;
		while total < bytes {
			let n = socket.read(&mut buffer).await?;
			if n == 0 {
				break;
			}
			total += n;
		}
		std::io::Result::Ok(total)
	});
	let started = Instant::now();
	let mut socket = tokio::net::TcpStream::connect(address).await.map_err(|e| e.to_string())?;
	let chunk = vec![1u8; 256 << 10];
	let mut sent = 0;
	while sent < bytes {
		socket.write_all(&chunk).await.map_err(|e| e.to_string())?;
		sent += chunk.len();
	}
	drop(socket);
	let received = reader.await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
	Ok(received as f64 / 1e6 / started.elapsed().as_secs_f64())
}

/// Measures every limit (about 2 s of one core's time, and 512 MiB over loopback).
pub async fn measure() -> Value {
	let budget = Duration::from_millis(400);
	let blake2b = blake2b_mb_per_s(budget);
	let (small_seals, _) = seal_rate(1024, budget);
	let (_, seal_mb) = seal_rate(1 << 20, budget);
	let loopback = loopback_mb_per_s(512 << 20).await.unwrap_or(0.0);
	// A blob's bytes are hashed, sealed and sent through the channel's Noise session (itself
	// ChaCha20-Poly1305) on one stream: the per-stream limit is the three in series.
	let stream = 1.0 / (1.0 / blake2b + 2.0 / seal_mb);
	json!({
		"blake2b_mb_per_s_per_core": blake2b,
		"hpke_seals_per_s_per_core_1kib": small_seals,
		"hpke_seal_mb_per_s_per_core": seal_mb,
		"loopback_tcp_mb_per_s": loopback,
		"blob_stream_limit_mb_per_s": stream.min(loopback),
		"cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
	})
}
