//! The one error type on the IPC wire: a stable `code` the UI can branch on, a `message` it
//! can show, and the core's advice as a typed `hint`. Built only from cubby-core errors, whose
//! messages never contain secrets.

use cubby_core::{Error, Hint};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct IpcError {
    pub code: String,
    /// The core's message with its advice in the window's words.
    pub message: String,
    pub hint: Option<Hint>,
}

impl From<Error> for IpcError {
    fn from(e: Error) -> Self {
        IpcError {
            code: e.code().to_string(),
            message: describe(&e),
            hint: e.advice(),
        }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;

/// What the person can do, said with the window's controls.
pub fn advice(hint: &Hint) -> String {
    match hint {
        Hint::Overwrite => "choose another name, or delete the existing one first".into(),
        Hint::CrossTenant => "confirm that it should go to another tenant".into(),
        Hint::UnwatchFirst => "remove it in the Sync view first to change it".into(),
        Hint::ListWatched => "the Sync view shows what is watched".into(),
        Hint::ListLinks => "the Links view lists them".into(),
        Hint::UseProfile(name) => format!("switch to profile '{name}' first"),
        Hint::AllowHttp => "tick “Allow plain HTTP” in the connection form".into(),
        Hint::AccountOrEndpoint => "fill in the account ID or the endpoint".into(),
        Hint::OneFileForKey => "upload one file at a time under an exact name".into(),
        Hint::NameOrigin => "name the web address the uploads come from".into(),
        Hint::UseEnvProfile => "set the CLOUDFLARE_R2_* variables and start Cubby again instead".into(),
        Hint::ListProfiles => "the profile menu lists the profiles you have".into(),
        Hint::NewTenant => "choose one from the list, or confirm starting a new tenant".into(),
        Hint::CloseOtherProgram => "close the program that has the file open, then try again".into(),
    }
}

/// A core error as the window says it: its message, then the advice in the window's words.
pub fn describe(e: &Error) -> String {
    match e.advice() {
        Some(hint) => format!("{e}: {}", advice(&hint)),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_is_worded_for_the_window_and_travels_typed() {
        let e: IpcError = Error::AlreadyExists("'a' already exists".into())
            .hint(Hint::Overwrite)
            .into();
        assert_eq!(e.code, "already_exists");
        assert_eq!(e.hint, Some(Hint::Overwrite));
        assert!(
            !e.message.contains("--"),
            "no CLI flags in the window: {}",
            e.message
        );
        assert!(e.message.starts_with("'a' already exists: "), "{}", e.message);
    }
}
