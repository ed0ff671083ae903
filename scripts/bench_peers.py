#!/usr/bin/env python3
"""Cold start and idle memory of a function server, ours against Google's Python
functions-framework, measured by one harness so the numbers compare.

For each server, RUNS times: start the process, POST to / every millisecond until the
first 2xx (cold start = spawn -> first 2xx), wait one second, then sum the resident
memory (VmRSS) of the process and every descendant (the Python framework serves through
gunicorn workers). Prints the median and range of each.

usage: bench_peers.py RUST_BIN PYTHON_VENV [RUNS] [RAW_BIN]

RUST_BIN serves the runtime's conformance http function (the framework alone, like the
Python hello). RAW_BIN, when given, is a real phase binary (the raw processor on the
embedded backend: DuckDB, SQLite state store, object store), answering a Pub/Sub push of
a scraper run that found no data: what a production function costs at rest.
"""

import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HELLO_PY = '''
def hello(request):
    return "OK"
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def rss_kib(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def push_envelope() -> bytes:
    """A Pub/Sub push of a scraper completion with no data (the raw processor skips it)."""
    message = {
        "processor_name": "nbac_schedule", "phase": 1, "execution_id": "bench", "correlation_id": "bench",
        "game_date": "2025-01-10", "status": "no_data", "record_count": 0, "gcs_path": None,
        "duration_seconds": 0.1,
    }
    return json.dumps({
        "message": {"data": base64.b64encode(json.dumps(message).encode()).decode(), "messageId": "1",
                    "attributes": {}, "publishTime": "2025-01-10T12:00:00Z"},
        "subscription": "projects/p/subscriptions/raw_processor--nba-phase1-scrapers-complete",
    }).encode()


def measure(command: list[str], env: dict[str, str], cwd: str, port: int, body: bytes = b"PASS") -> tuple[float, int]:
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as answer:
                    if 200 <= answer.status < 300:
                        cold = time.perf_counter() - started
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"{command[0]}: no 2xx within 30 s")
            time.sleep(0.001)
        time.sleep(1.0)
        return cold, rss_kib(descendants(proc.pid))
    finally:
        for p in reversed(descendants(proc.pid)):
            try:
                os.kill(p, 9)
            except OSError:
                pass
        proc.wait()


def report(name: str, samples: list[tuple[float, int]]) -> None:
    cold = sorted(s[0] * 1000 for s in samples)
    rss = sorted(s[1] / 1024 for s in samples)
    print(
        f"{name:<50} cold start median {statistics.median(cold):7.1f} ms (min {cold[0]:.1f}, max {cold[-1]:.1f})"
        f"   idle RSS median {statistics.median(rss):6.1f} MiB (min {rss[0]:.1f}, max {rss[-1]:.1f}), n={len(samples)}"
    )


def main() -> None:
    rust_bin, venv = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    work = tempfile.mkdtemp()
    with open(os.path.join(work, "main.py"), "w") as f:
        f.write(HELLO_PY)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "FUNCTION_", "PORT"))}

    ours = []
    for _ in range(runs):
        port = free_port()
        env = dict(base, FUNCTION_TARGET="conformance_http", PORT=str(port), HOST="127.0.0.1", NBA_LOG="warn")
        ours.append(measure([rust_bin], env, work, port))
    report("nba-runtime (Rust, release) http function", ours)

    if len(sys.argv) > 4:
        raw = []
        for _ in range(runs):
            port = free_port()
            data = tempfile.mkdtemp()
            env = dict(base, FUNCTION_TARGET="raw_processor", PORT=str(port), HOST="127.0.0.1", NBA_LOG="warn",
                       NBA_DATA_DIR=data)
            raw.append(measure([sys.argv[4]], env, work, port, push_envelope()))
        report("nba-raw (Rust, release) raw_processor, embedded", raw)

    framework = os.path.join(venv, "bin", "functions-framework")
    theirs = []
    for _ in range(runs):
        port = free_port()
        command = [framework, "--target", "hello", "--source", "main.py", "--host", "127.0.0.1", "--port", str(port)]
        theirs.append(measure(command, base, work, port))
    version = subprocess.run(
        [os.path.join(venv, "bin", "python"), "-c", "import importlib.metadata as m; print(m.version('functions-framework'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    report(f"functions-framework {version} (Python) hello", theirs)


if __name__ == "__main__":
    main()
