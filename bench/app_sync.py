"""Workloads of Cubby's own that have no direct peer command or need more than one process:
watched-folder latency, the reconcile scan (against rclone's and s5cmd's `sync` over the same
already-uploaded folder), and the desktop window's start, memory and first rows.

Each function takes the running `Bench` (bench/run.py) and appends entries to `bench.results`.
Entries without a peer carry `target` and `meets_target` instead of a ratio.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import run as R

WATCH_FILES = 100
WATCH_GAP = 0.25  # seconds between drops: one file at a time, pipelined
P95_NOTE = "the same drops as the p50 line; the 95th percentile of each round"
RECONCILE_FILES = 10_000
APP_PREFIX_OBJECTS = 100_000


def _entry(wid: str, title: str, unit: str, samples: list[float], target: float | None,
           note: str, extra: dict | None = None) -> dict:
    tool = {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": [round(x, 4) for x in samples]}
    entry = {"id": wid, "title": title, "unit": unit, "note": note, "tools": {"cubby": tool}}
    if target is not None:
        entry["target"] = target
        entry["meets_target"] = tool["median"] <= target
    if extra:
        entry.update(extra)
    return entry


def _cubby_env(bench, home: Path) -> dict[str, str]:
    env = dict(bench.env["cubby"])
    env["CUBBY_CONFIG_DIR"] = str(home / "config")
    env["CUBBY_DATA_DIR"] = str(home / "data")
    return env


def _run(cmd: list[str], env: dict, what: str, timeout: float = R.PROCESS_TIMEOUT) -> str:
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise R.BenchError(f"{what}: `{' '.join(cmd)}` exited with {p.returncode}:\n{p.stderr[-2000:]}")
    return p.stdout


# --- watch → visible ------------------------------------------------------------------------

def watch_latency(bench) -> None:
    """100 files dropped one at a time into a watched folder; latency = first seen by an
    independent LIST (boto3, every 50 ms) minus the moment the file was closed."""
    tenant = "watchlat"
    samples_p50, samples_p95, all_latencies = [], [], []
    R.log(f"watch → visible: {WATCH_FILES} files, one every {WATCH_GAP * 1000:.0f} ms, "
          f"{bench.rounds} rounds")
    for rnd in range(1, bench.rounds + 1):
        home = bench.base / f"watch-{rnd}"
        inbox = home / "Inbox"
        inbox.mkdir(parents=True)
        env = _cubby_env(bench, home)
        cubby = [str(bench.bins["cubby"]), "--profile", "env"]
        _run([*cubby, "watch", "add", str(inbox), "--tenant", tenant, "--new-tenant"], env, "watch add")
        log = open(home / "watch.log", "wb")
        proc = subprocess.Popen([*cubby, "watch", "run"], env=env, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=R.die_with_parent)
        try:
            time.sleep(1.0)  # the engine's first scan of an empty folder
            dropped: dict[str, float] = {}
            seen: dict[str, float] = {}
            prefix = f"{tenant}/"
            next_drop = time.monotonic()
            i = 0
            deadline = None
            while len(seen) < WATCH_FILES:
                now = time.monotonic()
                if i < WATCH_FILES and now >= next_drop:
                    name = f"r{rnd}-receipt-{i:03d}.pdf"
                    (inbox / name).write_bytes(b"%PDF-1.4\n" + os.urandom(2048))
                    dropped[name] = time.monotonic()
                    i += 1
                    next_drop += WATCH_GAP
                    if i == WATCH_FILES:
                        deadline = time.monotonic() + 120
                for o in bench.objects(prefix):
                    name = o["Key"].rsplit("/", 1)[-1][23:]
                    if name in dropped and name not in seen:
                        seen[name] = time.monotonic()
                if deadline and time.monotonic() > deadline:
                    raise R.BenchError(f"watch: only {len(seen)} of {WATCH_FILES} files became visible")
                time.sleep(0.05)
            if proc.poll() is not None:
                raise R.BenchError("watch: `cubby watch run` exited early; see its log")
            keys = bench.objects(prefix)
            if len(keys) != WATCH_FILES:
                raise R.BenchError(f"watch: {len(keys)} objects for {WATCH_FILES} files (duplicates?)")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
            log.close()
        lat = sorted(seen[n] - dropped[n] for n in dropped)
        all_latencies.extend(lat)
        p50, p95 = statistics.median(lat), lat[int(0.95 * (len(lat) - 1))]
        samples_p50.append(p50)
        samples_p95.append(p95)
        R.log(f"  r{rnd} p50 {p50:.3f} s, p95 {p95:.3f} s")
        bench.delete_prefix(prefix)
        R.rm_tree(home)
    note = ("seconds from closing a file in the watched folder to the object being listed by boto3 "
            "(polled every 50 ms); the writer closes each file, which inotify reports, so Cubby uploads "
            "it at once; a file with no close event (still open, or on a polled share) waits out the "
            "2 s stability window instead")
    bench.results.append(_entry("watch_latency_p50", f"watch → visible, p50 of {WATCH_FILES} files",
                                "seconds", samples_p50, 0.5, note))
    bench.results.append(_entry("watch_latency_p95", f"watch → visible, p95 of {WATCH_FILES} files",
                                "seconds", samples_p95, 1.0, P95_NOTE))


# --- reconcile over 10,000 uploaded files ---------------------------------------------------

def reconcile(bench) -> None:
    """A folder of 10,000 files already uploaded: how long each tool takes to decide that
    nothing needs sending. Cubby: `cubby watch run --once` (scan + journal); rclone and s5cmd:
    `sync` to their own prefix, which they filled with the same folder beforehand."""
    src = bench.base / "reconcile-src"
    src.mkdir()
    for i in range(RECONCILE_FILES):
        (src / f"doc-{i:05d}.txt").write_bytes(b"receipt %05d\n" % i)
    home = bench.base / "reconcile-cubby"
    env = _cubby_env(bench, home)
    cubby = [str(bench.bins["cubby"]), "--profile", "env"]
    _run([*cubby, "watch", "add", str(src), "--tenant", "reconcile", "--new-tenant"], env, "watch add")
    started = time.monotonic()
    _run([*cubby, "-q", "watch", "run", "--once", "--stability-ms", "0"], env, "first upload", timeout=1800)
    R.log(f"seeded {RECONCILE_FILES:,} files through `cubby watch run --once` in "
          f"{time.monotonic() - started:.1f} s")
    if len(bench.objects("reconcile/")) != RECONCILE_FILES:
        raise R.BenchError("reconcile: the first upload did not give one object per file")
    rclone_dst = f"bench:{R.BUCKET}/reconcile-rclone/"
    s5_dst = f"s3://{R.BUCKET}/reconcile-s5cmd/"
    _run(bench.rclone("sync", str(src), rclone_dst), bench.env["rclone"], "rclone seed", timeout=1800)
    _run(bench.s5cmd("sync", f"{src}/", s5_dst), bench.env["s5cmd"], "s5cmd seed", timeout=1800)

    def unchanged(prefix: str):
        def check(sample: R.Sample) -> None:
            got = len(bench.objects(prefix))
            if got != RECONCILE_FILES:
                raise R.BenchError(f"reconcile: {got} objects under {prefix} after a no-op sync")
        return check

    bench.measure("reconcile_10k", f"reconcile {RECONCILE_FILES:,} already-uploaded files", {
        "cubby": lambda tag: R.Run([*cubby, "-q", "watch", "run", "--once", "--stability-ms", "0"], env,
                                   unchanged("reconcile/")),
        "rclone": lambda tag: R.Run(bench.rclone("sync", str(src), rclone_dst), bench.env["rclone"],
                                    unchanged("reconcile-rclone/")),
        "s5cmd": lambda tag: R.Run(bench.s5cmd("sync", f"{src}/", s5_dst), bench.env["s5cmd"],
                                   unchanged("reconcile-s5cmd/")),
    }, note="nothing to upload: Cubby scans the folder and checks its journal; rclone and s5cmd "
            "list the destination and compare sizes and times; checked: the object count is unchanged")
    for p in ("reconcile/", "reconcile-rclone/", "reconcile-s5cmd/"):
        bench.delete_prefix(p)
    R.rm_tree(src)
    R.rm_tree(home)


# --- the desktop window ---------------------------------------------------------------------

def _tree_pids(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            kids = []
        todo.extend(int(k) for k in kids)
    return out


# /proc's comm is cut at 15 characters. `window_floor` is the empty Tauri window of the same stack.
APP_PROCESSES = ("cubby-desktop", "window_floor", "WebKitWebProces", "WebKitNetworkPr")
# Cubby's window may cost this much more than an empty window of the same Tauri and WebKitGTK.
FLOOR_RATIO = 1.25


def _memory_mib(pid: int) -> tuple[float, float]:
    """(the app process's RSS, PSS summed over the app and WebKit's web and network processes,
    shared pages split fairly), in MiB. The private D-Bus session around the app is left out."""
    rss = pss = 0.0
    for p in _tree_pids(pid):
        try:
            comm = Path(f"/proc/{p}/comm").read_text().strip()
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        if comm not in APP_PROCESSES:
            continue
        fields = {line.split(":")[0]: line.split()[1] for line in text.splitlines()[1:] if ":" in line}
        pss += int(fields.get("Pss", 0)) / 1024
        if comm == "cubby-desktop":
            rss = int(fields.get("Rss", 0)) / 1024
    return rss, pss


def _xvfb() -> tuple[subprocess.Popen, str]:
    """An Xvfb on a display number it picks itself (-displayfd), so stale lock files left by
    other programs never get in the way."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            pass_fds=(write_end,), start_new_session=True, preexec_fn=R.die_with_parent)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number.isdigit():
        _stop(proc)
        raise R.BenchError("Xvfb did not start")
    return proc, f":{number}"


def _launch(bench, display: str, home: Path, args: list[str], report: Path) -> tuple[subprocess.Popen, float, dict]:
    env = _cubby_env(bench, home)
    env.update({"DISPLAY": display, "CUBBY_STARTUP_REPORT": str(report), "CUBBY_NO_TRAY": "1"})
    env.pop("WAYLAND_DISPLAY", None)
    report.unlink(missing_ok=True)
    started = time.monotonic()
    # A private session bus: the keychain check answers "no Secret Service" at once.
    proc = subprocess.Popen(["dbus-run-session", "--", str(bench.bins["desktop"]), *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(home / "app.log", "ab"),
                            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=R.die_with_parent)
    deadline = started + 60
    while True:
        if report.exists() and report.read_text().strip():
            took = time.monotonic() - started
            return proc, took, json.loads(report.read_text().strip().splitlines()[0])
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            raise R.BenchError(f"the window did not report readiness; see {home / 'app.log'}")
        time.sleep(0.01)


def _launch_floor(bench, display: str, home: Path, light: bool) -> subprocess.Popen:
    """The empty Tauri window, started as the app is (same environment, private session bus);
    ready once WebKit's web process is up (a blank page has nothing more to load). `light`: with
    the WebKit settings Cubby's window has."""
    env = _cubby_env(bench, home)
    env.update({"DISPLAY": display})
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen(["dbus-run-session", "--", str(bench.bins["floor"]), *(["--light"] if light else [])],
                            env=env,
                            stdout=subprocess.DEVNULL, stderr=open(home / "floor.log", "ab"),
                            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=R.die_with_parent)
    deadline = time.monotonic() + 60
    while True:
        comms = []
        for p in _tree_pids(proc.pid):
            try:
                comms.append(Path(f"/proc/{p}/comm").read_text().strip())
            except OSError:
                pass
        if "WebKitWebProces" in comms:
            return proc
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            raise R.BenchError(f"the empty window did not start; see {home / 'floor.log'}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def desktop(bench) -> None:
    prefix = "app100k/documents/"
    local = bench.base / "seed-app"
    local.mkdir()
    for i in range(APP_PREFIX_OBJECTS):
        (local / f"20250127_123456_{i:06d}_receipt-{i:06d}.pdf").write_bytes(b"%06d\n" % i)
    bench.seed_dir("app_100k", local, prefix, APP_PREFIX_OBJECTS)
    R.rm_tree(local)
    home = bench.base / "desktop"
    (home / "config").mkdir(parents=True)
    # A config file without profiles: not a first run, and the `env` profile is the active one.
    (home / "config" / "profiles.toml").write_text("")
    xvfb, display = _xvfb()
    start, rss, pss, first_rows, rows_seen, floor, floor_light = [], [], [], [], [], [], []
    try:
        R.log(f"desktop: warm-up, then {bench.rounds} rounds (start + idle memory, then first rows)")
        for rnd in range(bench.rounds + 1):
            report = home / "startup.jsonl"
            proc, took, _ = _launch(bench, display, home, [], report)
            time.sleep(5)  # idle: listing done, nothing moving
            mem = _memory_mib(proc.pid)
            _stop(proc)
            proc, _, timings = _launch(bench, display, home, ["--open", prefix], report)
            _stop(proc)
            floor_mem = []
            for light in (False, True):
                proc = _launch_floor(bench, display, home, light)
                time.sleep(5)  # idle as long as the app was
                floor_mem.append(_memory_mib(proc.pid)[1])
                _stop(proc)
            tag = "w" if rnd == 0 else f"r{rnd}"
            R.log(f"  {tag} start {took:.3f} s · idle RSS {mem[0]:.0f} MiB, PSS (all processes) "
                  f"{mem[1]:.0f} MiB (empty window {floor_mem[0]:.0f} MiB, with Cubby's WebKit settings "
                  f"{floor_mem[1]:.0f} MiB) · first rows of {prefix} "
                  f"{timings['first_rows_ms']:.0f} ms ({timings['rows']} rows)")
            if rnd == 0:
                continue
            start.append(took)
            rss.append(mem[0])
            pss.append(mem[1])
            floor.append(floor_mem[0])
            floor_light.append(floor_mem[1])
            first_rows.append(timings["first_rows_ms"])
            rows_seen.append(timings["rows"])
    finally:
        _stop(xvfb)
    if min(rows_seen) <= 0:
        raise R.BenchError("desktop: the 100,000-object folder showed no rows")
    bench.results.append(_entry(
        "desktop_start", "desktop start to interactive", "seconds", start, 1.5,
        "process launch until the window has listed the bucket's root and painted it (reported by the "
        "window itself); warm start: binaries in the page cache after the warm-up round; Xvfb 1280×800"))
    floor_mib = statistics.median(floor)
    bench.results.append(_entry(
        "desktop_idle_pss", "desktop idle memory (PSS, all processes)", "MiB", pss,
        round(FLOOR_RATIO * floor_mib, 1),
        "5 s after start: proportional set size summed over the app and WebKit's web and network "
        f"processes; target {FLOOR_RATIO:g}× `floor_mib`, an empty Tauri window of the same Tauri and "
        "WebKitGTK (`src-tauri/examples/window_floor.rs`) started the same way and measured the same way; "
        "`floor_light_mib`: that window with Cubby's WebKit settings (document-viewer cache, no "
        "accelerated compositing)",
        extra={"main_process_rss_mib": [round(x, 1) for x in rss],
               "floor_mib": round(floor_mib, 1), "floor_samples_mib": [round(x, 1) for x in floor],
               "floor_light_mib": round(statistics.median(floor_light), 1),
               "floor_light_samples_mib": [round(x, 1) for x in floor_light]}))
    bench.results.append(_entry(
        "desktop_first_rows_100k", f"first rows of a {APP_PREFIX_OBJECTS:,}-object folder", "ms",
        first_rows, 300,
        "from the window asking for the folder (`--open`) to its first rows painted, measured in the "
        "window (performance.now() at the request and at the next animation frame after the rows)"))
    bench.delete_prefix(prefix)
