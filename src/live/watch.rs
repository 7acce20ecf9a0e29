//! What a socket watches, parsed from the `view` its page names.

use crate::i18n::Lang;
use crate::perms::Role;

/// A page with live regions, and which page of its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Watch {
    Home,
    Forum {
        id: i64,
        page: u32,
    },
    Topic {
        id: i64,
        page: u32,
    },
    /// A page with no live regions (the socket still answers pings).
    Nothing,
}

/// The subscriber index key: which object's changes reach a watcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Home,
    Forum(i64),
    Topic(i64),
}

impl Watch {
    /// `/`, `/forums/{id}[?page=N]`, `/topics/{id}[?page=N]`; anything else
    /// (other pages, malformed numbers) watches nothing.
    pub fn parse(view: &str) -> Self {
        let view = view.split('#').next().unwrap_or(view);
        let (path, query) = view.split_once('?').unwrap_or((view, ""));
        let page = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("page="))
            .map_or(Some(1), |p| p.parse::<u32>().ok().filter(|n| *n >= 1));
        let Some(page) = page else {
            return Watch::Nothing;
        };
        let id_after = |prefix: &str| {
            path.strip_prefix(prefix)
                .and_then(|rest| rest.parse::<i64>().ok())
                .filter(|id| *id > 0)
        };
        if path == "/" {
            Watch::Home
        } else if let Some(id) = id_after("/forums/") {
            Watch::Forum { id, page }
        } else if let Some(id) = id_after("/topics/") {
            Watch::Topic { id, page }
        } else {
            Watch::Nothing
        }
    }

    pub fn key(self) -> Option<Key> {
        match self {
            Watch::Home => Some(Key::Home),
            Watch::Forum { id, .. } => Some(Key::Forum(id)),
            Watch::Topic { id, .. } => Some(Key::Topic(id)),
            Watch::Nothing => None,
        }
    }
}

/// Viewers whose pages render identically share a `Kind`: all admins look
/// the same, members differ by who wrote what, visitors are all alike; and
/// each reads the page in their own language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kind {
    role: Role,
    lang: Lang,
}

impl Kind {
    pub fn of(role: Role, lang: Lang) -> Self {
        let role = match role {
            Role::Admin(_) => Role::Admin(0),
            other => other,
        };
        Kind { role, lang }
    }
    pub fn role(self) -> Role {
        self.role
    }
    pub fn lang(self) -> Lang {
        self.lang
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_views() {
        assert_eq!(Watch::parse("/"), Watch::Home);
        assert_eq!(Watch::parse("/forums/3"), Watch::Forum { id: 3, page: 1 });
        assert_eq!(
            Watch::parse("/forums/3?page=2"),
            Watch::Forum { id: 3, page: 2 }
        );
        assert_eq!(
            Watch::parse("/topics/7?page=4#message-9"),
            Watch::Topic { id: 7, page: 4 }
        );
        assert_eq!(Watch::parse("/topics/x"), Watch::Nothing);
        assert_eq!(Watch::parse("/topics/7?page=0"), Watch::Nothing);
        assert_eq!(Watch::parse("/socket"), Watch::Nothing);
        assert_eq!(Watch::parse("/forums/3/topics"), Watch::Nothing);
    }
}
