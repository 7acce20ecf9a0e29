//! causerie's integration tests: one binary, driving the real router over
//! HTTP and WebSocket on 127.0.0.1, a fresh database file each.

mod common;

mod accounts;
mod admin;
mod browser;
mod depth;
mod forums;
mod live;
mod messages;
mod pagecache;
mod pagination;
mod security;
mod startup;
mod topics;
