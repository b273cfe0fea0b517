//! Writes the media benchmark's uploads (bench/media.sh): COUNT different 12-megapixel
//! JPEGs, 4000 × 3000, with a photograph's amount of detail (smooth gradients under
//! fine grain), so decoding and encoding work as hard as on a camera's picture, and
//! each upload stores new files rather than finding them already there.
//!
//! Usage: cargo run --release --example bench_media_image -- OUT_DIR COUNT

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const WIDTH: u32 = 4000;
const HEIGHT: u32 = 3000;
const QUALITY: u8 = 92;
/// Amplitude of the per-pixel grain: about a phone photograph's file size at QUALITY.
const GRAIN: f32 = 8.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: bench_media_image OUT_DIR COUNT";
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let count: u64 = args.next().ok_or(usage)?.parse()?;
    for n in 1..=count {
        let path = dir.join(format!("photo-{n}.jpg"));
        let mut file = BufWriter::new(File::create(&path)?);
        photo(n).write_with_encoder(JpegEncoder::new_with_quality(&mut file, QUALITY))?;
    }
    Ok(())
}

/// Picture number `n`: its grain and the phase of its waves differ from the others'.
fn photo(n: u64) -> RgbImage {
    let mut rng = StdRng::seed_from_u64(n);
    let phase = n as f32;
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (u, v) = (x as f32 / WIDTH as f32, y as f32 / HEIGHT as f32);
        let wave = ((u * 23.0 + phase).sin() * (v * 17.0).cos() + 1.0) * 40.0;
        let grain: f32 = rng.random_range(-GRAIN..GRAIN);
        let channel = |base: f32| (base + wave + grain).clamp(0.0, 255.0) as u8;
        Rgb([channel(60.0 + 120.0 * u), channel(90.0 + 80.0 * v), channel(150.0 - 90.0 * u * v)])
    })
}
