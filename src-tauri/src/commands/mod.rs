//! IPC commands, one file per area of the window. Each parses its input, calls cubby-core and
//! maps the result; nothing here decides anything about storage.

pub mod browse;
pub mod connection;
pub mod pickers;
pub mod reports;
pub mod sharing;
pub mod sync;
pub mod transfers;
