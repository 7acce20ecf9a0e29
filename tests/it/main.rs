//! causerie's integration tests: one binary, driving the real router over
//! HTTP and WebSocket on 127.0.0.1, a fresh database file each.

mod common;

mod accounts;
mod admin;
mod avatars;
mod browser;
mod browser_i18n;
mod browser_markdown;
mod browser_notify;
mod browser_unread;
mod depth;
mod durability;
mod ended_sessions;
mod feeds;
mod forums;
mod hostile_review;
mod hostile_text;
mod i18n;
mod instances;
mod limits;
mod live;
mod live_bounds;
mod live_pages;
mod live_paging;
mod markdown;
mod messages;
mod migrate_to;
mod migration;
mod notifications;
mod notifications_list;
mod pagecache;
mod pagination;
mod profiles;
mod registration;
mod reports;
mod search;
mod security;
mod sessions;
mod startup;
mod throttles;
mod topics;
mod unread;
