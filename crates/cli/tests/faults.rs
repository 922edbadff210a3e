//! Nothing lost, duplicated or corrupted under faults: the real `cubby` binary talks to SeaweedFS
//! through testkit's fault proxy, and every outcome is checked directly against SeaweedFS with
//! boto3 (never through the proxy) and against the local disk.
//!
//! Every cell of the matrix (operation × fault) must end in one of two ways: success with the
//! bytes verified, or a one-line error with a non-zero exit code and nothing half-done (no
//! partial or orphaned object, no final-named partial file, no journal entry the bucket
//! contradicts). Then the same operation runs again without faults, as a user would, and the
//! result must be exactly once. The matrix is printed so docs/RELIABILITY.md can quote it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cubby_testkit::faults::{Fault, FaultProxy, Rule};
use cubby_testkit::{command, run_with_timeout, Boto3, SeaweedFs};

const BUCKET: &str = "faults";
const MIB: usize = 1024 * 1024;

/// Longer than the SDK's stalled-stream grace period (5 s): a stalled body fails.
const BODY_STALL: Duration = Duration::from_secs(8);
/// Longer than Cubby's read timeout (60 s, storage.rs): a stall before any byte fails.
const HEAD_STALL: Duration = Duration::from_secs(65);

/// A deterministic pseudo-random generator (xorshift64*), so runs are reproducible by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

fn md5_of(bytes: &[u8]) -> String {
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("md5sum");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("md5sum");
    let _ = writer.join();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn md5_file(path: &Path) -> String {
    md5_of(&std::fs::read(path).unwrap_or_default())
}

/// What the bucket holds under a prefix, read by boto3 straight from SeaweedFS.
struct Seen {
    /// key → MD5 of its bytes.
    objects: BTreeMap<String, String>,
    /// Multipart uploads still open under the prefix.
    open_uploads: usize,
}

fn seen(server: &SeaweedFs, prefix: &str) -> Seen {
    let out = Boto3 { server }.run(&format!(
        "for page in s3.get_paginator('list_objects_v2').paginate(Bucket='{BUCKET}', Prefix='{prefix}'):\n\
         \x20   for o in page.get('Contents', []):\n\
         \x20       b = s3.get_object(Bucket='{BUCKET}', Key=o['Key'])['Body'].read()\n\
         \x20       print('object', hashlib.md5(b).hexdigest(), o['Key'])\n\
         u = s3.list_multipart_uploads(Bucket='{BUCKET}', Prefix='{prefix}')\n\
         print('uploads', len(u.get('Uploads', [])))\n"
    ));
    let mut objects = BTreeMap::new();
    let mut open_uploads = 0;
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("object ") {
            if let Some((md5, key)) = rest.split_once(' ') {
                objects.insert(key.to_string(), md5.to_string());
            }
        } else if let Some(n) = line.strip_prefix("uploads ") {
            open_uploads = n.trim().parse().unwrap_or(0);
        }
    }
    Seen {
        objects,
        open_uploads,
    }
}

fn seed_objects(server: &SeaweedFs, objects: &[(String, Vec<u8>)], dir: &Path) {
    let mut code = String::new();
    for (i, (key, bytes)) in objects.iter().enumerate() {
        let file = dir.join(format!("seed-{i}"));
        std::fs::write(&file, bytes).expect("seed file");
        code.push_str(&format!(
            "s3.put_object(Bucket='{BUCKET}', Key={key:?}, Body=open({:?}, 'rb').read())\n",
            file.display().to_string()
        ));
    }
    Boto3 { server }.run(&code);
}

/// One `cubby` home (config, data, journal) pointed at an endpoint.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, server: &SeaweedFs, endpoint: &str, args: &[&str]) -> Command {
        let mut cmd = command(env!("CARGO_BIN_EXE_cubby"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CUBBY_CONFIG_DIR", self.path().join("config"))
            .env("CUBBY_DATA_DIR", self.path().join("data"))
            .env("CLOUDFLARE_R2_ENDPOINT", endpoint)
            .env("CLOUDFLARE_R2_ACCESS_KEY_ID", &server.access_key)
            .env("CLOUDFLARE_R2_SECRET_ACCESS_KEY", &server.secret_key)
            .env("CLOUDFLARE_R2_BUCKET_NAME", BUCKET)
            .args(args);
        cmd
    }

    fn cubby(&self, server: &SeaweedFs, endpoint: &str, args: &[&str]) -> Run {
        let mut cmd = self.command(server, endpoint, args);
        let (code, out, err) = run_with_timeout(&mut cmd, None, Duration::from_secs(240));
        Run {
            code: code.unwrap_or(-1),
            out,
            err,
        }
    }
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

impl Run {
    /// The first `error:` line, the one a person reads.
    fn error_line(&self) -> Option<String> {
        self.err
            .lines()
            .find(|l| l.starts_with("error: "))
            .map(str::to_string)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Put,
    Get,
    Multipart,
    MultipartComplete,
    RmPrefix,
    Sync,
}

impl Op {
    const ALL: [Op; 6] = [
        Op::Put,
        Op::Get,
        Op::Multipart,
        Op::MultipartComplete,
        Op::RmPrefix,
        Op::Sync,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::Put => "put (single PUT)",
            Op::Get => "get",
            Op::Multipart => "multipart put (UploadPart)",
            Op::MultipartComplete => "multipart put (Complete)",
            Op::RmPrefix => "rm --prefix --yes",
            Op::Sync => "watch run --once",
        }
    }

    /// The requests this operation's faults hit: (method, query that must appear, must not).
    fn target(self) -> (&'static str, Option<&'static str>, Option<&'static str>) {
        match self {
            Op::Put | Op::Sync => ("PUT", None, Some("partNumber=")),
            Op::Get => ("GET", None, None),
            Op::Multipart => ("PUT", Some("partNumber="), None),
            Op::MultipartComplete => ("POST", Some("uploadId="), None),
            Op::RmPrefix => ("POST", Some("delete"), None),
        }
    }

    /// Whether the answers of the targeted requests have a body (truncation needs one).
    fn answers_with_body(self) -> bool {
        matches!(self, Op::Get | Op::MultipartComplete | Op::RmPrefix)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    None,
    InternalError2,
    SlowDownAlways,
    DropRequest,
    DropResponse,
    Stall,
    Truncate,
    Refused,
}

impl Column {
    const ALL: [Column; 8] = [
        Column::None,
        Column::InternalError2,
        Column::SlowDownAlways,
        Column::DropRequest,
        Column::DropResponse,
        Column::Stall,
        Column::Truncate,
        Column::Refused,
    ];

    fn name(self) -> &'static str {
        match self {
            Column::None => "no fault",
            Column::InternalError2 => "500 ×2",
            Column::SlowDownAlways => "503 SlowDown, every time",
            Column::DropRequest => "drop mid-request",
            Column::DropResponse => "drop mid-response",
            Column::Stall => "stall",
            Column::Truncate => "truncated body",
            Column::Refused => "connection refused",
        }
    }
}

/// The verdict on one cell, and what went wrong if anything did.
struct Cell {
    op: Op,
    column: Column,
    outcome: String,
    problems: Vec<String>,
    lost: usize,
    duplicated: usize,
    corrupted: usize,
}

struct Matrix {
    server: SeaweedFs,
}

impl Matrix {
    fn run_cell(&self, n: usize, op: Op, column: Column) -> Cell {
        let tenant = format!("c{n:02}");
        let prefix = format!("{tenant}/");
        let proxy = FaultProxy::start(self.server.port);
        let home = Home::new();
        let mut rng = Rng(0x5eed_0000 + n as u64);
        let mut cell = Cell {
            op,
            column,
            outcome: String::new(),
            problems: Vec::new(),
            lost: 0,
            duplicated: 0,
            corrupted: 0,
        };
        if column == Column::Truncate && !op.answers_with_body() {
            cell.outcome = "n/a (empty answer body)".into();
            return cell;
        }

        // Set up: local files, seeded objects, the watched folder.
        let src = home.path().join("src");
        std::fs::create_dir_all(&src).expect("src");
        let dest = home.path().join("dest");
        let mut local: Vec<(PathBuf, String)> = Vec::new();
        let mut put_args: Vec<String> = Vec::new();
        match op {
            Op::Put | Op::Sync => {
                let count = if op == Op::Sync { 3 } else { 1 };
                for i in 0..count {
                    let path = src.join(format!("receipt-{i}.pdf"));
                    let mut bytes = b"%PDF-1.4\n".to_vec();
                    bytes.extend(rng.bytes(200 * 1024 + i * 7));
                    std::fs::write(&path, &bytes).expect("write");
                    local.push((path, md5_of(&bytes)));
                }
            }
            Op::Multipart | Op::MultipartComplete => {
                let path = src.join("scan.bin");
                let bytes = rng.bytes(20 * MIB + 12345);
                std::fs::write(&path, &bytes).expect("write");
                local.push((path, md5_of(&bytes)));
                put_args = vec!["--multipart-threshold".into(), "5MiB".into()];
            }
            Op::Get => {
                let bytes = rng.bytes(300 * 1024);
                local.push((dest.join("statement.bin"), md5_of(&bytes)));
                seed_objects(
                    &self.server,
                    &[(format!("{prefix}documents/statement.bin"), bytes)],
                    home.path(),
                );
            }
            Op::RmPrefix => {
                let objects: Vec<(String, Vec<u8>)> = (0..5)
                    .map(|i| (format!("{prefix}documents/old-{i}.pdf"), rng.bytes(1000 + i)))
                    .chain(std::iter::once((format!("{tenant}x/keep.pdf"), b"keep".to_vec())))
                    .collect();
                seed_objects(&self.server, &objects, home.path());
            }
        }
        let src_text = src.display().to_string();
        if op == Op::Sync {
            let run = home.cubby(
                &self.server,
                &proxy.endpoint,
                &["watch", "add", &src_text, "--tenant", &tenant, "--new-tenant"],
            );
            assert_eq!(run.code, 0, "{}{}", run.out, run.err);
        }
        let key = format!("{prefix}documents/statement.bin");
        let dest_text = dest.display().to_string();
        let args: Vec<String> = match op {
            Op::Put | Op::Multipart | Op::MultipartComplete => {
                let mut a: Vec<String> = vec![
                    "put".into(),
                    local[0].0.display().to_string(),
                    "--tenant".into(),
                    tenant.clone(),
                    "--new-tenant".into(),
                ];
                a.extend(put_args.clone());
                a
            }
            Op::Get => vec!["get".into(), key.clone(), "--to".into(), dest_text.clone()],
            Op::RmPrefix => vec!["rm".into(), "--prefix".into(), prefix.clone(), "--yes".into()],
            Op::Sync => vec![
                "watch".into(),
                "run".into(),
                "--once".into(),
                "--stability-ms".into(),
                "200".into(),
            ],
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();

        // The faulty run.
        let (method, query, without) = op.target();
        let rule = |fault: Fault, times: usize| {
            let mut r = Rule::new(fault)
                .method(method)
                .path(&format!("/{BUCKET}/{prefix}"))
                .times(times);
            if op == Op::RmPrefix {
                r = Rule::new(fault)
                    .method(method)
                    .path(&format!("/{BUCKET}"))
                    .times(times);
            }
            if let Some(q) = query {
                r = r.query(q);
            }
            if let Some(q) = without {
                r = r.without_query(q);
            }
            Some(proxy.inject(r))
        };
        let stall = if op == Op::Get { BODY_STALL } else { HEAD_STALL };
        let id = match column {
            Column::None => None,
            Column::InternalError2 => rule(Fault::Status(500), 2),
            Column::SlowDownAlways => rule(Fault::Status(503), usize::MAX),
            Column::DropRequest => rule(Fault::DropRequest, 1),
            Column::DropResponse => rule(Fault::DropResponse, 1),
            Column::Stall => rule(Fault::Stall(stall), 1),
            Column::Truncate => rule(Fault::Truncate, 1),
            Column::Refused => {
                proxy.refuse(true);
                None
            }
        };
        let run = home.cubby(&self.server, &proxy.endpoint, &args);
        if let Some(id) = id {
            if proxy.fired(id) == 0 {
                cell.problems
                    .push(format!("the fault never fired; proxy log: {:?}", proxy.log()));
            }
        }
        proxy.clear();
        if column == Column::Refused {
            proxy.refuse(false);
        }
        cell.outcome = if run.code == 0 {
            "ok, verified".to_string()
        } else {
            match run.error_line() {
                Some(line) => {
                    let generic = ["dispatch failure", "service error", "unhandled error", "Error {"];
                    if generic.iter().any(|g| line.contains(g)) {
                        cell.problems.push(format!("unclear message: {line}"));
                    }
                    format!("exit {}: {line}", run.code)
                }
                None => {
                    cell.problems
                        .push(format!("failed with no error line: {}", run.err));
                    format!("exit {} (no message)", run.code)
                }
            }
        };

        // What the faulty run left behind.
        self.check(
            op,
            &prefix,
            &tenant,
            &local,
            &dest,
            &home,
            &proxy,
            run.code == 0,
            &mut cell,
        );

        // The same operation again, without faults: everything must end up exactly once.
        if run.code != 0 {
            let again = home.cubby(&self.server, &proxy.endpoint, &args);
            if again.code != 0 {
                cell.problems
                    .push(format!("the rerun failed: {}{}", again.out, again.err));
            }
            cell.outcome.push_str(" → rerun ok");
            self.check(
                op,
                &prefix,
                &tenant,
                &local,
                &dest,
                &home,
                &proxy,
                again.code == 0,
                &mut cell,
            );
        }
        cell
    }

    /// The invariants after a run that `succeeded` or not.
    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        op: Op,
        prefix: &str,
        tenant: &str,
        local: &[(PathBuf, String)],
        dest: &Path,
        home: &Home,
        proxy: &FaultProxy,
        succeeded: bool,
        cell: &mut Cell,
    ) {
        match op {
            Op::Put | Op::Multipart | Op::MultipartComplete | Op::Sync => {
                let seen = seen(&self.server, prefix);
                if seen.open_uploads > 0 {
                    cell.problems
                        .push(format!("{} multipart uploads left open", seen.open_uploads));
                }
                for (path, md5) in local {
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    let copies: Vec<&String> = seen
                        .objects
                        .iter()
                        .filter(|(k, _)| k.ends_with(&format!("_{name}")))
                        .map(|(_, m)| m)
                        .collect();
                    cell.corrupted += copies.iter().filter(|m| **m != md5).count();
                    if copies.len() > 1 {
                        cell.duplicated += copies.len() - 1;
                        cell.problems
                            .push(format!("{name} is in the bucket {} times", copies.len()));
                    }
                    if succeeded && copies.is_empty() {
                        cell.lost += 1;
                        cell.problems
                            .push(format!("{name} reported uploaded but is not in the bucket"));
                    }
                    if !succeeded && op != Op::Sync && !copies.is_empty() {
                        cell.problems.push(format!(
                            "{name} reported failed but is in the bucket (a rerun duplicates it)"
                        ));
                    }
                }
                if seen.objects.values().any(|m| !local.iter().any(|(_, l)| l == m)) {
                    cell.problems
                        .push("an object that matches no local file (partial?)".into());
                }
                if op == Op::Sync {
                    // The journal must agree with the bucket: uploaded = what is there.
                    let status = home.cubby(&self.server, &proxy.endpoint, &["--json", "watch", "status"]);
                    let json: serde_json::Value = serde_json::from_str(&status.out).unwrap_or_default();
                    let uploaded = json[0]["status"]["uploaded"].as_u64().unwrap_or(u64::MAX);
                    let uploading = json[0]["status"]["uploading"].as_u64().unwrap_or(0);
                    if uploaded != seen.objects.len() as u64 || uploading != 0 {
                        cell.problems.push(format!(
                            "watch status says {uploaded} uploaded, {uploading} uploading; the bucket holds {}",
                            seen.objects.len()
                        ));
                    }
                    if succeeded && uploaded != local.len() as u64 {
                        cell.lost += local.len().saturating_sub(seen.objects.len());
                        cell.problems.push(format!(
                            "--once succeeded with {uploaded} of {} uploaded",
                            local.len()
                        ));
                    }
                }
            }
            Op::Get => {
                let (path, md5) = &local[0];
                let entries: Vec<String> =
                    std::fs::read_dir(dest.join("statement.bin").parent().unwrap_or(dest))
                        .map(|d| {
                            d.flatten()
                                .map(|e| e.file_name().to_string_lossy().into_owned())
                                .collect()
                        })
                        .unwrap_or_default();
                let finals: Vec<&String> = entries
                    .iter()
                    .filter(|n| n.starts_with("statement") && !n.ends_with(".part"))
                    .collect();
                let part = entries.iter().any(|n| n.ends_with(".part"));
                let marker = entries.iter().any(|n| n.ends_with(".part.cubby"));
                if succeeded {
                    if !path.exists() {
                        cell.lost += 1;
                        cell.problems.push("reported downloaded, but no file".into());
                    } else if md5_file(path) != *md5 {
                        cell.corrupted += 1;
                        cell.problems
                            .push("the downloaded file differs from the object".into());
                    }
                    if part {
                        cell.problems.push("a .part left after success".into());
                    }
                } else if !finals.is_empty() {
                    cell.problems
                        .push(format!("a final-named file after a failure: {finals:?}"));
                    if finals.iter().any(|f| md5_file(&dest.join(f)) != *md5) {
                        cell.corrupted += 1;
                    }
                } else if part && !marker {
                    cell.problems
                        .push("a .part that cannot be resumed was left behind".into());
                }
                if finals.len() > 1 {
                    cell.duplicated += finals.len() - 1;
                    cell.problems
                        .push(format!("downloaded more than once: {finals:?}"));
                }
            }
            Op::RmPrefix => {
                let left = seen(&self.server, prefix).objects.len();
                if succeeded && left != 0 {
                    cell.problems
                        .push(format!("reported deleted, {left} objects remain"));
                }
                if seen(&self.server, &format!("{tenant}x/")).objects.len() != 1 {
                    cell.lost += 1;
                    cell.problems
                        .push("an object outside the prefix was deleted".into());
                }
            }
        }
    }
}

/// Every operation × every fault, each cell on its own proxy, tenant and home.
#[test]
fn every_operation_under_every_fault_ends_verified_or_cleanly_failed() {
    let started = Instant::now();
    let matrix = Arc::new(Matrix {
        server: SeaweedFs::start(&[BUCKET]),
    });
    // Stalls wait out real timeouts: start them first so they overlap everything else.
    let mut cells: Vec<(usize, Op, Column)> = Vec::new();
    for (i, op) in Op::ALL.iter().enumerate() {
        for (j, column) in Column::ALL.iter().enumerate() {
            cells.push((i * Column::ALL.len() + j, *op, *column));
        }
    }
    cells.sort_by_key(|(_, _, c)| *c != Column::Stall);
    let queue = Arc::new(Mutex::new(std::collections::VecDeque::from(cells)));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (queue, results, matrix) = (queue.clone(), results.clone(), matrix.clone());
            std::thread::spawn(move || loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                let Some((n, op, column)) = next else { break };
                let cell = matrix.run_cell(n, op, column);
                results.lock().unwrap_or_else(|p| p.into_inner()).push((n, cell));
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a matrix worker panicked");
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap_or_else(|p| p.into_inner()));
    results.sort_by_key(|(n, _)| *n);

    let mut report = String::from("\n| operation | fault | outcome |\n|---|---|---|\n");
    let (mut lost, mut duplicated, mut corrupted, mut failures, mut verified, mut na) =
        (0, 0, 0, Vec::new(), 0, 0);
    for (_, cell) in &results {
        report.push_str(&format!(
            "| {} | {} | {} |\n",
            cell.op.name(),
            cell.column.name(),
            cell.outcome
        ));
        lost += cell.lost;
        duplicated += cell.duplicated;
        corrupted += cell.corrupted;
        if cell.outcome.starts_with("n/a") {
            na += 1;
        } else if cell.outcome.starts_with("ok") {
            verified += 1;
        }
        for p in &cell.problems {
            failures.push(format!("{} × {}: {p}", cell.op.name(), cell.column.name()));
        }
    }
    report.push_str(&format!(
        "\n{} cells ({} n/a): {verified} verified first time, {} failed cleanly then verified on rerun; \
         {lost} lost, {duplicated} duplicated, {corrupted} corrupted; {:.0} s\n",
        results.len(),
        na,
        results.len() - na - verified,
        started.elapsed().as_secs_f64()
    ));
    println!("{report}");
    assert!(
        failures.is_empty(),
        "{report}\nproblems:\n{}",
        failures.join("\n")
    );
    assert_eq!((lost, duplicated, corrupted), (0, 0, 0), "{report}");
}

/// One cell on its own server, for the regressions the matrix found.
fn single_cell(op: Op, column: Column) -> Cell {
    let matrix = Matrix {
        server: SeaweedFs::start(&[BUCKET]),
    };
    matrix.run_cell(0, op, column)
}

/// The PUT reached the server but its answer was lost; the SDK's retry then met our own object
/// (412). That is success, not "already exists": reporting failure made users upload it twice.
#[test]
fn regression_a_put_whose_answer_is_lost_is_uploaded_once() {
    let cell = single_cell(Op::Put, Column::DropResponse);
    assert!(cell.problems.is_empty(), "{}: {:?}", cell.outcome, cell.problems);
    assert!(cell.outcome.starts_with("ok"), "{}", cell.outcome);
}

/// Same for CompleteMultipartUpload: a truncated answer must not turn a whole object into a
/// failure (and a second copy on rerun).
#[test]
fn regression_a_multipart_completion_whose_answer_is_cut_is_uploaded_once() {
    let cell = single_cell(Op::MultipartComplete, Column::Truncate);
    assert!(cell.problems.is_empty(), "{}: {:?}", cell.outcome, cell.problems);
    assert!(cell.outcome.starts_with("ok"), "{}", cell.outcome);
}

/// A small download cut mid-body left a `.part` that nothing could resume.
#[test]
fn regression_an_interrupted_small_download_leaves_no_part_file() {
    let cell = single_cell(Op::Get, Column::Truncate);
    assert!(cell.problems.is_empty(), "{}: {:?}", cell.outcome, cell.problems);
}

/// `watch run --once` right after a run that failed must retry, not wait out the backoff.
#[test]
fn regression_once_after_a_failed_run_retries_the_failed_files() {
    let cell = single_cell(Op::Sync, Column::SlowDownAlways);
    assert!(cell.problems.is_empty(), "{}: {:?}", cell.outcome, cell.problems);
    assert!(cell.outcome.ends_with("rerun ok"), "{}", cell.outcome);
}

fn kill_after(mut child: std::process::Child, after: Duration) -> bool {
    std::thread::sleep(after);
    let finished = matches!(child.try_wait(), Ok(Some(_)));
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    !finished
}

/// Names of objects under a prefix, with the scheme's time stamp and tag taken off.
fn by_name(seen: &Seen) -> BTreeMap<String, Vec<String>> {
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, md5) in &seen.objects {
        let last = key.rsplit('/').next().unwrap_or_default();
        let name = last.splitn(4, '_').nth(3).unwrap_or(last).to_string();
        names.entry(name).or_default().push(md5.clone());
    }
    names
}

/// `cubby put` of a folder killed with SIGKILL at seeded random moments: whatever is in the
/// bucket is whole, and putting the files that are missing completes the set exactly once.
#[test]
fn kill_dash_nine_during_a_multi_file_put_leaves_only_whole_objects() {
    let server = SeaweedFs::start(&[BUCKET]);
    let home = Home::new();
    let src = home.path().join("batch");
    std::fs::create_dir_all(&src).expect("mkdir");
    let mut rng = Rng(0xC0FFEE);
    let mut md5s = BTreeMap::new();
    for i in 0..12 {
        let name = format!("invoice-{i:02}.pdf");
        let mut bytes = b"%PDF-1.4\n".to_vec();
        bytes.extend(rng.bytes(300 * 1024 + i));
        std::fs::write(src.join(&name), &bytes).expect("write");
        md5s.insert(name, md5_of(&bytes));
    }
    let big = rng.bytes(20 * MIB + 7);
    std::fs::write(src.join("scan.bin"), &big).expect("write");
    md5s.insert("scan.bin".to_string(), md5_of(&big));
    let src_text = src.display().to_string();
    let mut report = Vec::new();
    for seed in 1..=8u64 {
        let tenant = format!("kput{seed}");
        let prefix = format!("{tenant}/");
        let mut rng = Rng(seed * 7919);
        let delay = Duration::from_millis(rng.next() % 600);
        let child = home
            .command(
                &server,
                &server.endpoint,
                &[
                    "put",
                    &src_text,
                    "--tenant",
                    &tenant,
                    "--new-tenant",
                    "--multipart-threshold",
                    "5MiB",
                ],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cubby put");
        let killed = kill_after(child, delay);
        // A PUT whose body had fully arrived still lands after the client is gone: let the
        // server finish what it received before deciding what is missing.
        std::thread::sleep(Duration::from_millis(1500));
        let after_kill = seen(&server, &prefix);
        for (name, copies) in by_name(&after_kill) {
            assert_eq!(copies.len(), 1, "seed {seed}: {name} twice after the kill");
            assert_eq!(
                Some(&copies[0]),
                md5s.get(&name),
                "seed {seed}: {name} is not whole"
            );
        }
        let present = by_name(&after_kill);
        let missing: Vec<String> = md5s
            .keys()
            .filter(|n| !present.contains_key(*n))
            .map(|n| src.join(n).display().to_string())
            .collect();
        if !missing.is_empty() {
            let mut args = vec!["put"];
            args.extend(missing.iter().map(String::as_str));
            args.extend([
                "--tenant",
                &tenant,
                "--new-tenant",
                "--multipart-threshold",
                "5MiB",
            ]);
            let run = home.cubby(&server, &server.endpoint, &args);
            assert_eq!(run.code, 0, "seed {seed}: {}{}", run.out, run.err);
        }
        let last = seen(&server, &prefix);
        let names = by_name(&last);
        assert_eq!(names.len(), md5s.len(), "seed {seed}: every file arrived");
        for (name, copies) in &names {
            assert_eq!(
                copies,
                &vec![md5s[name].clone()],
                "seed {seed}: {name} exactly once and whole"
            );
        }
        report.push(format!(
            "seed {seed}: killed after {delay:?} ({}), {} of {} objects there, {} multipart uploads left open",
            if killed { "mid-run" } else { "after it finished" },
            after_kill.objects.len(),
            md5s.len(),
            after_kill.open_uploads
        ));
    }
    println!("{}", report.join("\n"));
}

/// A big ranged download killed at seeded random moments: the rerun resumes or restarts and
/// ends with one exact copy, no `.part` and no second file.
#[test]
fn kill_dash_nine_during_a_big_get_then_rerun_gives_one_exact_copy() {
    let server = SeaweedFs::start(&[BUCKET]);
    let home = Home::new();
    let bytes = Rng(0xB16).bytes(48 * MIB + 3);
    let md5 = md5_of(&bytes);
    seed_objects(
        &server,
        &[("kget/uploads/archive.bin".into(), bytes)],
        home.path(),
    );
    let mut report = Vec::new();
    for seed in 1..=8u64 {
        let dest = home.path().join(format!("dest-{seed}"));
        let dest_text = dest.display().to_string();
        let delay = Duration::from_millis(100 + Rng(seed * 104_729).next() % 500);
        let args = ["get", "kget/uploads/archive.bin", "--to", &dest_text];
        let child = home
            .command(&server, &server.endpoint, &args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cubby get");
        let killed = kill_after(child, delay);
        let target = dest.join("archive.bin");
        if target.exists() {
            assert_eq!(
                md5_file(&target),
                md5,
                "seed {seed}: a final-named file must be whole"
            );
        }
        let part_len = std::fs::metadata(dest.join("archive.bin.part"))
            .map(|m| m.len())
            .unwrap_or(0);
        let run = home.cubby(&server, &server.endpoint, &[&args[..], &["--overwrite"]].concat());
        assert_eq!(run.code, 0, "seed {seed}: {}{}", run.out, run.err);
        let files: Vec<String> = std::fs::read_dir(&dest)
            .expect("dest")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            files,
            vec!["archive.bin".to_string()],
            "seed {seed}: one file, no .part"
        );
        assert_eq!(md5_file(&target), md5, "seed {seed}");
        report.push(format!(
            "seed {seed}: killed after {delay:?} ({}), .part held {part_len} bytes, rerun: {}",
            if killed {
                "mid-download"
            } else {
                "after it finished"
            },
            if run.out.contains("resumed at") {
                "resumed"
            } else {
                "downloaded whole"
            }
        ));
    }
    println!("{}", report.join("\n"));
}

/// The watcher killed with SIGKILL three times per round at seeded random moments, then
/// `watch run --once`: every file is in the bucket exactly once and whole, and the journal
/// agrees.
#[test]
fn kill_dash_nine_of_the_watcher_at_random_points_then_each_file_once() {
    let server = SeaweedFs::start(&[BUCKET]);
    let mut report = Vec::new();
    for seed in 1..=3u64 {
        let home = Home::new();
        let inbox = home.path().join("inbox");
        std::fs::create_dir_all(&inbox).expect("inbox");
        let tenant = format!("kwatch{seed}");
        let inbox_text = inbox.display().to_string();
        let run = home.cubby(
            &server,
            &server.endpoint,
            &["watch", "add", &inbox_text, "--tenant", &tenant, "--new-tenant"],
        );
        assert_eq!(run.code, 0, "{}{}", run.out, run.err);
        let mut rng = Rng(seed * 15_485_863);
        let mut md5s = BTreeMap::new();
        for i in 0..40 {
            let name = format!("receipt-{i:02}.pdf");
            let mut bytes = b"%PDF-1.4\n".to_vec();
            bytes.extend(rng.bytes(40 * 1024 + i));
            std::fs::write(inbox.join(&name), &bytes).expect("write");
            md5s.insert(name, md5_of(&bytes));
        }
        let mut kills = Vec::new();
        for _ in 0..3 {
            let delay = Duration::from_millis(200 + rng.next() % 900);
            let child = home
                .command(
                    &server,
                    &server.endpoint,
                    &["watch", "run", "--stability-ms", "300"],
                )
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("cubby watch run");
            kill_after(child, delay);
            kills.push(format!(
                "{} ms ({} there)",
                delay.as_millis(),
                seen(&server, &format!("{tenant}/")).objects.len()
            ));
        }
        let run = home.cubby(
            &server,
            &server.endpoint,
            &["watch", "run", "--once", "--stability-ms", "300"],
        );
        assert_eq!(run.code, 0, "seed {seed}: {}{}", run.out, run.err);
        let last = seen(&server, &format!("{tenant}/"));
        let names = by_name(&last);
        assert_eq!(names.len(), md5s.len(), "seed {seed}: every file arrived");
        for (name, copies) in &names {
            assert_eq!(
                copies,
                &vec![md5s[name].clone()],
                "seed {seed}: {name} exactly once and whole"
            );
        }
        let status = home.cubby(&server, &server.endpoint, &["--json", "watch", "status"]);
        let json: serde_json::Value = serde_json::from_str(&status.out).expect("status json");
        assert_eq!(json[0]["status"]["uploaded"], 40, "seed {seed}: {}", status.out);
        report.push(format!("seed {seed}: kills after {}", kills.join(", ")));
    }
    println!("{}", report.join("\n"));
}

/// A tmpfs mounted for the test and unmounted when it ends.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(path: PathBuf, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(&path).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(SmallDisk { path })
    }

    fn grow(&self, size: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.path)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "remount {}", self.path.display());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Downloads onto a full disk (an 8 MiB tmpfs): a clear "no space" error, no final-named file,
/// a `.part` only when it can resume; once there is room the rerun completes (resuming).
#[test]
fn a_full_disk_fails_the_download_cleanly_and_the_rerun_resumes() {
    let server = SeaweedFs::start(&[BUCKET]);
    let home = Home::new();
    let big = Rng(0xD15C).bytes(12 * MIB);
    let small = Rng(0x5A11).bytes(300 * 1024);
    let (big_md5, small_md5) = (md5_of(&big), md5_of(&small));
    seed_objects(
        &server,
        &[
            ("disk/uploads/big.bin".into(), big),
            ("disk/uploads/small.bin".into(), small),
        ],
        home.path(),
    );
    let Some(disk) = SmallDisk::mount(home.path().join("disk"), "8m") else {
        panic!("cannot mount a tmpfs here: this test needs root (or CAP_SYS_ADMIN)");
    };
    let dest = disk.path.display().to_string();

    // Bigger than the disk: fails, keeps a resumable .part and its marker.
    let run = home.cubby(
        &server,
        &server.endpoint,
        &["get", "disk/uploads/big.bin", "--to", &dest],
    );
    assert_ne!(run.code, 0, "{}{}", run.out, run.err);
    let line = run.error_line().expect("an error line");
    assert!(line.contains("No space left on device"), "{line}");
    assert!(!disk.path.join("big.bin").exists(), "no final-named file");
    let part = disk.path.join("big.bin.part");
    let marker = disk.path.join(".big.bin.part.cubby");
    assert!(
        !part.exists() || marker.exists(),
        "a .part only with its resume marker"
    );
    println!(
        "big: exit {}: {line}; .part {} bytes",
        run.code,
        std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0)
    );

    // A small file on the disk that is now full: fails and leaves nothing.
    let run = home.cubby(
        &server,
        &server.endpoint,
        &["get", "disk/uploads/small.bin", "--to", &dest],
    );
    assert_ne!(run.code, 0, "{}{}", run.out, run.err);
    let line = run.error_line().expect("an error line");
    assert!(line.contains("No space left on device"), "{line}");
    assert!(!disk.path.join("small.bin").exists() && !disk.path.join("small.bin.part").exists());
    println!("small: exit {}: {line}", run.code);

    // Room again: both complete, the big one resuming from its .part.
    disk.grow("64m");
    let run = home.cubby(
        &server,
        &server.endpoint,
        &[
            "get",
            "disk/uploads/big.bin",
            "disk/uploads/small.bin",
            "--to",
            &dest,
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.out, run.err);
    println!("after growing: {}", run.out.trim());
    assert_eq!(md5_file(&disk.path.join("big.bin")), big_md5);
    assert_eq!(md5_file(&disk.path.join("small.bin")), small_md5);
    let mut left: Vec<String> = std::fs::read_dir(&disk.path)
        .expect("disk")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["big.bin", "small.bin"], "no .part or marker left");
}
