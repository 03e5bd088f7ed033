#!/usr/bin/env python3
"""Soak `selfheal serve`: mixed requests from several tenants until the validation cache is at
its bounds, then a steady phase; checks that memory stays flat and nothing leaks.

Starts the service on loopback with a configuration it writes (--tenants tenants, each with a
key, a private cache scope bounded to --cache-max-bytes, the cache database's page cache
bounded to --cache-memory-bytes), in fresh data and temporary directories. One client per
tenant sends, in turn, cached checks, fresh checks, heals and runs of small Python programs
(fresh ones made unique per request, so every one adds cache entries).

Phase 1 (fill) lasts until every tenant's cache scope holds at least 95% of its bound (read
from `/metrics`, `selfheal_tenant_cache_bytes`) and --min-fill-seconds have passed, or
--fill-seconds at most. Phase 2 (steady) lasts --seconds. The server's resident memory
(anonymous and file-backed), open descriptors, live sandboxes (its child processes and the
cgroups of its pid) and entries in its TMPDIR are sampled every --sample-seconds.

The report (JSON on stdout) gives them at the start (after the first round of requests), at
the bound (the end of phase 1) and at the end, the least-squares slope of resident memory over
the steady phase and over its second half alone (whether the growth levels off), and
`leak_check`: descriptors before the load and 3 s after it, and the sandboxes, cgroups and
TMPDIR entries left then. Exits 1 when the fill did not reach the bound,
when resident memory grew by more than --max-growth-mib over the steady phase, or when
something leaked (descriptors, sandboxes, temporary files left once the load stops); 0
otherwise.

Usage: scripts/serve_soak.py --selfheal target/release/selfheal [--seconds 600]
    [--tenants 4] [--cache-max-bytes 262144] [--cache-memory-bytes 524288]
    [--cache off] [--port 18180] [--wrap 'heaptrack -o FILE']
The default bounds are small (256 KiB per tenant, 512 KiB of pages: the four scopes' entries
do not fit in the page cache) so that a few minutes reach them; the service's own defaults
(64 MiB each) take hours of traffic to reach. `--cache off` gives every tenant no validation cache (no fill phase), to tell the cache's
memory from the rest. `--wrap` runs the service under another command (a heap profiler);
memory is still sampled from the service's own process. Standard library only.
"""

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def descendants(pid):
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            children.append(int(entry))
    return children


def cgroups_of(pid):
    found = []
    prefix = f"selfheal-{pid}-"
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            if d.startswith(prefix):
                found.append(os.path.join(root, d))
    return found


def sample(start, pid, tmp, port):
    """One sample: what the server holds now."""
    return {
        "t_s": round(time.time() - start),
        "rss_kib": status_kib(pid, "VmRSS"),
        "anon_kib": status_kib(pid, "RssAnon"),
        "file_kib": status_kib(pid, "RssFile"),
        "fds": open_fds(pid),
        "child_processes": len(descendants(pid)),
        "cgroups": len(cgroups_of(pid)),
        "tmpdir_entries": len(os.listdir(tmp)),
        "cache_bytes": cache_bytes(port),
    }


def cache_bytes(port):
    """tenant -> bytes its cache scope stores, from /metrics."""
    found = {}
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
            text = r.read().decode()
    except (urllib.error.URLError, OSError):
        return found
    for line in text.splitlines():
        if line.startswith("selfheal_tenant_cache_bytes{"):
            tenant = line.split('tenant="', 1)[1].split('"', 1)[0]
            found[tenant] = int(float(line.rsplit(" ", 1)[1]))
    return found


def request(port, key, path, body):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError) as e:
        return f"error: {e}"


def program(tenant, n, broken):
    body = "return a + c" if broken else "return a + b"
    return {
        "language": "python",
        "files": {
            "main.py": f"def add(a, b):\n    {body}\n\nVERSION = {n}\nTENANT = {tenant!r}\n",
            "test_main.py": "from main import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        },
    }


def server_pid(launched, selfheal):
    """The service's pid: `launched` itself, or (under --wrap) its descendant running `selfheal`."""
    target = os.path.realpath(selfheal)
    deadline = time.time() + 60
    while time.time() < deadline:
        todo = [launched]
        while todo:
            pid = todo.pop()
            try:
                if os.path.realpath(f"/proc/{pid}/exe") == target:
                    return pid
            except OSError:
                pass
            todo.extend(descendants(pid))
        time.sleep(0.2)
    return launched


def slope(samples):
    """Resident memory's least-squares slope over `samples`, in MiB per minute."""
    if len(samples) < 2:
        return 0.0
    xs = [s["t_s"] / 60 for s in samples]
    ys = [s["rss_kib"] / 1024 for s in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0


def hash_key(selfheal):
    made = subprocess.run(
        [selfheal, "serve", "hash-key", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(made.stdout)


class Load:
    """One client per tenant, mixing the four kinds of request until told to stop."""

    def __init__(self, port, keys):
        self.port = port
        self.keys = keys
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses = {}
        self.requests = 0
        self.threads = [
            threading.Thread(target=self.client, args=(tenant, key), daemon=True)
            for tenant, key in keys.items()
        ]

    def client(self, tenant, key):
        n = 0
        while not self.stop.is_set():
            kind = n % 4
            if kind == 0:  # answered from the tenant's cache after the first time
                code = request(self.port, key, "/v1/check", program(tenant, 0, False))
            elif kind == 1:
                code = request(self.port, key, "/v1/check", program(tenant, n, True))
            elif kind == 2:
                code = request(self.port, key, "/v1/heal", program(tenant, n, True))
            else:
                body = dict(program(tenant, n, False), timeout_secs=5)
                code = request(self.port, key, "/v1/run", body)
            with self.lock:
                self.statuses[str(code)] = self.statuses.get(str(code), 0) + 1
                self.requests += 1
            n += 1

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=600)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--selfheal", required=True)
    ap.add_argument("--seconds", type=int, default=600, help="the steady phase")
    ap.add_argument("--fill-seconds", type=int, default=1800, help="longest fill phase")
    ap.add_argument("--min-fill-seconds", type=int, default=60)
    ap.add_argument("--sample-seconds", type=int, default=30)
    ap.add_argument("--port", type=int, default=18180)
    ap.add_argument("--tenants", type=int, default=4)
    ap.add_argument("--cache-max-bytes", type=int, default=256 << 10)
    ap.add_argument("--cache-memory-bytes", type=int, default=512 << 10)
    ap.add_argument("--max-growth-mib", type=float, default=4.0)
    ap.add_argument("--cache", choices=["private", "off"], default="private")
    ap.add_argument(
        "--wrap",
        default="",
        help="a command the service runs under, e.g. 'heaptrack -o FILE' (memory is sampled "
        "from the service's own process)",
    )
    args = ap.parse_args()

    data = tempfile.mkdtemp(prefix="selfheal-soak-data-")
    tmp = tempfile.mkdtemp(prefix="selfheal-soak-tmp-")
    keys = {}
    config = os.path.join(data, "serve.toml")
    with open(config, "w") as f:
        f.write(f'listen = "127.0.0.1:{args.port}"\n')
        f.write(f"cache_memory_bytes = {args.cache_memory_bytes}\n")
        f.write("workers = 4\n")
        for i in range(args.tenants):
            tenant = f"t{i}"
            made = hash_key(args.selfheal)
            keys[tenant] = made["key"]
            f.write(f'\n[[tenants]]\nid = "{tenant}"\nkeys = ["{made["hash"]}"]\n')
            if args.cache == "off":
                f.write('cache = "off"\n')
            else:
                f.write(f"cache_max_bytes = {args.cache_max_bytes}\n")
            # The soak measures memory, not the door: no rate limit in the way.
            f.write("[tenants.service]\nrequests_per_minute = 100000\n")
    env = dict(os.environ, TMPDIR=tmp)
    server = subprocess.Popen(
        shlex.split(args.wrap) + [args.selfheal, "serve", "--config", config, "--data-dir", data],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/readyz", timeout=5)
            break
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    else:
        server.kill()
        sys.exit("the service did not become ready in 120 s")

    pid = server_pid(server.pid, args.selfheal)
    before = sample(time.time(), pid, tmp, args.port)
    load = Load(args.port, keys)
    start = time.time()
    load.start()
    while load.requests < 4 * args.tenants and time.time() - start < 300:
        time.sleep(0.5)
    samples = [sample(start, pid, tmp, args.port)]
    first = samples[0]

    def full(s):
        cached = s["cache_bytes"]
        return len(cached) == args.tenants and all(
            b >= 0.95 * args.cache_max_bytes for b in cached.values()
        )

    fill_started = time.time()
    reached = args.cache == "off"
    while not reached and time.time() - fill_started < args.fill_seconds:
        time.sleep(args.sample_seconds)
        samples.append(sample(start, pid, tmp, args.port))
        reached = full(samples[-1]) and time.time() - fill_started >= args.min_fill_seconds
    at_bound = samples[-1]
    steady_started = time.time()
    while time.time() - steady_started < args.seconds:
        time.sleep(min(args.sample_seconds, args.seconds - (time.time() - steady_started)))
        samples.append(sample(start, pid, tmp, args.port))
    end = samples[-1]
    load.finish()
    time.sleep(3)  # let the last sandboxes be reaped
    after = sample(start, pid, tmp, args.port)
    leftovers = {
        "tmpdir_entries": os.listdir(tmp),
        "cgroups": cgroups_of(pid),
        "child_processes": descendants(pid),
    }
    os.kill(pid, signal.SIGTERM)  # the service itself, not a --wrap command around it
    server.wait(timeout=300)

    steady_growth_mib = (end["rss_kib"] - at_bound["rss_kib"]) / 1024
    steady_minutes = max((end["t_s"] - at_bound["t_s"]) / 60, 1e-9)
    steady = [s for s in samples if s["t_s"] >= at_bound["t_s"]]
    halfway = (at_bound["t_s"] + end["t_s"]) / 2
    last_half = [s for s in steady if s["t_s"] >= halfway]
    report = {
        "requests": load.requests,
        "statuses": load.statuses,
        "tenants": args.tenants,
        "cache_max_bytes": args.cache_max_bytes,
        "cache_memory_bytes": args.cache_memory_bytes,
        "bound_reached": reached,
        "fill_seconds": at_bound["t_s"] - first["t_s"],
        "steady_seconds": end["t_s"] - at_bound["t_s"],
        "rss_mib_start_bound_end": [round(s["rss_kib"] / 1024, 1) for s in (first, at_bound, end)],
        "anon_mib_start_bound_end": [round(s["anon_kib"] / 1024, 1) for s in (first, at_bound, end)],
        "steady_rss_growth_mib": round(steady_growth_mib, 2),
        "steady_rss_growth_mib_per_min": round(steady_growth_mib / steady_minutes, 3),
        # Least squares over every steady sample: the trend, not two noisy end points.
        "steady_rss_slope_mib_per_min": round(slope(steady), 3),
        # The second half alone: whether the growth levels off (near 0) or keeps on.
        "steady_rss_slope_last_half_mib_per_min": round(slope(last_half), 3),
        "steady_rss_min_max_mib": [
            round(min(s["rss_kib"] for s in steady) / 1024, 1),
            round(max(s["rss_kib"] for s in steady) / 1024, 1),
        ],
        "leak_check": {
            "fds_before_load": before["fds"],
            "fds_after_load": after["fds"],
            "child_processes_after_load": after["child_processes"],
            "cgroups_after_load": after["cgroups"],
            "tmpdir_entries_after_load": after["tmpdir_entries"],
        },
        "before_load": before,
        "after_load": after,
        "samples": samples,
        "leftovers": leftovers,
        "exit_code_after_sigterm": server.returncode,
        "data_dir": data,
    }
    print(json.dumps(report, indent=1))
    leaked = (
        any(leftovers.values())
        or after["fds"] > before["fds"] + 2
        or after["child_processes"] or after["cgroups"]
    )
    growth = max(steady_growth_mib, slope(steady) * steady_minutes)
    failed = leaked or not reached or growth > args.max_growth_mib
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
