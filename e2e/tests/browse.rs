//! Browsing, sharing, deleting and uploading through the real window, on the sandbox with its
//! demo data: the tenant tree, the streamed table, the Share dialog (whose link is fetched over
//! HTTP), the Links view, delete with its confirmation, and an upload through the drop handler.

use std::time::Duration;

use cubby_e2e::App;
use fantoccini::key::Key;
use fantoccini::Locator;

const DOCUMENTS: &str = "[data-testid='folder-acme-corp/documents/']";

async fn open_documents(app: &App) {
    app.click("#use-sandbox").await;
    app.wait_for("[data-testid='main-layout']").await;
    app.click("[data-testid='tenant-acme-corp']").await;
    app.click(DOCUMENTS).await;
    app.wait_for_rows(&["receipt.jpg", "invoice.pdf", "expenses-q1.csv"])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_a_tenant_and_share_a_file_that_downloads() {
    let app = App::launch().await;
    open_documents(&app).await;
    let names = app.row_names().await;
    assert_eq!(names.len(), 3, "only acme-corp's documents: {names:?}");
    let line = app.text_content("[data-testid='folder-line']").await;
    assert!(
        line.starts_with("3 objects"),
        "status bar counts the folder: {line}"
    );
    app.screenshot("main-documents").await;
    // Each icon's <svg> gets Lucide's shapes cloned in as it mounts: the PDF's is file-text,
    // five strokes, at the table's 14 px.
    let icon = app
        .client
        .execute(
            "const svg = document.querySelector(\"[data-testid='row'][data-key$='_invoice.pdf'] svg\");\
             return svg && [svg.getAttribute('width'), svg.querySelectorAll('path').length];",
            vec![],
        )
        .await
        .expect("icon script");
    assert_eq!(icon, serde_json::json!(["14", 5]), "the invoice's icon");

    let invoice = app.row("invoice.pdf").await;
    let key = invoice.attr("data-key").await.expect("attr").expect("data-key");
    assert!(
        key.starts_with("acme-corp/documents/") && key.ends_with("_invoice.pdf"),
        "{key}"
    );
    invoice.click().await.expect("select");

    // Properties asks the server (HEAD) and shows the full key.
    app.click("[data-testid='properties-button']").await;
    let properties = app.text_content("[data-testid='properties-list']").await;
    assert!(
        properties.contains(&key) && properties.contains("application/pdf"),
        "{properties}"
    );
    app.client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&Key::Escape.to_string())
        .await
        .expect("esc");

    app.click("[data-testid='share']").await;
    app.wait_for("[data-testid='share-dialog']").await;
    app.click("[data-testid='expiry-1d']").await;
    app.click("[data-testid='create-link']").await;
    let url = app
        .wait_for("[data-testid='share-url']")
        .await
        .prop("value")
        .await
        .expect("value")
        .expect("a link");
    app.screenshot("share-dialog").await;

    let (status, body) = tokio::task::spawn_blocking(move || cubby_testkit::http("GET", &url, &[], &[]))
        .await
        .expect("http");
    assert_eq!(status, 200, "the shared link works");
    let stored = std::fs::read(
        app.data_dir
            .path()
            .join("sandbox/buckets/cubby-sandbox")
            .join(&key),
    )
    .expect("the sandbox's copy");
    assert_eq!(body, stored, "the link serves the file's bytes");

    // Esc closes the dialog; the link is in the register and the Links view lists it.
    app.client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&Key::Escape.to_string())
        .await
        .expect("esc");
    app.click("[data-testid='open-links']").await;
    app.wait_for("[data-testid='link-row'][data-state='active']")
        .await;
    app.screenshot("links-view").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_asks_with_count_and_size_then_removes_the_row() {
    let app = App::launch().await;
    open_documents(&app).await;
    let receipt = app.row("receipt.jpg").await;
    receipt.click().await.expect("select");
    receipt
        .send_keys(&Key::Delete.to_string())
        .await
        .expect("press Delete");
    let summary = app.text_content("[data-testid='delete-summary']").await;
    assert!(
        summary.contains("1 object,"),
        "confirmation names the count: {summary}"
    );
    assert!(summary.contains("acme-corp/documents"), "and where: {summary}");
    app.screenshot("delete-confirm").await;
    app.click("[data-testid='confirm-button']").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let names = app.row_names().await;
        if !names.iter().any(|n| n == "receipt.jpg") {
            assert_eq!(names.len(), 2, "{names:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "receipt.jpg still listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let folder = app
        .data_dir
        .path()
        .join("sandbox/buckets/cubby-sandbox/acme-corp/documents");
    let left: Vec<String> = std::fs::read_dir(&folder)
        .expect("documents folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(
        !left.iter().any(|n| n.ends_with("_receipt.jpg")),
        "deleted from the bucket: {left:?}"
    );
    app.quit().await;
}

/// The drop handler is fed the way Tauri feeds it (a `tauri://drag-drop` event with OS paths),
/// since WebDriver cannot drag files from the desktop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_files_are_routed_shown_then_uploaded() {
    let app = App::launch().await;
    open_documents(&app).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("meeting notes.txt");
    std::fs::write(&notes, "agenda: receipts\n").expect("write");
    let photo = dir.path().join("shelf.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n not really a png").expect("write");
    let paths = serde_json::json!([notes.display().to_string(), photo.display().to_string()]);
    let script = "return window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event: 'tauri://drag-drop', payload: { paths: arguments[0], position: { x: 400, y: 300 } } }).then(() => true);";
    app.client
        .execute(script, vec![paths])
        .await
        .expect("emit the drop");

    app.wait_for("[data-testid='upload-plan-items']").await;
    let plan = app.text_content("[data-testid='upload-plan-items']").await;
    assert!(
        plan.contains("acme-corp/documents/") && plan.contains("acme-corp/images/"),
        "routing shown before upload: {plan}"
    );
    app.screenshot("upload-plan").await;
    app.click("[data-testid='start-upload']").await;
    // Keys get a safe name: the space becomes an underscore.
    app.wait_for_rows(&["meeting_notes.txt"]).await;
    app.wait_for("[data-testid='transfers-idle']").await;
    app.click("[data-testid='toggle-transfers']").await;
    app.wait_for("[data-testid='transfer-item'][data-state='done']")
        .await;
    app.screenshot("transfers-done").await;
    let images = app
        .data_dir
        .path()
        .join("sandbox/buckets/cubby-sandbox/acme-corp/images");
    let uploaded: Vec<String> = std::fs::read_dir(&images)
        .expect("images folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        uploaded.iter().any(|n| n.ends_with("_shelf.png")),
        "the image went to images/: {uploaded:?}"
    );

    // Dropped onto a category in the sidebar, files go there whatever their type.
    let script = "const r = document.querySelector(\"[data-testid='folder-acme-corp/images/']\").getBoundingClientRect(); \
        const d = window.devicePixelRatio || 1; \
        return window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event: 'tauri://drag-drop', \
        payload: { paths: arguments[0], position: { x: (r.left + r.width / 2) * d, y: (r.top + r.height / 2) * d } } }).then(() => true);";
    let notes_only = serde_json::json!([notes.display().to_string()]);
    app.client
        .execute(script, vec![notes_only])
        .await
        .expect("emit the drop");
    app.wait_for("[data-testid='upload-plan-items']").await;
    let chosen = app
        .wait_for("[data-testid='upload-category']")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        chosen.as_deref(),
        Some("images"),
        "the category it was dropped on"
    );
    let plan = app.text_content("[data-testid='upload-plan-items']").await;
    assert!(
        plan.contains("acme-corp/images/") && !plan.contains("acme-corp/documents/"),
        "{plan}"
    );
    app.quit().await;
}

/// A folder of 1,501 objects (two ListObjectsV2 pages) shows its first rows, keeps the DOM small
/// (the table is virtualized), scrolls to the last row, and filters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_folder_streams_scrolls_and_filters() {
    let app = App::launch().await;
    open_documents(&app).await;
    // The sandbox serves its folder as is: files written there are objects.
    let uploads = app
        .data_dir
        .path()
        .join("sandbox/buckets/cubby-sandbox/acme-corp/uploads");
    std::fs::create_dir_all(&uploads).expect("uploads folder");
    for i in 0..1500 {
        std::fs::write(
            uploads.join(format!("20250101_120000_abc{:03}_scan-{i:04}.txt", i % 1000)),
            format!("scan {i}"),
        )
        .expect("write");
    }
    app.click("[data-testid='folder-acme-corp/uploads/']").await;
    app.wait_for_rows(&["scan-0000.txt"]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let line = app.text_content("[data-testid='folder-line']").await;
        // 1,500 scans and the demo's contract; digits grouped or not, by the system's locale.
        if line.replace(',', "").starts_with("1501 objects") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "status bar: {line}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rendered = app.row_names().await.len();
    assert!(rendered < 100, "only the visible rows are in the DOM: {rendered}");

    app.client
        .execute(
            "const t = document.querySelector(\"[data-testid='file-table']\"); t.scrollTop = t.scrollHeight; t.dispatchEvent(new Event('scroll')); return true;",
            vec![],
        )
        .await
        .expect("scroll");
    app.wait_for_rows(&["scan-1499.txt"]).await;
    app.screenshot("big-folder-scrolled").await;

    app.fill("[data-testid='filter']", "scan-070*").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let line = app.row_names().await;
        if line.len() == 10 && line.iter().all(|n| n.starts_with("scan-070")) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "filtered rows: {line:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.quit().await;
}

/// The Upload URL dialog guesses the content type from the name and answers with the seed's
/// JSON; a plain HTTP PUT to the URL with that content type stores the file, routed by type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_url_accepts_a_put() {
    let app = App::launch().await;
    open_documents(&app).await;
    app.click("[data-testid='upload-url']").await;
    app.wait_for("[data-testid='upload-url-dialog']").await;
    app.fill("[data-testid='upload-url-name']", "receipt 42.jpg")
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let guessed = app
            .wait_for("[data-testid='upload-url-type']")
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default();
        if guessed == "image/jpeg" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "content type guessed from the name: {guessed}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.click("[data-testid='generate-upload-url']").await;
    let json = app.text_content("[data-testid='upload-url-json']").await;
    let reply: serde_json::Value = serde_json::from_str(&json).expect("the seed's JSON");
    assert_eq!(reply["success"], true);
    assert_eq!(reply["method"], "PUT");
    assert_eq!(reply["headers"]["Content-Type"], "image/jpeg");
    let key = reply["object_key"].as_str().expect("object_key").to_string();
    assert!(
        key.starts_with("acme-corp/images/") && key.ends_with("_receipt_42.jpg"),
        "{key}"
    );
    let url = reply["upload_url"].as_str().expect("upload_url").to_string();
    app.screenshot("upload-url-dialog").await;

    let body = b"\xff\xd8\xff\xe0 a tiny jpeg".to_vec();
    let sent = body.clone();
    let (status, _) = tokio::task::spawn_blocking(move || {
        cubby_testkit::http("PUT", &url, &[("Content-Type", "image/jpeg")], &sent)
    })
    .await
    .expect("http");
    assert_eq!(status, 200, "the presigned PUT is accepted");
    let stored = std::fs::read(
        app.data_dir
            .path()
            .join("sandbox/buckets/cubby-sandbox")
            .join(&key),
    )
    .expect("the uploaded object");
    assert_eq!(stored, body);
    app.quit().await;
}

/// The sandbox's own copy of the bucket, to check what the window did without asking it.
fn stored_names(app: &App, folder: &str) -> Vec<String> {
    let dir = app
        .data_dir
        .path()
        .join("sandbox/buckets/cubby-sandbox")
        .join(folder);
    std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_until_gone(app: &App, name: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app.row_names().await.iter().any(|n| n == name) {
        assert!(std::time::Instant::now() < deadline, "{name} still listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn press(app: &App, key: Key) {
    app.client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&key.to_string())
        .await
        .expect("key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_with_f2_preview_and_move_across_tenants() {
    // A stand-in for the desktop's opener: it records what it was asked to open.
    let bin = tempfile::tempdir().expect("tempdir");
    let opened = bin.path().join("opened.txt");
    let opener = bin.path().join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nenv > '{}'\nprintf '%s' \"$1\" > '{}'\n",
            opened.with_extension("env").display(),
            opened.display()
        ),
    )
    .expect("opener");
    std::fs::set_permissions(&opener, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let path = std::env::join_paths(
        std::iter::once(bin.path().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .expect("PATH");
    // A secret in the app's environment (as under the env profile) must not reach the opener.
    let canary = std::ffi::OsStr::new("canary-secret-for-the-opener");
    let app = App::launch_with(&[("PATH", path.as_os_str()), ("AWS_SECRET_ACCESS_KEY", canary)]).await;
    open_documents(&app).await;

    // F2 renames in place; the key keeps its stamp, only the human name changes.
    let receipt = app.row("receipt.jpg").await;
    let old_key = receipt.attr("data-key").await.expect("attr").expect("data-key");
    receipt.click().await.expect("select");
    receipt.send_keys(&Key::F2.to_string()).await.expect("F2");
    let input = app.wait_for("input[aria-label='New name']").await;
    input.clear().await.expect("clear");
    input.send_keys("lunch receipt.jpg").await.expect("type");
    app.screenshot("rename-dialog").await;
    app.click("[data-testid='rename-confirm']").await;
    app.wait_for_rows(&["lunch_receipt.jpg"]).await;
    wait_until_gone(&app, "receipt.jpg").await;
    let stamp = &old_key["acme-corp/documents/".len()..old_key.len() - "receipt.jpg".len()];
    let stored = stored_names(&app, "acme-corp/documents");
    assert!(
        stored.contains(&format!("{stamp}lunch_receipt.jpg"))
            && !stored
                .iter()
                .any(|n| n.ends_with("_receipt.jpg") && !n.contains("lunch")),
        "renamed in the bucket under the same stamp: {stored:?}"
    );

    // Space opens the preview; the image decodes from the bytes the core sent.
    app.row("lunch_receipt.jpg").await.click().await.expect("select");
    press(&app, Key::Space).await;
    app.wait_for("[role='dialog'][aria-label='Preview'] img.preview-image")
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let width = app
            .client
            .execute(
                "return document.querySelector('img.preview-image').naturalWidth;",
                vec![],
            )
            .await
            .expect("script");
        if width.as_u64().unwrap_or(0) > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the preview image never decoded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.screenshot("preview-image").await;
    press(&app, Key::Escape).await;

    // A PDF opens in the desktop's viewer, from a verified copy in Cubby's own folder.
    app.row("invoice.pdf").await.click().await.expect("select");
    press(&app, Key::Space).await;
    app.click("[data-testid='preview-open']").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let handed = loop {
        if let Ok(text) = std::fs::read_to_string(&opened) {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the opener was never called"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(handed.ends_with("invoice.pdf"), "{handed}");
    let copy = std::fs::read(&handed).expect("the opened copy");
    assert!(copy.starts_with(b"%PDF-"), "a PDF was handed over");
    let opener_env = std::fs::read_to_string(opened.with_extension("env")).expect("opener env");
    assert!(
        !opener_env.contains("canary-secret-for-the-opener") && !opener_env.contains("CUBBY_"),
        "the opener got a clean environment: {opener_env}"
    );
    assert!(
        opener_env.contains("DISPLAY="),
        "but still finds the display: {opener_env}"
    );
    app.screenshot("preview-pdf").await;
    app.client
        .find(Locator::XPath(
            "//div[@role='dialog']//button[normalize-space()='Close']",
        ))
        .await
        .expect("close button")
        .click()
        .await
        .expect("close");

    // Move to another tenant: the window asks again before crossing the boundary.
    app.row("invoice.pdf").await.click().await.expect("select");
    app.click("[data-testid='more-actions']").await;
    app.click("[data-testid='menu-move']").await;
    app.wait_for("[role='dialog'][aria-label='Move']").await;
    // The tenant list arrives from the core after the dialog opens.
    app.wait_for("[data-testid='move-tenant'] option[value='globex']")
        .await;
    app.client
        .execute(
            "const s = document.querySelector(\"[data-testid='move-tenant']\"); s.value = 'globex'; s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .expect("choose tenant");
    app.click("[data-testid='move-to-uploads']").await;
    app.click("[data-testid='move-confirm']").await;
    let warning = app.text_content("[data-testid='move-cross-warning']").await;
    assert!(
        warning.contains("acme-corp") && warning.contains("globex"),
        "{warning}"
    );
    app.screenshot("move-cross-tenant").await;
    app.click("[data-testid='move-cross-confirm']").await;
    wait_until_gone(&app, "invoice.pdf").await;
    assert!(
        stored_names(&app, "globex/uploads")
            .iter()
            .any(|n| n.ends_with("_invoice.pdf")),
        "the invoice is in globex/uploads"
    );
    assert!(
        !stored_names(&app, "acme-corp/documents")
            .iter()
            .any(|n| n.ends_with("_invoice.pdf")),
        "and no longer in acme-corp/documents"
    );
    app.quit().await;
}

/// Defence in depth against a script in the page: it can name no local path the user did not
/// choose (the tests' temporary folders are granted; /etc is not), and it cannot navigate the
/// window away from the app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_can_name_no_path_the_user_did_not_choose() {
    let app = App::launch().await;
    open_documents(&app).await;
    // Resolves to 'accepted', or to the error's message.
    let script = "const done = arguments[2]; window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]) \
        .then(() => done('accepted'), (e) => done((e && e.message) || String(e)));";
    let refused = [
        (
            "plan_upload",
            serde_json::json!({ "paths": ["/etc/passwd"], "tenant": "acme-corp", "category": "auto" }),
        ),
        (
            "plan_upload",
            serde_json::json!({
                "paths": [std::env::temp_dir().join("../etc/passwd")],
                "tenant": "acme-corp",
                "category": "auto"
            }),
        ),
        (
            "import_env",
            serde_json::json!({ "path": "/etc/passwd", "name": null }),
        ),
    ];
    for (command, args) in refused {
        let answer = app
            .client
            .execute_async(script, vec![command.into(), args.clone()])
            .await
            .expect("invoke");
        let answer = answer.as_str().unwrap_or_default().to_string();
        assert!(
            answer.contains("not chosen in this window"),
            "{command} {args}: {answer}"
        );
    }

    // A granted folder still works: the harness grants the temporary folder.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("note.txt"), b"fine").expect("write");
    let answer = app
        .client
        .execute_async(
            script,
            vec![
                "plan_upload".into(),
                serde_json::json!({ "paths": [dir.path().join("note.txt")], "tenant": "acme-corp", "category": "auto" }),
            ],
        )
        .await
        .expect("invoke");
    assert_eq!(answer.as_str(), Some("accepted"), "{answer}");

    let before = app.client.current_url().await.expect("url");
    let _ = app
        .client
        .execute(
            "window.location.href = 'https://example.com/'; return true;",
            vec![],
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = app.client.current_url().await.expect("url");
    assert_eq!(
        (after.scheme(), after.host_str()),
        (before.scheme(), before.host_str()),
        "the window stayed on the app: {after}"
    );
    app.wait_for("[data-testid='main-layout']").await;
    app.quit().await;
}
