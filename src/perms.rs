//! Who may do what: SPEC's permission table in one place, used by handlers to
//! refuse and by views to show only the controls a viewer may use.

use crate::auth::User;

/// What kind of viewer someone is, as far as permissions go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Visitor,
    Member(i64),
    Admin(i64),
}

impl Role {
    pub fn of(user: Option<&User>) -> Self {
        match user {
            None => Role::Visitor,
            Some(u) if u.is_admin => Role::Admin(u.id),
            Some(u) => Role::Member(u.id),
        }
    }
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Admin(_))
    }
    pub fn is_member(self) -> bool {
        !matches!(self, Role::Visitor)
    }
    pub fn user_id(self) -> Option<i64> {
        match self {
            Role::Member(id) | Role::Admin(id) => Some(id),
            Role::Visitor => None,
        }
    }
}

/// The controls shown on one message for one viewer. Two viewers with the
/// same `MessagePerms` see the same HTML for that message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessagePerms {
    pub edit: bool,
    pub delete: bool,
    pub quote: bool,
    /// Tell the administrators about it: members, of others' messages
    /// (admins act on a message directly).
    pub report: bool,
}

pub fn can_reply(role: Role, locked: bool) -> bool {
    role.is_admin() || (role.is_member() && !locked)
}

pub fn can_edit(role: Role, author_id: i64) -> bool {
    match role {
        Role::Admin(_) => true,
        Role::Member(id) => id == author_id,
        Role::Visitor => false,
    }
}

pub fn message_perms(role: Role, author_id: i64, is_first: bool, locked: bool) -> MessagePerms {
    MessagePerms {
        edit: can_edit(role, author_id),
        // The opening message goes only with its topic.
        delete: role.is_admin() && !is_first,
        quote: can_reply(role, locked),
        report: matches!(role, Role::Member(id) if id != author_id),
    }
}
