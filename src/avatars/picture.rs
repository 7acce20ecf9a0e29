//! An uploaded picture made into a member's avatar: decoded within limits
//! (a decompression bomb is refused from its header, before any pixel is
//! allocated), turned upright, cropped to a centred square, and re-encoded as
//! PNG at two sizes, which leaves every byte of metadata behind. Decoding
//! is slow and memory-hungry, so it runs on the blocking pool, a couple at
//! a time (`Decoders`).

use std::io::Cursor;
use std::sync::Arc;

use blake2::{Blake2s256, Digest};
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};
use crate::i18n::{Msg, Text};
use crate::views::avatar::AvatarSize;

/// The largest file taken: a phone photo fits.
pub const MAX_BYTES: usize = 2 << 20;
/// The widest or tallest picture decoded (a 24-megapixel photo is 6000 wide).
const MAX_SIDE: u32 = 8192;
/// The most one decoding may allocate: a 24-megapixel RGB photo takes 72 MB.
const MAX_ALLOC: u64 = 96 << 20;
/// `MAX_ALLOC` as the refusal says it: megapixels of an RGB photo, about.
const ABOUT_MEGAPIXELS: i64 = 24;

/// Why a file is refused; each is a 422 with its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not PNG, JPEG, WebP or GIF.
    NotAnImage,
    /// One of those, but damaged or cut short.
    Unreadable,
    /// Over `MAX_SIDE` or `MAX_ALLOC`.
    TooManyPixels,
}

impl Refusal {
    /// What the upload form says, in the page's language.
    pub fn message(self) -> Text {
        match self {
            Refusal::NotAnImage => Msg("avatar-not-a-picture").into(),
            Refusal::Unreadable => Msg("avatar-damaged").into(),
            Refusal::TooManyPixels => Text::new(Msg("avatar-too-many-pixels"))
                .num("side", i64::from(MAX_SIDE))
                .num("megapixels", ABOUT_MEGAPIXELS),
        }
    }
}

/// A picture ready to store: PNGs at both sizes, named by `hash`.
#[derive(Clone, Debug)]
pub struct Processed {
    /// Hex of the first 16 bytes of BLAKE2s-256 of `large`.
    pub hash: String,
    pub large: Vec<u8>,
    pub small: Vec<u8>,
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn refusal(e: ImageError) -> Refusal {
    match e {
        ImageError::Limits(_) => Refusal::TooManyPixels,
        ImageError::Unsupported(_) => Refusal::NotAnImage,
        _ => Refusal::Unreadable,
    }
}

/// Makes `bytes` into an avatar, or says why not. Blocking and CPU-bound:
/// run it through `Decoders`.
pub fn process(bytes: &[u8]) -> Result<Processed, Refusal> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Refusal::NotAnImage)?;
    // Only what the form offers; the format comes from the content, never
    // from the name or type the browser sent.
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif) => {}
        _ => return Err(Refusal::NotAnImage),
    }
    reader.limits(limits());
    // The decoder checks the declared size against the limits as it is
    // made, before it allocates; a GIF gives its first frame.
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let orientation = decoder.orientation().ok();
    let image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    let large_px = AvatarSize::Large.px();
    let small_px = AvatarSize::Small.px();
    let mut large = image.resize_to_fill(large_px, large_px, FilterType::CatmullRom);
    drop(image);
    // Turned upright once small: the centre square of a turned picture is
    // the centre square turned, and no full-size copy is made.
    if let Some(o) = orientation {
        large.apply_orientation(o);
    }
    let small = large.resize_exact(small_px, small_px, FilterType::CatmullRom);
    let large = png(large)?;
    let small = png(small)?;
    let digest = Blake2s256::digest(&large);
    let hash = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(Processed { hash, large, small })
}

fn png(image: DynamicImage) -> Result<Vec<u8>, Refusal> {
    let rgba = DynamicImage::ImageRgba8(image.into_rgba8());
    let mut out = Cursor::new(Vec::new());
    rgba.write_to(&mut out, ImageFormat::Png)
        .map_err(|_| Refusal::Unreadable)?;
    Ok(out.into_inner())
}

/// Whether `hash` has the form `process` gives, so a request cannot make
/// the server look up anything else.
pub fn is_hash(hash: &str) -> bool {
    hash.len() == 32
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The decoding slots: at most `running` pictures decoded at once, and at
/// most `waiting` more queued; past that, `Busy` at once rather than a
/// queue without bound.
#[derive(Clone)]
pub struct Decoders {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

impl Default for Decoders {
    fn default() -> Self {
        Self::new(2, 4)
    }
}

impl Decoders {
    pub fn new(running: usize, waiting: usize) -> Self {
        Self {
            running: Arc::new(Semaphore::new(running.max(1))),
            admitted: Arc::new(Semaphore::new(running.max(1) + waiting)),
        }
    }

    /// Runs `f` on the blocking pool in its turn; `Busy` when too many wait.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::Busy)?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::Internal("the decoders are closed".into()))?;
        // The permits go with the work: a request that goes away does not
        // free a slot its decoding still holds.
        Ok(tokio::task::spawn_blocking(move || {
            let _held = (admitted, running);
            f()
        })
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat, w: u32, h: u32) -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn makes_two_square_pngs_named_by_their_content() {
        let p = process(&encoded(ImageFormat::Png, 90, 40)).unwrap();
        assert!(is_hash(&p.hash), "{}", p.hash);
        for (bytes, px) in [(&p.large, 160), (&p.small, 48)] {
            let img = image::load_from_memory_with_format(bytes, ImageFormat::Png).unwrap();
            assert_eq!((img.width(), img.height()), (px, px));
        }
        let again = process(&encoded(ImageFormat::Png, 90, 40)).unwrap();
        assert_eq!(again.hash, p.hash, "the same picture, the same name");
        assert!(process(&encoded(ImageFormat::Jpeg, 30, 60)).is_ok());
    }

    #[test]
    fn turns_a_picture_upright_by_its_exif_orientation() {
        use image::ImageEncoder;
        use image::codecs::png::PngEncoder;
        // Left half red, right half blue, stored "turned": orientation 6
        // says to turn it a quarter clockwise, which puts red on top.
        let img = image::RgbImage::from_fn(100, 100, |x, _| {
            if x < 50 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let mut png = Vec::new();
        let mut enc = PngEncoder::new(&mut png);
        let mut exif = b"II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        exif.extend_from_slice(&[6, 0, 0, 0, 0, 0, 0, 0]);
        enc.set_exif_metadata(exif).unwrap();
        enc.write_image(img.as_raw(), 100, 100, image::ExtendedColorType::Rgb8)
            .unwrap();
        let p = process(&png).unwrap();
        let large = image::load_from_memory(&p.large).unwrap().to_rgb8();
        assert_eq!(large.get_pixel(80, 10).0, [255, 0, 0], "red on top");
        assert_eq!(large.get_pixel(80, 150).0, [0, 0, 255], "blue below");
    }

    #[test]
    fn refuses_what_is_not_a_picture() {
        assert_eq!(process(b"hello").unwrap_err(), Refusal::NotAnImage);
        assert_eq!(process(b"").unwrap_err(), Refusal::NotAnImage);
        let mut cut = encoded(ImageFormat::Png, 50, 50);
        cut.truncate(cut.len() / 2);
        assert_eq!(process(&cut).unwrap_err(), Refusal::Unreadable);
    }
}
