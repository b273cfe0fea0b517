//! The demo's pictures: Quảng Nam landscapes (sky, sun, hills, rice fields, water)
//! drawn here pixel by pixel, so no photograph is copied, then stored through the same
//! processing as an upload, so their variants exist as an upload's would.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

use crate::db::media::{MediaFields, MediaWords};
use crate::error::ApiError;
use crate::media::store::Library;

const WIDTH: u32 = 1800;
const HEIGHT: u32 = 1000;
/// Width over height: distances in the picture are measured in heights.
const ASPECT: f32 = WIDTH as f32 / HEIGHT as f32;
/// Quality of the drawn JPEG before processing re-encodes it.
const DRAWN_QUALITY: u8 = 92;
const CREDIT: &str = "Ảnh minh họa: bantin demo";

type Colour = [f32; 3];

/// A range of hills: its ridge is a sum of three waves around `base` (a fraction of
/// the height from the top).
struct Hill {
    base: f32,
    amplitude: f32,
    phase: f32,
    colour: Colour,
}

impl Hill {
    fn ridge(&self, u: f32) -> f32 {
        let p = self.phase;
        let wave = 0.6 * (u * 7.0 + p).sin() + 0.3 * (u * 17.0 + p * 2.0).sin() + 0.1 * (u * 41.0 + p * 3.0).sin();
        self.base - self.amplitude * wave
    }
}

/// What lies below the horizon.
enum Ground {
    /// Rows of rice, from the far colour at the horizon to the near one.
    Rice { far: Colour, near: Colour },
    /// A river or the sea, with ripples and the sun's reflection.
    Water(Colour),
    /// The nearest hill covers it.
    Hills,
}

/// One picture.
struct Scene {
    alt: &'static str,
    /// The demo subject (index into `SUBJECTS`) it illustrates.
    subject: usize,
    /// Top and horizon colours of the sky.
    sky: (Colour, Colour),
    /// Centre (fractions of width and height), radius (fraction of height), colour.
    sun: (f32, f32, f32, Colour),
    /// Fraction of the height from the top.
    horizon: f32,
    ground: Ground,
    /// Far to near.
    hills: &'static [Hill],
}

const SCENES: [Scene; 6] = [
    Scene {
        alt: "Cánh đồng lúa chín vàng dưới nắng sớm ở vùng trung du",
        subject: 1,
        sky: ([110.0, 160.0, 220.0], [250.0, 225.0, 180.0]),
        sun: (0.72, 0.3, 0.07, [255.0, 246.0, 210.0]),
        horizon: 0.5,
        ground: Ground::Rice { far: [200.0, 170.0, 70.0], near: [235.0, 190.0, 50.0] },
        hills: &[Hill { base: 0.47, amplitude: 0.04, phase: 1.0, colour: [120.0, 140.0, 150.0] }],
    },
    Scene {
        alt: "Đồi núi trùng điệp ở một huyện miền núi",
        subject: 2,
        sky: ([90.0, 140.0, 200.0], [215.0, 230.0, 240.0]),
        sun: (0.2, 0.22, 0.06, [255.0, 252.0, 235.0]),
        horizon: 1.0,
        ground: Ground::Hills,
        hills: &[
            Hill { base: 0.45, amplitude: 0.08, phase: 0.3, colour: [150.0, 175.0, 190.0] },
            Hill { base: 0.58, amplitude: 0.09, phase: 2.1, colour: [95.0, 135.0, 120.0] },
            Hill { base: 0.72, amplitude: 0.08, phase: 4.0, colour: [55.0, 105.0, 65.0] },
            Hill { base: 0.86, amplitude: 0.06, phase: 5.5, colour: [35.0, 80.0, 40.0] },
        ],
    },
    Scene {
        alt: "Bình minh trên biển trước làng chài",
        subject: 4,
        sky: ([60.0, 80.0, 150.0], [250.0, 170.0, 110.0]),
        sun: (0.5, 0.56, 0.09, [255.0, 220.0, 150.0]),
        horizon: 0.56,
        ground: Ground::Water([30.0, 70.0, 110.0]),
        hills: &[],
    },
    Scene {
        alt: "Ruộng lúa xanh dưới chân núi",
        subject: 0,
        sky: ([100.0, 165.0, 230.0], [225.0, 240.0, 245.0]),
        sun: (0.85, 0.18, 0.05, [255.0, 255.0, 240.0]),
        horizon: 0.55,
        ground: Ground::Rice { far: [120.0, 170.0, 70.0], near: [70.0, 160.0, 40.0] },
        hills: &[
            Hill { base: 0.4, amplitude: 0.1, phase: 3.3, colour: [90.0, 125.0, 140.0] },
            Hill { base: 0.5, amplitude: 0.05, phase: 0.8, colour: [60.0, 110.0, 80.0] },
        ],
    },
    Scene {
        alt: "Hoàng hôn trên sông Thu Bồn",
        subject: 8,
        sky: ([80.0, 60.0, 120.0], [245.0, 140.0, 90.0]),
        sun: (0.3, 0.5, 0.08, [255.0, 200.0, 120.0]),
        horizon: 0.6,
        ground: Ground::Water([60.0, 50.0, 90.0]),
        hills: &[Hill { base: 0.58, amplitude: 0.03, phase: 2.6, colour: [60.0, 45.0, 70.0] }],
    },
    Scene {
        alt: "Bản làng miền núi lúc chiều tà",
        subject: 9,
        sky: ([120.0, 90.0, 140.0], [250.0, 200.0, 140.0]),
        sun: (0.62, 0.42, 0.07, [255.0, 230.0, 170.0]),
        horizon: 0.8,
        ground: Ground::Rice { far: [150.0, 140.0, 60.0], near: [110.0, 120.0, 40.0] },
        hills: &[
            Hill { base: 0.5, amplitude: 0.1, phase: 1.7, colour: [140.0, 110.0, 140.0] },
            Hill { base: 0.66, amplitude: 0.08, phase: 4.4, colour: [85.0, 75.0, 95.0] },
            Hill { base: 0.78, amplitude: 0.04, phase: 0.2, colour: [50.0, 60.0, 50.0] },
        ],
    },
];

fn mix(a: Colour, b: Colour, t: f32) -> Colour {
    let t = t.clamp(0.0, 1.0);
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

fn scaled(c: Colour, k: f32) -> Colour {
    [c[0] * k, c[1] * k, c[2] * k]
}

impl Scene {
    /// The sky at (u, v), the sun and its glow included.
    fn sky(&self, u: f32, v: f32) -> Colour {
        let base = mix(self.sky.0, self.sky.1, v / self.horizon);
        let (x, y, radius, colour) = self.sun;
        let distance = (((u - x) * ASPECT).powi(2) + (v - y).powi(2)).sqrt();
        if distance < radius {
            return colour;
        }
        let glow = 1.0 / (1.0 + ((distance - radius) * 10.0).powi(2));
        mix(base, colour, glow * 0.7)
    }

    /// Below the horizon at (u, v).
    fn ground(&self, u: f32, v: f32) -> Colour {
        // 0 at the horizon, 1 at the bottom; `depth` shrinks rows towards the horizon.
        let t = (v - self.horizon) / (1.0 - self.horizon);
        let depth = 1.0 / (t + 0.08);
        let haze = (1.0 - t).powi(6) * 0.5;
        let colour = match self.ground {
            Ground::Rice { far, near } => {
                let rows = (depth * 40.0).sin() * t.sqrt();
                scaled(mix(far, near, t), 0.88 + 0.12 * rows)
            }
            Ground::Water(water) => {
                let ripple = (depth * 30.0 + (u * 40.0).sin() * 0.6).sin();
                let (x, _, radius, sun) = self.sun;
                let base = scaled(mix(scaled(self.sky.1, 0.7), water, t.sqrt()), 0.93 + 0.07 * ripple);
                let lit = ((u - x) * ASPECT).abs() < radius * (1.2 + 2.0 * t) && ripple > 0.3;
                if lit {
                    mix(base, sun, 0.65)
                } else {
                    base
                }
            }
            Ground::Hills => self.sky.1,
        };
        mix(colour, self.sky.1, haze)
    }

    /// The picture.
    fn draw(&self) -> RgbImage {
        let (w, h) = (WIDTH as f32, HEIGHT as f32);
        // Ridges depend on the column only: worked out once per column.
        let ridges: Vec<Vec<f32>> =
            self.hills.iter().map(|hill| (0..WIDTH).map(|x| hill.ridge(x as f32 / w)).collect()).collect();
        RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
            let (u, v) = (x as f32 / w, y as f32 / h);
            let mut colour = if v < self.horizon { self.sky(u, v) } else { self.ground(u, v) };
            for (hill, ridge) in self.hills.iter().zip(&ridges) {
                let top = ridge[x as usize];
                if v >= top && v < self.horizon {
                    // Lighter at the ridge, as haze catches it.
                    colour = mix(mix(hill.colour, self.sky.1, 0.25), hill.colour, (v - top) * 8.0);
                }
            }
            Rgb(colour.map(|c| c.clamp(0.0, 255.0) as u8))
        })
    }

    /// Draws the picture and stores it as an upload would be: the row's fields.
    fn store(&self, library: &Library) -> Result<MediaFields, ApiError> {
        let mut jpeg = Cursor::new(Vec::new());
        self.draw()
            .write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, DRAWN_QUALITY))
            .map_err(ApiError::internal)?;
        let drawn = library.temp_path("demo");
        std::fs::write(&drawn, jpeg.into_inner()).map_err(ApiError::internal)?;
        let words = MediaWords { alt: Some(self.alt.to_owned()), caption: None, credit: Some(CREDIT.to_owned()) };
        let kept = crate::routes::media::keep(library, &drawn, words);
        let _ = std::fs::remove_file(&drawn);
        kept
    }
}

/// Draws and stores every picture, one after the other (a test's demo must not take
/// every core from the tests beside it); the demo subject each illustrates, with its
/// row's fields.
pub fn store_all(library: &Library) -> Result<Vec<(usize, MediaFields)>, ApiError> {
    SCENES.iter().map(|scene| Ok((scene.subject, scene.store(library)?))).collect()
}
