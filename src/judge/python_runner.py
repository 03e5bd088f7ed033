"""selfheal's Python test runner (standard library only).

Usage (inside the sandbox, cwd = the program's work directory):

    python3 python_runner.py TEST_FILE...   (the run's secret on stdin, one line)

Protocol (see docs/testing.md):

* The first line of stdin is a per-run secret chosen by the host. It is read before any program
  code runs; stdin is then replaced by /dev/null, so the program cannot read it.
* Records go to a private duplicate of the original stdout; the program's own stdout is sent to
  stderr. Each record is one line: the secret, a space, a JSON object. The host trusts only
  lines carrying the secret, so printed summaries, silenced streams or a closed channel can only
  make the verdict fail.
* Records: `file` (a test file and the test ids discovered in it), `start` (a test begins),
  `test` (a test ended: outcome, duration, exception, traceback, expected/actual), `exit` (the
  program tried to end the process: where, how) and `done` (the runner reached its end). A run
  without `done`, or with a discovered test that has no `test` record, is incomplete.

Test files are classified by their syntax tree: a file defining `test*` functions, `Test*`
classes or `unittest.TestCase` subclasses at top level is imported as a module and its tests
are run one by one; any other test file is a plain script, run as `__main__` (one test named
after the file).
"""

import ast
import importlib.util
import json
import linecache
import os
import sys
import time
import traceback
import types

_REPR_LIMIT = 400
# Per-test coverage bounds: distinct lines reported per test, and line events traced per test
# (after that many, tracing stops for the rest of the test, so its cost stays bounded).
_COVER_LINES = 2000
_COVER_EVENTS = 200000
# unittest helpers whose `first`/`second` locals are the compared values (actual, expected).
_UNITTEST_COMPARE = {
    "assertEqual", "assertEquals", "assertNotEqual", "assertListEqual", "assertTupleEqual",
    "assertDictEqual", "assertSetEqual", "assertSequenceEqual", "assertMultiLineEqual",
    "assertCountEqual", "assertAlmostEqual", "assertNotAlmostEqual", "_baseAssertEqual",
    "assertGreater", "assertGreaterEqual", "assertLess", "assertLessEqual", "assertIs",
    "assertIsNot",
}

_real_exit = os._exit
_write = os.write


class _Channel:
    """The private record channel: a duplicate of the original stdout, tagged by the secret."""

    def __init__(self, fd, secret):
        self._fd = fd
        self._prefix = secret.encode("ascii") + b" "

    def send(self, record):
        data = self._prefix + json.dumps(record, ensure_ascii=True).encode("ascii") + b"\n"
        try:
            while data:
                written = _write(self._fd, data)
                data = data[written:]
        except OSError:
            # The program closed our channel: what is missing makes the run incomplete.
            pass


def _short_repr(value):
    try:
        text = repr(value)
    except BaseException as error:  # a broken __repr__ must not break the runner
        text = "<repr failed: %s>" % type(error).__name__
    if len(text) > _REPR_LIMIT:
        text = text[:_REPR_LIMIT] + "..."
    return text


class _Coverage:
    """Per-test line coverage of the program's own files (sys.settrace), for fault localization.

    It only observes: traced frames run unchanged. Only frames of files under the work
    directory are traced line by line; the rest get no local tracer. Bounded per test by
    _COVER_EVENTS line events and _COVER_LINES distinct lines.
    """

    def __init__(self, runner):
        self.runner = runner
        self.paths = {}
        self.lines = None
        self.events = 0

    def _local(self, frame, event, arg):
        if self.lines is None or self.events >= _COVER_EVENTS:
            return None
        if event == "line":
            self.events += 1
            if len(self.lines) < _COVER_LINES:
                self.lines.add((self.paths[frame.f_code.co_filename], frame.f_lineno))
        return self._local

    def _global(self, frame, event, arg):
        if self.lines is None or self.events >= _COVER_EVENTS:
            return None
        filename = frame.f_code.co_filename
        path = self.paths.get(filename, False)
        if path is False:
            # `<string>`, `<frozen …>`: code without a program file of its own.
            path = None if filename.startswith("<") else self.runner.program_path(filename)
            self.paths[filename] = path
        if path is None:
            return None
        return self._local

    def start(self):
        self.lines = set()
        self.events = 0
        try:
            sys.settrace(self._global)
        except BaseException:
            self.lines = None

    def stop(self):
        """The lines seen since start() as {file: [line, ...]}, and tracing off."""
        lines, self.lines = self.lines, None
        try:
            sys.settrace(None)
        except BaseException:
            pass
        if not lines:
            return None
        out = {}
        for path, line in sorted(lines):
            out.setdefault(path, []).append(line)
        return out


class Runner:
    def __init__(self, channel, work):
        self.channel = channel
        self.work = work
        self.current = None
        self.finished = 0
        self.failed = 0
        self.coverage = _Coverage(self)

    # ---- where things are -------------------------------------------------------------------

    def program_path(self, filename):
        """The program-relative path of `filename`, or None outside the work directory."""
        if not filename:
            return None
        path = os.path.abspath(filename)
        prefix = self.work.rstrip("/") + "/"
        if path.startswith(prefix) and not path.startswith(prefix + "."):
            return path[len(prefix):]
        return None

    def program_frame(self, frame):
        """The innermost frame at or above `frame` that runs a program file: (path, line)."""
        while frame is not None:
            path = self.program_path(frame.f_code.co_filename)
            if path is not None:
                return path, frame.f_lineno
            frame = frame.f_back
        return None

    def exit_site(self, tb):
        """The innermost program frame of a traceback: (path, line)."""
        site = None
        while tb is not None:
            path = self.program_path(tb.tb_frame.f_code.co_filename)
            if path is not None:
                site = (path, tb.tb_lineno)
            tb = tb.tb_next
        return site

    # ---- exits --------------------------------------------------------------------------------

    def install_exit_hook(self):
        runner = self

        def _exit(status):
            site = runner.program_frame(sys._getframe(1))
            record = {"event": "exit", "how": "os._exit(%s)" % _short_repr(status)}
            if site:
                record["file"], record["line"] = site
            if runner.current:
                record["test"] = runner.current
            runner.channel.send(record)
            _real_exit(status)

        os._exit = _exit
        try:
            import posix

            posix._exit = _exit
        except ImportError:
            pass

    def send_exit(self, error, test):
        code = error.code
        record = {"event": "exit", "how": "sys.exit(%s)" % ("" if code is None else _short_repr(code))}
        site = self.exit_site(error.__traceback__)
        if site:
            record["file"], record["line"] = site
        if test:
            record["test"] = test
        self.channel.send(record)

    # ---- failures -------------------------------------------------------------------------------

    def failure(self, error):
        """The failure fields of a test record for an exception."""
        record = {
            "exception": type(error).__name__,
            "message": str(error).split("\n", 1)[0][:2000],
            "traceback": "".join(
                traceback.format_exception(type(error), error, error.__traceback__)
            )[-20000:],
        }
        values = self.compared_values(error)
        if values:
            record["actual"], record["expected"] = values
        return record

    def compared_values(self, error):
        """(actual, expected) of the failing comparison, when the failure shows one."""
        if not isinstance(error, AssertionError):
            return None
        frames = []
        tb = error.__traceback__
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        # unittest: the outermost assert helper still holds its arguments.
        for frame, _ in frames:
            if frame.f_code.co_name in _UNITTEST_COMPARE and "first" in frame.f_locals:
                if frame.f_code.co_filename.endswith(os.path.join("unittest", "case.py")):
                    return (_short_repr(frame.f_locals["first"]),
                            _short_repr(frame.f_locals.get("second")))
            if frame.f_code.co_name == "assertTrue" and "expr" in frame.f_locals:
                return (_short_repr(frame.f_locals["expr"]), "True")
            if frame.f_code.co_name == "assertFalse" and "expr" in frame.f_locals:
                return (_short_repr(frame.f_locals["expr"]), "False")
        # `assert left <op> right`: evaluate both sides again in the failing frame.
        for frame, line in reversed(frames):
            if self.program_path(frame.f_code.co_filename) is None:
                continue
            node = self.assert_at(frame.f_code.co_filename, line)
            if node is None or not isinstance(node.test, ast.Compare):
                return None
            compare = node.test
            if len(compare.ops) != 1:
                return None
            try:
                left = eval(compile(ast.Expression(compare.left), "<assert>", "eval"),
                            frame.f_globals, frame.f_locals)
                right = eval(compile(ast.Expression(compare.comparators[0]), "<assert>", "eval"),
                             frame.f_globals, frame.f_locals)
            except BaseException:
                return None
            return _short_repr(left), _short_repr(right)
        return None

    def assert_at(self, filename, line):
        source = "".join(linecache.getlines(filename))
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return None
        found = None
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert) and node.lineno <= line <= (node.end_lineno or node.lineno):
                if found is None or node.lineno >= found.lineno:
                    found = node
        return found

    # ---- running --------------------------------------------------------------------------------

    def report(self, test, file, outcome, started, extra=None):
        covered = self.coverage.stop()
        record = {
            "event": "test",
            "test": test,
            "file": file,
            "outcome": outcome,
            "duration_ms": (time.perf_counter() - started) * 1000.0,
        }
        if extra:
            record.update(extra)
        if covered:
            record["covered"] = covered
        self.channel.send(record)
        self.current = None
        if outcome == "passed" or outcome == "skipped":
            self.finished += 1
        else:
            self.failed += 1

    def run_file(self, rel):
        path = os.path.join(self.work, rel)
        try:
            with open(path, "rb") as handle:
                source = handle.read()
            tree = ast.parse(source, rel)
        except (OSError, SyntaxError, ValueError):
            tree = None
        directory = os.path.dirname(path)
        sys.path.insert(0, directory)
        try:
            if tree is not None and is_test_module(tree):
                self.run_module(rel, path, tree)
            else:
                self.run_script(rel, path, tree)
        finally:
            try:
                sys.path.remove(directory)
            except ValueError:
                pass

    def run_script(self, rel, path, tree):
        import runpy

        self.channel.send({"event": "file", "file": rel, "tests": [rel]})
        self.channel.send({"event": "start", "test": rel})
        self.current = rel
        started = time.perf_counter()
        sys.argv = [path]
        self.coverage.start()
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as error:
            if error.code not in (None, 0):
                status = error.code if isinstance(error.code, int) else 1
                extra = {"exception": "SystemExit", "message": "exited with status %s" % status}
                site = self.exit_site(error.__traceback__)
                if site:
                    extra["exit_file"], extra["exit_line"] = site
                self.report(rel, rel, "failed", started, extra)
            elif tree is not None and self.is_last_statement(tree, error):
                self.report(rel, rel, "passed", started)
            else:
                self.send_exit(error, rel)
                self.report(rel, rel, "incomplete", started)
            return
        except BaseException as error:
            self.report(rel, rel, "failed", started, self.failure(error))
            return
        self.report(rel, rel, "passed", started)

    def is_last_statement(self, tree, error):
        """True when a SystemExit came from the file's last top-level statement."""
        if not tree.body:
            return False
        last = tree.body[-1]
        tb = error.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_name == "<module>" and self.program_path(code.co_filename) is not None:
                if last.lineno <= tb.tb_lineno <= (last.end_lineno or last.lineno):
                    return True
            tb = tb.tb_next
        return False

    def run_module(self, rel, path, tree):
        name = module_name(rel)
        import_id = rel
        self.current = import_id
        started = time.perf_counter()
        sys.argv = [path]
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except SystemExit as error:
            # `unittest.main()` (or `sys.exit`) as the module's last statement: it has run the
            # tests its own way; the runner still runs and judges each one below.
            if not self.is_last_statement(tree, error):
                self.channel.send({"event": "file", "file": rel, "tests": [import_id]})
                self.send_exit(error, import_id)
                self.report(import_id, rel, "incomplete", started)
                return
            module = sys.modules.get(name)
        except BaseException as error:
            self.channel.send({"event": "file", "file": rel, "tests": [import_id]})
            self.report(import_id, rel, "failed", started, self.failure(error))
            return
        self.current = None
        tests = collect(module, name, rel)
        self.channel.send({"event": "file", "file": rel, "tests": [t[0] for t in tests]})
        index = 0
        while index < len(tests):
            test_id, kind, target = tests[index]
            if kind != "unittest":
                self.run_callable(test_id, rel, kind, target)
                index += 1
                continue
            # One suite per TestCase class, so setUpClass/tearDownClass run once around it.
            group = []
            while (index < len(tests) and tests[index][1] == "unittest"
                   and tests[index][2][0] is target[0]):
                group.append(tests[index])
                index += 1
            self.run_unittest(rel, group)

    def run_callable(self, test_id, rel, kind, target):
        self.channel.send({"event": "start", "test": test_id})
        self.current = test_id
        started = time.perf_counter()
        instance = None
        self.coverage.start()
        try:
            if kind == "method":
                cls, method = target
                instance = cls()
                if hasattr(instance, "setup_method"):
                    instance.setup_method(getattr(instance, method))
                function = getattr(instance, method)
            else:
                function = target
            result = function()
            if isinstance(result, types.CoroutineType):
                import asyncio  # only for `async def` tests: it costs more than the runner

                asyncio.run(result)
            if instance is not None and hasattr(instance, "teardown_method"):
                instance.teardown_method(function)
        except SystemExit as error:
            self.send_exit(error, test_id)
            self.report(test_id, rel, "incomplete", started)
            return
        except BaseException as error:
            unittest = sys.modules.get("unittest")
            if unittest is not None and isinstance(error, unittest.SkipTest):
                self.report(test_id, rel, "skipped", started, {"message": str(error)})
            else:
                self.report(test_id, rel, "failed", started, self.failure(error))
            return
        self.report(test_id, rel, "passed", started)

    def run_unittest(self, rel, group):
        import unittest  # loaded already: the test module's TestCase came from it

        runner = self
        ids = {method: test_id for test_id, _, (_, method) in group}
        cls = group[0][2][0]
        suite = unittest.TestSuite([cls(method) for _, _, (_, method) in group])
        class_id = group[0][0].rsplit("::", 1)[0]

        class Result(unittest.TestResult):
            def startTest(self, test):
                super().startTest(test)
                self.test_id = ids.get(getattr(test, "_testMethodName", ""), class_id)
                test_id = self.test_id
                runner.channel.send({"event": "start", "test": test_id})
                runner.current = test_id
                runner.coverage.start()
                self.started = time.perf_counter()
                self.outcome = "passed"
                self.extra = None

            # Evidence is taken before unittest trims the traceback of its own frames
            # (the assert helper's frame holds the compared values).
            def addError(self, test, err):
                error = err[1]
                if isinstance(error, SystemExit):
                    runner.send_exit(error, self.test_id)
                    self.outcome = "incomplete"
                else:
                    self.outcome = "failed"
                    self.extra = runner.failure(error)
                super().addError(test, err)

            def addFailure(self, test, err):
                self.outcome = "failed"
                self.extra = runner.failure(err[1])
                super().addFailure(test, err)

            def addSubTest(self, test, subtest, err):
                if err is not None and self.outcome == "passed":
                    self.outcome = "failed"
                    self.extra = runner.failure(err[1])
                    self.extra["message"] = "%s: %s" % (subtest._subDescription(),
                                                        self.extra.get("message", ""))
                super().addSubTest(test, subtest, err)

            def addSkip(self, test, reason):
                super().addSkip(test, reason)
                self.outcome = "skipped"
                self.extra = {"message": reason}

            def addUnexpectedSuccess(self, test):
                super().addUnexpectedSuccess(test)
                self.outcome = "failed"
                self.extra = {"message": "unexpected success of a test marked expectedFailure"}

            def stopTest(self, test):
                super().stopTest(test)
                runner.report(self.test_id, rel, self.outcome, self.started, self.extra)

        result = Result()
        suite.run(result)
        # setUpClass/tearDownClass failures are reported on the class, outside any test.
        for failed, text in result.errors:
            if isinstance(failed, unittest.suite._ErrorHolder):
                runner.channel.send({
                    "event": "test", "test": class_id + " (" + failed.description + ")",
                    "file": rel, "outcome": "failed", "exception": "Error",
                    "message": text.strip().splitlines()[-1][:2000], "traceback": text[-20000:],
                })
                runner.failed += 1

    def done(self):
        self.channel.send({"event": "done", "finished": self.finished, "failed": self.failed})


def is_test_module(tree):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            return True
        if isinstance(node, ast.ClassDef):
            if node.name.startswith("Test"):
                return True
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                if name.endswith("TestCase"):
                    return True
    return False


def module_name(rel):
    stem = rel[:-3] if rel.endswith(".py") else rel
    return stem.replace("/", ".").split(".")[-1]


def collect(module, name, rel):
    """(test id, kind, target) for every test the module defines, in definition order."""
    tests = []
    # Only a module that imported unittest can define TestCases; importing it costs ~50 ms.
    unittest = sys.modules.get("unittest")
    loader = unittest.TestLoader() if unittest is not None else None
    for attr, value in list(vars(module).items()):
        if getattr(value, "__module__", None) != name:
            continue
        if loader is not None and isinstance(value, type) and issubclass(value, unittest.TestCase):
            for method in loader.getTestCaseNames(value):
                tests.append(("%s::%s::%s" % (rel, attr, method), "unittest", (value, method)))
        elif isinstance(value, type) and attr.startswith("Test"):
            for method, member in vars(value).items():
                if method.startswith("test") and callable(member):
                    tests.append(("%s::%s::%s" % (rel, attr, method), "method", (value, method)))
        elif isinstance(value, types.FunctionType) and attr.startswith("test"):
            tests.append(("%s::%s" % (rel, attr), "function", value))
    return tests


def main():
    secret = sys.stdin.buffer.readline().strip().decode("ascii", "replace")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(0, "r", closefd=False)
    channel_fd = os.dup(1)  # not inheritable: child processes do not get it
    os.dup2(2, 1)
    channel = _Channel(channel_fd, secret)
    work = os.getcwd()
    # The runner's own directory must not shadow the program's modules.
    sys.path[0] = work
    runner = Runner(channel, work)
    runner.install_exit_hook()
    files = sys.argv[1:]
    channel.send({"event": "start_run", "files": files})
    for rel in files:
        runner.run_file(rel)
    runner.done()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    _real_exit(1 if runner.failed else 0)


if __name__ == "__main__":
    main()
