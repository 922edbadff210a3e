//! Tenant names, search and the Usage view through the real window, on the sandbox with its
//! demo data: a tenant added before its first file and one renamed (kept in the bucket, so the
//! CLI on the same data folder sees them), a search across tenants that opens the file's
//! folder with the file selected, and the usage report with its cost card.

use std::time::Duration;

use cubby_e2e::App;
use fantoccini::key::Key;

/// Polls `css`'s textContent until it contains `wanted`.
async fn wait_for_contains(app: &App, css: &str, wanted: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';";
        let text = match app.client.execute(script, vec![css.into()]).await {
            Ok(serde_json::Value::String(text)) => text,
            _ => String::new(),
        };
        if text.contains(wanted) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} shows {text:?}, expected it to contain {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_named_search_opens_the_file_and_usage_sums_the_bucket() {
    let app = App::launch().await;
    app.click("#use-sandbox").await;
    app.wait_for("[data-testid='main-layout']").await;
    app.wait_for("[data-testid='tenant-acme-corp']").await;

    // A tenant added before its first file, with the name people know it by.
    app.click("[data-testid='tenant-add']").await;
    app.wait_for("[data-testid='tenant-add-dialog']").await;
    app.fill("[data-testid='tenant-add-id']", "initech").await;
    app.fill("[data-testid='tenant-add-name']", "Initech Ltd").await;
    app.click("[data-testid='tenant-add-confirm']").await;
    let row = wait_for_contains(&app, "[data-testid='tenant-initech']", "Initech Ltd").await;
    assert!(row.contains("no files yet"), "{row}");

    // Renaming the tenant the files view is in.
    app.click("[data-testid='tenant-acme-corp']").await;
    app.click("[data-testid='tenant-rename']").await;
    app.wait_for("[data-testid='tenant-rename-dialog']").await;
    app.fill("[data-testid='tenant-rename-input']", "Acme Corporation")
        .await;
    app.click("[data-testid='tenant-rename-confirm']").await;
    wait_for_contains(&app, "[data-testid='tenant-acme-corp']", "Acme Corporation").await;
    app.screenshot("tenant-names").await;

    // The names are in the bucket: the CLI on the same data folder lists them.
    let out = app
        .second_launch_cli(&["--json", "tenants"])
        .output()
        .expect("cubby tenants");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let named = |id: &str| {
        listed
            .as_array()
            .and_then(|a| a.iter().find(|t| t["id"] == id))
            .map(|t| t["name"].clone())
    };
    assert_eq!(named("acme-corp"), Some("Acme Corporation".into()), "{listed}");
    assert_eq!(named("initech"), Some("Initech Ltd".into()), "{listed}");

    // The Usage view lists the bucket once; that listing also fills the search index.
    app.click("[data-testid='open-usage']").await;
    app.wait_for("[data-testid='usage-view']").await;
    let acme = wait_for_contains(
        &app,
        "[data-testid='usage-tenant-row'][data-tenant='acme-corp']",
        "Acme Corporation",
    )
    .await;
    assert!(!acme.is_empty());
    let cost = app.text_content("[data-testid='usage-cost']").await;
    assert!(cost.contains("R2") && cost.contains("S3"), "{cost}");
    app.screenshot("usage").await;

    // Search across tenants: Enter opens the file's folder with the file selected.
    app.fill("[data-testid='search-input']", "invoice").await;
    let result = app.wait_for("[data-testid='search-result']").await;
    let key = result.attr("data-key").await.expect("attr").expect("data-key");
    assert!(
        key.ends_with("_invoice.pdf") || key.ends_with("invoice.pdf"),
        "{key}"
    );
    app.screenshot("search").await;
    app.client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    let folder = &key[..key.rfind('/').expect("folder") + 1];
    app.wait_for("[data-testid='folder-line']").await;
    let selected = app
        .client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css(&format!(
            "[data-testid='row'][data-key='{key}'][aria-selected='true']"
        )))
        .await;
    assert!(selected.is_ok(), "{key} is not selected in {folder}");
    app.quit().await;
}
