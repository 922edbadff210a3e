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

/// Migrate from S3 in the window: an "old S3" bucket (SeaweedFS, a profile added with the CLI
/// on the app's keychain) copied into the sandbox: the plan, the run, the report, and the
/// objects under the same keys in the sandbox afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_is_migrated_into_the_sandbox_from_the_window() {
    use std::io::Write;
    let old = tokio::task::spawn_blocking(|| cubby_testkit::SeaweedFs::start(&["old-s3"]))
        .await
        .expect("seaweedfs");
    let app = App::launch().await;
    let mut add = app.second_launch_cli(&[
        "profile",
        "add",
        "old-s3",
        "--endpoint",
        &old.endpoint,
        "--bucket",
        "old-s3",
        "--secret-stdin",
    ]);
    let mut child = add
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("profile add");
    writeln!(
        child.stdin.take().expect("stdin"),
        "{}\n{}",
        old.access_key,
        old.secret_key
    )
    .expect("keys");
    let out = child.wait_with_output().expect("profile add");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = tempfile::tempdir().expect("tempdir");
    for (name, body) in [
        ("2019-receipt.pdf", &b"%PDF-1.4 old"[..]),
        ("logo.png", b"\x89PNG\r\n\x1a\nold"),
    ] {
        std::fs::write(files.path().join(name), body).expect("write");
    }
    let out = app
        .second_launch_cli(&[
            "--profile",
            "old-s3",
            "put",
            &files.path().display().to_string(),
            "--tenant",
            "legacy",
            "--new-tenant",
        ])
        .output()
        .expect("put");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The window opens whichever profile it finds; the migration's two ends are chosen in
    // the view itself.
    let script = "return !!document.querySelector('#use-sandbox') || !!document.querySelector(\"[data-testid='main-layout']\");";
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app.client.execute(script, vec![]).await.ok() != Some(serde_json::Value::Bool(true)) {
        assert!(
            std::time::Instant::now() < deadline,
            "neither Connect nor the main window"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if app
        .client
        .find(fantoccini::Locator::Css("#use-sandbox"))
        .await
        .is_ok()
    {
        app.click("#use-sandbox").await;
    }
    app.wait_for("[data-testid='main-layout']").await;
    app.click("[data-testid='open-migration']").await;
    app.wait_for("[data-testid='migration-view']").await;
    for (select, profile) in [("migration-from", "old-s3"), ("migration-to", "sandbox")] {
        app.click(&format!("[data-testid='{select}'] option[value='{profile}']"))
            .await;
        let chosen = app
            .text_content(&format!("[data-testid='{select}'] option:checked"))
            .await;
        assert!(chosen.contains(profile), "{select}: {chosen}");
    }
    app.click("[data-testid='migration-check']").await;
    let plan = wait_for_contains(&app, "[data-testid='migration-plan-copy']", "2").await;
    assert!(plan.contains("2"), "{plan}");
    app.screenshot("migration-plan").await;
    app.click("[data-testid='migration-start']").await;
    let copied = wait_for_contains(&app, "[data-testid='migration-report-copied']", "2").await;
    assert!(copied.contains("2"), "{copied}");
    let failed = app.text_content("[data-testid='migration-report-failed']").await;
    assert_eq!(failed, "none");
    app.screenshot("migration-report").await;

    // The same keys are in the sandbox now.
    let out = app
        .second_launch_cli(&["--profile", "sandbox", "--json", "ls", "legacy", "-r"])
        .output()
        .expect("ls");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let keys: Vec<&str> = listed["objects"]
        .as_array()
        .map(|a| a.iter().filter_map(|o| o["key"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(keys.len(), 2, "{listed}");
    assert!(
        keys.iter().any(|k| k.starts_with("legacy/documents/")),
        "{keys:?}"
    );
    app.quit().await;
}
