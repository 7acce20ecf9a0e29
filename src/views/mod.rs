//! The page shell and the small components every feature shares.

pub mod avatar;
pub mod components;
pub mod compose;
pub mod layout;
pub mod text;
