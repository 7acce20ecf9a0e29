//! The two catalogues, parsed once from the files compiled into the binary
//! and shared by every thread (Fluent's concurrent bundle). A catalogue is
//! constant data, like `schema.sql`: one lazily built value, not state.

use std::borrow::Cow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

use super::Lang;

pub(super) const SOURCES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../../locales/en/causerie.ftl")),
    (Lang::Fr, include_str!("../../locales/fr/causerie.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<[Bundle; 2]> =
    LazyLock::new(|| SOURCES.map(|(lang, source)| bundle(lang, source)));

/// A catalogue as a bundle. The files are ours and checked by the tests, so
/// a syntax error is a bug caught before any release, not a runtime case.
pub(super) fn bundle(lang: Lang, source: &str) -> Bundle {
    let resource = FluentResource::try_new(source.to_string())
        .unwrap_or_else(|(_, errors)| panic!("locales/{}: {errors:?}", lang.code()));
    let tag = lang.code().parse().expect("a valid language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // No Unicode isolation marks around variables: user text is isolated
    // by `<bdi>` and `dir="auto"` already, and marks would show in titles
    // and attributes.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("locales/{}: {errors:?}", lang.code()));
    bundle
}

pub(super) fn format(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Cow<'static, str> {
    let bundle: &'static Bundle = &BUNDLES[lang as usize];
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::warn!(lang = lang.code(), id, "no such message");
        return Cow::Owned(id.to_string());
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            lang = lang.code(),
            id,
            ?errors,
            "message formatted with errors"
        );
    }
    text
}
