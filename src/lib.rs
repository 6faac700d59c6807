//! fedcert: watch the token-signing certificates that hold a federation between an identity
//! provider (AD FS, Okta, PingFederate, Shibboleth, …) and Microsoft Entra ID together, and walk
//! the operator through their renewal.
//!
//! Data flows one way (see DESIGN.md §2):
//!
//! ```text
//! config ──► source ──► metadata + cert ──► assess ──► checklist
//!                       poller (tokio) ─────────┤
//!                          │ PollEvent          │
//!                          ▼                    │
//!                        fleet (every domain: facts, verdict, refresh state)
//!                                               ▼
//!                                   tui/ (interactive)   cli/ (check, serve, …)
//! ```
//!
//! Only `tui` and `cli` know about terminals and command lines; everything else is the engine.
//! `units` and `location` are leaves that every layer may use; the top-level modules name each
//! other in one direction only (a test in `tests/tui.rs` says so).

#![forbid(unsafe_code)]

pub mod assess;
pub mod cert;
pub mod checklist;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod explain;
pub mod fleet;
pub mod history;
pub mod location;
pub mod metadata;
pub mod poller;
pub mod powershell;
pub mod source;
pub mod store;
pub mod tenant;
pub mod tui;
pub mod units;
pub mod words;
