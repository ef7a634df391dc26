//! A PNG chart of a run's timeline, so that a person can see a stall: actions/s sent (grey) and
//! confirmed (blue) in the top panel, send→confirmed latency p50 (green) and p99 (red) in the
//! bottom one, one pixel column per second or more, with the axes' largest values in digits.
//!
//! Written by hand (a raster, a digit font, and PNG with uncompressed deflate blocks): a chart
//! crate would bring fonts and image codecs for five lines.

use serde_json::Value;

const WIDTH: usize = 960;
const HEIGHT: usize = 540;
const MARGIN: usize = 40;
const GREY: [u8; 3] = [150, 150, 150];
const BLUE: [u8; 3] = [30, 90, 220];
const GREEN: [u8; 3] = [20, 150, 60];
const RED: [u8; 3] = [210, 40, 40];
const INK: [u8; 3] = [40, 40, 40];

/// Digits 0-9 in a 3x5 font, one row per 3 bits.
const DIGITS: [[u8; 5]; 10] = [
	[7, 5, 5, 5, 7],
	[2, 6, 2, 2, 7],
	[7, 1, 7, 4, 7],
	[7, 1, 7, 1, 7],
	[5, 5, 7, 1, 1],
	[7, 4, 7, 1, 7],
	[7, 4, 7, 5, 7],
	[7, 1, 1, 1, 1],
	[7, 5, 7, 5, 7],
	[7, 5, 7, 1, 7],
];

struct Canvas {
	pixels: Vec<u8>,
}

impl Canvas {
	fn new() -> Self {
		Self { pixels: vec![255; WIDTH * HEIGHT * 3] }
	}

	fn dot(&mut self, x: i64, y: i64, color: [u8; 3]) {
		if (0..WIDTH as i64).contains(&x) && (0..HEIGHT as i64).contains(&y) {
			let at = (y as usize * WIDTH + x as usize) * 3;
			self.pixels[at..at + 3].copy_from_slice(&color);
		}
	}

	fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), color: [u8; 3]) {
		let steps = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
		for i in 0..=steps {
			let x = x0 + (x1 - x0) * i / steps;
			let y = y0 + (y1 - y0) * i / steps;
			self.dot(x, y, color);
			self.dot(x, y + 1, color);
		}
	}

	/// Writes `number` in digits, twice the font's size, with its top left at (x, y).
	fn number(&mut self, x: i64, y: i64, number: u64, color: [u8; 3]) {
		for (i, digit) in number.to_string().bytes().enumerate() {
			let glyph = DIGITS[(digit - b'0') as usize];
			for (row, bits) in glyph.iter().enumerate() {
				for col in 0..3 {
					if bits & (4 >> col) != 0 {
						for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
							self.dot(
								x + i as i64 * 8 + col * 2 + dx,
								y + row as i64 * 2 + dy,
								color,
							);
						}
					}
				}
			}
		}
	}

	/// Plots `series` (one value per second, `None` where there is none) in the panel whose top
	/// is `top` and height `height`, scaled so that `max` reaches its top.
	fn series(
		&mut self,
		top: usize,
		height: usize,
		series: &[Option<f64>],
		max: f64,
		color: [u8; 3],
	) {
		let span = (WIDTH - 2 * MARGIN) as f64;
		let n = series.len().max(2) as f64 - 1.0;
		let mut last: Option<(i64, i64)> = None;
		for (i, value) in series.iter().enumerate() {
			let Some(value) = value else {
				last = None;
				continue;
			};
			let x = MARGIN as i64 + (i as f64 / n * span) as i64;
			let y = (top + height) as i64 - (value / max.max(1e-9) * height as f64) as i64;
			if let Some(previous) = last {
				self.line(previous, (x, y), color);
			} else {
				self.dot(x, y, color);
			}
			last = Some((x, y));
		}
	}

	fn frame(&mut self, top: usize, height: usize, max: u64, legend: &[[u8; 3]]) {
		let (left, right, bottom) = (MARGIN as i64, (WIDTH - MARGIN) as i64, (top + height) as i64);
		self.line((left, top as i64), (left, bottom), INK);
		self.line((left, bottom), (right, bottom), INK);
		self.number(left + 4, top as i64 - 14, max, INK);
		for (i, color) in legend.iter().enumerate() {
			for dx in 0..16 {
				for dy in 0..6 {
					self.dot(
						right - 20 * (legend.len() - i) as i64 + dx,
						top as i64 - 10 + dy,
						*color,
					);
				}
			}
		}
	}
}

/// A round number at least `value` (1, 2 or 5 times a power of ten).
fn ceiling(value: f64) -> f64 {
	let mut step = 1.0;
	while step * 10.0 <= value {
		step *= 10.0;
	}
	[1.0, 2.0, 5.0, 10.0].iter().map(|m| m * step).find(|v| *v >= value).unwrap_or(value)
}

/// The chart of `timeline` (the summary's per-second entries) as a PNG file's bytes.
pub fn png(timeline: &[Value]) -> Vec<u8> {
	let get =
		|key: &str| -> Vec<Option<f64>> { timeline.iter().map(|s| s[key].as_f64()).collect() };
	let (sent, confirmed, p50, p99) = (get("sent"), get("confirmed"), get("p50_ms"), get("p99_ms"));
	let peak = |v: &[Option<f64>]| v.iter().flatten().fold(0.0f64, |a, b| a.max(*b));
	let mut canvas = Canvas::new();
	let panel = (HEIGHT - 3 * MARGIN) / 2;
	let rate_max = ceiling(peak(&sent).max(peak(&confirmed)).max(1.0));
	canvas.frame(MARGIN, panel, rate_max as u64, &[GREY, BLUE]);
	canvas.series(MARGIN, panel, &sent, rate_max, GREY);
	canvas.series(MARGIN, panel, &confirmed, rate_max, BLUE);
	let latency_top = 2 * MARGIN + panel;
	let latency_max = ceiling(peak(&p99).max(1.0));
	canvas.frame(latency_top, panel, latency_max as u64, &[GREEN, RED]);
	canvas.series(latency_top, panel, &p50, latency_max, GREEN);
	canvas.series(latency_top, panel, &p99, latency_max, RED);
	// The run's length in seconds under the time axis, at its right end.
	canvas.number(
		(WIDTH - MARGIN - 40) as i64,
		(HEIGHT - MARGIN + 8) as i64,
		timeline.len() as u64,
		INK,
	);
	encode(&canvas.pixels)
}

/// PNG bytes of an RGB raster of WIDTH x HEIGHT (deflate's stored blocks: no compression).
fn encode(pixels: &[u8]) -> Vec<u8> {
	let mut raw = Vec::with_capacity((WIDTH * 3 + 1) * HEIGHT);
	for row in pixels.chunks(WIDTH * 3) {
		raw.push(0); // no filter
		raw.extend_from_slice(row);
	}
	let mut zlib = vec![0x78, 0x01];
	let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
	for (i, block) in blocks.iter().enumerate() {
		zlib.push(u8::from(i + 1 == blocks.len()));
		let len = block.len() as u16;
		zlib.extend_from_slice(&len.to_le_bytes());
		zlib.extend_from_slice(&(!len).to_le_bytes());
		zlib.extend_from_slice(block);
	}
	let (mut a, mut b) = (1u32, 0u32);
	for byte in &raw {
		a = (a + *byte as u32) % 65_521;
		b = (b + a) % 65_521;
	}
	zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

	let mut header = vec![];
	header.extend_from_slice(&(WIDTH as u32).to_be_bytes());
	header.extend_from_slice(&(HEIGHT as u32).to_be_bytes());
	header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter method, no interlace
	let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
	for (kind, data) in [(b"IHDR", header), (b"IDAT", zlib), (b"IEND", vec![])] {
		png.extend_from_slice(&(data.len() as u32).to_be_bytes());
		let start = png.len();
		png.extend_from_slice(kind);
		png.extend_from_slice(&data);
		let crc = crc32(&png[start..]);
		png.extend_from_slice(&crc.to_be_bytes());
	}
	png
}

fn crc32(bytes: &[u8]) -> u32 {
	let mut crc = !0u32;
	for byte in bytes {
		crc ^= *byte as u32;
		for _ in 0..8 {
			crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
		}
	}
	!crc
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_checksums_are_png_s_and_zlib_s() {
		// CRC-32 of "IEND" (every PNG ends with it) and the standard check value.
		assert_eq!(crc32(b"IEND"), 0xAE42_6082);
		assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
		let png =
			png(&[serde_json::json!({ "sent": 1, "confirmed": 1, "p50_ms": 5.0, "p99_ms": 9.0 })]);
		assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
		assert_eq!(&png[png.len() - 8..], &[b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
	}

	#[test]
	fn axes_end_at_round_numbers() {
		assert_eq!(ceiling(7.0), 10.0);
		assert_eq!(ceiling(1234.0), 2000.0);
		assert_eq!(ceiling(5000.0), 5000.0);
		assert_eq!(ceiling(0.3), 1.0);
	}
}
