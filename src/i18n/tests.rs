//! The catalogues are complete: the same messages with the same variables in
//! both, no markup in them, and every id the code names is in them (and
//! every id in them is named by the code).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::catalogue::{SOURCES, bundle, simple};
use super::*;

/// Each message's id and the variables it uses, read from the source (a
/// message starts at column 0; its attributes and variants are indented).
fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = None;
    for line in source.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let id = line.split('=').next().unwrap_or("").trim().to_string();
            out.entry(id.clone()).or_default();
            current = Some(id);
        }
        let Some(id) = &current else { continue };
        let mut rest = line;
        while let Some(i) = rest.find('$') {
            let name: String = rest[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            out.get_mut(id).map(|v| v.insert(name));
            rest = &rest[i + 1..];
        }
    }
    out
}

#[test]
fn both_catalogues_parse_and_have_the_same_messages_and_variables() {
    for (lang, source) in SOURCES {
        bundle(lang, source);
    }
    let en = messages(SOURCES[0].1);
    let fr = messages(SOURCES[1].1);
    let only_en: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
    let only_fr: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(only_en.is_empty(), "missing in French: {only_en:?}");
    assert!(only_fr.is_empty(), "missing in English: {only_fr:?}");
    for (id, vars) in &en {
        assert_eq!(vars, &fr[id], "variables of {id} differ");
    }
    assert!(en.len() > 100, "{} messages", en.len());
}

#[test]
fn catalogues_hold_no_markup() {
    // `Lang::html` trusts the catalogue's text as HTML.
    for (lang, source) in SOURCES {
        for (i, line) in source.lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            // `->` opens a selector: Fluent's own syntax, not text.
            assert!(
                !line.replace("->", "").contains(['<', '>', '&', '"']),
                "locales/{}/causerie.ftl line {}: {line}",
                lang.code(),
                i + 1
            );
        }
    }
}

/// Every id the code names: `.t("id")`, `.tr("id"`, `.html("id"`,
/// `Msg("id")`, `count(l, "id"`.
fn ids_in_code() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("i18n/tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Comments may show the calls as examples.
            let text: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for opener in [".t(", ".tr(", ".html(", "Msg(", "count(l, "] {
                for (i, _) in text.match_indices(opener) {
                    let rest = text[i + opener.len()..].trim_start();
                    let Some(rest) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let id = &rest[..rest.find('"').unwrap()];
                    found.insert(id.to_string(), path.display().to_string());
                }
            }
        }
    }
    found
}

#[test]
fn every_id_the_code_names_is_in_the_catalogue_and_back() {
    let en = messages(SOURCES[0].1);
    let used = ids_in_code();
    let missing: Vec<_> = used
        .iter()
        .filter(|(id, _)| !en.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "not in the catalogue: {missing:?}");
    let unused: Vec<_> = en.keys().filter(|id| !used.contains_key(*id)).collect();
    assert!(
        unused.is_empty(),
        "in the catalogue, named nowhere: {unused:?}"
    );
}

#[test]
fn plurals_follow_each_language() {
    let replies = |l: Lang, k| l.tr("count-replies", &n("n", k)).into_owned();
    assert_eq!(replies(Lang::En, 0), "0 replies");
    assert_eq!(replies(Lang::En, 1), "1 reply");
    assert_eq!(replies(Lang::En, 2), "2 replies");
    // French: 0 and 1 are singular.
    assert_eq!(replies(Lang::Fr, 0), "0 réponse");
    assert_eq!(replies(Lang::Fr, 1), "1 réponse");
    assert_eq!(replies(Lang::Fr, 2), "2 réponses");
}

#[test]
fn html_keeps_escaped_arguments_as_they_are() {
    let by = Lang::Fr.html(
        "byline",
        &Args::new()
            .markup("author", crate::views::text::Bdi("<b>x</b>"))
            .str("date", "hier"),
    );
    assert_eq!(
        by.into_string(),
        "par <bdi>&lt;b&gt;x&lt;/b&gt;</bdi>, hier"
    );
}

#[test]
fn the_short_way_says_what_fluent_says() {
    // `catalogue::simple` writes plain messages without Fluent's resolver:
    // for every message it takes, the same text as the resolver's.
    let mut taken = 0;
    for (i, (lang, source)) in SOURCES.into_iter().enumerate() {
        let reference = bundle(lang, source);
        for (id, vars) in messages(SOURCES[i].1) {
            let mut args = fluent_bundle::FluentArgs::new();
            for v in &vars {
                args.set(v.clone(), format!("<{v}>"));
            }
            let Some(short) = simple(lang, &id, &args) else {
                continue;
            };
            let pattern = reference.get_message(&id).unwrap().value().unwrap();
            let mut errors = Vec::new();
            let long = reference.format_pattern(pattern, Some(&args), &mut errors);
            assert_eq!(short, long, "{} {id}", lang.code());
            taken += 1;
        }
    }
    assert!(taken > 100, "{taken} messages taken the short way");
}
