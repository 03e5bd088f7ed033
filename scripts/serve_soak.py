#!/usr/bin/env python3
"""Soak `selfheal serve`: mixed requests for a while, then check that nothing grew or leaked.

Starts the service on loopback with its embedded defaults (fresh data and temporary
directories), sends a mix of cached checks, fresh checks, heals and runs of small Python
programs one after another, samples the server's resident memory and open descriptors, and at
the end reports them with what is left behind: files in the service's TMPDIR, sandbox cgroups
of its pid, processes still in its tree. Exits 1 when something leaked or the memory grew by
more than --max-growth-mib between the first and the last sample, 0 otherwise.

Usage: scripts/serve_soak.py --selfheal target/debug/selfheal [--seconds 600] [--port 18180]
    [--cache private|off]
`--cache off` runs the one tenant without a validation cache (a configuration file written for
it), to tell the cache's memory from the rest. Standard library only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_kib(pid):
    return status_kib(pid, "VmRSS")


def sample(start, pid):
    """(seconds, resident KiB, anonymous resident KiB, file-backed resident KiB, open fds).

    File-backed pages are the executable's and libraries' code and data, paged in as code
    paths run for the first time and reclaimable; anonymous pages are the heap and stacks."""
    return (
        round(time.time() - start),
        rss_kib(pid),
        status_kib(pid, "RssAnon"),
        status_kib(pid, "RssFile"),
        open_fds(pid),
    )


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


def request(port, key, path, body):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def program(n, broken):
    body = "return a + c" if broken else "return a + b"
    return {
        "language": "python",
        "files": {
            "main.py": f"def add(a, b):\n    {body}\n\nVERSION = {n}\n",
            "test_main.py": "from main import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        },
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--selfheal", required=True)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--port", type=int, default=18180)
    ap.add_argument("--max-growth-mib", type=int, default=64)
    ap.add_argument("--cache", choices=["private", "off"], default="private")
    args = ap.parse_args()

    data = tempfile.mkdtemp(prefix="selfheal-soak-data-")
    tmp = tempfile.mkdtemp(prefix="selfheal-soak-tmp-")
    env = dict(os.environ, SELFHEAL_DATA_DIR=data, TMPDIR=tmp)
    command = [args.selfheal, "serve", "--listen", f"127.0.0.1:{args.port}"]
    key = None
    if args.cache == "off":
        made = subprocess.run(
            [args.selfheal, "serve", "hash-key", "--format", "json"],
            check=True,
            capture_output=True,
            text=True,
        )
        made = json.loads(made.stdout)
        key = made["key"]
        config = os.path.join(data, "serve.toml")
        with open(config, "w") as f:
            f.write(
                f'[[tenants]]\nid = "local"\nkeys = ["{made["hash"]}"]\ncache = "off"\n'
            )
        command += ["--config", config, "--data-dir", data]
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    if key is None:
        key_file = os.path.join(data, "serve", "dev-key")
        while not os.path.exists(key_file) and time.time() < deadline:
            time.sleep(0.1)
        with open(key_file) as f:
            key = f.read().strip()
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/readyz", timeout=5)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)

    statuses = {}
    samples = []
    start = time.time()
    n = 0
    next_sample = start
    while time.time() - start < args.seconds:
        kind = n % 4
        if kind == 0:
            code = request(args.port, key, "/v1/check", program(0, False))  # cached after once
        elif kind == 1:
            code = request(args.port, key, "/v1/check", program(n, True))
        elif kind == 2:
            code = request(args.port, key, "/v1/heal", program(n, True))
        else:
            code = request(
                args.port, key, "/v1/run", dict(program(n, False), timeout_secs=5)
            )
        statuses[code] = statuses.get(code, 0) + 1
        n += 1
        if time.time() >= next_sample:
            samples.append(sample(start, server.pid))
            next_sample += 30
    samples.append(sample(start, server.pid))
    time.sleep(2)  # let the last sandboxes be reaped
    leftovers = {
        "tmpdir_entries": os.listdir(tmp),
        "cgroups": cgroups_of(server.pid),
        "child_processes": descendants(server.pid),
    }
    server.terminate()
    server.wait(timeout=60)

    first, last = samples[0], samples[-1]
    growth_mib = (last[1] - first[1]) / 1024
    report = {
        "requests": n,
        "statuses": statuses,
        "rss_kib_first_last": [first[1], last[1]],
        "rss_growth_mib": round(growth_mib, 1),
        "rss_anon_kib_first_last": [first[2], last[2]],
        "rss_file_kib_first_last": [first[3], last[3]],
        "open_fds_first_last": [first[4], last[4]],
        "samples_s_rss_anon_file_kib_fds": samples,
        "leftovers": leftovers,
        "exit_code_after_sigterm": server.returncode,
    }
    print(json.dumps(report, indent=1))
    leaked = any(leftovers.values()) or last[4] > first[4] + 8
    sys.exit(1 if leaked or growth_mib > args.max_growth_mib else 0)


if __name__ == "__main__":
    main()
