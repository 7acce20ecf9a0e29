//! Avatars through the real server: uploads in each format, the stored and
//! served sizes and headers, every refusal (not a picture, too big, too many
//! pixels) with nothing stored, removal, the drawn default, and the picture
//! beside messages, in topic rows and in the header.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};

use crate::common::*;

/// A `w`x`h` picture of one colour, encoded as `format`.
pub fn picture(format: ImageFormat, w: u32, h: u32, colour: [u8; 3]) -> Vec<u8> {
    let [r, g, b] = colour;
    let img = RgbaImage::from_pixel(w, h, Rgba([r, g, b, 255]));
    let img = if format == ImageFormat::Jpeg {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(img).to_rgb8())
    } else {
        DynamicImage::ImageRgba8(img)
    };
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A `w`x`h` diagonal gradient from `from` to `to`, as PNG (for screenshots).
pub fn gradient(w: u32, h: u32, from: [u8; 3], to: [u8; 3]) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, y| {
        let t = (x + y) as f32 / (w + h) as f32;
        let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t) as u8;
        Rgba([
            mix(from[0], to[0]),
            mix(from[1], to[1]),
            mix(from[2], to[2]),
            255,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(img)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// An animated GIF: a red frame, then a blue one.
fn animated_gif() -> Vec<u8> {
    use image::codecs::gif::{GifEncoder, Repeat};
    use image::{Delay, Frame};
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut out);
        enc.set_repeat(Repeat::Infinite).unwrap();
        for colour in [[220, 20, 20, 255], [20, 20, 220, 255]] {
            let frame = Frame::from_parts(
                RgbaImage::from_pixel(40, 30, Rgba(colour)),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            );
            enc.encode_frame(frame).unwrap();
        }
    }
    out
}

/// CRC-32 (PNG's), for a hand-made chunk.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A 60-byte PNG that declares 100,000 x 100,000 pixels (40 GB decoded).
fn bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

pub async fn upload(app: &App, c: &Client, bytes: Vec<u8>, file: &str) -> (StatusCode, String) {
    let part = Part::bytes(bytes).file_name(file.to_string());
    let r = c
        .post(app.url("/account/avatar"))
        .multipart(Form::new().part("avatar", part))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let to = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, to.unwrap_or_default() + &r.text().await.unwrap())
}

/// The hash in the first `/avatars/{hash}-{px}.png` of `html`.
pub fn avatar_hash(html: &str, px: u32) -> Option<String> {
    let suffix = format!("-{px}.png");
    html.match_indices("/avatars/").find_map(|(i, m)| {
        let rest = &html[i + m.len()..];
        let hash: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        (hash.len() == 32 && rest[hash.len()..].starts_with(&suffix)).then_some(hash)
    })
}

/// Sends only the head of a multipart POST announcing `length` bytes, and
/// reads the answer.
async fn head_only(app: &App, path: &str, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary=x\r\n\
         Content-Length: {length}\r\n\r\n",
        app.addr
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        s.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn stored(app: &App) -> i64 {
    with_db(&app.db_path, |c| {
        c.query_row("SELECT count(*) FROM avatars", (), |r| r.get(0))
    })
}

async fn served(app: &App, path: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let r = app.get(&app.client(), path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    let headers = r.headers().clone();
    (headers, r.bytes().await.unwrap().to_vec())
}

fn assert_forever(h: &reqwest::header::HeaderMap, content_type: &str, path: &str) {
    assert_eq!(h["content-type"], content_type, "{path}");
    assert_eq!(
        h["cache-control"], "public, max-age=31536000, immutable",
        "{path}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_format_is_stored_at_two_sizes_and_served_for_good() {
    let app = App::start().await;
    let alice = app.member("alice").await;
    let mut hashes = Vec::new();
    for (format, file) in [
        (ImageFormat::Png, "a.png"),
        (ImageFormat::Jpeg, "a.jpg"),
        (ImageFormat::WebP, "a.webp"),
        (ImageFormat::Gif, "a.gif"),
    ] {
        let colour = [hashes.len() as u8 * 60, 120, 30];
        let (status, to) = upload(&app, &alice, picture(format, 120, 80, colour), file).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{file}: {to}");
        assert_eq!(to, "/account?avatar=changed#avatar");
        let (_, account) = app.get_text(&alice, "/account?avatar=changed").await;
        assert!(account.contains("Your picture was changed."), "{file}");
        let hash = avatar_hash(&account, 160).unwrap_or_else(|| panic!("{file}: {account}"));
        for px in [160, 48] {
            let path = format!("/avatars/{hash}-{px}.png");
            let (h, bytes) = served(&app, &path).await;
            assert_forever(&h, "image/png", &path);
            let img = image::load_from_memory_with_format(&bytes, ImageFormat::Png).unwrap();
            assert_eq!((img.width(), img.height()), (px, px), "{path}");
        }
        hashes.push(hash);
    }
    hashes.dedup();
    assert_eq!(hashes.len(), 4, "four pictures, four addresses");
    // Each replaced the one before, which nobody else uses: one row left.
    assert_eq!(stored(&app), 1);
    for path in [
        "/avatars/0123-160.png".to_string(),
        format!("/avatars/{}-64.png", hashes[3]),
        format!("/avatars/{}-160.png", "f".repeat(32)),
        format!("/avatars/{}-160.jpg", hashes[3]),
    ] {
        app.assert_get("visitor", &app.client(), &path, StatusCode::NOT_FOUND)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_animated_gif_gives_its_first_frame() {
    let app = App::start().await;
    let alice = app.member("alice").await;
    let (status, to) = upload(&app, &alice, animated_gif(), "moving.gif").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, account) = app.get_text(&alice, "/account").await;
    let hash = avatar_hash(&account, 160).expect("a picture");
    let (_, bytes) = served(&app, &format!("/avatars/{hash}-160.png")).await;
    let img = image::load_from_memory(&bytes).unwrap().to_rgba8();
    let Rgba([r, _, b, _]) = *img.get_pixel(80, 80);
    assert!(r > 150 && b < 100, "the red first frame, got {r} {b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_say_why_and_store_nothing() {
    let app = App::start().await;
    let alice = app.member("alice").await;
    let cases: [(Vec<u8>, &str, StatusCode, &str); 4] = [
        (
            b"just some text, not a picture".to_vec(),
            "notes.png",
            StatusCode::UNPROCESSABLE_ENTITY,
            "This file is not a picture",
        ),
        (
            bomb(),
            "bomb.png",
            StatusCode::UNPROCESSABLE_ENTITY,
            "This picture has too many pixels",
        ),
        (
            {
                let mut p = picture(ImageFormat::Png, 64, 64, [1, 2, 3]);
                p.truncate(p.len() - 30);
                p
            },
            "cut.png",
            StatusCode::UNPROCESSABLE_ENTITY,
            "could not be read",
        ),
        (
            vec![7u8; 2 * 1024 * 1024 + 1],
            "big.png",
            StatusCode::UNPROCESSABLE_ENTITY,
            "This file is over 2 MB",
        ),
    ];
    for (bytes, file, status, says) in cases {
        let (got, page) = upload(&app, &alice, bytes, file).await;
        assert_eq!(got, status, "{file}");
        assert!(page.contains(says), "{file} says {says:?}: {page}");
        assert!(
            page.contains("id=\"avatar\""),
            "{file}: the account page again"
        );
    }
    // Past the upload's own body limit: refused from its announced length,
    // before a byte of it is read (so only the head is sent here).
    let answer = head_only(&app, "/account/avatar", 3 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("larger than 2 MB"), "{answer}");
    // No file at all.
    let r = alice
        .post(app.url("/account/avatar"))
        .multipart(Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Choose a picture"));
    assert_eq!(stored(&app), 0, "nothing stored");
    let (_, account) = app.get_text(&alice, "/account").await;
    assert_eq!(avatar_hash(&account, 160), None);
    // Other routes keep their 64 KiB limit.
    let r = alice
        .post(app.url("/account/password"))
        .body(vec![b'a'; 100 * 1024])
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Visitors may not upload.
    let visitor = app.client();
    let (got, _) = upload(
        &app,
        &visitor,
        picture(ImageFormat::Png, 8, 8, [0, 0, 0]),
        "v.png",
    )
    .await;
    assert_eq!(got, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_rate_limited_per_account() {
    let app =
        App::start_configured(|c| c.limits.avatar = causerie::limits::Rate::new(2, 3600)).await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    for i in 0..2u8 {
        let (s, _) = upload(
            &app,
            &alice,
            picture(ImageFormat::Png, 9, 9, [i, 0, 0]),
            "a.png",
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
    let (s, page) = upload(
        &app,
        &alice,
        picture(ImageFormat::Png, 9, 9, [9, 0, 0]),
        "a.png",
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("please wait"), "{page}");
    let (s, _) = upload(
        &app,
        &bob,
        picture(ImageFormat::Png, 9, 9, [9, 0, 0]),
        "b.png",
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "another account has its own rate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picture_shows_everywhere_and_goes_when_removed() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice = app.member("alice").await;
    let topic = app.create_topic(&alice, forum, "Hello", "First").await;
    let topic_path = format!("/topics/{topic}");
    let forum_path = format!("/forums/{forum}");
    // Cached for each kind of viewer before the upload.
    let visitor = app.client();
    for c in [&alice, &visitor] {
        for path in [&topic_path, &forum_path] {
            let (_, html) = app.get_text(c, path).await;
            assert!(
                html.contains("/avatars/default/alice.svg"),
                "{path}: {html}"
            );
        }
    }

    let (status, _) = upload(
        &app,
        &alice,
        picture(ImageFormat::Png, 50, 50, [10, 200, 10]),
        "me.png",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, account) = app.get_text(&alice, "/account").await;
    let hash = avatar_hash(&account, 160).expect("a picture");
    let small = format!("/avatars/{hash}-48.png");

    let (_, page) = app.get_text(&visitor, &topic_path).await;
    let first = ids(&page, "message-")[0];
    assert!(
        element(&page, &format!("message-{first}")).contains(&small),
        "beside the message"
    );
    let (_, page) = app.get_text(&visitor, &forum_path).await;
    assert!(
        element(&page, &format!("topic-{topic}")).contains(&small),
        "in the topic row"
    );
    let (_, page) = app.get_text(&alice, &topic_path).await;
    let header = &page[..page.find("</header>").unwrap()];
    assert!(header.contains(&small), "in the header: {header}");
    assert!(header.contains("href=\"/users/alice\""), "{header}");
    // Someone else's header keeps their own picture.
    let bob = app.member("bob").await;
    let (_, page) = app.get_text(&bob, &topic_path).await;
    let header = &page[..page.find("</header>").unwrap()];
    assert!(
        header.contains("/avatars/default/bob.svg") && !header.contains(&small),
        "{header}"
    );
    // A reply shows it too, in the htmx answer as on the page.
    let r = app
        .post_hx(
            &alice,
            &format!("/topics/{topic}/messages"),
            &[("body", "again")],
            &topic_path,
        )
        .await;
    assert!(r.text().await.unwrap().contains(&small));

    let r = app.post(&alice, "/account/avatar/remove", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account?avatar=removed#avatar");
    assert_eq!(stored(&app), 0, "the picture nobody uses is deleted");
    for (c, path) in [
        (&visitor, &topic_path),
        (&visitor, &forum_path),
        (&alice, &topic_path),
    ] {
        let (_, html) = app.get_text(c, path).await;
        assert!(!html.contains(&small), "{path} after removal");
        assert!(html.contains("/avatars/default/alice.svg"), "{path}");
    }
    app.assert_get("visitor", &visitor, &small, StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_picture_shared_by_two_members_is_stored_once() {
    let app = App::start().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let same = picture(ImageFormat::Png, 30, 30, [5, 6, 7]);
    for c in [&alice, &bob] {
        let (s, _) = upload(&app, c, same.clone(), "same.png").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
    assert_eq!(stored(&app), 1);
    let r = app.post(&alice, "/account/avatar/remove", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(&app), 1, "bob still uses it");
    let (_, account) = app.get_text(&bob, "/account").await;
    let hash = avatar_hash(&account, 160).expect("bob's picture");
    served(&app, &format!("/avatars/{hash}-48.png")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_is_drawn_from_the_name_and_escaped() {
    let app = App::start().await;
    let path = "/avatars/default/alice.svg";
    let (h, first) = served(&app, path).await;
    assert_forever(&h, "image/svg+xml", path);
    let (_, again) = served(&app, path).await;
    assert_eq!(first, again, "deterministic");
    let svg = String::from_utf8(first).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains(">AL</text>"),
        "{svg}"
    );
    let (_, other) = served(&app, "/avatars/default/bob.svg").await;
    assert_ne!(String::from_utf8(other).unwrap(), svg);

    let hostile =
        "/avatars/default/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E%3Csvg%20onload%3D%22x.svg";
    let (_, bytes) = served(&app, hostile).await;
    let svg = String::from_utf8(bytes).unwrap();
    assert!(
        !svg.contains("<script") && !svg.contains("<svg onload"),
        "{svg}"
    );
    assert!(svg.contains("&lt;script&gt;"), "{svg}");
    let long = format!("/avatars/default/{}.svg", "a".repeat(100));
    app.assert_get("visitor", &app.client(), &long, StatusCode::NOT_FOUND)
        .await;
    app.assert_get(
        "visitor",
        &app.client(),
        "/avatars/default/alice.png",
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_picture_reaches_the_catch_up_of_sockets_opened_after_it() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice = app.member("alice").await;
    let topic = app.create_topic(&alice, forum, "Hello", "First").await;
    let view = format!("/topics/{topic}");
    let catch_up = |app: &App| {
        let view = view.clone();
        let addr = app.addr;
        async move {
            let mut ws = connect_at(addr, &view).await;
            crate::live_bounds::next_text(&mut ws, &view).await
        }
    };
    let before = catch_up(&app).await;
    assert!(before.contains("/avatars/default/alice.svg"), "{before}");
    assert_eq!(app.hub.catch_up_cache_len(), 1, "cached");

    let (status, _) = upload(
        &app,
        &alice,
        picture(ImageFormat::Png, 20, 20, [9, 9, 9]),
        "a.png",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let after = catch_up(&app).await;
    let (_, account) = app.get_text(&alice, "/account").await;
    let hash = avatar_hash(&account, 48).expect("a picture");
    assert!(
        after.contains(&format!("/avatars/{hash}-48.png")),
        "{after}"
    );
}

/// A page already open shows a member's new picture, and then the default
/// again when it is removed, without a reload: every picture of theirs, at
/// each size, and no one else's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_pages_show_a_new_picture_live() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice = app.member("alice").await;
    let topic = app.create_topic(&alice, forum, "Hello", "First").await;
    let view = format!("/topics/{topic}");
    let mut ws = connect_at(app.addr, &view).await;
    crate::live_bounds::next_text(&mut ws, &view).await;

    let (status, _) = upload(
        &app,
        &alice,
        picture(ImageFormat::Png, 20, 20, [200, 10, 10]),
        "a.png",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, account) = app.get_text(&alice, "/account").await;
    let hash = avatar_hash(&account, 48).expect("a picture");
    let frame = crate::live_bounds::next_text(&mut ws, "the new picture").await;
    for px in [48, 160] {
        let target =
            format!("data-hx-swap-oob=\"outerHTML:img[data-avatar=&quot;alice-{px}&quot;]\"");
        let img = frame
            .split('<')
            .find(|tag| tag.contains(&target))
            .unwrap_or_else(|| panic!("no {px} px picture in {frame}"));
        assert!(img.contains(&format!("/avatars/{hash}-{px}.png")), "{img}");
        assert!(
            img.contains(&format!("data-avatar=\"alice-{px}\"")),
            "{img}"
        );
    }
    // What the page shows matches what the frame targets.
    let (_, page) = app.get_text(&app.client(), &view).await;
    assert!(page.contains("data-avatar=\"alice-48\""), "{page}");
    assert!(page.contains(&format!("/avatars/{hash}-48.png")), "{page}");

    let r = app.post(&alice, "/account/avatar/remove", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let frame = crate::live_bounds::next_text(&mut ws, "the default again").await;
    assert!(frame.contains("/avatars/default/alice.svg"), "{frame}");
    assert!(!frame.contains("admin"), "{frame}");
}
