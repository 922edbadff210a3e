//! cubby-desktop: the Tauri shell. It wires the builder, registers the IPC commands (typed for
//! the UI through tauri-specta) and owns the window's lifetime; all rules live in cubby-core.

mod commands;
mod error;
mod grants;
mod instance;
mod shell;
mod state;

use tauri::Manager;

/// The typed IPC surface; `bindings_are_current` keeps ui/src/lib/ipc/bindings.ts in step.
pub fn ipc() -> tauri_specta::Builder<tauri::Wry> {
    use commands::{browse::*, connection::*, pickers::*, reports::*, sharing::*, sync::*, transfers::*};
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        app_status,
        report_startup,
        test_connection,
        connect,
        import_env,
        test_profile,
        check_profile,
        use_profile,
        use_sandbox,
        remove_profile,
        list_tenants,
        tenant_directory,
        add_tenant,
        rename_tenant,
        cached_usage,
        usage_report,
        get_prices,
        set_prices,
        find_files,
        migration_plan,
        run_migration,
        cancel_migration,
        tenant_folders,
        list_folder,
        stat,
        delete_objects,
        rename_object,
        move_objects,
        preview_object,
        open_object,
        plan_upload,
        upload_files,
        download_clashes,
        download_objects,
        cancel_transfer,
        share_link,
        content_type_for,
        upload_url,
        list_links,
        revoke_link,
        public_urls,
        watch_events,
        watched_folders,
        add_watched_folder,
        remove_watched_folder,
        pause_watched_folder,
        sync_problems,
        set_sync_paused,
        sync_paused,
        pick_files,
        pick_folder,
        pick_env_file,
    ])
}

pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CUBBY_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let state = match state::AppState::from_process() {
        Ok(state) => state,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let instance = match instance::claim(&state.dirs.data) {
        Ok(instance::Claim::First(instance)) => Some(instance),
        Ok(instance::Claim::AlreadyRunning) => {
            eprintln!("Cubby is already running: its window was brought to the front.");
            return;
        }
        Err(e) => {
            // Not worth refusing to start over: at worst two windows share the journal, which
            // SQLite serializes.
            tracing::warn!("cannot check for another running Cubby: {e}");
            None
        }
    };
    let ipc = ipc();
    let builder = tauri::Builder::default().plugin(tauri_plugin_dialog::init());
    // Desktop notifications: Tauri's plugin on Windows and macOS; Linux's are `shell::notify`'s own.
    #[cfg(not(target_os = "linux"))]
    let builder = builder.plugin(tauri_plugin_notification::init());
    let result = builder
        .manage(state)
        .manage(grants::Grants::from_env())
        .manage(shell::Tray::default())
        // Files dropped onto the window are the user's choice: grant them before the page hears
        // of the drop (this runs in the same dispatch that queues the page's event).
        .on_webview_event(|webview, event| {
            if let tauri::WebviewEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                webview.state::<grants::Grants>().grant(paths.iter().cloned());
            }
        })
        // The page is the app's own bundle; it never navigates anywhere else.
        .plugin(
            tauri::plugin::Builder::<tauri::Wry>::new("navigation-guard")
                .on_navigation(|_, url| stays_in_app(url))
                .build(),
        )
        .invoke_handler(ipc.invoke_handler())
        .on_window_event(|window, event| {
            // With a tray icon, closing the window keeps watched folders syncing; Quit is in
            // the tray menu.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let tray = window.state::<shell::Tray>();
                if tray.present.load(std::sync::atomic::Ordering::Relaxed) {
                    api.prevent_close();
                    let _ = window.hide();
                    if tray.first_hide() {
                        shell::notify(
                            window.app_handle(),
                            "Cubby is still running".into(),
                            "Watched folders keep syncing. Open or quit Cubby from its tray icon.".into(),
                        );
                    }
                }
            }
        })
        .setup(move |app| {
            ipc.mount_events(app);
            // Only the end-to-end tests may emit events from the page (they simulate OS drops).
            if app.state::<grants::Grants>().for_tests {
                app.add_capability(include_str!("../test-capabilities/e2e.json"))?;
            }
            if let Some(instance) = instance {
                let app = app.handle().clone();
                instance.serve(move || {
                    let shown = app.clone();
                    let _ = app.run_on_main_thread(move || shell::show_main(&shown));
                });
            }
            if std::env::var_os("CUBBY_NO_TRAY").is_none() {
                if let Err(e) = shell::build_tray(app.handle()) {
                    tracing::warn!("no tray icon, closing the window quits: {e}");
                }
            }
            // Watched folders sync from the moment the app starts.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = handle.state::<state::AppState>();
                // Open the S3 client while the page loads, so the first listing does not wait
                // for it. A first run has nothing to connect to yet.
                if state.dirs.config_file().exists() {
                    if let Err(e) = state.session().await {
                        tracing::debug!("no session at start: {e}");
                    }
                }
                state.restart_sync().await;
            });
            if let Some(window) = app.get_webview_window("main") {
                #[cfg(target_os = "linux")]
                lighten(&window);
                let _ = window.set_focus();
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: cannot open Cubby's window: {e}");
        std::process::exit(1);
    }
}

/// WebKitGTK's defaults suit a browser. Cubby's page is one document that never navigates, so:
/// - the document-viewer cache model: no back-forward page cache, a small memory cache;
/// - no accelerated compositing. On machines without a GPU driver WebKit composites through
///   Mesa's software renderer (LLVM's JIT and its buffers), which costs the web process tens of
///   MiB at idle; a file list and dialogs gain nothing from it.
#[cfg(target_os = "linux")]
pub fn lighten<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    let _ = window.with_webview(|webview| {
        use webkit2gtk::{SettingsExt, WebContextExt, WebViewExt};
        let view = webview.inner();
        if let Some(context) = view.context() {
            context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(webkit2gtk::HardwareAccelerationPolicy::Never);
        }
    });
}

/// The app's own origin: the bundled page (`tauri://localhost`, `http://tauri.localhost` on
/// Windows) or, in `make dev`, Vite's server. Links in names or previews go nowhere.
fn stays_in_app(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => {
            matches!(url.host_str(), Some("tauri.localhost"))
                || (cfg!(debug_assertions) && url.host_str() == Some("localhost") && url.port() == Some(5173))
        }
        "about" => url.as_str() == "about:blank",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    /// The UI is typed against generated bindings; if a command or type changes, the committed
    /// file must change with it. `CUBBY_UPDATE_BINDINGS=1 cargo test -p cubby-desktop` rewrites it.
    #[test]
    fn bindings_are_current() {
        let committed =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/ipc/bindings.ts");
        let fresh = std::env::temp_dir().join(format!("cubby-bindings-{}.ts", std::process::id()));
        super::ipc()
            .export(
                specta_typescript::Typescript::default()
                    .header("// Generated by tauri-specta from src-tauri; do not edit.\n// @ts-nocheck\n"),
                &fresh,
            )
            .expect("export bindings");
        let fresh_text = std::fs::read_to_string(&fresh).expect("read fresh bindings");
        let _ = std::fs::remove_file(&fresh);
        if std::env::var_os("CUBBY_UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh_text).expect("write bindings");
            return;
        }
        let current = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            current == fresh_text,
            "ui/src/lib/ipc/bindings.ts is stale: run `make bindings` and commit the result"
        );
    }
}
