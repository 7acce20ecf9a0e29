//! causerie: a small real-time forum. axum serves maud-rendered pages, htmx
//! swaps them, and `/_ws` pushes ready-rendered fragments to every open page.

pub mod admin;
pub mod app;
pub mod auth;
pub mod avatars;
pub mod config;
pub mod db;
pub mod error;
pub mod feeds;
pub mod form;
pub mod forums;
pub mod htmx;
pub mod i18n;
pub mod invisible;
pub mod limits;
pub mod live;
pub mod markdown;
pub mod mentions;
pub mod messages;
pub mod net;
pub mod notifications;
pub mod pagecache;
pub mod path_param;
pub mod paths;
pub mod perms;
pub mod profiles;
pub mod reads;
pub mod reports;
pub mod search;
pub mod security;
pub mod server;
pub mod topics;
pub mod validate;
pub mod views;
