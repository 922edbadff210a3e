//! Watched folders through the real window, on the sandbox with its demo data: a folder added
//! in the Add folder dialog (its path typed into the dialog's path field, since WebDriver cannot
//! drive the native folder picker), two files dropped into it from the test, both reaching
//! "uploaded" in the Sync view and landing in the bucket under the tenant's routed folders.

use std::time::Duration;

use cubby_e2e::App;

/// The Sync view's activity lines as (path, state).
async fn activity(app: &App) -> Vec<(String, String)> {
    let script = "return Array.from(document.querySelectorAll(\"[data-testid='sync-file']\")).map(e => [e.dataset.path, e.dataset.state]);";
    match app.client.execute(script, vec![]).await {
        Ok(serde_json::Value::Array(rows)) => rows
            .into_iter()
            .filter_map(|r| {
                let pair = r.as_array()?;
                Some((
                    pair.first()?.as_str()?.to_string(),
                    pair.get(1)?.as_str()?.to_string(),
                ))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_folder_uploads_dropped_files() {
    let app = App::launch().await;
    app.click("#use-sandbox").await;
    app.wait_for("[data-testid='main-layout']").await;
    app.wait_for("[data-testid='tenant-acme-corp']").await;

    let watched = tempfile::tempdir().expect("tempdir");
    let receipts = watched.path().join("Receipts");
    std::fs::create_dir(&receipts).expect("mkdir");

    app.click("[data-testid='add-watched-folder']").await;
    app.fill("[data-testid='add-folder-path']", &receipts.display().to_string())
        .await;
    app.fill("[data-testid='add-folder-tenant']", "acme-corp").await;
    app.screenshot("sync-add-folder").await;
    app.click("[data-testid='add-folder-confirm']").await;
    app.wait_for("[data-testid='sync-view']").await;
    app.wait_for("[data-testid='watched-Receipts']").await;

    // Two files saved into the folder by "someone else".
    std::fs::write(receipts.join("lunch receipt.txt"), "coffee 3.20\n").expect("write");
    std::fs::write(receipts.join("scan.png"), b"\x89PNG\r\n\x1a\n not really a png").expect("write");

    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let rows = activity(&app).await;
        let done = |name: &str| rows.iter().any(|(p, s)| p == name && s == "uploaded");
        if done("lunch receipt.txt") && done("scan.png") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the Sync view shows {rows:?}, expected both files uploaded"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.wait_for_text("[data-testid='sync-total-uploaded'] dd", "2")
        .await;
    app.screenshot("sync-view").await;

    // The sandbox serves its folder as is: the objects are files under the tenant.
    let tenant = app
        .data_dir
        .path()
        .join("sandbox/buckets/cubby-sandbox/acme-corp");
    let documents = names_in(&tenant.join("documents"));
    let images = names_in(&tenant.join("images"));
    assert!(
        documents.iter().any(|n| n.ends_with("_lunch_receipt.txt")),
        "the text file went to documents/: {documents:?}"
    );
    assert!(
        images.iter().any(|n| n.ends_with("_scan.png")),
        "the image went to images/: {images:?}"
    );

    // Remove asks first and deletes nothing.
    app.click("[data-testid='sync-remove']").await;
    let summary = app.text("[data-testid='sync-remove-summary']").await;
    assert!(summary.contains("nothing is deleted"), "{summary}");
    app.screenshot("sync-remove-confirm").await;
    app.quit().await;
}

/// Client folders: Add folder… with "Each subfolder is a client"; a receipt in a client's
/// subfolder goes up under that tenant, a loose one is a problem with its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_of_client_folders_uploads_each_to_its_tenant() {
    let app = App::launch().await;
    app.click("#use-sandbox").await;
    app.wait_for("[data-testid='main-layout']").await;
    app.wait_for("[data-testid='tenant-acme-corp']").await;
    let watched = tempfile::tempdir().expect("tempdir");
    let clients = watched.path().join("Clients");
    std::fs::create_dir_all(clients.join("acme-corp")).expect("mkdir");

    app.click("[data-testid='add-watched-folder']").await;
    app.fill("[data-testid='add-folder-path']", &clients.display().to_string())
        .await;
    app.click("[data-testid='folder-per-subfolder']").await;
    app.screenshot("sync-add-client-folders").await;
    app.click("[data-testid='add-folder-confirm']").await;
    app.wait_for("[data-testid='sync-view']").await;
    app.wait_for("[data-testid='watched-Clients']").await;

    std::fs::write(clients.join("acme-corp/receipt.txt"), "taxi 12.40\n").expect("write");
    std::fs::write(clients.join("loose.txt"), "whose?\n").expect("write");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let rows = activity(&app).await;
        let state = |name: &str| rows.iter().find(|(p, _)| p == name).map(|(_, s)| s.clone());
        if state("acme-corp/receipt.txt").as_deref() == Some("uploaded")
            && state("loose.txt").as_deref() == Some("failed")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the Sync view shows {rows:?}, expected the receipt uploaded and the loose file failed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("sync-client-folders").await;
    app.quit().await;
}
