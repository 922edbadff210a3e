//! Downloads as people meet them, through the real app: a file is saved under the name the table
//! shows; the same file again is reported as already there; a different file of that name in
//! the folder gets one question for the batch (Replace, Keep both, Skip) and each answer does
//! what it says. Also the window in dark mode, and its deep check of the connection.

use std::path::Path;
use std::time::Duration;

use cubby_e2e::App;

/// Waits until `check` holds, polling the disk the download writes to.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the download folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The invoice's bytes as the sandbox stores them (under its stamped key).
fn stored_invoice(app: &App) -> Vec<u8> {
    let folder = app
        .data_dir
        .path()
        .join("sandbox/buckets/cubby-sandbox/acme-corp/documents");
    let entry = std::fs::read_dir(&folder)
        .expect("the sandbox's documents")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("_invoice.pdf"))
        .expect("the demo invoice");
    std::fs::read(entry.path()).expect("read it")
}

async fn download_invoice(app: &App) {
    app.row("invoice.pdf").await.click().await.expect("select");
    app.click("[data-testid='download']").await;
}

async fn answer(app: &App, button: &str) {
    app.wait_for("[data-testid='clash-dialog']").await;
    app.click(&format!("[data-testid='{button}']")).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app
        .client
        .find(fantoccini::Locator::Css("[data-testid='clash-dialog']"))
        .await
        .is_ok()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the clash dialog stays open"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_that_meets_a_file_asks_once_and_does_what_was_chosen() {
    // Under the temporary folder the tests' grants cover; it stands for the folder picked in
    // the native dialog.
    let into = tempfile::tempdir_in(std::env::temp_dir()).expect("tempdir");
    let app = App::launch_with(&[("CUBBY_TEST_PICK_FOLDER", into.path().as_os_str())]).await;
    app.click("#use-sandbox").await;
    app.wait_for("[data-testid='tenant-acme-corp']").await;
    app.click("[data-testid='tenant-acme-corp']").await;
    app.wait_for_rows(&["documents", "images", "uploads"]).await;
    app.click("[data-testid='folder-acme-corp/documents/']").await;
    let server = stored_invoice(&app);
    let local = into.path().join("invoice.pdf");

    // Saved under the shown name, with the server's bytes.
    download_invoice(&app).await;
    eventually("invoice.pdf arrives", || {
        std::fs::read(&local).is_ok_and(|b| b == server)
    })
    .await;

    // The same file again: no question, nothing new, and the drawer says why.
    download_invoice(&app).await;
    app.wait_for_text(
        "[data-testid='transfers-idle']",
        "Transfers · 2 done · 1 with a note",
    )
    .await;
    app.click("[data-testid='toggle-transfers']").await;
    app.wait_for_text("[data-testid='transfer-note']", "already there: nothing to copy")
        .await;
    assert!(app
        .client
        .find(fantoccini::Locator::Css("[data-testid='clash-dialog']"))
        .await
        .is_err());
    assert_eq!(names(into.path()), ["invoice.pdf"]);

    // A different file of that name: Keep both adds a copy and leaves it alone.
    std::fs::write(&local, b"%PDF-1.4 my own edited invoice").expect("edit");
    download_invoice(&app).await;
    app.wait_for("[data-testid='clash-dialog']").await;
    app.screenshot("download-clash").await;
    answer(&app, "clash-keep-both").await;
    let copy = into.path().join("invoice (1).pdf");
    eventually("a second copy arrives", || {
        std::fs::read(&copy).is_ok_and(|b| b == server)
    })
    .await;
    assert_eq!(
        std::fs::read(&local).expect("mine"),
        b"%PDF-1.4 my own edited invoice"
    );

    // Skip: nothing is fetched.
    download_invoice(&app).await;
    answer(&app, "clash-skip").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(names(into.path()), ["invoice (1).pdf", "invoice.pdf"]);
    assert_eq!(
        std::fs::read(&local).expect("mine"),
        b"%PDF-1.4 my own edited invoice"
    );

    // Replace: the file takes the server's bytes, and no other copy appears.
    download_invoice(&app).await;
    answer(&app, "clash-replace").await;
    eventually("invoice.pdf is replaced", || {
        std::fs::read(&local).is_ok_and(|b| b == server)
    })
    .await;
    assert_eq!(names(into.path()), ["invoice (1).pdf", "invoice.pdf"]);
    app.quit().await;
}

/// The window follows the desktop's dark theme; kept as a screenshot to look at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_follows_a_dark_desktop() {
    let app = App::launch_with(&[("GTK_THEME", std::ffi::OsStr::new("Adwaita:dark"))]).await;
    app.click("#use-sandbox").await;
    app.wait_for("[data-testid='tenant-acme-corp']").await;
    app.click("[data-testid='tenant-acme-corp']").await;
    app.wait_for_rows(&["documents", "images", "uploads"]).await;
    app.click("[data-testid='folder-acme-corp/documents/']").await;
    app.wait_for_rows(&["expenses-q1.csv", "invoice.pdf", "receipt.jpg"])
        .await;
    let dark = app
        .client
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .expect("ask the page");
    assert_eq!(
        dark,
        serde_json::Value::Bool(true),
        "the page does not see the dark theme"
    );
    app.screenshot("main-dark").await;

    // Check this connection…: the deep check against the sandbox, every line reported.
    app.click("[data-testid='profile-name']").await;
    app.click("[data-testid='check-connection']").await;
    app.wait_for("[data-testid='check-connection-dialog']").await;
    app.click("[data-testid='check-everything']").await;
    let results = app.text_content("[data-testid='deep-check-results']").await;
    for line in [
        "Upload with Content-MD5",
        "Multipart upload with equal parts",
        "A share link serves the file",
    ] {
        assert!(results.contains(line), "{line}: {results}");
    }
    app.screenshot("check-connection-dark").await;
    app.quit().await;
}
