//! The floor under Cubby's window, for `make bench` (`desktop_idle_pss`): the same Tauri and
//! WebKitGTK, one window of the same size, and a page with nothing on it, served through a
//! custom protocol as Cubby's own page is. Cubby's idle memory is judged against what this stack
//! costs with nothing in it, not against zero. With `--light`, the window gets the WebKit
//! settings Cubby's own window has (`cubby_desktop_lib::lighten`).

fn main() {
    let mut context = tauri::generate_context!();
    // Not Cubby's window and page.
    context.config_mut().app.windows.clear();
    let result = tauri::Builder::default()
        .register_uri_scheme_protocol("floor", |_, _| {
            tauri::http::Response::builder()
                .header("Content-Type", "text/html")
                .body(b"<!doctype html><title>floor</title>".to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let page = "floor://localhost/".parse().map_err(|e| format!("{e}"))?;
            let window =
                tauri::WebviewWindowBuilder::new(app, "floor", tauri::WebviewUrl::CustomProtocol(page))
                    .title("floor")
                    .inner_size(1280.0, 800.0)
                    .build()?;
            #[cfg(target_os = "linux")]
            if std::env::args().any(|a| a == "--light") {
                cubby_desktop_lib::lighten(&window);
            }
            let _ = window;
            Ok(())
        })
        .run(context);
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
