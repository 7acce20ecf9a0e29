//! A member's profile page.

use maud::{Markup, html};

use super::queries::{Authored, Profile};
use crate::auth::User;
use crate::i18n::Lang;
use crate::paths;
use crate::views::avatar::{AvatarSize, avatar};
use crate::views::components::{Paging, pager, time};
use crate::views::layout::{Shell, page};
use crate::views::text::{Bdi, Line};

/// How much of each message the list shows.
const EXCERPT_CHARS: usize = 200;

fn excerpt(body: &str) -> String {
    let mut out: String = body.chars().take(EXCERPT_CHARS).collect();
    if out.len() < body.len() {
        out.push('…');
    }
    out
}

fn authored(l: Lang, m: &Authored) -> Markup {
    html! {
        li.authored id={ "authored-" (m.id) } {
            p.where {
                a href=(paths::message(m.id)) { (Bdi(&m.topic_title)) }
                ", " (time(l, m.created_at))
            }
            p.excerpt dir="auto" { (Line(&excerpt(&m.body))) }
        }
    }
}

pub fn profile_page(
    l: Lang,
    viewer: Option<&User>,
    p: &Profile,
    messages: &[Authored],
    paging: Paging,
) -> Markup {
    page(
        Shell {
            lang: l,
            title: &p.username,
            user: viewer,
            crumbs: vec![(p.username.clone(), None)],
            live_view: None,
        },
        html! {
            section.card.profile #profile {
                (avatar(&p.username, p.avatar.as_deref(), AvatarSize::Large))
                div {
                    h1 { (Bdi(&p.username)) }
                    dl.facts {
                        dt { (l.t("profile-joined")) } dd { (time(l, p.created_at)) }
                        dt { (l.t("profile-messages")) } dd { (p.message_count) }
                        dt { (l.t("profile-last-seen")) }
                        dd {
                            @match p.last_seen_at {
                                Some(at) => { (time(l, at)) }
                                None => span.muted { (l.t("profile-not-recently")) },
                            }
                        }
                    }
                }
            }
            h2 { (l.t("profile-recent")) }
            ol #profile-messages.list {
                @for m in messages { (authored(l, m)) }
                @if messages.is_empty() { li.empty { (l.t("profile-no-messages")) } }
            }
            (pager(l, paging, None, |n| paths::user_page(&p.username, n)))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_cut_long_bodies_on_a_character() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(300);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
    }
}
