//! French and English: the `Lang` a page is written in, the catalogue of
//! every string of the UI (`locales/{en,fr}/causerie.ftl`, Project Fluent,
//! compiled into the binary), and how a request's language is chosen.
//!
//! A view takes a `Lang` and says `l.t("id")` for a plain string, or
//! `l.tr("id", &args)` / `l.html("id", &args)` when the string has
//! variables: numbers pick their plural form by CLDR's rules ("1 réponse",
//! "2 réponses"); user text goes in as escaped HTML through `html`, so the
//! catalogue's own text holds no markup (a test checks that).
//!
//! Lower layer: views, errors and the live fan-out use it; it uses none of
//! them. Which language a request gets (member's choice, `lang` cookie,
//! `Accept-Language`, English) is `choose`; the extractor that reads the
//! member's choice lives with the session (`auth::session`).

mod catalogue;
mod negotiate;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use fluent_bundle::{FluentArgs, FluentValue};
use maud::{Markup, PreEscaped, Render};

pub use negotiate::{COOKIE, choose, from_accept_language};

/// A language of the UI. English is the default and the fallback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 tag, as `<html lang>`, the cookie and the column hold it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name for itself (the switcher shows these).
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// `en`, `fr` (any case); anything else is none of ours.
    pub fn from_code(code: &str) -> Option<Lang> {
        if code.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if code.eq_ignore_ascii_case("fr") {
            Some(Lang::Fr)
        } else {
            None
        }
    }

    /// The message `id` with no variables. Borrowed from the catalogue:
    /// no allocation.
    pub fn t(self, id: &str) -> Cow<'static, str> {
        catalogue::format(self, id, None)
    }

    /// The message `id` with `args` (numbers choose plural forms).
    pub fn tr(self, id: &str, args: &Args) -> Cow<'static, str> {
        catalogue::format(self, id, Some(&args.0))
    }

    /// The message `id` as HTML, with `args` that are HTML already (user
    /// text rendered through `views::text`): the catalogue holds no markup,
    /// so the result is as safe as its arguments.
    pub fn html(self, id: &str, args: &Args) -> Markup {
        PreEscaped(catalogue::format(self, id, Some(&args.0)).into_owned())
    }
}

/// A message's variables.
#[derive(Default)]
pub struct Args(FluentArgs<'static>);

impl Args {
    pub fn new() -> Self {
        Self::default()
    }
    /// A number: the message may choose its plural form by it.
    pub fn num(mut self, name: &'static str, n: i64) -> Self {
        self.0.set(name, FluentValue::from(n));
        self
    }
    /// A string, shown as it is (escaped when the message is rendered as
    /// text; already HTML when it goes through `Lang::html`).
    pub fn str(mut self, name: &'static str, s: impl Into<String>) -> Self {
        self.0.set(name, FluentValue::from(s.into()));
        self
    }
    /// Markup (user text through `Bdi`, a date, a link) for `Lang::html`.
    pub fn markup(self, name: &'static str, m: impl Render) -> Self {
        self.str(name, m.render().into_string())
    }
}

/// `Args::new().num(name, n)`: the common one-number message.
pub fn n(name: &'static str, n: i64) -> Args {
    Args::new().num(name, n)
}

/// A message id passed around as data (a validation error, an error page's
/// title), said where it is chosen so the catalogue test finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg(pub &'static str);

impl Msg {
    pub fn in_(self, l: Lang) -> Cow<'static, str> {
        l.t(self.0)
    }
}

/// Members' own choices of language (`users.lang`), in memory like their
/// pictures (`avatars::Index`), so no request reads the database for it.
/// Set inside the write that changes it.
#[derive(Clone, Debug, Default)]
pub struct Choices(std::sync::Arc<parking_lot::RwLock<std::collections::HashMap<i64, Lang>>>);

impl Choices {
    pub fn get(&self, user_id: i64) -> Option<Lang> {
        self.0.read().get(&user_id).copied()
    }
    pub fn set(&self, user_id: i64, lang: Option<Lang>) {
        let mut map = self.0.write();
        match lang {
            Some(l) => map.insert(user_id, l),
            None => map.remove(&user_id),
        };
    }
    pub fn replace_all(&self, choices: impl IntoIterator<Item = (i64, Lang)>) {
        let mut map = self.0.write();
        map.clear();
        map.extend(choices);
    }
}

/// A message chosen before the language is known (a validation error made
/// by `validate`, a refusal made by a handler's helper): its id and its
/// variables, said in a language when it is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    id: Msg,
    args: Vec<(&'static str, Arg)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Arg {
    Num(i64),
    Str(&'static str),
}

impl Text {
    pub fn new(id: Msg) -> Self {
        Text {
            id,
            args: Vec::new(),
        }
    }
    pub fn num(mut self, name: &'static str, n: i64) -> Self {
        self.args.push((name, Arg::Num(n)));
        self
    }
    /// A selector: a word the message chooses its form by (a field's name).
    pub fn word(mut self, name: &'static str, word: &'static str) -> Self {
        self.args.push((name, Arg::Str(word)));
        self
    }
    pub fn id(&self) -> Msg {
        self.id
    }
    pub fn in_(&self, l: Lang) -> Cow<'static, str> {
        let args = self.args.iter().fold(Args::new(), |a, (name, v)| match v {
            Arg::Num(n) => a.num(name, *n),
            Arg::Str(s) => a.str(name, *s),
        });
        l.tr(self.id.0, &args)
    }
}

impl From<Msg> for Text {
    fn from(id: Msg) -> Self {
        Text::new(id)
    }
}

/// In English, for logs and start-up errors.
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.in_(Lang::En))
    }
}
