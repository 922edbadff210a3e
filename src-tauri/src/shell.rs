//! What makes Cubby behave like a desktop app rather than a web page (with `instance`, one
//! Cubby per data folder): a tray icon that keeps watched folders syncing after the window
//! closes, and desktop notifications for failed uploads and finished batches.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use cubby_core::journal::FileState;

use crate::state::AppState;
use cubby_core::watcher::{EngineStatus, SyncEvent};

/// The main window: shown, unminimized and focused (from the tray, or a second launch).
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

pub fn main_focused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window("main")
        .and_then(|w| Some(w.is_visible().ok()? && w.is_focused().ok()?))
        .unwrap_or(false)
}

// ---- notifications ------------------------------------------------------------------------

/// Shows a desktop notification, off the calling thread; where no notification service runs (a
/// headless server) it is logged and dropped.
///
/// Windows and macOS go through Tauri's notification plugin. Linux speaks the freedesktop
/// protocol itself over the D-Bus library the keychain already links: the plugin would bring two
/// more D-Bus stacks (zbus 5 and 6) for one method call.
pub fn notify<R: Runtime>(app: &AppHandle<R>, summary: String, body: String) {
    #[cfg(target_os = "linux")]
    {
        let _ = app;
        // Notification servers may render the body as markup; keys and file names are not.
        let body = escape_markup(&body);
        let _ = std::thread::Builder::new()
            .name("cubby-notify".into())
            .spawn(move || {
                if let Err(e) = freedesktop_notify(&summary, &body) {
                    tracing::debug!("notification not shown: {e}");
                }
            });
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_notification::NotificationExt;
        if let Err(e) = app.notification().builder().title(summary).body(body).show() {
            tracing::debug!("notification not shown: {e}");
        }
    }
}

/// The body as plain text under the freedesktop notification markup (a subset of HTML).
#[cfg(any(target_os = "linux", test))]
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(target_os = "linux")]
fn freedesktop_notify(summary: &str, body: &str) -> Result<(), dbus::Error> {
    let connection = dbus::blocking::Connection::new_session()?;
    let proxy = connection.with_proxy(
        "org.freedesktop.Notifications",
        "/org/freedesktop/Notifications",
        std::time::Duration::from_secs(2),
    );
    let (_id,): (u32,) = proxy.method_call(
        "org.freedesktop.Notifications",
        "Notify",
        (
            "Cubby",
            0u32,
            "",
            summary,
            body,
            Vec::<String>::new(),
            dbus::arg::PropMap::new(),
            -1i32,
        ),
    )?;
    Ok(())
}

// ---- tray ---------------------------------------------------------------------------------

/// Set once the tray icon exists: closing the window then hides it instead of quitting.
#[derive(Default)]
pub struct Tray {
    pub present: AtomicBool,
    /// The first hide explains itself once per run.
    told_about_tray: AtomicBool,
}

impl Tray {
    /// True the first time only: the one notification that says where the window went.
    pub fn first_hide(&self) -> bool {
        !self.told_about_tray.swap(true, Ordering::Relaxed)
    }
}

/// What the tray's first line says about sync, from the engine's events.
#[derive(Debug, Default, PartialEq)]
pub struct SyncSummary {
    uploading: u32,
    failed: u32,
    paused: bool,
    stopped: Option<String>,
}

impl SyncSummary {
    /// Folds one engine event in; true when a file just failed (worth a notification).
    pub fn apply(&mut self, update: &SyncEvent) -> bool {
        match update {
            SyncEvent::File { state, .. } => match state {
                FileState::Uploading => {
                    self.uploading += 1;
                    false
                }
                FileState::Uploaded => {
                    self.uploading = self.uploading.saturating_sub(1);
                    false
                }
                FileState::Failed => {
                    self.uploading = self.uploading.saturating_sub(1);
                    self.failed += 1;
                    true
                }
                FileState::Pending => false,
            },
            SyncEvent::Engine { status, message } => {
                self.paused = *status == EngineStatus::Paused;
                self.stopped =
                    (*status == EngineStatus::Stopped).then(|| message.clone().unwrap_or_default());
                if *status != EngineStatus::Stopped {
                    self.uploading = 0;
                }
                false
            }
            SyncEvent::Folder { .. } => false,
        }
    }

    pub fn text(&self) -> String {
        if self.paused {
            "Sync paused".into()
        } else if let Some(reason) = &self.stopped {
            format!("Sync stopped: {reason}")
        } else if self.uploading > 0 {
            format!("Uploading {} file{}…", self.uploading, plural(self.uploading))
        } else if self.failed > 0 {
            format!("{} upload{} failed: see Sync", self.failed, plural(self.failed))
        } else {
            "Sync is up to date".into()
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Builds the tray icon and menu (status, Open, Pause/Resume sync, Quit) and keeps the status
/// line current from the engine's events.
pub fn build_tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Sync is up to date", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Cubby", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", pause_label(app), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Cubby", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &pause,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id("cubby").tooltip("Cubby").menu(&menu);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| match event.id.as_ref() {
        "open" => show_main(app),
        "pause" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                state.set_sync_paused(!state.sync_paused()).await;
            });
        }
        "quit" => app.exit(0),
        _ => {}
    })
    .build(app)?;

    let summary = Mutex::new(SyncSummary::default());
    let handle = app.clone();
    app.state::<AppState>()
        .sync_listeners
        .observe(Arc::new(move |update: &SyncEvent| {
            let mut summary = summary.lock().unwrap_or_else(|p| p.into_inner());
            if summary.apply(update) {
                if let SyncEvent::File { path, message, .. } = update {
                    notify(
                        &handle,
                        format!("Upload failed: {}", file_name(path)),
                        message.clone().unwrap_or_default(),
                    );
                }
            }
            let _ = status.set_text(summary.text());
            let _ = pause.set_text(pause_label(&handle));
        }));
    app.state::<Tray>().present.store(true, Ordering::Relaxed);
    Ok(())
}

fn pause_label<R: Runtime>(app: &AppHandle<R>) -> &'static str {
    if app.state::<AppState>().sync_paused() {
        "Resume sync"
    } else {
        "Pause sync"
    }
}

fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(state: FileState) -> SyncEvent {
        SyncEvent::File {
            folder: "/r".into(),
            path: "/r/a.pdf".into(),
            state,
            key: None,
            message: None,
        }
    }

    fn engine(status: EngineStatus, message: Option<&str>) -> SyncEvent {
        SyncEvent::Engine {
            status,
            message: message.map(Into::into),
        }
    }

    #[test]
    fn the_tray_line_follows_the_engine() {
        let mut s = SyncSummary::default();
        assert_eq!(s.text(), "Sync is up to date");
        assert!(!s.apply(&file(FileState::Uploading)));
        assert!(!s.apply(&file(FileState::Uploading)));
        assert_eq!(s.text(), "Uploading 2 files…");
        assert!(!s.apply(&file(FileState::Uploaded)));
        assert!(
            s.apply(&file(FileState::Failed)),
            "a failure asks for a notification"
        );
        assert_eq!(s.text(), "1 upload failed: see Sync");
        s.apply(&engine(EngineStatus::Paused, None));
        assert_eq!(s.text(), "Sync paused");
        s.apply(&engine(EngineStatus::Stopped, Some("wrong secret")));
        assert_eq!(s.text(), "Sync stopped: wrong secret");
        s.apply(&engine(EngineStatus::Watching, None));
        assert_eq!(s.text(), "1 upload failed: see Sync");
    }

    #[test]
    fn notification_bodies_are_text_not_markup() {
        assert_eq!(
            escape_markup("acme/<b>x</b>&y.pdf"),
            "acme/&lt;b&gt;x&lt;/b&gt;&amp;y.pdf"
        );
    }
}
