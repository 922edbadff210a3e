//! Real servers for Cubby's tests, started and stopped by the tests themselves: SeaweedFS on
//! loopback, a private D-Bus with an unlocked gnome-keyring (the real Secret Service), and Xvfb.
//!
//! Every child is tied to the test process (PR_SET_PDEATHSIG) and killed on drop, so a
//! panicking or killed test never leaves servers behind. Servers are started through `spawn`,
//! from a thread that lives as long as the test process. Tools are found on PATH or in the
//! repository's `.tools/bin` (where `scripts/bootstrap.sh` installs them).

// Tying children to our lifetime needs `prctl` in `pre_exec`; nothing else here is unsafe.
#![allow(unsafe_code)]

pub mod faults;
pub mod hostile;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A TCP port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    free_ports(1)[0]
}

/// Several distinct ports free a moment ago on 127.0.0.1 (all bound at once, so they differ).
///
/// They are picked below the range the kernel hands out to outgoing connections. A port from
/// that range is free only until the next `connect` anywhere on the machine, and a server
/// started on it races every client, its own included: `weed mini` connects its parts to each
/// other while it starts them one by one, and once took a port kept for its filer that way.
pub fn free_ports(n: usize) -> Vec<u16> {
    use rand::Rng as _;
    let (low, high) = outgoing_ports();
    let (from, to) = if low > 16_000 {
        (10_000, low - 1)
    } else {
        (high.saturating_add(1).max(10_000), 65_535)
    };
    let mut rng = rand::rng();
    let mut held: Vec<TcpListener> = Vec::with_capacity(n);
    for _ in 0..n * 200 {
        if held.len() == n {
            break;
        }
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", rng.random_range(from..=to))) {
            held.push(listener);
        }
    }
    // Where nothing in that band would bind, any port the kernel gives.
    while held.len() < n {
        held.push(TcpListener::bind("127.0.0.1:0").expect("no free port on 127.0.0.1"));
    }
    held.iter()
        .map(|l| l.local_addr().expect("bound").port())
        .collect()
}

/// The ports the kernel gives outgoing connections: Linux says which; elsewhere the IANA range.
fn outgoing_ports() -> (u16, u16) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| {
            let mut bounds = text.split_whitespace().map(|n| n.parse::<u16>().ok());
            Some((bounds.next()??, bounds.next()??))
        })
        .unwrap_or((49_152, 65_535))
}

/// The repository root, from this crate's manifest dir.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// Finds a tool on PATH or in `.tools/bin`, or panics with the command that installs it.
pub fn tool(name: &str) -> PathBuf {
    let local = repo_root().join(".tools/bin").join(name);
    if local.is_file() {
        return local;
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("`{name}` is not installed: run `bash scripts/bootstrap.sh` (make test does this)");
}

/// A command whose process dies with the test process.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    // SAFETY: prctl is async-signal-safe and touches only the child's own state.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd
}

/// Starts a long-lived child (a server) from one thread that lives as long as the test process.
/// PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process: a
/// SeaweedFS started from a tokio blocking-pool thread was killed as soon as that thread had sat
/// idle for 10 s, in the middle of a test.
pub fn spawn(cmd: Command) -> std::io::Result<Child> {
    type Job = (Command, std::sync::mpsc::Sender<std::io::Result<Child>>);
    static SPAWNER: std::sync::OnceLock<std::sync::mpsc::Sender<Job>> = std::sync::OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("testkit-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("spawner thread");
        tx
    });
    let gone = || std::io::Error::other("the spawner thread is gone");
    let (reply, answer) = std::sync::mpsc::channel();
    spawner.send((cmd, reply)).map_err(|_| gone())?;
    answer.recv().map_err(|_| gone())?
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < timeout,
            "{what} did not become ready within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

/// A minimal HTTP/1.0 GET on loopback, returning the status code.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"
    )
    .ok()?;
    let mut head = String::new();
    BufReader::new(stream).read_line(&mut head).ok()?;
    head.split_whitespace().nth(1)?.parse().ok()
}

struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SeaweedFS (`weed mini`) on loopback with one identity and the given buckets.
pub struct SeaweedFs {
    child: Option<Guard>,
    command: Vec<std::ffi::OsString>,
    _dir: tempfile::TempDir,
    log: PathBuf,
    pub endpoint: String,
    pub port: u16,
    pub access_key: String,
    pub secret_key: String,
}

impl SeaweedFs {
    pub fn start(buckets: &[&str]) -> SeaweedFs {
        Self::start_with_secret(buckets, &format!("seaweed-test-secret-{}", free_port()))
    }

    /// The same server with a secret key the test chose (e.g. a canary to search for).
    pub fn start_with_secret(buckets: &[&str], secret_key: &str) -> SeaweedFs {
        let dir = tempfile::tempdir().expect("tempdir");
        let access_key = "CUBBYTESTACCESSKEY01".to_string();
        let secret_key = secret_key.to_string();
        let config = serde_json::json!({
            "identities": [{
                "name": "admin",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"]
            }]
        });
        let config_path = dir.path().join("s3.json");
        std::fs::write(&config_path, config.to_string()).expect("write s3.json");
        std::fs::create_dir_all(dir.path().join("tmp")).expect("tmp");
        let log_path = dir.path().join("weed.log");
        let mut server = SeaweedFs {
            child: None,
            command: Vec::new(),
            log: log_path,
            _dir: dir,
            endpoint: String::new(),
            port: 0,
            access_key,
            secret_key,
        };
        // A port taken by another program between its choice and weed's bind makes weed exit:
        // then again, on other ports.
        let mut filer = 0;
        for attempt in 1..=3 {
            // Each attempt from empty data: what a failed start wrote names its ports.
            let _ = std::fs::remove_dir_all(server._dir.path().join("data"));
            let p = free_ports(10);
            filer = p[1];
            server.command = weed_command(server._dir.path(), &config_path, buckets, &p);
            server.port = p[0];
            server.endpoint = format!("http://127.0.0.1:{}", p[0]);
            if server.launch() {
                break;
            }
            assert!(
                attempt < 3,
                "SeaweedFS exited at start three times; see the log above"
            );
        }
        for bucket in buckets {
            wait_until("SeaweedFS bucket", Duration::from_secs(60), || {
                http_status(filer, &format!("/buckets/{bucket}/")) == Some(200)
            });
        }
        // Ready means ready to store: an open S3 port and made buckets say nothing of the
        // volume server, and a write sent before it has a volume waits for one.
        let probe = format!("http://127.0.0.1:{filer}/cubby-ready-probe");
        wait_until("SeaweedFS to store a file", Duration::from_secs(60), || {
            http("PUT", &probe, &[], b"ready").0 == 201
        });
        http("DELETE", &probe, &[], b"");
        server
    }

    /// Kills the server (as a crash would); its data stays for `start_again`.
    pub fn stop(&mut self) {
        self.child = None;
        wait_until("SeaweedFS to stop", Duration::from_secs(20), || {
            !port_open(self.port)
        });
    }

    /// Starts the server again on the same ports with the same data.
    pub fn start_again(&mut self) {
        assert!(self.launch(), "SeaweedFS exited at start; see the log above");
    }

    /// Starts the server; true once its S3 port is open, false if it exited first.
    fn launch(&mut self) -> bool {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log");
        let temp = self._dir.path().join("tmp");
        let mut cmd = command(&self.command[0]);
        cmd.args(&self.command[1..])
            .env("TMPDIR", temp)
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        let child = spawn(cmd).expect("start weed");
        let mut child = Guard(child);
        let mut exited = false;
        wait_until("SeaweedFS S3 port", Duration::from_secs(60), || {
            exited = matches!(child.0.try_wait(), Ok(Some(_)));
            exited || port_open(self.port)
        });
        if exited {
            return false;
        }
        self.child = Some(child);
        true
    }
}

/// `weed mini` with its ten ports `p` (S3 first, the filer second), data and config in `dir`.
fn weed_command(dir: &Path, config: &Path, buckets: &[&str], p: &[u16]) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec![tool("weed").into(), "mini".into()];
    let flags = [
        format!("-dir={}", dir.join("data").display()),
        "-ip=127.0.0.1".into(),
        "-ip.bind=127.0.0.1".into(),
        format!("-s3.port={}", p[0]),
        format!("-s3.port.grpc={}", p[2]),
        format!("-filer.port={}", p[1]),
        format!("-filer.port.grpc={}", p[3]),
        format!("-master.port={}", p[4]),
        format!("-master.port.grpc={}", p[5]),
        format!("-volume.port={}", p[6]),
        format!("-volume.port.grpc={}", p[7]),
        format!("-admin.port={}", p[8]),
        format!("-admin.port.grpc={}", p[9]),
        format!("-s3.config={}", config.display()),
        format!("-bucket={}", buckets.join(",")),
        "-s3.allowDeleteBucketNotEmpty=false".into(),
        "-admin.ui=false".into(),
        "-webdav=false".into(),
        "-s3.port.iceberg=0".into(),
        "-s3.port.lance=0".into(),
    ];
    args.extend(flags.into_iter().map(Into::into));
    args
}

impl Drop for SeaweedFs {
    /// A failed test shows what the server said: a request it never answered is explained
    /// there, not in the client's timeout.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("--- SeaweedFS log, last lines ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// A private session bus with gnome-keyring's Secret Service, unlocked, in a temporary home.
/// Pass `env()` to the processes under test; the test process's own bus is never touched.
pub struct PrivateKeyring {
    _keyring: Guard,
    _bus: Guard,
    dir: tempfile::TempDir,
    bus_address: String,
}

impl PrivateKeyring {
    pub fn start() -> PrivateKeyring {
        let dir = tempfile::tempdir().expect("tempdir");
        let runtime = dir.path().join("run");
        let data = dir.path().join("data");
        for d in [&runtime, &data] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        let mut bus = command("dbus-daemon");
        bus.args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .arg(format!(
                "--address=unix:path={}",
                dir.path().join("bus").display()
            ))
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut bus = spawn(bus).expect("start dbus-daemon (apt package dbus)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("bus address");
        let bus_address = address.trim().to_string();
        let bus = Guard(bus);

        let mut keyring = command("gnome-keyring-daemon");
        keyring
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", &data)
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut keyring = spawn(keyring).expect("start gnome-keyring-daemon (apt package gnome-keyring)");
        {
            let mut stdin = keyring.stdin.take().expect("stdin");
            stdin.write_all(b"cubby-test-keyring").expect("unlock password");
        }
        let keyring = Guard(keyring);
        let ring = PrivateKeyring {
            _keyring: keyring,
            _bus: bus,
            dir,
            bus_address,
        };
        wait_until(
            "the Secret Service on the private bus",
            Duration::from_secs(20),
            || {
                ring.command("dbus-send")
                    .args([
                        "--print-reply",
                        "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus",
                        "org.freedesktop.DBus.NameHasOwner",
                        "string:org.freedesktop.secrets",
                    ])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
                    .unwrap_or(false)
            },
        );
        ring
    }

    /// Variables a process needs to use this keychain.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus_address.clone()),
            (
                "XDG_RUNTIME_DIR".into(),
                self.dir.path().join("run").display().to_string(),
            ),
        ]
    }

    /// A command wired to this keychain (e.g. `secret-tool`).
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = command(program);
        cmd.envs(self.env());
        cmd
    }

    /// What `secret-tool search --all service SERVICE` prints: attributes and secrets stored.
    pub fn search(&self, service: &str) -> String {
        let out = self
            .command("secret-tool")
            .args(["search", "--all", "--unlock", "service", service])
            .output()
            .expect("secret-tool (apt package libsecret-tools)");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

/// An X server for the desktop app's window, on a free display number.
pub struct Xvfb {
    _child: Guard,
    pub display: String,
}

/// The process an X display's lock file names.
fn lock_holder(lock: &str) -> Option<u32> {
    std::fs::read_to_string(lock).ok()?.trim().parse().ok()
}

impl Xvfb {
    /// Tries display numbers until one Xvfb of ours owns its lock file: parallel tests and
    /// other X servers can hold any number.
    pub fn start() -> Xvfb {
        for n in 90..400 {
            let lock = format!("/tmp/.X{n}-lock");
            let socket = format!("/tmp/.X11-unix/X{n}");
            // A server killed by a test's Guard (SIGKILL) leaves its lock and socket behind; a
            // lock whose process is gone is reclaimed, or the displays run out over many runs.
            if let Some(pid) = lock_holder(&lock) {
                if Path::new(&format!("/proc/{pid}")).exists() {
                    continue;
                }
                let _ = std::fs::remove_file(&lock);
                let _ = std::fs::remove_file(&socket);
            }
            if Path::new(&lock).exists() || Path::new(&socket).exists() {
                continue;
            }
            let mut xvfb = command(tool("Xvfb"));
            xvfb.arg(format!(":{n}"))
                .args(["-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = spawn(xvfb).expect("start Xvfb (apt package xvfb)");
            let pid = child.id();
            let mut guard = Guard(child);
            let start = Instant::now();
            let ours = loop {
                if let Ok(Some(_)) = guard.0.try_wait() {
                    break false; // lost the display to someone else
                }
                if lock_holder(&lock) == Some(pid) && Path::new(&socket).exists() {
                    break true;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "Xvfb :{n} did not start"
                );
                std::thread::sleep(Duration::from_millis(50));
            };
            if ours {
                return Xvfb {
                    _child: guard,
                    display: format!(":{n}"),
                };
            }
        }
        panic!("no free X display between :90 and :399");
    }
}

/// Runs a process to completion with a deadline, returning (status, stdout, stderr).
pub fn run_with_timeout(
    cmd: &mut Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> (Option<i32>, String, String) {
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A process that fails before reading its input (a refused argument) closes the pipe
        // first: a broken pipe here is its outcome to check, not the harness's failure.
        if let Err(e) = pipe.write_all(input) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "stdin: {e}");
        }
    }
    let out = Output::read(child.stdout.take().expect("stdout"));
    let err = Output::read(child.stderr.take().expect("stderr"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            // What it printed before it stuck says where. A grandchild it started (Wine's
            // wineserver) can keep the pipes open, so this takes what has arrived, not the end.
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "{:?} did not finish within {timeout:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                cmd.get_program(),
                out.so_far(),
                err.so_far()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, out.whole(), err.whole())
}

/// A child's pipe, read to its end on a thread of its own.
struct Output {
    text: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    reader: std::thread::JoinHandle<()>,
}

impl Output {
    fn read(mut pipe: impl Read + Send + 'static) -> Output {
        let text = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = text.clone();
        let reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => sink.lock().expect("output").extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
        });
        Output { text, reader }
    }

    fn so_far(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().expect("output")).into_owned()
    }

    fn whole(self) -> String {
        let Output { text, reader } = self;
        let _ = reader.join();
        let text = text.lock().expect("output");
        String::from_utf8_lossy(&text).into_owned()
    }
}

/// A plain HTTP/1.0 request to a loopback URL (presigned links are just URLs: any client must
/// work with them). Returns the status and the body.
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http:// URL");
    let (authority, path) = rest
        .split_once('/')
        .map(|(a, p)| (a, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {authority}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    stream.write_all(body).expect("send body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("HTTP response head");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, response[split + 4..].to_vec())
}

/// boto3, the independent client tests check Cubby's writes with (installed by bootstrap into
/// `.tools/py` when the system Python lacks it).
pub struct Boto3<'a> {
    pub server: &'a SeaweedFs,
}

impl Boto3<'_> {
    /// Runs a snippet with `s3` bound to a client for the server (and `hashlib`, `json` imported);
    /// returns its stdout.
    pub fn run(&self, code: &str) -> String {
        let script = format!(
            "import boto3, hashlib, json\nfrom botocore.config import Config\n\
             s3 = boto3.client('s3', endpoint_url='{}', aws_access_key_id='{}', aws_secret_access_key='{}', \
             region_name='us-east-1', config=Config(s3={{'addressing_style': 'path'}}, signature_version='s3v4'))\n{code}",
            self.server.endpoint, self.server.access_key, self.server.secret_key
        );
        let out = Command::new("python3")
            .env("PYTHONPATH", repo_root().join(".tools/py"))
            .args(["-c", &script])
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "boto3 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Every key under `prefix`, through the paginator.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        self.run(&format!(
            "for page in s3.get_paginator('list_objects_v2').paginate(Bucket='{bucket}', Prefix='{prefix}'):\n\
             \x20   for o in page.get('Contents', []): print(o['Key'])\n"
        ))
        .lines()
        .map(str::to_string)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "--- stdout ---\nbefore the hang")]
    fn a_process_past_its_deadline_is_reported_with_what_it_printed() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo before the hang; exec sleep 30"]);
        run_with_timeout(&mut cmd, None, Duration::from_millis(500));
    }

    #[test]
    fn a_process_that_finishes_gives_all_it_printed() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let (code, out, err) = run_with_timeout(&mut cmd, None, Duration::from_secs(10));
        assert_eq!((code, out.as_str(), err.as_str()), (Some(3), "out\n", "err\n"));
    }

    /// Servers' ports are never ones an outgoing connection could take meanwhile.
    #[test]
    fn ports_are_picked_apart_and_outside_the_outgoing_range() {
        let (low, high) = outgoing_ports();
        let ports = free_ports(40);
        let mut distinct = ports.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), ports.len(), "{ports:?}");
        for port in ports {
            assert!(!(low..=high).contains(&port), "{port} is in {low}-{high}");
            TcpListener::bind(("127.0.0.1", port)).expect("still free");
        }
    }
}
