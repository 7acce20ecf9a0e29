//! Login, registration and account pages.

use maud::{Markup, html};

use super::User;
use super::standing::RegistrationMode;
use crate::avatars::views::{AvatarForm, avatar_section};
use crate::paths;
use crate::validate::{self, FieldErrors};
use crate::views::components::{FieldAttrs, field, form_error};
use crate::views::layout::{Shell, page};
use crate::views::text::Bdi;

/// What the login form shows again after a failed attempt.
#[derive(Default)]
pub struct LoginForm {
    pub username: String,
    pub error: Option<String>,
}

pub fn login_form(form: &LoginForm, next: &str) -> Markup {
    html! {
        form #login-form.card.stack action=(paths::LOGIN) method="post"
            hx-post=(paths::LOGIN) hx-swap="outerHTML" {
            h1 { "Log in" }
            (form_error(form.error.as_deref()))
            input type="hidden" name="next" value=(next);
            (field("Username", "username", "text", &form.username, None,
                FieldAttrs::new("login").max(validate::USERNAME_MAX as u32).auto("username")))
            (field("Password", "password", "password", "", None,
                FieldAttrs::new("login").max(validate::PASSWORD_MAX as u32).auto("current-password")))
            button.primary type="submit" { "Log in" }
            p.muted { "No account yet? " a href=(paths::REGISTER) { "Register" } }
        }
    }
}

pub fn login_page(form: &LoginForm, notice: Option<&str>, next: &str) -> Markup {
    page(
        Shell {
            title: "Log in",
            user: None,
            crumbs: vec![("Log in".into(), None)],
            live_view: None,
        },
        html! {
            @if let Some(n) = notice { p.notice { (n) } }
            (login_form(form, next))
        },
    )
}

#[derive(Default)]
pub struct RegisterForm {
    pub username: String,
    pub errors: FieldErrors,
}

pub fn register_form(form: &RegisterForm) -> Markup {
    let e = &form.errors;
    html! {
        form #register-form.card.stack action=(paths::REGISTER) method="post"
            hx-post=(paths::REGISTER) hx-swap="outerHTML" {
            h1 { "Register" }
            (field("Username", "username", "text", &form.username, e.get("username"),
                FieldAttrs::new("register").min(validate::USERNAME_MIN as u32)
                    .max(validate::USERNAME_MAX as u32).auto("username")))
            p.hint { "3 to 32 characters: letters, digits, _ . -" }
            (field("Password", "password", "password", "", e.get("password"),
                FieldAttrs::new("register").min(validate::PASSWORD_MIN as u32)
                    .max(validate::PASSWORD_MAX as u32).auto("new-password")))
            (field("Confirm password", "password_confirm", "password", "", e.get("password_confirm"),
                FieldAttrs::new("register").auto("new-password")))
            button.primary type="submit" { "Create my account" }
            p.muted { "Already registered? " a href=(paths::LOGIN) { "Log in" } }
        }
    }
}

pub const REGISTRATION_CLOSED: &str =
    "Registration is closed: new accounts cannot be created at the moment.";

/// The registration page: the form, or (registration closed) why not.
pub fn register_page(form: &RegisterForm, mode: RegistrationMode) -> Markup {
    page(
        Shell {
            title: "Register",
            user: None,
            crumbs: vec![("Register".into(), None)],
            live_view: None,
        },
        html! {
            @match mode {
                RegistrationMode::Closed => {
                    section #registration-closed.card.stack {
                        h1 { "Register" }
                        p.notice { (REGISTRATION_CLOSED) }
                        p.muted { "Already registered? " a href=(paths::LOGIN) { "Log in" } }
                    }
                }
                RegistrationMode::Approval => {
                    p.notice { "New accounts are approved by an administrator before they can log in." }
                    (register_form(form))
                }
                RegistrationMode::Open => (register_form(form)),
            }
        },
    )
}

#[derive(Default)]
pub struct PasswordForm {
    pub errors: FieldErrors,
    pub changed: bool,
}

pub fn password_form(form: &PasswordForm) -> Markup {
    let e = &form.errors;
    html! {
        form #password-form.card.stack action=(paths::ACCOUNT_PASSWORD) method="post"
            hx-post=(paths::ACCOUNT_PASSWORD) hx-swap="outerHTML" {
            h2 { "Change password" }
            @if form.changed { p.notice.success role="status" { "Your password was changed." } }
            (field("Current password", "current_password", "password", "", e.get("current_password"),
                FieldAttrs::new("account").auto("current-password")))
            (field("New password", "new_password", "password", "", e.get("new_password"),
                FieldAttrs::new("account").min(validate::PASSWORD_MIN as u32)
                    .max(validate::PASSWORD_MAX as u32).auto("new-password")))
            (field("Confirm new password", "new_password_confirm", "password", "", e.get("new_password_confirm"),
                FieldAttrs::new("account").auto("new-password")))
            button.primary type="submit" { "Change password" }
        }
    }
}

/// `notify`: the notifications section (left out of a form's error page).
pub fn account_page(
    user: &User,
    form: &PasswordForm,
    avatar: &AvatarForm,
    notify: Option<&Markup>,
) -> Markup {
    page(
        Shell {
            title: "Your account",
            user: Some(user),
            crumbs: vec![("Account".into(), None)],
            live_view: None,
        },
        html! {
            h1 { "Your account" }
            p { "You are " strong { (Bdi(&user.username)) } @if user.is_admin { ", an administrator" } "." " "
                a href=(paths::user(&user.username)) { "Your profile" } }
            (avatar_section(user, avatar))
            (password_form(form))
            @if let Some(notify) = notify { (notify) }
            section #sessions.card.stack {
                h2 { "Sessions" }
                p { "Logged in on another device you no longer use? End every session of your account, this one included." }
                // static/drafts.js forgets this browser's drafts, as at log out.
                form action=(paths::ACCOUNT_LOGOUT_EVERYWHERE) method="post" data-forget-drafts {
                    button.danger type="submit" { "Log out everywhere" }
                }
            }
        },
    )
}
