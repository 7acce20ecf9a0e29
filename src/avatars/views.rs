//! The account page's picture section: the current picture, the upload
//! form and "Remove".

use maud::{Markup, html};

use crate::auth::User;
use crate::i18n::{Lang, Msg, Text};
use crate::paths;
use crate::views::avatar::{AvatarSize, avatar};

/// What the section says besides the form.
#[derive(Default)]
pub struct AvatarForm {
    pub error: Option<Text>,
    /// After a change: "Your picture was changed." / "... removed."
    pub done: Option<Msg>,
}

pub const AVATAR_SECTION_ID: &str = "avatar";
/// The types the file input offers (the server reads the content, whatever
/// the browser says it is).
const ACCEPT: &str = "image/png,image/jpeg,image/webp,image/gif";

pub fn avatar_section(l: Lang, user: &User, form: &AvatarForm) -> Markup {
    let err_id = "f-avatar-file-error";
    html! {
        section #(AVATAR_SECTION_ID).card.stack {
            h2 { (l.t("avatar-title")) }
            @if let Some(done) = form.done { p.notice.success role="status" { (done.in_(l)) } }
            div.avatar-current {
                (avatar(&user.username, user.avatar.as_deref(), AvatarSize::Large))
                p.muted {
                    @if user.avatar.is_some() { (l.t("avatar-yours")) }
                    @else { (l.t("avatar-none")) }
                }
            }
            form.stack action=(paths::ACCOUNT_AVATAR) method="post" enctype="multipart/form-data" {
                div.field.invalid[form.error.is_some()] {
                    label for="f-avatar-file" { (l.t("avatar-new")) }
                    input id="f-avatar-file" type="file" name="avatar" accept=(ACCEPT) required
                        aria-invalid=[form.error.as_ref().map(|_| "true")]
                        aria-describedby=[form.error.as_ref().map(|_| err_id)];
                    @if let Some(e) = &form.error { p.error id=(err_id) role="alert" { (e.in_(l)) } }
                }
                button.primary type="submit" { (l.t("avatar-upload")) }
            }
            @if user.avatar.is_some() {
                form.inline action=(paths::ACCOUNT_AVATAR_REMOVE) method="post" {
                    button type="submit" { (l.t("avatar-remove")) }
                }
            }
        }
    }
}
