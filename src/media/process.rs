//! From an uploaded file to the bytes worth keeping: the type judged by content, the
//! pixel count checked from the header before any pixel is decoded, the EXIF orientation
//! applied, every metadata chunk left behind by re-encoding, and the narrower variants.
//!
//! Blocking and CPU-bound: run it on the blocking pool.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use fast_image_resize::{ResizeOptions, Resizer};
use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

/// The most pixels an upload may have: 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;

/// The widths of the variants; an image gets those narrower than itself.
pub const WIDTHS: [u32; 4] = [320, 640, 1024, 1600];

/// Quality of re-encoded JPEGs: visually lossless for photographs at about half the
/// size of quality 95.
pub const JPEG_QUALITY: u8 = 85;

/// What the decoder may allocate: the largest image accepted at 8 bytes a pixel (RGBA,
/// 16 bits a channel) and room for the decoder's own buffers.
const MAX_DECODE_BYTES: u64 = MAX_PIXELS * 8 + 64 * 1024 * 1024;

/// NeuQuant speed for GIFs of more than 256 colours (variants): the gif crate's own
/// compromise; 1 takes seconds a megapixel.
const GIF_SPEED: i32 = 10;

/// Bytes `sniff` needs to tell the formats apart.
const HEAD_LEN: usize = 12;

/// An accepted image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl Format {
    /// The `Content-Type` to serve it with.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Gif => "image/gif",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Gif => "gif",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::Webp => ImageFormat::WebP,
            Format::Gif => ImageFormat::Gif,
        }
    }
}

/// Why an upload was not turned into media.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Not JPEG, PNG, WebP or GIF by its content (SVG, HTML, PDF, an empty file...): 415.
    #[error("the file is not a JPEG, PNG, WebP or GIF image")]
    NotAnImage,
    /// The header declares more than [`MAX_PIXELS`]: 422.
    #[error("the image is {width} × {height} pixels; at most 40 megapixels are accepted")]
    TooManyPixels { width: u32, height: u32 },
    /// Looks like an accepted format but cannot be decoded (truncated, corrupt, an
    /// unsupported variant of the format): 422.
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
    /// Not the upload's fault: the file could not be read, or encoding or resizing
    /// failed: 500, with the cause logged.
    #[error("the image could not be processed: {0}")]
    Failed(String),
}

/// An image ready to store.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// An upload after processing: the cleaned original and its variants, narrowest first.
#[derive(Debug, Clone)]
pub struct Processed {
    pub original: Encoded,
    pub variants: Vec<Encoded>,
}

/// Processes the upload at `path`.
///
/// The type comes from the content (magic bytes), never a name; the dimensions are read
/// from the header and more than [`MAX_PIXELS`] refused before decoding, with
/// [`image::Limits`] as a second guard. The EXIF orientation is applied, then the
/// original is re-encoded in its own format, which leaves every metadata chunk (EXIF,
/// GPS, ICC, XMP, text) behind. One variant is made per [`WIDTHS`] entry narrower than
/// the upright image, in the same format, with the same aspect ratio. Animated GIF,
/// WebP and PNG keep their first frame only.
pub fn process(path: &Path) -> Result<Processed, Refused> {
    let file = File::open(path).map_err(|error| Refused::Failed(error.to_string()))?;
    let mut reader = BufReader::new(file);
    let format = sniff(&peek(&mut reader)?).ok_or(Refused::NotAnImage)?;
    let image = decode(reader, format)?;
    let mut resizer = Resizer::new();
    let variants: Vec<Encoded> = variant_sizes(image.width(), image.height())
        .map(|(width, height)| {
            let mut variant = DynamicImage::new(width, height, image.color());
            resizer
                .resize(&image, &mut variant, &ResizeOptions::new())
                .map_err(|error| Refused::Failed(format!("resizing to {width} px: {error}")))?;
            encode(&variant, format)
        })
        .collect::<Result<_, _>>()?;
    Ok(Processed { original: encode(&image, format)?, variants })
}

/// The format `head`, the first bytes of a file, starts like; `None` for anything else.
pub fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(Format::Gif)
    } else if head.len() >= HEAD_LEN && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else {
        None
    }
}

/// The sizes of the variants of an upright `width` × `height` image: one per [`WIDTHS`]
/// entry narrower than it, the height rounded to keep the aspect ratio.
pub fn variant_sizes(width: u32, height: u32) -> impl Iterator<Item = (u32, u32)> {
    WIDTHS.into_iter().filter(move |&w| w < width).map(move |w| {
        let scaled = (u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width);
        (w, u32::try_from(scaled).unwrap_or(height).max(1))
    })
}

/// The first bytes of the file, leaving the reader where it was.
fn peek(reader: &mut BufReader<File>) -> Result<Vec<u8>, Refused> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    let read = reader.by_ref().take(HEAD_LEN as u64).read_to_end(&mut head);
    // Within the buffer just filled, so nothing is read twice.
    let rewound = read.and_then(|n| reader.seek_relative(-(n as i64)));
    rewound.map_err(|error| Refused::Failed(error.to_string()))?;
    Ok(head)
}

/// Decodes the upright image, in 8 bits a channel.
fn decode(reader: BufReader<File>, format: Format) -> Result<DynamicImage, Refused> {
    let undecodable = |error: ImageError| Refused::Undecodable(error.to_string());
    let mut reader = ImageReader::with_format(reader, format.image_format());
    reader.limits(decode_limits());
    // Making the decoder reads the header only: nothing the size of the image yet.
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refused::TooManyPixels { width, height });
    }
    // The output buffer counts against the limits, as in `ImageReader::decode`.
    let mut limits = decode_limits();
    limits.reserve(decoder.total_bytes()).map_err(undecodable)?;
    decoder.set_limits(limits).map_err(undecodable)?;
    // A broken EXIF block leaves the image as stored rather than refusing a photo.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    image.apply_orientation(orientation);
    Ok(eight_bit(image))
}

fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// `image` with the same channels at 8 bits each: what browsers show, what the resizer
/// and every encoder take.
fn eight_bit(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => image,
        DynamicImage::ImageLuma16(_) => image.to_luma8().into(),
        DynamicImage::ImageLumaA16(_) => image.to_luma_alpha8().into(),
        _ if image.color().has_alpha() => image.to_rgba8().into(),
        _ => image.to_rgb8().into(),
    }
}

/// `image` encoded as `format`, with no metadata: these encoders write none unless told.
fn encode(image: &DynamicImage, format: Format) -> Result<Encoded, Refused> {
    let mut bytes = Vec::new();
    let written = match format {
        Format::Jpeg => image.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)),
        Format::Png => image.write_with_encoder(PngEncoder::new(&mut bytes)),
        // The image crate encodes WebP losslessly only.
        Format::Webp => image.write_with_encoder(WebPEncoder::new_lossless(&mut bytes)),
        // GIF takes RGB(A) only; decoded GIFs are RGBA already.
        Format::Gif => match image {
            DynamicImage::ImageRgba8(_) => image.write_with_encoder(GifEncoder::new_with_speed(&mut bytes, GIF_SPEED)),
            _ => DynamicImage::from(image.to_rgba8())
                .write_with_encoder(GifEncoder::new_with_speed(&mut bytes, GIF_SPEED)),
        },
    };
    written.map_err(|error| Refused::Failed(format!("encoding {}: {error}", format.mime_type())))?;
    Ok(Encoded { format, width: image.width(), height: image.height(), bytes })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::codecs::gif::GifDecoder;
    use image::codecs::png::PngDecoder;
    use image::{AnimationDecoder, Delay, Frame, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    /// A `width` × `height` picture with some detail, so the encoders have work to do.
    fn picture(width: u32, height: u32) -> DynamicImage {
        RgbImage::from_fn(width, height, |x, y| Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])).into()
    }

    fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).expect("encode the test image");
        bytes.into_inner()
    }

    /// `process` on `bytes` uploaded under the file name `name`.
    fn process_upload(name: &str, bytes: &[u8]) -> Result<Processed, Refused> {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write the upload");
        process(&path)
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|window| window == needle)
    }

    fn decoded(encoded: &Encoded) -> DynamicImage {
        image::load_from_memory_with_format(&encoded.bytes, encoded.format.image_format()).expect("output decodes")
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = u32::try_from(data.len()).expect("small chunk").to_be_bytes().to_vec();
        chunk.extend_from_slice(kind);
        chunk.extend_from_slice(data);
        chunk.extend_from_slice(&crc32(&chunk[4..]).to_be_bytes());
        chunk
    }

    /// A PNG whose IHDR declares `width` × `height` 8-bit grey pixels, followed by an IDAT
    /// holding an empty zlib stream: a few dozen bytes that only a decoder believing the
    /// header would try to fill.
    fn png_declaring(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &ihdr));
        png.extend(png_chunk(b"IDAT", &[0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01]));
        png.extend(png_chunk(b"IEND", &[]));
        png
    }

    /// An EXIF APP1 segment: IFD0 with Make, Orientation and a GPS IFD pointer; the GPS
    /// IFD with a latitude reference and a map datum.
    fn exif_app1(orientation: u16) -> Vec<u8> {
        fn entry(tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
            tiff.extend_from_slice(&tag.to_le_bytes());
            tiff.extend_from_slice(&kind.to_le_bytes());
            tiff.extend_from_slice(&count.to_le_bytes());
            tiff.extend_from_slice(&value);
        }
        const ASCII: u16 = 2;
        const SHORT: u16 = 3;
        const LONG: u16 = 4;
        let make = b"BantinTestCamera\0";
        let datum = b"WGS-84\0";
        let make_at: u32 = 8 + 2 + 3 * 12 + 4;
        let gps_at = make_at + make.len() as u32 + 1;
        let datum_at = gps_at + 2 + 2 * 12 + 4;
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        entry(&mut tiff, 0x010F, ASCII, make.len() as u32, make_at.to_le_bytes());
        let [low, high] = orientation.to_le_bytes();
        entry(&mut tiff, 0x0112, SHORT, 1, [low, high, 0, 0]);
        entry(&mut tiff, 0x8825, LONG, 1, gps_at.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(make);
        tiff.push(0);
        tiff.extend_from_slice(&2u16.to_le_bytes());
        entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
        entry(&mut tiff, 0x0012, ASCII, datum.len() as u32, datum_at.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(datum);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&u16::try_from(2 + 6 + tiff.len()).expect("small segment").to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend(tiff);
        segment
    }

    /// A JPEG of `image` carrying `exif_app1(orientation)` and an ICC profile segment
    /// right after SOI.
    fn jpeg_with_exif(image: &DynamicImage, orientation: u16) -> Vec<u8> {
        let jpeg = encoded(image, ImageFormat::Jpeg);
        let icc_app2 = [&[0xFF, 0xE2, 0x00, 0x1B][..], b"ICC_PROFILE\0\x01\x01", b"notaprofile"].concat();
        [&jpeg[..2], &exif_app1(orientation), &icc_app2, &jpeg[2..]].concat()
    }

    /// Where the JPEG's SOF0 segment starts, walking the marker segments.
    fn sof0(jpeg: &[u8]) -> usize {
        let mut at = 2;
        while jpeg[at + 1] != 0xC0 {
            at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        }
        at
    }

    fn is_metadata_free(bytes: &[u8]) -> bool {
        [&b"Exif"[..], b"BantinTestCamera", b"WGS-84", b"ICC_PROFILE", b"tEXt", b"eXIf", b"secret-location"]
            .iter()
            .all(|marker| !contains(bytes, marker))
    }

    #[test]
    fn each_accepted_format_is_kept_in_its_own_format() {
        let image = picture(64, 48);
        for (format, expected) in [
            (ImageFormat::Jpeg, Format::Jpeg),
            (ImageFormat::Png, Format::Png),
            (ImageFormat::WebP, Format::Webp),
            (ImageFormat::Gif, Format::Gif),
        ] {
            let processed = process_upload("upload", &encoded(&image, format)).expect("accepted");
            let original = &processed.original;
            assert_eq!((original.format, original.width, original.height), (expected, 64, 48), "{format:?}");
            assert_eq!(image::guess_format(&original.bytes).expect("known"), format);
            assert_eq!(decoded(original).width(), 64, "{format:?}");
            assert!(processed.variants.is_empty(), "{format:?}");
        }
    }

    #[test]
    fn formats_have_their_mime_type_and_extension() {
        for (format, mime_type, extension) in [
            (Format::Jpeg, "image/jpeg", "jpg"),
            (Format::Png, "image/png", "png"),
            (Format::Webp, "image/webp", "webp"),
            (Format::Gif, "image/gif", "gif"),
        ] {
            assert_eq!((format.mime_type(), format.extension()), (mime_type, extension));
        }
    }

    #[test]
    fn sniff_knows_the_four_formats_by_their_magic_bytes_only() {
        for (head, expected, why) in [
            (&b"\xFF\xD8\xFF\xE0\0\x10JFIF"[..], Some(Format::Jpeg), "JPEG SOI and a marker"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\x0d", Some(Format::Png), "PNG signature"),
            (b"GIF87a\x10\0", Some(Format::Gif), "GIF 87a"),
            (b"GIF89a\x10\0", Some(Format::Gif), "GIF 89a"),
            (b"RIFF\x24\0\0\0WEBPVP8L", Some(Format::Webp), "RIFF with the WEBP form type"),
            (b"RIFF\x24\0\0\0WAVEfmt ", None, "RIFF of another form type: audio"),
            (b"RIFF\x24\0\0\0WEB", None, "too short to tell"),
            (b"\x89PNG\r\n", None, "a truncated signature"),
            (b"<svg xmlns=\"http://www.w3.org/2000/svg\">", None, "SVG"),
            (b"<!DOCTYPE html><html>", None, "HTML"),
            (b"BM\x36\0\0\0\0\0", None, "BMP, not accepted"),
            (b"%PDF-1.7", None, "PDF"),
            (b"", None, "nothing"),
        ] {
            assert_eq!(sniff(head), expected, "{why}");
        }
    }

    #[test]
    fn the_content_decides_the_type_whatever_the_file_is_called() {
        let png = encoded(&picture(16, 16), ImageFormat::Png);
        let processed = process_upload("photo.jpg", &png).expect("a PNG named .jpg is a PNG");
        assert_eq!(processed.original.format, Format::Png);

        for (name, content, why) in [
            ("page.png", &b"<!DOCTYPE html><html><body>hi</body></html>"[..], "HTML named .png"),
            ("logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"1\"/></svg>", "SVG"),
            ("logo.jpg", b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>", "SVG named .jpg"),
            ("empty.gif", b"", "an empty file"),
            ("sound.webp", b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0", "a WAV named .webp"),
        ] {
            assert!(matches!(process_upload(name, content), Err(Refused::NotAnImage)), "{why}");
        }
    }

    #[test]
    fn a_png_declaring_50000_by_50000_pixels_is_refused_from_its_header() {
        let bomb = png_declaring(50_000, 50_000);
        assert!(bomb.len() < 100);
        // Decoding would need 2.5 GB and then fail on the empty IDAT (Undecodable):
        // TooManyPixels proves the refusal came from the header alone.
        match process_upload("bomb.png", &bomb) {
            Err(Refused::TooManyPixels { width: 50_000, height: 50_000 }) => {}
            other => panic!("expected TooManyPixels, got {other:?}"),
        }
    }

    #[test]
    fn the_limit_is_40_megapixels_inclusive() {
        // 8000 × 5000 is allowed by the header check, then fails on its empty IDAT.
        assert!(matches!(process_upload("at.png", &png_declaring(8_000, 5_000)), Err(Refused::Undecodable(_))));
        assert!(matches!(
            process_upload("over.png", &png_declaring(8_000, 5_001)),
            Err(Refused::TooManyPixels { width: 8_000, height: 5_001 })
        ));
    }

    #[test]
    fn jpeg_gif_and_webp_headers_over_the_limit_are_refused_before_decoding() {
        let small = picture(16, 16);

        let mut jpeg = encoded(&small, ImageFormat::Jpeg);
        let sof = sof0(&jpeg);
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]); // 60000 × 60000

        let mut gif = encoded(&small, ImageFormat::Gif);
        gif[6..10].copy_from_slice(&[0x60, 0xEA, 0x60, 0xEA]); // logical screen 60000 × 60000

        let mut webp = encoded(&small, ImageFormat::WebP);
        assert_eq!(&webp[12..16], b"VP8L", "a simple lossless WebP");
        let bits = u32::from_le_bytes([webp[21], webp[22], webp[23], webp[24]]);
        let huge = (bits & 0xF000_0000) | (0x3FFE << 14) | 0x3FFE; // 16383 × 16383, the format's most
        webp[21..25].copy_from_slice(&huge.to_le_bytes());

        for (name, bytes, width, height) in
            [("big.jpg", jpeg, 60_000, 60_000), ("big.gif", gif, 60_000, 60_000), ("big.webp", webp, 16_383, 16_383)]
        {
            match process_upload(name, &bytes) {
                Err(Refused::TooManyPixels { width: w, height: h }) => assert_eq!((w, h), (width, height), "{name}"),
                other => panic!("{name}: expected TooManyPixels, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_truncated_image_is_undecodable() {
        let png = encoded(&picture(64, 64), ImageFormat::Png);
        let truncated = &png[..png.len() / 2];
        assert!(matches!(process_upload("cut.png", truncated), Err(Refused::Undecodable(_))));
    }

    #[test]
    fn exif_gps_and_icc_are_gone_from_the_original_and_its_variants() {
        let upload = jpeg_with_exif(&picture(800, 400), 1);
        assert!(!is_metadata_free(&upload));
        let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&upload)).expect("valid JPEG");
        assert!(decoder.exif_metadata().expect("readable").is_some(), "the test EXIF is well formed");
        assert!(decoder.icc_profile().expect("readable").is_some(), "the test ICC segment is well formed");

        let processed = process_upload("gps.jpg", &upload).expect("accepted");
        assert_eq!(processed.variants.len(), 2);
        for output in std::iter::once(&processed.original).chain(&processed.variants) {
            assert!(is_metadata_free(&output.bytes), "{} px wide", output.width);
            assert_eq!(sniff(&output.bytes), Some(Format::Jpeg));
        }
    }

    #[test]
    fn png_text_and_exif_chunks_are_dropped() {
        let png = encoded(&picture(32, 32), ImageFormat::Png);
        let tiff = &exif_app1(1)[10..];
        let chunks = [png_chunk(b"tEXt", b"Comment\0secret-location"), png_chunk(b"eXIf", tiff)].concat();
        let upload = [&png[..33], &chunks, &png[33..]].concat();
        let mut decoder = PngDecoder::new(Cursor::new(&upload)).expect("valid PNG");
        assert!(decoder.exif_metadata().expect("readable").is_some(), "the test eXIf is well formed");

        let processed = process_upload("text.png", &upload).expect("accepted");
        assert!(is_metadata_free(&processed.original.bytes));
    }

    #[test]
    fn exif_orientation_6_turns_a_40_by_20_jpeg_upright() {
        let sideways = RgbImage::from_fn(40, 20, |x, _| if x < 20 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
        let processed = process_upload("side.jpg", &jpeg_with_exif(&sideways.into(), 6)).expect("accepted");
        let original = &processed.original;
        assert_eq!((original.width, original.height), (20, 40));
        // Turned 90° clockwise: the left (red) half is now on top.
        let upright = decoded(original).to_rgb8();
        assert_eq!((upright.width(), upright.height()), (20, 40));
        let Rgb([r, _, b]) = *upright.get_pixel(10, 5);
        assert!(r > 200 && b < 60, "top is red, got {r}/{b}");
        let Rgb([r, _, b]) = *upright.get_pixel(10, 35);
        assert!(b > 200 && r < 60, "bottom is blue, got {r}/{b}");
    }

    #[test]
    fn variants_follow_the_upright_width() {
        // 800 × 400 lying on its side is 400 × 800 upright: one variant, 320 × 640.
        let processed = process_upload("tall.jpg", &jpeg_with_exif(&picture(800, 400), 6)).expect("accepted");
        let sizes: Vec<_> = processed.variants.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(320, 640)]);
    }

    #[test]
    fn variants_are_the_listed_widths_narrower_than_the_image_never_upscaled() {
        for (width, height, expected, why) in [
            (2000, 1000, &[(320, 160), (640, 320), (1024, 512), (1600, 800)][..], "wider than every width"),
            (500, 250, &[(320, 160)], "only 320 is narrower"),
            (200, 100, &[], "narrower than every width"),
            (320, 200, &[], "as wide as the narrowest: the original serves"),
        ] {
            let processed =
                process_upload("wide.jpg", &encoded(&picture(width, height), ImageFormat::Jpeg)).expect("accepted");
            let sizes: Vec<_> = processed.variants.iter().map(|v| (v.width, v.height)).collect();
            assert_eq!(sizes, expected, "{why}");
            for variant in &processed.variants {
                assert_eq!(variant.format, Format::Jpeg);
                let image = decoded(variant);
                assert_eq!((image.width(), image.height()), (variant.width, variant.height), "{why}");
            }
        }
    }

    #[test]
    fn variant_heights_keep_the_aspect_ratio_rounded_and_never_zero() {
        for (width, height, expected) in [
            (3000, 2001, vec![(320, 213), (640, 427), (1024, 683), (1600, 1067)]),
            (4000, 3, vec![(320, 1), (640, 1), (1024, 1), (1600, 1)]),
            (1024, 1024, vec![(320, 320), (640, 640)]),
        ] {
            assert_eq!(variant_sizes(width, height).collect::<Vec<_>>(), expected, "{width} × {height}");
        }
    }

    #[test]
    fn gif_and_its_variants_keep_the_first_frame_only() {
        let red = RgbaImage::from_pixel(400, 200, Rgba([255, 0, 0, 255]));
        let blue = RgbaImage::from_pixel(400, 200, Rgba([0, 0, 255, 255]));
        let mut animated = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut animated);
            let frames = [red, blue].map(|frame| Frame::from_parts(frame, 0, 0, Delay::from_numer_denom_ms(100, 1)));
            encoder.encode_frames(frames).expect("encode the animation");
        }

        let processed = process_upload("anim.gif", &animated).expect("accepted");
        assert_eq!(processed.variants.len(), 1);
        for output in std::iter::once(&processed.original).chain(&processed.variants) {
            let frames = GifDecoder::new(Cursor::new(&output.bytes)).expect("a GIF").into_frames();
            let frames = frames.collect_frames().expect("frames decode");
            assert_eq!(frames.len(), 1, "{} px wide", output.width);
            assert_eq!(*frames[0].buffer().get_pixel(5, 5), Rgba([255, 0, 0, 255]));
        }
    }

    #[test]
    fn transparency_survives_in_png_and_webp() {
        let half_clear = RgbaImage::from_fn(400, 100, |x, _| Rgba([0, 128, 0, if x < 200 { 0 } else { 255 }]));
        for format in [ImageFormat::Png, ImageFormat::WebP] {
            let processed = process_upload("alpha", &encoded(&half_clear.clone().into(), format)).expect("accepted");
            for output in std::iter::once(&processed.original).chain(&processed.variants) {
                let image = decoded(output).to_rgba8();
                assert_eq!(image.get_pixel(2, 2)[3], 0, "{format:?} {} px", output.width);
                assert_eq!(image.get_pixel(image.width() - 3, 2)[3], 255, "{format:?} {} px", output.width);
            }
        }
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        assert_eq!(Refused::NotAnImage.to_string(), "the file is not a JPEG, PNG, WebP or GIF image");
        assert_eq!(
            Refused::TooManyPixels { width: 50_000, height: 50_000 }.to_string(),
            "the image is 50000 × 50000 pixels; at most 40 megapixels are accepted"
        );
        assert_eq!(Refused::Undecodable("bad".into()).to_string(), "the image could not be decoded: bad");
    }
}
