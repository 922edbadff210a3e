//! The one error type on the IPC wire: a stable `code` the UI can branch on and a `message` it
//! can show. Built only from cubby-core errors, whose messages never contain secrets.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl From<cubby_core::Error> for IpcError {
    fn from(e: cubby_core::Error) -> Self {
        IpcError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;
