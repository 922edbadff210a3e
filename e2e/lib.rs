//! Drives the real cubby-desktop window: Xvfb, the private keychain and SeaweedFS from
//! cubby-testkit, tauri-driver + WebKitWebDriver, and a WebDriver client (fantoccini).
//!
//! The app binary must be built first (`make e2e` does: `cargo build -p cubby-desktop` after
//! `npm run build` in ui/).
//!
//! A failing test explains itself: when an `App` is dropped while its test panics, the window's
//! screenshot, the page's HTML and the app's log (tauri-driver's and the app's output) are kept in
//! `e2e/artifacts/failures/<test>.{png,html,log}`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use cubby_testkit::{command, free_ports, repo_root, tool, PrivateKeyring, Xvfb};
use fantoccini::{Client, ClientBuilder, Locator};

/// A running app with its own display, keychain and folders, driven over WebDriver.
pub struct App {
    pub client: Client,
    pub config_dir: tempfile::TempDir,
    pub data_dir: tempfile::TempDir,
    pub keyring: PrivateKeyring,
    _driver: Driver,
    _xvfb: Xvfb,
}

struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub const KEYCHAIN_SERVICE: &str = "cubby-e2e";

/// The display, keychain and folders an app under test runs in, whether WebDriver starts it or
/// a test launches it again.
fn on_app_world(
    cmd: &mut std::process::Command,
    xvfb: &Xvfb,
    keyring: &PrivateKeyring,
    config: &Path,
    data: &Path,
) {
    cmd.env("DISPLAY", &xvfb.display)
        .envs(keyring.env())
        .env("CUBBY_CONFIG_DIR", config)
        .env("CUBBY_DATA_DIR", data)
        .env("CUBBY_KEYCHAIN_SERVICE", KEYCHAIN_SERVICE);
}

pub fn app_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let binary = target.join("debug/cubby-desktop");
    assert!(
        binary.is_file(),
        "{} is missing: run `make e2e` (or `cargo build -p cubby-desktop`)",
        binary.display()
    );
    binary
}

impl Drop for App {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.keep_failure_artifacts();
        }
    }
}

impl App {
    /// Called while the test panics, so nothing here may panic itself (that would abort the run
    /// and lose the test's own message).
    fn keep_failure_artifacts(&self) {
        let name = std::thread::current()
            .name()
            .map(|name| name.rsplit("::").next().unwrap_or(name).to_string())
            .unwrap_or_else(|| "unnamed".into());
        let dir = repo_root().join("e2e/artifacts/failures");
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let _ = std::fs::copy(
            self.data_dir.path().join("driver.log"),
            dir.join(format!("{name}.log")),
        );
        // The WebDriver client is async; block on it only where tokio allows blocking (the tests
        // run on the multi-thread runtime).
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
            return;
        }
        let client = self.client.clone();
        let (png, html) = tokio::task::block_in_place(|| {
            handle.block_on(async {
                let limit = Duration::from_secs(10);
                let png = tokio::time::timeout(limit, client.screenshot()).await;
                let html = tokio::time::timeout(limit, client.source()).await;
                (png, html)
            })
        });
        if !x_screenshot(&self._xvfb.display, &dir.join(format!("{name}.png"))) {
            if let Ok(Ok(png)) = png {
                let _ = std::fs::write(dir.join(format!("{name}.png")), png);
            }
        }
        if let Ok(Ok(html)) = html {
            let _ = std::fs::write(dir.join(format!("{name}.html")), html);
        }
        eprintln!("e2e: kept the screenshot, page and app log in {}", dir.display());
    }

    /// The app binary started again as a person would, on this app's display, keychain and
    /// folders (not through WebDriver).
    pub fn second_launch(&self) -> std::process::Command {
        self.on_this_world(app_binary())
    }

    /// The `cubby` CLI beside the app binary, on this app's keychain and folders: what a person
    /// running it on the same computer sees.
    pub fn second_launch_cli(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = self.on_this_world(app_binary().with_file_name("cubby"));
        cmd.args(args);
        cmd
    }

    fn on_this_world(&self, program: PathBuf) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        on_app_world(
            &mut cmd,
            &self._xvfb,
            &self.keyring,
            self.config_dir.path(),
            self.data_dir.path(),
        );
        cmd
    }

    pub async fn launch() -> App {
        Self::launch_with(&[]).await
    }

    /// `launch` with extra environment for the app (e.g. a PATH with a stand-in `xdg-open`).
    pub async fn launch_with(envs: &[(&str, &std::ffi::OsStr)]) -> App {
        // Fails harmlessly when another test in this process installed it first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let xvfb = Xvfb::start();
        let keyring = PrivateKeyring::start();
        let config_dir = tempfile::tempdir().expect("tempdir");
        let data_dir = tempfile::tempdir().expect("tempdir");
        let ports = free_ports(3);
        let (port, native_port, sandbox_port) = (ports[0], ports[1], ports[2]);
        let log = std::fs::File::create(data_dir.path().join("driver.log")).expect("log");
        let mut driver = command(tool("tauri-driver"));
        on_app_world(&mut driver, &xvfb, &keyring, config_dir.path(), data_dir.path());
        let driver = driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("CUBBY_SANDBOX_PORT", sandbox_port.to_string())
            // Debug logs land in driver.log, inside the data dir the secret scans read.
            .env("CUBBY_LOG", "debug")
            // WebDriver can neither drive the native dialogs nor drop files from the OS, which
            // is how paths are granted to the page: the tests' temporary folders are granted
            // up front instead (and the page may emit the simulated drop).
            .env("CUBBY_TEST_GRANTS", std::env::temp_dir())
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start tauri-driver");
        let driver = Driver(driver);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "wry".into());
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary().display().to_string() }),
        );
        let mut last_error = None;
        let mut client = None;
        for _ in 0..100 {
            match ClientBuilder::rustls()
                .expect("tls")
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(e) => {
                    last_error = Some(e.to_string());
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        let client = client.unwrap_or_else(|| panic!("no WebDriver session: {last_error:?}"));
        App {
            client,
            config_dir,
            data_dir,
            keyring,
            _driver: driver,
            _xvfb: xvfb,
        }
    }

    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.expect("text")
    }

    /// Waits until the element's text (trimmed) equals `expected`; the UI may render the element
    /// before its data arrives.
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut seen = String::new();
        while std::time::Instant::now() < deadline {
            // textContent, not WebDriver's rendered text: WebKitWebDriver reports "" for some
            // inline elements inside buttons.
            let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;";
            if let Ok(serde_json::Value::String(text)) = self.client.execute(script, vec![css.into()]).await {
                seen = text.trim().to_string();
                if seen == expected {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} shows {seen:?}, expected {expected:?}");
    }

    /// textContent (trimmed), which WebKitWebDriver reports even where its rendered text is "".
    pub async fn text_content(&self, css: &str) -> String {
        self.wait_for(css).await;
        let script = "return document.querySelector(arguments[0]).textContent.trim();";
        match self.client.execute(script, vec![css.into()]).await {
            Ok(serde_json::Value::String(text)) => text,
            other => panic!("{css}: {other:?}"),
        }
    }

    /// The names the file table shows, in order.
    pub async fn row_names(&self) -> Vec<String> {
        let script = "return Array.from(document.querySelectorAll(\"[data-testid='row-name']\")).map(e => e.textContent.trim());";
        match self.client.execute(script, vec![]).await {
            Ok(serde_json::Value::Array(names)) => names
                .into_iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Waits until the table shows every name in `wanted`; returns all it shows then.
    pub async fn wait_for_rows(&self, wanted: &[&str]) -> Vec<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let names = self.row_names().await;
            if wanted.iter().all(|w| names.iter().any(|n| n == w)) {
                return names;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "table shows {names:?}, expected {wanted:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The table row of the file named `name` (the name people see).
    pub async fn row(&self, name: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::XPath(&format!(
                "//div[@data-testid='row'][.//span[@data-testid='row-name' and normalize-space()='{name}']]"
            )))
            .await
            .unwrap_or_else(|e| panic!("row {name}: {e}"))
    }

    /// Saves a screenshot under e2e/artifacts/ for people to look at after a run.
    pub async fn screenshot(&self, name: &str) {
        // Let the window paint what the test just checked.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let dir = repo_root().join("e2e/artifacts");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}.png"));
        // What the X server shows: WebKitWebDriver's own screenshot under Xvfb can be a frame
        // from long before (it showed the Connect screen with the main window up).
        if !x_screenshot(&self._xvfb.display, &path) {
            if let Ok(png) = self.client.screenshot().await {
                let _ = std::fs::write(&path, png);
            }
        }
    }

    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
    }
}

/// The whole X display as a PNG (ImageMagick's `import`); false when that could not be taken.
fn x_screenshot(display: &str, path: &Path) -> bool {
    std::process::Command::new("import")
        .args(["-display", display, "-window", "root"])
        .arg(path)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
