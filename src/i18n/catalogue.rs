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

/// The message `id` with `args` whose pattern is only text and variables
/// holding strings (a sentence around user text, a link, a date), written
/// straight into one string sized for it; `None` when the message chooses
/// among variants or formats a number, which Fluent's resolver does.
/// Pages call this a few times per row, so it skips the resolver's scope
/// and the growing of its output.
pub(super) fn simple(lang: Lang, id: &str, args: &FluentArgs<'_>) -> Option<String> {
    use fluent_bundle::FluentValue;
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    let bundle: &'static Bundle = &BUNDLES[lang as usize];
    let pattern = bundle.get_message(id)?.value()?;
    let mut len = 0;
    for element in &pattern.elements {
        len += match element {
            PatternElement::TextElement { value } => value.len(),
            PatternElement::Placeable {
                expression: Expression::Inline(InlineExpression::VariableReference { id }),
            } => match args.get(id.name)? {
                FluentValue::String(s) => s.len(),
                _ => return None,
            },
            PatternElement::Placeable { .. } => return None,
        };
    }
    let mut out = String::with_capacity(len);
    for element in &pattern.elements {
        match element {
            PatternElement::TextElement { value } => out.push_str(value),
            PatternElement::Placeable {
                expression: Expression::Inline(InlineExpression::VariableReference { id }),
            } => {
                if let Some(FluentValue::String(s)) = args.get(id.name) {
                    out.push_str(s);
                }
            }
            PatternElement::Placeable { .. } => {}
        }
    }
    Some(out)
}

pub(super) fn format(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Cow<'static, str> {
    if let Some(text) = args.and_then(|args| simple(lang, id, args)) {
        return Cow::Owned(text);
    }
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
