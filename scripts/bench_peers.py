#!/usr/bin/env python3
"""Cold start and idle memory of a function server, ours against Google's Python
functions-framework, measured by one harness so the numbers compare.

For each server, RUNS times: start the process, POST to / every millisecond until the
first 2xx (cold start = spawn -> first 2xx), wait one second, then sum the resident
memory (VmRSS) of the process and every descendant (the Python framework serves through
gunicorn workers). Prints the median and range of each.

usage: bench_peers.py RUST_BIN PYTHON_VENV [RUNS]
"""

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


def measure(command: list[str], env: dict[str, str], cwd: str, port: int) -> tuple[float, int]:
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                request = urllib.request.Request(url, data=b"PASS", method="POST")
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
        f"{name:<44} cold start median {statistics.median(cold):7.1f} ms (min {cold[0]:.1f}, max {cold[-1]:.1f})"
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
