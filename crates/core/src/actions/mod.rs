//! One function per user action, called by both hosts: the window's IPC commands and the CLI's
//! subcommands only turn their input into these requests and the results into their output.
//!
//! An action takes what varies from outside (the host's folders and keychain as a
//! `session::Host`, the open bucket as a `session::Session`, the time), so it can be tested
//! without either host.

pub mod browse;
pub mod links;
pub mod profiles;
pub mod tenants;
pub mod transfers;
pub mod watch;
