//! Login, registration and account pages.

use maud::{Markup, html};

use super::User;
use super::standing::RegistrationMode;
use crate::avatars::views::{AvatarForm, avatar_section};
use crate::i18n::{Args, Lang, Msg, Text};
use crate::paths;
use crate::validate::{self, FieldErrors};
use crate::views::components::{FieldAttrs, field, form_error};
use crate::views::layout::{Shell, page};
use crate::views::text::Bdi;

/// What the login form shows again after a failed attempt.
#[derive(Default)]
pub struct LoginForm {
    pub username: String,
    pub error: Option<Text>,
}

pub fn login_form(l: Lang, form: &LoginForm, next: &str) -> Markup {
    html! {
        form #login-form.card.stack action=(paths::LOGIN) method="post"
            data-hx-post=(paths::LOGIN) data-hx-swap="outerHTML" {
            h1 { (l.t("login-title")) }
            (form_error(l, form.error.as_ref()))
            input type="hidden" name="next" value=(next);
            (field(l, &l.t("field-username"), "username", "text", &form.username, None,
                FieldAttrs::new("login").max(validate::USERNAME_MAX as u32).auto("username")))
            (field(l, &l.t("field-password"), "password", "password", "", None,
                FieldAttrs::new("login").max(validate::PASSWORD_MAX as u32).auto("current-password")))
            button.primary type="submit" { (l.t("login-button")) }
            p.muted { (l.t("login-no-account")) " " a href=(paths::REGISTER) { (l.t("nav-register")) } }
        }
    }
}

pub fn login_page(l: Lang, form: &LoginForm, notice: Option<Msg>, next: &str) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("login-title"),
            user: None,
            crumbs: vec![(l.t("login-title").into_owned(), None)],
            live_view: None,
        },
        html! {
            @if let Some(n) = notice { p.notice { (n.in_(l)) } }
            (login_form(l, form, next))
        },
    )
}

/// What a 401 shows: the login form, saying why.
pub fn login_required_page(l: Lang, next: &str) -> Markup {
    login_page(l, &LoginForm::default(), Some(super::LOGIN_REQUIRED), next)
}

#[derive(Default)]
pub struct RegisterForm {
    pub username: String,
    pub errors: FieldErrors,
}

pub fn register_form(l: Lang, form: &RegisterForm) -> Markup {
    let e = &form.errors;
    html! {
        form #register-form.card.stack action=(paths::REGISTER) method="post"
            data-hx-post=(paths::REGISTER) data-hx-swap="outerHTML" {
            h1 { (l.t("register-title")) }
            (field(l, &l.t("field-username"), "username", "text", &form.username, e.get("username"),
                FieldAttrs::new("register").min(validate::USERNAME_MIN as u32)
                    .max(validate::USERNAME_MAX as u32).auto("username")))
            p.hint { (l.t("register-username-hint")) }
            (field(l, &l.t("field-password"), "password", "password", "", e.get("password"),
                FieldAttrs::new("register").min(validate::PASSWORD_MIN as u32)
                    .max(validate::PASSWORD_MAX as u32).auto("new-password")))
            (field(l, &l.t("field-password-confirm"), "password_confirm", "password", "", e.get("password_confirm"),
                FieldAttrs::new("register").auto("new-password")))
            button.primary type="submit" { (l.t("register-button")) }
            p.muted { (l.t("register-already")) " " a href=(paths::LOGIN) { (l.t("nav-log-in")) } }
        }
    }
}

pub const REGISTRATION_CLOSED: Msg = Msg("register-closed");

/// The registration page: the form, or (registration closed) why not.
pub fn register_page(l: Lang, form: &RegisterForm, mode: RegistrationMode) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("register-title"),
            user: None,
            crumbs: vec![(l.t("register-title").into_owned(), None)],
            live_view: None,
        },
        html! {
            @match mode {
                RegistrationMode::Closed => {
                    section #registration-closed.card.stack {
                        h1 { (l.t("register-title")) }
                        p.notice { (REGISTRATION_CLOSED.in_(l)) }
                        p.muted { (l.t("register-already")) " " a href=(paths::LOGIN) { (l.t("nav-log-in")) } }
                    }
                }
                RegistrationMode::Approval => {
                    p.notice { (l.t("register-approval")) }
                    (register_form(l, form))
                }
                RegistrationMode::Open => (register_form(l, form)),
            }
        },
    )
}

#[derive(Default)]
pub struct PasswordForm {
    pub errors: FieldErrors,
    pub changed: bool,
}

pub fn password_form(l: Lang, form: &PasswordForm) -> Markup {
    let e = &form.errors;
    html! {
        form #password-form.card.stack action=(paths::ACCOUNT_PASSWORD) method="post"
            data-hx-post=(paths::ACCOUNT_PASSWORD) data-hx-swap="outerHTML" {
            h2 { (l.t("password-title")) }
            @if form.changed { p.notice.success role="status" { (l.t("password-changed")) } }
            (field(l, &l.t("field-current-password"), "current_password", "password", "", e.get("current_password"),
                FieldAttrs::new("account").auto("current-password")))
            (field(l, &l.t("field-new-password"), "new_password", "password", "", e.get("new_password"),
                FieldAttrs::new("account").min(validate::PASSWORD_MIN as u32)
                    .max(validate::PASSWORD_MAX as u32).auto("new-password")))
            (field(l, &l.t("field-new-password-confirm"), "new_password_confirm", "password", "", e.get("new_password_confirm"),
                FieldAttrs::new("account").auto("new-password")))
            button.primary type="submit" { (l.t("password-title")) }
        }
    }
}

/// The member's own language: the footer's switcher does the same for
/// anyone; here a member also sees that the choice is theirs, or goes back
/// to following the browser.
pub fn language_form(l: Lang, chosen: Option<Lang>) -> Markup {
    html! {
        form #language-form.card.stack action=(paths::ACCOUNT_LANG) method="post" {
            h2 { (l.t("account-language")) }
            fieldset.choices {
                legend.visually-hidden { (l.t("account-language")) }
                label {
                    input type="radio" name="lang" value="" checked[chosen.is_none()];
                    " " (l.t("account-language-browser"))
                }
                @for lang in Lang::ALL {
                    label lang=(lang.code()) {
                        input type="radio" name="lang" value=(lang.code()) checked[chosen == Some(lang)];
                        " " (lang.own_name())
                    }
                }
            }
            button.primary type="submit" { (l.t("account-language-save")) }
        }
    }
}

/// `notify`: the notifications section (left out of a form's error page).
pub fn account_page(
    l: Lang,
    user: &User,
    chosen: Option<Lang>,
    form: &PasswordForm,
    avatar: &AvatarForm,
    notify: Option<&Markup>,
) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("account-title"),
            user: Some(user),
            crumbs: vec![(l.t("nav-account").into_owned(), None)],
            live_view: None,
        },
        html! {
            h1 { (l.t("account-title")) }
            p {
                @let name = html! { strong { (Bdi(&user.username)) } };
                @if user.is_admin {
                    (l.html("account-you-are-admin", &Args::new().markup("name", name)))
                } @else {
                    (l.html("account-you-are", &Args::new().markup("name", name)))
                }
                " " a href=(paths::user(&user.username)) { (l.t("nav-your-profile")) }
            }
            (avatar_section(l, user, avatar))
            (password_form(l, form))
            @if let Some(notify) = notify { (notify) }
            (language_form(l, chosen))
            section #sessions.card.stack {
                h2 { (l.t("sessions-title")) }
                p { (l.t("sessions-text")) }
                // static/drafts.js forgets this browser's drafts, as at log out.
                form action=(paths::ACCOUNT_LOGOUT_EVERYWHERE) method="post" data-forget-drafts {
                    button.danger type="submit" { (l.t("sessions-end-all")) }
                }
            }
        },
    )
}

/// What a throttled form says: `id` takes `$seconds`.
pub fn wait(id: Msg, wait: std::time::Duration) -> Text {
    Text::new(id).num("seconds", crate::limits::seconds(wait) as i64)
}
