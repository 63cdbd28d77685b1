"""Run one measured child process: wall time, peak memory, CPU time, timeout.

Every import, coverage and render measurement runs in a fresh process, for
ecoinv and for the peers alike, so that peak memory is the process's own
(``os.wait4`` returns the rusage of exactly that child and the processes it
waited for) and one run cannot warm another's Python-level caches.  Peak
memory is the larger of the child's ru_maxrss and the summed resident
memory of all its processes, sampled every 50 ms (ecoinv's import starts
worker processes; ru_maxrss would show only the largest of them).  The child reports what it measured
inside itself on one stdout line starting with ``RESULT_TAG``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

RESULT_TAG = "BENCH-RESULT "
REPO = Path(__file__).resolve().parents[1]


@dataclass
class ProcResult:
    cmd: list[str]
    returncode: int | None
    wall: float                  # seconds, spawn to exit
    maxrss_mb: float             # the child's peak resident set size
    stdout: str
    stderr: str
    timed_out: bool = False
    result: dict = field(default_factory=dict)   # the child's RESULT_TAG line, if any
    cpu: float | None = None     # the child's user + system CPU seconds (its processes' too)
    # The most memory its processes held at once (sampled), for commands that
    # start processes of their own (ecoinv's import workers): ru_maxrss is
    # only the largest single process.
    tree_rss_mb: float = 0.0

    @property
    def peak_mb(self) -> float:
        return max(self.maxrss_mb, self.tree_rss_mb)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def error(self) -> str:
        if self.timed_out:
            return f"timed out after {self.wall:.0f} s"
        tail = (self.stderr.strip().splitlines() or self.stdout.strip().splitlines() or ["?"])[-1]
        return f"exit {self.returncode}: {tail[:300]}"


def child_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(extra or {})
    return env


# The measured command is started by this small launcher, not by the harness
# itself: Linux carries a process's peak RSS across fork and exec, so a child
# forked straight from the (large) harness would report at least the
# harness's size.  Forked from the launcher (~10 MB) it reports its own peak.
_LAUNCHER = r"""
import json, os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(out, "w") as f:
    json.dump({"wall": wall, "maxrss_kb": ru.ru_maxrss, "cpu": ru.ru_utime + ru.ru_stime,
               "status": status}, f)
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


def run_measured(cmd: list[str], *, timeout: float | None = None, env: dict | None = None,
                 cwd: str | os.PathLike | None = None,
                 sample_memory: bool = False) -> ProcResult:
    """Run ``cmd`` to the end (or kill its process group at ``timeout``).

    ``sample_memory``: also sample the summed resident memory of all its
    processes (``ProcResult.peak_mb``), which scans /proc every 50 ms: a
    measurable share of a core, so only for the measures that report it
    (the import's; the others report the command's own peak, from wait4)."""
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as tmp:
        stats_path = Path(tmp) / "stats.json"
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, str(stats_path), *cmd],
                             stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                             env=env if env is not None else child_env(), cwd=cwd,
                             start_new_session=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        sampler = _SessionMemory(p.pid)
        if sample_memory:
            sampler.start()
        try:
            p.wait()
        finally:
            if timer:
                timer.cancel()
            if sample_memory:
                sampler.stop()
        outer_wall = time.perf_counter() - t0
        stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if stats:
        returncode = os.waitstatus_to_exitcode(stats["status"])
    else:
        returncode = p.returncode
    result: dict = {}
    for line in stdout.splitlines():
        if line.startswith(RESULT_TAG):
            result = json.loads(line[len(RESULT_TAG):])
    return ProcResult(cmd, returncode, stats.get("wall", outer_wall),
                      stats.get("maxrss_kb", 0) / 1024.0, stdout, stderr, timed_out.is_set(),
                      result, cpu=stats.get("cpu"), tree_rss_mb=sampler.peak_mb)


class _SessionMemory(threading.Thread):
    """Samples the summed resident memory of the processes of a session
    (the launcher's: the measured command and whatever it starts), leaving
    out the launcher itself, every ``interval`` seconds."""

    def __init__(self, session: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.session, self.interval = session, interval
        self.peak_mb = 0.0
        self._done = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def stop(self) -> None:
        self._done.set()
        self.join()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            total = 0
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit() or int(entry.name) == self.session:
                    continue
                try:
                    with open(f"/proc/{entry.name}/stat", "rb") as fh:
                        # after "(comm)": state ppid pgrp session ...
                        fields = fh.read().rsplit(b")", 1)[1].split()
                    if int(fields[3]) != self.session:
                        continue
                    with open(f"/proc/{entry.name}/statm", "rb") as fh:
                        total += int(fh.read().split()[1]) * self._page
                except (OSError, ValueError, IndexError):
                    continue  # gone meanwhile
            self.peak_mb = max(self.peak_mb, total / 1024 ** 2)


def python_module(module: str, *args) -> list[str]:
    return [sys.executable, "-m", module, *map(str, args)]


def report(result: dict) -> None:
    """Child side: print the result line the parent reads."""
    print(RESULT_TAG + json.dumps(result, ensure_ascii=False, default=str), flush=True)
