//! The admin pages: forums (create, edit, delete), new admins, the
//! registration mode, pending accounts, and the accounts list.

use maud::{Markup, html};

use crate::auth::User;
use crate::auth::queries::Account;
use crate::auth::standing::{AccountStatus, RegistrationMode};
use crate::forums::queries::{Forum, ForumSummary};
use crate::i18n::{Args, Lang};
use crate::paths;
use crate::validate::{self, FieldErrors};
use crate::views::avatar::author_link;
use crate::views::components::{FieldAttrs, Paging, count, field, pager, time};
use crate::views::layout::{Shell, page};
use crate::views::text::{Bdi, Line};

/// A forum form's typed values and errors.
#[derive(Default, Clone)]
pub struct ForumForm {
    pub name: String,
    pub description: String,
    pub errors: FieldErrors,
}

impl ForumForm {
    pub fn of(f: &ForumSummary) -> Self {
        Self {
            name: f.name.clone(),
            description: f.description.clone(),
            errors: FieldErrors::default(),
        }
    }
}

/// The create form (`forum_id` None) or one forum's edit form.
pub fn forum_form(l: Lang, forum_id: Option<i64>, form: &ForumForm) -> Markup {
    let (id, action, label) = match forum_id {
        Some(fid) => (
            format!("forum-edit-{fid}"),
            paths::admin_forum_edit(fid),
            l.t("admin-forum-save"),
        ),
        None => (
            "new-forum-form".to_string(),
            paths::ADMIN_FORUMS.to_string(),
            l.t("admin-forum-create"),
        ),
    };
    // Field ids must differ between the many forms of the page.
    let scope = id.as_str();
    html! {
        form.stack.forum-form id=(id) action=(action) method="post" data-hx-post=(action) data-hx-swap="outerHTML" {
            (field(l, &l.t("admin-field-name"), "name", "text", &form.name, form.errors.get("name"),
                FieldAttrs::new(scope).max(validate::FORUM_NAME_MAX as u32)))
            (field(l, &l.t("admin-field-description"), "description", "textarea", &form.description, form.errors.get("description"),
                FieldAttrs::new(scope).max(validate::DESCRIPTION_MAX as u32).optional().rows(2)))
            button.primary type="submit" { (label) }
        }
    }
}

#[derive(Default)]
pub struct AdminForm {
    pub username: String,
    pub errors: FieldErrors,
    pub created: Option<String>,
}

pub fn admin_form(l: Lang, form: &AdminForm) -> Markup {
    html! {
        form #new-admin-form.stack action=(paths::ADMIN_ADMINS) method="post"
            data-hx-post=(paths::ADMIN_ADMINS) data-hx-swap="outerHTML" {
            @if let Some(name) = &form.created {
                p.notice.success role="status" {
                    (l.html("admin-admin-created", &Args::new().markup("name", html! { strong { (Bdi(name)) } })))
                }
            }
            (field(l, &l.t("field-username"), "username", "text", &form.username, form.errors.get("username"),
                FieldAttrs::new("admin").max(validate::USERNAME_MAX as u32).auto("off")))
            (field(l, &l.t("field-password"), "password", "password", "", form.errors.get("password"),
                FieldAttrs::new("admin").min(validate::PASSWORD_MIN as u32).max(validate::PASSWORD_MAX as u32).auto("new-password")))
            button.primary type="submit" { (l.t("admin-admin-create")) }
        }
    }
}

/// Which form of the admin page shows what the user typed (after an error).
pub enum Typed<'a> {
    None,
    NewForum(&'a ForumForm),
    EditForum(i64, &'a ForumForm),
    NewAdmin(&'a AdminForm),
}

/// What the admin page shows about accounts.
pub struct AccountsSummary<'a> {
    pub registration: RegistrationMode,
    pub pending: &'a [Account],
    /// Messages waiting in the reports queue.
    pub reported: i64,
}

pub fn admin_page(
    l: Lang,
    user: &User,
    forums: &[ForumSummary],
    accounts: AccountsSummary<'_>,
    typed: Typed<'_>,
) -> Markup {
    let empty_forum = ForumForm::default();
    let empty_admin = AdminForm::default();
    html! {
        (page(
            Shell {
            lang: l, title: &l.t("nav-admin"), user: Some(user), crumbs: vec![(l.t("nav-admin").into_owned(), None)], live_view: None },
            html! {
                h1 { (l.t("nav-admin")) }
                section.card {
                    h2 { (l.t("reports-title")) }
                    (crate::reports::views::summary(l, accounts.reported))
                }
                section.card {
                    h2 { (l.t("admin-new-forum")) }
                    (forum_form(l, None, match typed { Typed::NewForum(f) => f, _ => &empty_forum }))
                }
                section.card {
                    h2 { (l.t("forums-title")) }
                    @if forums.is_empty() { p.muted { (l.t("admin-no-forums")) } }
                    ul.admin-forums {
                        @for f in forums {
                            li {
                                h3 dir="auto" { a href=(paths::forum(f.id)) { (Line(&f.name)) } }
                                p.muted { (count(l, "count-topics", f.topic_count)) ", " (count(l, "count-messages", f.message_count)) }
                                @let own;
                                @let editing = matches!(typed, Typed::EditForum(id, _) if id == f.id);
                                details open[editing] {
                                    summary { (l.t("admin-forum-rename")) }
                                    (forum_form(l, Some(f.id), match typed {
                                        Typed::EditForum(id, form) if id == f.id => form,
                                        _ => { own = ForumForm::of(f); &own }
                                    }))
                                }
                                a.danger href=(paths::admin_forum_delete(f.id)) { (l.t("admin-forum-delete-link")) }
                            }
                        }
                    }
                }
                section.card {
                    h2 { (l.t("admin-new-admin")) }
                    (admin_form(l, match typed { Typed::NewAdmin(f) => f, _ => &empty_admin }))
                }
                section.card {
                    h2 { (l.t("admin-registration")) }
                    (registration_form(l, accounts.registration, false))
                }
                section.card {
                    h2 { (l.t("admin-pending")) }
                    @if accounts.pending.is_empty() { p.muted { (l.t("admin-pending-none")) } }
                    ul #pending {
                        @for a in accounts.pending { (pending_entry(l, a)) }
                    }
                    p { a href=(paths::ADMIN_ACCOUNTS) { (l.t("admin-all-accounts")) } }
                }
            }
        ))
    }
}

pub fn delete_forum_page(l: Lang, user: &User, forum: &Forum) -> Markup {
    let title = l.t("admin-delete-forum-title");
    let topics = html! { strong { (count(l, "count-topics", forum.topic_count)) } };
    let messages = html! { strong { (count(l, "count-messages", forum.message_count)) } };
    page(
        Shell {
            lang: l,
            title: &title,
            user: Some(user),
            crumbs: vec![
                (l.t("nav-admin").into_owned(), Some(paths::ADMIN.into())),
                (title.clone().into_owned(), None),
            ],
            live_view: None,
        },
        html! {
            section.card.stack {
                h1 { (l.html("admin-delete-forum-ask", &Args::new().markup("forum", Bdi(&forum.name)))) }
                p { (l.html("admin-delete-forum-text", &Args::new().markup("topics", topics).markup("messages", messages))) }
                div.actions {
                    form.inline action=(paths::admin_forum_delete(forum.id)) method="post" {
                        button.danger type="submit" { (l.t("admin-delete-forever")) }
                    }
                    a href=(paths::ADMIN) { (l.t("admin-cancel")) }
                }
            }
        },
    )
}

/// How newcomers register: one choice, saved at once.
pub fn registration_form(l: Lang, mode: RegistrationMode, saved: bool) -> Markup {
    html! {
        form #registration-form.stack action=(paths::ADMIN_REGISTRATION) method="post"
            data-hx-post=(paths::ADMIN_REGISTRATION) data-hx-swap="outerHTML" {
            @if saved { p.notice.success role="status" { (l.t("admin-registration-saved")) } }
            fieldset {
                legend { (l.t("admin-registration-who")) }
                @for m in RegistrationMode::ALL {
                    label {
                        input type="radio" name="mode" value=(m.as_str()) checked[m == mode];
                        " " (m.label().in_(l))
                    }
                }
            }
            button.primary type="submit" { (l.t("admin-registration-save")) }
        }
    }
}

/// A pending account with its two decisions.
pub fn pending_entry(l: Lang, a: &Account) -> Markup {
    let target = format!("#pending-{}", a.id);
    html! {
        li id={ "pending-" (a.id) } {
            (l.html("admin-registered", &Args::new()
                .markup("name", html! { strong { (Bdi(&a.username)) } })
                .markup("date", time(l, a.created_at))))
            " "
            form.inline action=(paths::admin_account_approve(a.id)) method="post"
                data-hx-post=(paths::admin_account_approve(a.id)) data-hx-target=(target) data-hx-swap="outerHTML" {
                button.primary type="submit" { (l.t("admin-approve")) }
            }
            " "
            form.inline action=(paths::admin_account_refuse(a.id)) method="post"
                data-hx-post=(paths::admin_account_refuse(a.id)) data-hx-target=(target) data-hx-swap="outerHTML" {
                button.danger type="submit" { (l.t("admin-refuse")) }
            }
        }
    }
}

/// What replaces a pending account's entry once decided.
pub fn pending_decided(l: Lang, id: i64, username: &str, approved: bool) -> Markup {
    html! {
        li id={ "pending-" (id) } role="status" {
            strong { (Bdi(username)) }
            @if approved { " " (l.t("admin-approved")) } @else { " " (l.t("admin-refused")) }
        }
    }
}

/// One account in the list; `me` is the admin looking (who cannot disable
/// themselves).
pub fn account_row(l: Lang, a: &Account, me: i64) -> Markup {
    let target = format!("#account-{}", a.id);
    let disabled = a.status == AccountStatus::Disabled;
    let action = if disabled {
        paths::admin_account_enable(a.id)
    } else {
        paths::admin_account_disable(a.id)
    };
    html! {
        tr id={ "account-" (a.id) } {
            td { strong { (author_link(&a.username)) } @if a.is_admin { " " span.badge { (l.t("badge-admin")) } } }
            td { (time(l, a.created_at)) }
            td { @if disabled { span.badge.locked { (l.t("accounts-disabled")) } } @else { (l.t("accounts-active")) } }
            td {
                @if a.id != me {
                    form.inline action=(action) method="post"
                        data-hx-post=(action) data-hx-target=(target) data-hx-swap="outerHTML" {
                        @if disabled {
                            button.secondary type="submit" { (l.t("accounts-enable")) }
                        } @else {
                            button.danger type="submit" { (l.t("accounts-disable")) }
                        }
                    }
                }
            }
        }
    }
}

pub fn accounts_page(
    l: Lang,
    user: &User,
    search: &str,
    accounts: &[Account],
    paging: Paging,
) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("accounts-title"),
            user: Some(user),
            crumbs: vec![
                (l.t("nav-admin").into_owned(), Some(paths::ADMIN.into())),
                (l.t("accounts-title").into_owned(), None),
            ],
            live_view: None,
        },
        html! {
            h1 { (l.t("accounts-title")) }
            form #accounts-search.card role="search" action=(paths::ADMIN_ACCOUNTS) method="get" {
                label for="accounts-q" { (l.t("accounts-name-contains")) }
                div.search-row {
                    input #accounts-q type="search" name="q" value=(search) maxlength=(validate::USERNAME_MAX);
                    button.secondary type="submit" { (l.t("accounts-search")) }
                }
            }
            p.muted { (l.t("accounts-intro")) }
            @if accounts.is_empty() { p.muted { (l.t("accounts-none")) } }
            // Scrolls sideways on its own rather than widening a phone's page.
            div.table-scroll {
                table #accounts {
                    // The actions column is named for screen readers only.
                    thead { tr {
                        th { (l.t("accounts-col-name")) }
                        th { (l.t("accounts-col-registered")) }
                        th { (l.t("accounts-col-status")) }
                        th { span.visually-hidden { (l.t("accounts-col-action")) } }
                    } }
                    tbody {
                        @for a in accounts { (account_row(l, a, user.id)) }
                    }
                }
            }
            (pager(l, paging, None, |p| paths::admin_accounts(search, p)))
        },
    )
}
