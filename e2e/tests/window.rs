//! The main window's recent fixes, through the real app: the keyboard stays with the file table in
//! a folder of 2,000 objects, rename keeps the extension unless told otherwise, the upload link
//! dialog speaks plainly, a link is one menu item away, the status bar tells how sync and the
//! connection stand (a server that goes away leaves the last listing on screen), and the
//! Connect screen fits the window.

use std::time::Duration;

use cubby_e2e::App;
use cubby_testkit::faults::FaultProxy;
use cubby_testkit::{Boto3, SeaweedFs};
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_RIGHT};
use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::Value;

async fn js(app: &App, script: &str, args: Vec<Value>) -> Value {
    app.client
        .execute(script, args)
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Runs `script` until `done` accepts its answer, which it returns; the window answers keys and
/// clicks on its next frame, and the core's replies take longer still.
async fn until(app: &App, what: &str, script: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let seen = js(app, script, vec![]).await;
        if done(&seen) {
            return seen;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: last saw {seen}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn gone(app: &App, css: &str) -> bool {
    let script = "return document.querySelector(arguments[0]) === null;";
    js(app, script, vec![css.into()]).await == Value::Bool(true)
}

/// Waits until nothing matches `css` (a dialog or menu closing).
async fn wait_gone(app: &App, css: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !gone(app, css).await {
        assert!(std::time::Instant::now() < deadline, "{css} is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Keys sent to whatever has the focus, as a person types them; a modifier is held for the keys
/// after it (W3C sendKeys), so `Key::Shift + &Key::F10` is Shift+F10.
async fn press(app: &App, typed: &str) {
    app.client
        .active_element()
        .await
        .expect("focus")
        .send_keys(typed)
        .await
        .expect("keys");
}

/// Where the keyboard is: whether inside the file table, and the focused element's start tag
/// (for the failure message).
async fn focus(app: &App) -> (bool, String) {
    let script = "const a = document.activeElement; \
        return [!!(a && a.closest(\"[data-testid='file-table']\")), a ? a.outerHTML.slice(0, 120) : 'null'];";
    let answer = js(app, script, vec![]).await;
    (
        answer[0].as_bool().unwrap_or(false),
        answer[1].as_str().unwrap_or_default().to_string(),
    )
}

async fn assert_focus_in_table(app: &App, after: &str) {
    // Rows re-render after the key; the table takes the focus back on the frame after.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (inside, element) = focus(app).await;
        if inside {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "after {after} the keyboard left the table for {element}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many links the Links view lists, once it has loaded them.
async fn links_listed(app: &App) -> usize {
    app.click("[data-testid='open-links']").await;
    let script = "const v = document.querySelector(\"[data-testid='links-view']\"); \
        if (!v || v.textContent.includes('Loading links')) return null; \
        return v.querySelectorAll(\"[data-testid='link-row']\").length;";
    until(app, "the Links view loads", script, Value::is_number)
        .await
        .as_u64()
        .expect("count") as usize
}

fn sandbox_folder(app: &App, folder: &str) -> std::path::PathBuf {
    app.data_dir
        .path()
        .join("sandbox/buckets/cubby-sandbox")
        .join(folder)
}

fn stored_names(app: &App, folder: &str) -> Vec<String> {
    std::fs::read_dir(sandbox_folder(app, folder))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

/// The sandbox's demo data and a folder of 2,000 more objects, one launch for the fixes that need
/// no other server: the sync line, Ctrl+A from the sidebar, the upload link's words, rename's
/// extension question, Copy link, and the keyboard in a big folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_keeps_the_keyboard_the_extension_and_plain_words() {
    let app = App::launch().await;
    app.click("#use-sandbox").await;
    app.wait_for("[data-testid='main-layout']").await;
    app.wait_for("[data-testid='tenant-acme-corp']").await;

    // Sync: the status bar says how the watched folders stand, and nothing while none is.
    assert!(
        gone(&app, "[data-testid='sync-line']").await,
        "a sync line with nothing watched"
    );
    let watched = tempfile::tempdir().expect("tempdir");
    let receipts = watched.path().join("Receipts");
    std::fs::create_dir(&receipts).expect("mkdir");
    app.click("[data-testid='add-watched-folder']").await;
    app.fill("[data-testid='add-folder-path']", &receipts.display().to_string())
        .await;
    app.fill("[data-testid='add-folder-tenant']", "acme-corp").await;
    app.click("[data-testid='add-folder-confirm']").await;
    app.wait_for("[data-testid='sync-line'][data-tone='ok']").await;
    let line = app.text_content("[data-testid='sync-line']").await;
    assert_eq!(line, "Sync up to date", "an empty watched folder is done");

    // A click on a tenant in the sidebar takes the keyboard to its files, even from "Add
    // folder…", which got the focus back from its dialog; Ctrl+A then selects its rows, not the
    // page's text.
    app.click("[data-testid='tenant-acme-corp']").await;
    app.wait_for_rows(&["documents", "images", "uploads"]).await;
    assert_focus_in_table(&app, "a click on a tenant").await;
    press(&app, &(Key::Control + "a")).await;
    app.wait_for_text("[data-testid='selection-line']", "3 selected")
        .await;
    let page_text = js(&app, "return window.getSelection().toString();", vec![]).await;
    assert_eq!(page_text, "", "Ctrl+A selected the page's text");
    let selected = js(
        &app,
        "return document.querySelectorAll(\"[data-testid='row'].selected\").length;",
        vec![],
    )
    .await;
    assert_eq!(
        selected,
        serde_json::json!(3),
        "every row of the tenant is selected"
    );
    press(&app, &Key::Escape).await;

    // The upload link dialog says what the link is for, not how the wire works.
    app.click("[data-testid='upload-url']").await;
    let dialog = app.text_content("[data-testid='upload-url-dialog']").await;
    for jargon in ["PUT", "generate-url"] {
        assert!(!dialog.contains(jargon), "the dialog says {jargon:?}: {dialog}");
    }
    let lead = app.text_content("[data-testid='upload-url-lead']").await;
    assert!(
        lead.starts_with("A link a customer’s app can upload one file to, until it expires.")
            && lead.contains("needs no password or keys")
            && lead.contains("acme-corp’s folder"),
        "{lead}"
    );
    app.screenshot("upload-url-plain-words").await;
    press(&app, &Key::Escape).await;
    wait_gone(&app, "[data-testid='upload-url-dialog']").await;

    // Rename opens on the stem, so typing replaces "invoice" and keeps ".pdf".
    app.click("[data-testid='folder-acme-corp/documents/']").await;
    let invoice = app.row("invoice.pdf").await;
    invoice.click().await.expect("select");
    invoice.send_keys(&Key::F2.to_string()).await.expect("F2");
    let range = until(
        &app,
        "the rename box opens with the stem selected",
        "const i = document.querySelector(\"[data-testid='rename-input']\"); \
         return i && i === document.activeElement ? [i.value, i.selectionStart, i.selectionEnd] : null;",
        |v| !v.is_null(),
    )
    .await;
    assert_eq!(
        range,
        serde_json::json!(["invoice.pdf", 0, "invoice".len()]),
        "[value, selection start, selection end]"
    );
    // A name typed without its extension is questioned before anything is renamed.
    let input = app.wait_for("[data-testid='rename-input']").await;
    input.clear().await.expect("clear");
    input.send_keys("bill").await.expect("type");
    app.click("[data-testid='rename-confirm']").await;
    let question = app
        .text_content("[data-testid='rename-ext-warning'][data-kind='removed']")
        .await;
    assert!(question.contains("Keep .pdf"), "{question}");
    app.wait_for("[data-testid='rename-use-ext']").await;
    assert!(
        gone(&app, "[data-testid='rename-confirm']").await,
        "Rename stays offered while the question is up"
    );
    assert!(
        stored_names(&app, "acme-corp/documents")
            .iter()
            .any(|n| n.ends_with("_invoice.pdf")),
        "renamed before the question was answered"
    );
    app.screenshot("rename-keep-extension").await;
    app.click("[data-testid='rename-keep-ext']").await;
    app.wait_for_rows(&["bill.pdf"]).await;
    let names = app.row_names().await;
    assert!(
        !names.iter().any(|n| n == "invoice.pdf" || n == "bill"),
        "{names:?}"
    );
    let stored = stored_names(&app, "acme-corp/documents");
    assert!(
        stored.iter().any(|n| n.ends_with("_bill.pdf"))
            && !stored.iter().any(|n| n.ends_with("_invoice.pdf")),
        "renamed in the bucket with its extension: {stored:?}"
    );

    // Copy link: one item in the file menu makes the link; the register lists it.
    let links_before = links_listed(&app).await;
    app.click("[data-testid='folder-acme-corp/documents/']").await;
    let bill = app.row("bill.pdf").await;
    bill.click().await.expect("select");
    let right_click = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: bill,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_RIGHT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_RIGHT,
        });
    app.client
        .perform_actions(right_click)
        .await
        .expect("right-click");
    app.wait_for("[data-testid='file-menu']").await;
    app.click("[data-testid='menu-copy-link']").await;
    let toast = until(
        &app,
        "a toast after Copy link",
        "const t = document.querySelector(\"[data-testid='toast']\"); return t ? t.textContent.trim() : '';",
        |v| {
            v.as_str()
                .is_some_and(|t| t.starts_with("Link copied") || t.starts_with("Couldn"))
        },
    )
    .await;
    assert_eq!(toast, "Link copied · expires in 1 day");
    assert!(
        gone(&app, "[data-testid='main-error']").await,
        "and no error beside it"
    );
    assert_eq!(
        links_listed(&app).await,
        links_before + 1,
        "the Links view lists the new link"
    );
    let newest = app.text_content("[data-testid='links-table']").await;
    assert!(newest.contains("bill.pdf"), "{newest}");

    // A big folder: 2,000 objects in acme-corp/uploads beside the demo's contract.
    let uploads = sandbox_folder(&app, "acme-corp/uploads");
    for i in 0..2000 {
        std::fs::write(
            uploads.join(format!("20250101_120000_abc{:03}_scan-{i:04}.txt", i % 1000)),
            format!("scan {i}"),
        )
        .expect("write");
    }
    app.click("[data-testid='folder-acme-corp/uploads/']").await;
    app.wait_for_rows(&["contract-signed.pdf"]).await;
    until(
        &app,
        "the folder lists in full",
        "const l = document.querySelector(\"[data-testid='folder-line']\"); return l ? l.textContent : '';",
        |v| {
            v.as_str()
                .is_some_and(|l| l.replace(',', "").starts_with("2001 objects"))
        },
    )
    .await;

    // End scrolls the first row, which held the focus, out of the DOM; the table keeps the keys.
    app.row("contract-signed.pdf")
        .await
        .click()
        .await
        .expect("select");
    press(&app, &Key::End).await;
    app.wait_for_text(
        "[data-testid='row'].cursor [data-testid='row-name']",
        "scan-1999.txt",
    )
    .await;
    assert_focus_in_table(&app, "End").await;
    app.screenshot("big-folder-focus").await;
    press(&app, &(Key::Shift + &Key::F10)).await;
    app.wait_for("[data-testid='file-menu']").await;
    press(&app, &Key::Escape).await;
    wait_gone(&app, "[data-testid='file-menu']").await;

    // Ctrl+A re-renders every row as selected; the keys still reach the table.
    assert_focus_in_table(&app, "closing the menu").await;
    press(&app, &(Key::Control + "a")).await;
    let line = until(
        &app,
        "Ctrl+A selects the folder",
        "const l = document.querySelector(\"[data-testid='selection-line']\"); return l ? l.textContent.trim() : '';",
        |v| v.as_str().is_some_and(|l| l.starts_with("2001 selected (")),
    )
    .await;
    assert_focus_in_table(&app, "Ctrl+A").await;
    let page_text = js(&app, "return window.getSelection().toString();", vec![]).await;
    assert_eq!(page_text, "", "Ctrl+A selected the page's text");
    press(&app, &(Key::Shift + &Key::F10)).await;
    let delete_item = app
        .text_content("[data-testid='file-menu'] [data-testid='menu-delete']")
        .await;
    assert!(delete_item.contains("Delete 2001 files"), "{delete_item}");
    app.screenshot("big-folder-menu").await;
    press(&app, &Key::Escape).await;
    wait_gone(&app, "[data-testid='file-menu']").await;
    assert_focus_in_table(&app, "closing the menu").await;

    // Delete asks about all of them; Esc (the dialog opens on Cancel) deletes nothing.
    press(&app, &Key::Delete).await;
    let summary = app.text_content("[data-testid='delete-summary']").await;
    assert!(
        summary.contains("2001 objects") && summary.contains("acme-corp/uploads"),
        "{summary} (status bar: {line})"
    );
    app.screenshot("big-folder-delete").await;
    press(&app, &Key::Escape).await;
    wait_gone(&app, "[data-testid='delete-summary']").await;
    assert_eq!(
        stored_names(&app, "acme-corp/uploads").len(),
        2001,
        "nothing was deleted"
    );
    app.quit().await;
}

/// The Connect screen fits a 1280×800 window whole: no scrolling to reach the sandbox button.
/// The profile name follows the kind of storage until the user types one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connect_screen_fits_the_window() {
    let app = App::launch().await;
    app.wait_for("#connect-submit").await;
    let size = js(&app, "return [window.innerWidth, window.innerHeight];", vec![]).await;
    assert_eq!(size, serde_json::json!([1280, 800]), "the window's viewport");
    // Both kinds of storage: the endpoint form has fields of its own.
    for mode in ["#mode-r2", "#mode-endpoint"] {
        app.click(mode).await;
        let fit = js(
            &app,
            "const p = document.querySelector(\"[data-testid='connect-page']\"); \
             const b = document.querySelector('#use-sandbox').getBoundingClientRect(); \
             return { scroll: p.scrollHeight, client: p.clientHeight, top: b.top, bottom: b.bottom, height: window.innerHeight };",
            vec![],
        )
        .await;
        assert!(
            fit["scroll"].as_f64() <= fit["client"].as_f64(),
            "{mode}: the page scrolls: {fit}"
        );
        assert!(
            fit["top"].as_f64() >= Some(0.0) && fit["bottom"].as_f64() <= fit["height"].as_f64(),
            "{mode}: the sandbox button is off screen: {fit}"
        );
        if mode == "#mode-r2" {
            app.screenshot("connect-fits").await;
        }
    }
    let name = |app: &App| {
        let client = app.client.clone();
        async move {
            client
                .find(Locator::Css("#connect-name"))
                .await
                .expect("#connect-name")
                .prop("value")
                .await
                .expect("value")
                .unwrap_or_default()
        }
    };
    app.click("#mode-r2").await;
    assert_eq!(name(&app).await, "r2");
    app.click("#mode-endpoint").await;
    assert_eq!(name(&app).await, "s3", "an S3 endpoint is not named r2");
    app.screenshot("connect-fits-endpoint").await;

    // A second launch on the same data folder hands over to this window and exits at once.
    let (code, _, err) = tokio::task::block_in_place(|| {
        cubby_testkit::run_with_timeout(&mut app.second_launch(), None, Duration::from_secs(30))
    });
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("already running"), "{err}");
    assert_eq!(name(&app).await, "s3", "the first window still answers");
    app.quit().await;
}

/// Storage that stops answering (a refused connection: the core's `unreachable`) leaves the last
/// listing on screen, says so in a banner and the status bar, and a Retry once it answers again
/// brings the window back. A fault proxy between the app and SeaweedFS plays the network.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_keeps_the_last_listing_on_screen() {
    const BUCKET: &str = "e2e-offline";
    let server = tokio::task::spawn_blocking(|| SeaweedFs::start(&[BUCKET]))
        .await
        .expect("seaweedfs");
    let seeded = Boto3 { server: &server }.run(&format!(
        "for key in ['acme/documents/20250101_120000_abc001_invoice.pdf', \
                     'acme/documents/20250101_120000_abc002_notes.txt', \
                     'acme/images/20250101_120000_abc003_logo.png']:\n\
         \x20   s3.put_object(Bucket='{BUCKET}', Key=key, Body=b'demo')\n\
         print('ok')\n"
    ));
    assert_eq!(seeded.trim(), "ok");
    let port = server.port;
    // The proxy runs its own runtime, which cannot be started from this one's threads.
    let proxy = tokio::task::spawn_blocking(move || FaultProxy::start(port))
        .await
        .expect("proxy");

    let app = App::launch().await;
    app.wait_for("#connect-submit").await;
    app.click("#mode-endpoint").await;
    app.fill("#connect-name", "seaweed").await;
    app.fill("#connect-endpoint", &proxy.endpoint).await;
    app.fill("#connect-bucket", BUCKET).await;
    app.fill("#connect-access-key-id", &server.access_key).await;
    app.fill("#connect-secret", &server.secret_key).await;
    app.click("#connect-submit").await;
    app.wait_for("[data-testid='main-layout']").await;
    app.wait_for("[data-testid='connection'][data-state='online']")
        .await;
    app.click("[data-testid='tenant-acme']").await;
    app.click("[data-testid='folder-acme/documents/']").await;
    app.wait_for_rows(&["invoice.pdf", "notes.txt"]).await;

    let proxy = tokio::task::spawn_blocking(move || {
        proxy.refuse(true);
        proxy
    })
    .await
    .expect("refuse");
    // Another folder cannot be listed: documents stays on screen, as it was.
    app.click("[data-testid='folder-acme/images/']").await;
    app.wait_for("[data-testid='offline-banner']").await;
    app.wait_for("[data-testid='connection'][data-state='offline']")
        .await;
    let names = app.row_names().await;
    assert!(
        names.contains(&"invoice.pdf".to_string()) && names.contains(&"notes.txt".to_string()),
        "the last listing stays: {names:?}"
    );
    let banner = app.text_content("[data-testid='offline-banner']").await;
    assert!(
        banner.contains("Can’t reach storage") && banner.contains("as last listed"),
        "{banner}"
    );
    let line = app.text_content("[data-testid='connection-line']").await;
    assert!(line.starts_with("Can’t reach storage"), "status bar: {line}");
    app.wait_for("[data-testid='offline-retry']").await;
    assert!(
        gone(&app, "[data-testid='list-error']").await,
        "offline is not a broken folder"
    );
    app.screenshot("offline-banner").await;

    // Storage answers again: Retry (or the automatic retry, whichever runs first) lists it.
    let proxy = tokio::task::spawn_blocking(move || {
        proxy.refuse(false);
        proxy
    })
    .await
    .expect("accept");
    app.click("[data-testid='offline-retry']").await;
    app.wait_for("[data-testid='connection'][data-state='online']")
        .await;
    wait_gone(&app, "[data-testid='offline-banner']").await;
    app.wait_for_rows(&["invoice.pdf", "notes.txt"]).await;
    app.click("[data-testid='folder-acme/images/']").await;
    app.wait_for_rows(&["logo.png"]).await;
    app.screenshot("offline-recovered").await;
    app.quit().await;
    drop(proxy);
}
