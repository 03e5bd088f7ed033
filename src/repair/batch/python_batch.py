"""selfheal's batched test driver for Python candidates (standard library only).

Usage (inside the sandbox, cwd = the batch's work directory):

    python3 python_batch.py PLAN.json   (one secret per candidate on stdin, one line each)

PLAN.json: {"runner": [argv of the judged test runner], "candidates": [directory, ...],
"wall": seconds, "cpu": seconds, "results": path}. For each candidate in turn, the driver forks
a child from this warm interpreter (no program module has been imported here, so each child
starts with fresh module state), gives it that candidate's secret on stdin, moves it into the
candidate's directory and runs the judged runner there, in-process (`runpy`), exactly as the
test step would run it. A child that runs past `wall` seconds (or `cpu` CPU seconds, by
RLIMIT_CPU) is killed with its process group: a looping candidate costs one limit. The runner's
record channel (the child's stdout) is captured. The driver stops after the first candidate
whose records say it passed (candidates come best-ranked first). At the end the driver writes one JSON line per
candidate to `results`: index, how the child ended, and what its channel said. The host judges
each candidate's records as the test step's. This is a filter: a candidate that passes here is
validated again alone before anyone believes it.
"""

import json
import os
import resource
import select
import signal
import sys
import time

# The runner's own imports, loaded once here instead of once per candidate.
import ast  # noqa: F401
import importlib.util  # noqa: F401
import linecache  # noqa: F401
import runpy
import traceback  # noqa: F401
import types  # noqa: F401

_OUTPUT_LIMIT = 16 << 20


def _read_line(fd):
    """One line of `fd`, unbuffered: the lines after it stay unread in the pipe."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        data += chunk
    return data.strip().decode("ascii", "replace")


def _looks_passed(result, secret):
    """Whether the runner's records say every test passed and the run reached its end (the
    host judges for itself; this only decides whether the driver may stop)."""
    if result["ended"] != "exited":
        return False
    prefix = secret + " "
    done = False
    tests = 0
    for line in result["stdout"].splitlines():
        if not line.startswith(prefix):
            continue
        try:
            record = json.loads(line[len(prefix):])
        except ValueError:
            return False
        event = record.get("event")
        if event == "done":
            done = True
        elif event == "test":
            tests += 1
            if record.get("outcome") not in ("passed", "skipped"):
                return False
        elif event == "exit":
            return False
    return done and tests > 0


def _child(runner, directory, secret, cpu, channel_w, secret_r):
    os.setpgid(0, 0)
    os.dup2(secret_r, 0)
    os.dup2(channel_w, 1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    for fd in (secret_r, channel_w, null):
        if fd > 2:
            os.close(fd)
    if cpu > 0:
        limit = max(1, int(cpu))
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    os.chdir(directory)
    sys.argv = list(runner[1:])
    sys.path[0] = os.getcwd()
    try:
        runpy.run_path(runner[1], run_name="__main__")
    finally:
        os._exit(3)


def _run(index, runner, directory, secret, wall, cpu):
    channel_r, channel_w = os.pipe()
    secret_r, secret_w = os.pipe()
    os.write(secret_w, secret.encode("ascii") + b"\n")
    os.close(secret_w)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(channel_r)
        _child(runner, directory, secret, cpu, channel_w, secret_r)
    os.close(channel_w)
    os.close(secret_r)
    out = bytearray()
    timed_out = False
    deadline = started + wall
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([channel_r], [], [], left)
        if not ready:
            continue
        chunk = os.read(channel_r, 65536)
        if not chunk:
            break
        if len(out) < _OUTPUT_LIMIT:
            out += chunk
    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    os.close(channel_r)
    _, status = os.waitpid(pid, 0)
    # Whatever the child left behind in its group goes too.
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    if timed_out:
        ended = "timeout"
    elif os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        ended = "cpu"
    elif os.WIFSIGNALED(status):
        ended = "signal"
    else:
        ended = "exited"
    return {
        "index": index,
        "ended": ended,
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "wall_ms": (time.monotonic() - started) * 1000.0,
        "stdout": out.decode("utf-8", "replace"),
    }


def main():
    with open(sys.argv[1], "r", encoding="utf-8") as handle:
        plan = json.load(handle)
    results = []
    for index, directory in enumerate(plan["candidates"]):
        secret = _read_line(0)
        result = _run(index, plan["runner"], directory, secret, plan["wall"], plan["cpu"])
        results.append(result)
        # Candidates come best-ranked first: once one looks passed, the rest are not needed
        # unless the host disagrees (it then validates them alone).
        if _looks_passed(result, secret):
            break
    # Written only once every child is gone, so no candidate can touch another's result.
    with open(plan["results"], "w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
