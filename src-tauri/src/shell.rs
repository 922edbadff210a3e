//! What makes Cubby behave like a desktop app rather than a web page: one instance per data
//! folder, a tray icon that keeps watched folders syncing after the window closes, and desktop
//! notifications for failed uploads and finished batches.

#[cfg(target_os = "linux")]
use std::io::{BufRead, BufReader, Write};
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

// ---- single instance ----------------------------------------------------------------------

/// Held by the running instance: later launches with the same data folder connect to it.
#[cfg(target_os = "linux")]
pub struct Instance(std::os::unix::net::UnixListener);
#[cfg(not(target_os = "linux"))]
pub struct Instance;

pub enum Claim {
    First(Instance),
    /// Another Cubby owns this data folder; its window was asked to come forward. Only Linux
    /// has the socket that finds it so far (docs/PLATFORMS.md).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    AlreadyRunning,
}

/// The socket name is derived from the data folder, so two Cubbys on different folders (tests,
/// `make run` next to an installed app) never see each other. FNV-1a keeps it stable across builds.
#[cfg(target_os = "linux")]
fn socket_name(data_dir: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let hash = data_dir
        .as_os_str()
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("cubby-desktop-{hash:016x}")
}

/// Claims the data folder for this process. An abstract socket (Linux) vanishes with its owner,
/// so a crashed instance never leaves a stale lock behind.
#[cfg(target_os = "linux")]
pub fn claim(data_dir: &Path) -> std::io::Result<Claim> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
    let addr = SocketAddr::from_abstract_name(socket_name(data_dir))?;
    let ask_to_show = || -> std::io::Result<()> {
        let mut stream = UnixStream::connect_addr(&addr)?;
        // An abstract socket has no file permissions: another account could squat the name to
        // keep Cubby from starting. Only our own user's instance counts.
        if !same_user(&stream) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the single-instance socket belongs to another user",
            ));
        }
        stream.write_all(b"show\n")
    };
    if ask_to_show().is_ok() {
        return Ok(Claim::AlreadyRunning);
    }
    match UnixListener::bind_addr(&addr) {
        Ok(listener) => Ok(Claim::First(Instance(listener))),
        // Lost a race with another launch: that one is the instance now.
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            ask_to_show()?;
            Ok(Claim::AlreadyRunning)
        }
        Err(e) => Err(e),
    }
}

/// True when the process at the other end of `stream` runs as this process's user.
#[cfg(target_os = "linux")]
fn same_user(stream: &std::os::unix::net::UnixStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: SO_PEERCRED writes at most `len` bytes into `cred`, a ucred we own.
    #[allow(unsafe_code)]
    let ok = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    } == 0;
    // SAFETY: getuid has no preconditions and cannot fail.
    #[allow(unsafe_code)]
    let me = unsafe { libc::getuid() };
    ok && cred.uid == me
}

#[cfg(not(target_os = "linux"))]
pub fn claim(_data_dir: &Path) -> std::io::Result<Claim> {
    Ok(Claim::First(Instance))
}

/// Brings the window forward whenever a later launch knocks.
pub fn serve_instance<R: Runtime>(instance: Instance, app: AppHandle<R>) {
    #[cfg(target_os = "linux")]
    {
        let _ = std::thread::Builder::new()
            .name("cubby-instance".into())
            .spawn(move || {
                for stream in instance.0.incoming().flatten() {
                    // Any local account can connect: answer only our own user, read at most a
                    // short line, and never wait on a silent client.
                    if !same_user(&stream) {
                        continue;
                    }
                    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
                    let mut line = String::new();
                    let mut reader = BufReader::new(std::io::Read::take(stream, 16));
                    if reader.read_line(&mut line).is_ok() && line.trim() == "show" {
                        let app2 = app.clone();
                        let _ = app.run_on_main_thread(move || show_main(&app2));
                    }
                }
            });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (instance, app);
}

// ---- notifications ------------------------------------------------------------------------

/// The body as plain text under the freedesktop notification markup (a subset of HTML).
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

/// Shows a desktop notification through the freedesktop notification service, off the calling
/// thread. Without a notification daemon (a headless server) it is logged and dropped.
pub fn notify(summary: String, body: String) {
    // Notification servers may render the body as markup; keys and file names are not markup.
    let body = escape_markup(&body);
    let _ = std::thread::Builder::new()
        .name("cubby-notify".into())
        .spawn(move || {
            if let Err(e) = send_notification(&summary, &body) {
                tracing::debug!("notification not shown: {e}");
            }
        });
}

#[cfg(target_os = "linux")]
fn send_notification(summary: &str, body: &str) -> Result<(), dbus::Error> {
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

#[cfg(not(target_os = "linux"))]
fn send_notification(_summary: &str, _body: &str) -> Result<(), std::io::Error> {
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_second_claim_on_the_same_folder_finds_the_first() {
        let dir = std::env::temp_dir().join(format!("cubby-instance-{}", std::process::id()));
        let Claim::First(first) = claim(&dir).unwrap() else {
            panic!("nothing else should own a fresh folder");
        };
        let knocks = std::thread::spawn(move || {
            let (stream, _) = first.0.accept().unwrap();
            let mut line = String::new();
            BufReader::new(stream).read_line(&mut line).unwrap();
            line
        });
        assert!(matches!(claim(&dir).unwrap(), Claim::AlreadyRunning));
        assert_eq!(knocks.join().unwrap(), "show\n");
        // Another folder is another instance.
        assert!(matches!(claim(&dir.join("other")).unwrap(), Claim::First(_)));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_instance_socket_knows_its_own_user() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(same_user(&a));
    }

    #[test]
    fn notification_bodies_are_text_not_markup() {
        assert_eq!(
            escape_markup("acme/<b>x</b>&y.pdf"),
            "acme/&lt;b&gt;x&lt;/b&gt;&amp;y.pdf"
        );
    }
}
