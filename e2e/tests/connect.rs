//! The first-run screen against a real S3 server: a wrong secret gets the plain-words error and
//! saves nothing; the right one connects, lands in the main layout and stores the secret only
//! in the keychain.

use cubby_e2e::{App, KEYCHAIN_SERVICE};
use cubby_testkit::SeaweedFs;

const BUCKET: &str = "e2e-bucket";

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_form_reports_wrong_secret_then_connects() {
    let server = tokio::task::spawn_blocking(|| SeaweedFs::start(&[BUCKET]))
        .await
        .expect("seaweedfs");
    let app = App::launch().await;

    app.wait_for("#connect-submit").await;
    app.click("#mode-endpoint").await;
    app.fill("#connect-name", "seaweed").await;
    app.fill("#connect-endpoint", &server.endpoint).await;
    app.fill("#connect-bucket", BUCKET).await;
    app.fill("#connect-access-key-id", &server.access_key).await;
    app.fill("#connect-secret", "definitely-not-the-secret").await;
    app.click("#connect-submit").await;

    app.wait_for("[data-testid='connect-report'][data-ok='false']")
        .await;
    let summary = app.text("[data-testid='connect-summary']").await;
    assert!(
        summary.contains("didn’t accept these keys"),
        "a short heading says what failed, got: {summary}"
    );
    let detail = app.text("[data-step='credentials'] .detail").await;
    assert!(
        detail.starts_with("Wrong secret for access key") && !detail.contains(&summary),
        "the step says why, as a sentence that does not repeat the heading, got: {detail}"
    );
    assert_eq!(
        app.wait_for("[data-step='credentials']")
            .await
            .attr("data-status")
            .await
            .expect("attr")
            .as_deref(),
        Some("failed")
    );
    app.screenshot("connect-wrong-secret").await;
    assert!(
        !app.config_dir.path().join("profiles.toml").exists(),
        "a failed connection saves nothing"
    );

    app.fill("#connect-secret", &server.secret_key).await;
    app.click("#connect-submit").await;
    app.wait_for("[data-testid='main-layout']").await;
    app.wait_for_text("[data-testid='profile-name']", "seaweed").await;
    app.screenshot("connected").await;

    // The secret is in the real Secret Service, and in no file Cubby wrote.
    let stored = app.keyring.search(KEYCHAIN_SERVICE);
    assert!(
        stored.contains(&server.secret_key),
        "keychain holds the secret: {stored}"
    );
    let files = files_under(app.config_dir.path())
        .into_iter()
        .chain(files_under(app.data_dir.path()));
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&server.secret_key),
            "secret leaked into {}",
            file.display()
        );
    }
    // Nor in what the window can see: the page itself, and the replies of the commands that
    // describe the profile.
    let script = "const i = window.__TAURI_INTERNALS__; \
        return Promise.all([i.invoke('app_status'), i.invoke('test_profile', { name: 'seaweed' })]) \
        .then(r => JSON.stringify(r) + document.documentElement.outerHTML);";
    let visible = app.client.execute(script, vec![]).await.expect("invoke");
    let visible = visible.as_str().unwrap_or_default();
    assert!(
        visible.contains("seaweed"),
        "the replies were read: {}",
        &visible[..visible.len().min(300)]
    );
    assert!(
        !visible.contains(&server.secret_key),
        "the secret reached the window"
    );
    let toml = std::fs::read_to_string(app.config_dir.path().join("profiles.toml")).expect("profile saved");
    assert!(
        toml.contains("[profiles.seaweed]") && toml.contains(BUCKET),
        "{toml}"
    );
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_with_demo_data_opens_the_main_layout() {
    let app = App::launch().await;
    app.click("#use-sandbox").await;
    app.wait_for("[data-testid='main-layout']").await;
    app.wait_for_text("[data-testid='profile-name']", "sandbox").await;
    // "Load demo data" is on by default: both demo tenants are in the sandbox's folder.
    let bucket = app.data_dir.path().join("sandbox/buckets/cubby-sandbox");
    for tenant in ["acme-corp", "globex"] {
        assert!(
            bucket.join(tenant).join("documents").is_dir(),
            "demo tenant {tenant} missing in {}",
            bucket.display()
        );
    }
    app.screenshot("sandbox").await;
    app.quit().await;
}

/// Plain http:// to another machine is refused until the user ticks the consent box, which says
/// what it means; nothing is saved while it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_machine_needs_consent() {
    let app = App::launch().await;
    app.wait_for("#connect-submit").await;
    app.click("#mode-endpoint").await;
    app.fill("#connect-name", "lan").await;
    app.fill("#connect-endpoint", "http://s3.example.com").await;
    app.fill("#connect-bucket", "files").await;
    app.fill("#connect-access-key-id", "AKIDEXAMPLE").await;
    app.fill("#connect-secret", "not-a-real-secret").await;
    app.click("#connect-submit").await;
    let message = app.text("[data-testid='connect-endpoint-message']").await;
    assert!(message.contains("unencrypted"), "{message}");
    let consent = app.text("[data-testid='allow-http']").await;
    assert!(consent.contains("unencrypted"), "{consent}");
    app.screenshot("connect-plain-http").await;
    assert!(
        !app.config_dir.path().join("profiles.toml").exists(),
        "nothing saved"
    );
    // This machine never needs it.
    app.fill("#connect-endpoint", "http://127.0.0.1:9").await;
    let gone = app
        .client
        .execute(
            "return document.querySelector(\"[data-testid='allow-http']\") === null",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(gone, serde_json::Value::Bool(true));
    app.quit().await;
}
