//! A member's picture and name as every list shows them: the uploaded
//! picture (by its content hash) or the one drawn from the name, and the
//! name linking to the profile. Both depend only on the row, never on the
//! viewer, so cached pages and live fragments stay the same for everyone.

use maud::{Markup, html};

use crate::paths;
use crate::views::text::Bdi;

/// The two sizes pictures are kept at, in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AvatarSize {
    /// Profiles (160 px).
    Large,
    /// Beside messages, in rows and in the header (48 px, shown smaller).
    Small,
}

impl AvatarSize {
    pub const fn px(self) -> u32 {
        match self {
            AvatarSize::Large => 160,
            AvatarSize::Small => 48,
        }
    }
}

/// The picture of `name`, whose upload is `hash` (`None`: the default).
/// Decorative (`alt=""`): the name is always beside it.
pub fn avatar(name: &str, hash: Option<&str>, size: AvatarSize) -> Markup {
    picture(name, hash, size, None)
}

/// `avatar`, with `oob` as its `hx-swap-oob`.
fn picture(name: &str, hash: Option<&str>, size: AvatarSize, oob: Option<String>) -> Markup {
    let src = match hash {
        Some(h) => paths::avatar_image(h, size.px()),
        None => paths::avatar_default(name),
    };
    let class = match size {
        AvatarSize::Large => "avatar large",
        AvatarSize::Small => "avatar",
    };
    html! {
        img class=(class) src=(src) alt="" width=(size.px()) height=(size.px()) loading="lazy" decoding="async"
            data-avatar=(avatar_key(name, size)) data-hx-swap-oob=[oob];
    }
}

/// What marks every picture of `name` at `size` on a page, for
/// `avatar_update` to find them (names are letters, digits, `_`, `.`, `-`).
fn avatar_key(name: &str, size: AvatarSize) -> String {
    format!("{name}-{}", size.px())
}

/// The frame that shows `name`'s new picture (`hash`; `None`: the default)
/// in place of every one of theirs on an open page, at both sizes.
pub fn avatar_update(name: &str, hash: Option<&str>) -> Markup {
    html! {
        @for size in [AvatarSize::Small, AvatarSize::Large] {
            (picture(name, hash, size,
                Some(format!("outerHTML:img[data-avatar=\"{}\"]", avatar_key(name, size)))))
        }
    }
}

/// A member's name, linking to their profile.
pub fn author_link(name: &str) -> Markup {
    html! { a href=(paths::user(name)) { (Bdi(name)) } }
}
