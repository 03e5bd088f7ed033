use super::check::*;
use super::traceback::*;
use super::*;
use crate::diagnostics::test_support::{cmd, headline, loc};
use std::path::Path;
use std::process::Command;

fn program(files: &[(&str, &str)]) -> Program {
    Program::new(
        TargetLanguage::Python,
        files.iter().map(|(n, t)| (n.to_string(), t.to_string())),
    )
    .unwrap()
}

fn run_input<'a>(
    program: &'a Program,
    command: &'a [String],
    stderr: &'a str,
    exit_code: i32,
) -> ParseInput<'a> {
    ParseInput {
        language: TargetLanguage::Python,
        step: "test",
        command,
        exit_code: Some(exit_code),
        termination: Termination::Exited,
        stdout: "",
        stderr,
        program,
    }
}

/// The errors of the test step `python3 test_main.py` (exit status 1) of a program of `main`
/// and `test` that printed `stderr`.
fn run_test_main(main: &str, test: &str, stderr: &str) -> Vec<CodeError> {
    let p = program(&[("main.py", main), ("test_main.py", test)]);
    let command = cmd(&["python3", "test_main.py"]);
    parse_run(&run_input(&p, &command, stderr, 1))
}

const MAIN_NAME_ERROR: &str = "from typing import List\n\ndef has_close(numbers: List[float]) -> bool:\n    for a in numbers:\n        if a > 1:\n            return true\n    return False\n";
const TEST_CHECK: &str = "from main import *\n\ndef check():\n    assert has_close([1.0, 2.0]) == True\n    assert has_close([0.5]) == False, \"case 2\"\n\ncheck()\n";

#[test]
fn run_name_error_in_program_file_with_carets_and_suggestion() {
    let stderr = "Traceback (most recent call last):\n  File \"/work/test_main.py\", line 7, in <module>\n    check()\n  File \"/work/test_main.py\", line 4, in check\n    assert has_close([1.0, 2.0]) == True\n           ^^^^^^^^^^^^^^^^^^^^^\n  File \"/work/main.py\", line 6, in has_close\n    return true\n           ^^^^\nNameError: name 'true' is not defined. Did you mean: 'True'?\n";
    let errors = run_test_main(MAIN_NAME_ERROR, TEST_CHECK, stderr);
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(e.error_type, ErrorType::UndefinedVariable);
    assert_eq!(e.code.as_deref(), Some("NameError"));
    assert_eq!(loc(e), ("main.py".into(), 6, 20, Some(6), Some(24)));
    assert_eq!(
        e.message,
        "name 'true' is not defined. Did you mean: 'True'?"
    );
    let fix = &e.suggestions[0].replacements[0];
    assert_eq!(&MAIN_NAME_ERROR[fix.byte_start..fix.byte_end], "true");
    assert_eq!(fix.text, "True");
    assert_eq!(e.test_name, None);
    assert_eq!(
            e.notes,
            vec!["traceback: test_main.py:7 in <module> -> test_main.py:4 in check -> main.py:6 in has_close"]
        );
}

#[test]
fn run_syntax_error_at_import_time() {
    let main = "def f(point):\n    x y = point\n    return x\n";
    let stderr = "Traceback (most recent call last):\n  File \"/work/test_main.py\", line 1, in <module>\n    from main import *\n  File \"/work/main.py\", line 2\n    x y = point\n      ^\nSyntaxError: invalid syntax\n";
    let errors = run_test_main(main, TEST_CHECK, stderr);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error_type, ErrorType::SyntaxError);
    assert_eq!(errors[0].code.as_deref(), Some("SyntaxError"));
    assert_eq!(errors[0].message, "invalid syntax");
    assert_eq!(loc(&errors[0]), ("main.py".into(), 2, 7, Some(2), Some(8)));
}

#[test]
fn run_indentation_error_of_the_script_itself_has_no_header() {
    let main = "def f(x):\n    if x:\n    return 1\n";
    let p = program(&[("main.py", main)]);
    let stderr = "  File \"/work/main.py\", line 3\n    return 1\n    ^\nIndentationError: expected an indented block after 'if' statement on line 2\n";
    let command = cmd(&["python3", "main.py"]);
    let mut input = run_input(&p, &command, stderr, 1);
    input.step = "run";
    let errors = parse_run(&input);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error_type, ErrorType::SyntaxError);
    assert_eq!(errors[0].code.as_deref(), Some("IndentationError"));
    assert_eq!(loc(&errors[0]), ("main.py".into(), 3, 5, Some(3), Some(6)));
}

#[test]
fn run_import_and_type_errors() {
    let main = "import numpy\n\ndef f(h):\n    heapq.heappush(h)\n";
    let p = program(&[("main.py", main)]);
    let command = cmd(&["python3", "main.py"]);
    let stderr = "Traceback (most recent call last):\n  File \"/work/main.py\", line 1, in <module>\n    import numpy\nModuleNotFoundError: No module named 'numpy'\n";
    let errors = parse_run(&run_input(&p, &command, stderr, 1));
    assert_eq!(errors[0].error_type, ErrorType::MissingImport);
    assert_eq!(errors[0].code.as_deref(), Some("ModuleNotFoundError"));
    assert_eq!(errors[0].message, "No module named 'numpy'");
    // No carets: the whole (dedented) line, starting at its first character.
    assert_eq!(loc(&errors[0]), ("main.py".into(), 1, 1, None, None));

    let stderr = "Traceback (most recent call last):\n  File \"/work/main.py\", line 4, in f\n    heapq.heappush(h)\nTypeError: heappush expected 2 arguments, got 1\n";
    let errors = parse_run(&run_input(&p, &command, stderr, 1));
    assert_eq!(errors[0].error_type, ErrorType::TypeMismatch);
    assert_eq!(errors[0].code.as_deref(), Some("TypeError"));
    assert_eq!(loc(&errors[0]), ("main.py".into(), 4, 5, None, None));
}

#[test]
fn run_assertion_failure_names_the_test_and_uses_the_assert_line() {
    let p = program(&[("main.py", MAIN_NAME_ERROR), ("test_main.py", TEST_CHECK)])
        .with_protected(["test_main.py".to_string()])
        .unwrap();
    let command = cmd(&["python3", "test_main.py"]);
    let stderr = "Traceback (most recent call last):\n  File \"/work/test_main.py\", line 7, in <module>\n    check()\n  File \"/work/test_main.py\", line 4, in check\n    assert has_close([1.0, 2.0]) == True\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\nAssertionError\n";
    let errors = parse_run(&run_input(&p, &command, stderr, 1));
    let e = &errors[0];
    assert_eq!(
        headline(e),
        (
            ErrorType::TestFailure,
            Some("AssertionError"),
            "assert has_close([1.0, 2.0]) == True",
            Some("check")
        )
    );
    assert_eq!(loc(e), ("test_main.py".into(), 4, 12, Some(4), Some(41)));

    let stderr = "Traceback (most recent call last):\n  File \"/work/test_main.py\", line 7, in <module>\n    check()\n  File \"/work/test_main.py\", line 5, in check\n    assert has_close([0.5]) == False, \"case 2\"\n           ^^^^^^^^^^^^^^^^^^^^^^^^^\nAssertionError: case 2\n";
    let errors = parse_run(&run_input(&p, &command, stderr, 1));
    assert_eq!(errors[0].message, "case 2");
    assert_eq!(errors[0].test_name.as_deref(), Some("check"));
}

#[test]
fn run_pytest_style_test_function_and_module_level_failures() {
    let test = "from main import *\n\ndef helper(a, b):\n    assert a == b\n\ndef test_add():\n    helper(1, 2)\n\ntest_add()\nraise ValueError('bad')\n";
    let p = program(&[("main.py", "X = 1\n"), ("test_main.py", test)]);
    let command = cmd(&["python3", "test_main.py"]);
    let stderr = "Traceback (most recent call last):\n  File \"/work/test_main.py\", line 9, in <module>\n    test_add()\n  File \"/work/test_main.py\", line 7, in test_add\n    helper(1, 2)\n  File \"/work/test_main.py\", line 4, in helper\n    assert a == b\n           ^^^^^^\nAssertionError\n";
    let errors = parse_run(&run_input(&p, &command, stderr, 1));
    assert_eq!(errors[0].test_name.as_deref(), Some("test_add"));
    assert_eq!(
        loc(&errors[0]),
        ("test_main.py".into(), 4, 12, Some(4), Some(18))
    );

    // Any exception a test file raises is a failing test; at module level the name is the file.
    let stderr = "Traceback (most recent call last):\n  File \"/work/test_main.py\", line 10, in <module>\n    raise ValueError('bad')\nValueError: bad\n";
    let errors = parse_run(&run_input(&p, &command, stderr, 1));
    assert_eq!(
        headline(&errors[0]),
        (
            ErrorType::TestFailure,
            Some("ValueError"),
            "ValueError: bad",
            Some("test_main.py")
        )
    );
}

#[test]
fn run_runtime_error_in_program_and_chained_traceback() {
    let main = "def top(carpets, n):\n    for i in range(n, -1, -1):\n        a, b = carpets[i]\n    return -1\n";
    let stderr = "Traceback (most recent call last):\n  File \"/work/main.py\", line 3, in top\n    a, b = carpets[i]\n           ~~~~~~~^^^\nKeyError: 3\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"/work/test_main.py\", line 4, in check\n    assert has_close([1.0, 2.0]) == True\n  File \"/work/main.py\", line 3, in top\n    a, b = carpets[i]\n           ~~~~~~~^^^\nIndexError: list index out of range\n";
    let errors = run_test_main(main, TEST_CHECK, stderr);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("runtime".into())
    );
    assert_eq!(errors[0].code.as_deref(), Some("IndexError"));
    assert_eq!(errors[0].message, "list index out of range");
    assert_eq!(
        loc(&errors[0]),
        ("main.py".into(), 3, 16, Some(3), Some(26))
    );
}

#[test]
fn run_unittest_blocks_each_become_a_failure() {
    let test = "import unittest\nfrom main import *\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(1, 2), 4)\n\n    def test_sub(self):\n        self.assertEqual(sub(1, 2), -1)\n\nunittest.main()\n";
    let main = "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - c\n";
    let stderr = "FE\n======================================================================\nERROR: test_sub (__main__.T.test_sub)\n----------------------------------------------------------------------\nTraceback (most recent call last):\n  File \"/work/test_main.py\", line 9, in test_sub\n    self.assertEqual(sub(1, 2), -1)\n                     ^^^^^^^^^\n  File \"/work/main.py\", line 5, in sub\n    return a - c\n               ^\nNameError: name 'c' is not defined\n\n======================================================================\nFAIL: test_add (__main__.T.test_add)\n----------------------------------------------------------------------\nTraceback (most recent call last):\n  File \"/work/test_main.py\", line 6, in test_add\n    self.assertEqual(add(1, 2), 4)\nAssertionError: 3 != 4\n\n----------------------------------------------------------------------\nRan 2 tests in 0.001s\n\nFAILED (failures=1, errors=1)\n";
    let errors = run_test_main(main, test, stderr);
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].error_type, ErrorType::UndefinedVariable);
    assert_eq!(
        loc(&errors[0]),
        ("main.py".into(), 5, 16, Some(5), Some(17))
    );
    assert_eq!(errors[1].error_type, ErrorType::TestFailure);
    assert_eq!(errors[1].test_name.as_deref(), Some("test_add"));
    assert_eq!(errors[1].message, "3 != 4");
    assert_eq!(loc(&errors[1]), ("test_main.py".into(), 6, 9, None, None));
}

#[test]
fn run_exit_without_traceback_and_limits() {
    let p = program(&[
        ("main.py", "import sys\nsys.exit('bad input')\n"),
        ("test_main.py", TEST_CHECK),
    ]);
    let command = cmd(&["python3", "main.py"]);
    let mut input = run_input(&p, &command, "bad input\n", 1);
    input.step = "run";
    let errors = parse_run(&input);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("exit".into())
    );
    assert_eq!(errors[0].message, "exited with status 1: bad input");

    let command = cmd(&["python3", "test_main.py"]);
    let errors = parse_run(&run_input(&p, &command, "", 2));
    assert_eq!(errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(errors[0].message, "exited with status 2");
    assert_eq!(errors[0].test_name.as_deref(), Some("test_main.py"));

    let mut input = run_input(&p, &command, "", 0);
    assert!(parse_run(&input).is_empty());
    input.exit_code = None;
    input.termination = Termination::WallTimeout;
    let errors = parse_run(&input);
    assert_eq!(errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(errors[0].code.as_deref(), Some("timeout"));
    assert_eq!(errors[0].message, limits::limit_message("timeout"));
    assert_eq!(errors[0].notes, ["command: python3 test_main.py"]);
    input.termination = Termination::OutOfMemory;
    assert_eq!(parse_run(&input)[0].code.as_deref(), Some("out_of_memory"));
    input.termination = Termination::CpuLimit;
    assert_eq!(parse_run(&input)[0].code.as_deref(), Some("cpu_limit"));
    input.step = "run";
    let errors = parse_run(&input);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("cpu_limit".into())
    );
    assert_eq!(errors[0].code.as_deref(), Some("cpu_limit"));

    // The runtime's own MemoryError is the same limit, at the line that raised it.
    let stderr = "Traceback (most recent call last):\n  File \"/work/test_main.py\", line 2, in <module>\n    x = [0] * 10**12\nMemoryError\n";
    let errors = parse_run(&run_input(&p, &command, stderr, 1));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(errors[0].code.as_deref(), Some("out_of_memory"));
    assert_eq!(errors[0].message, limits::limit_message("out_of_memory"));
    assert_eq!(errors[0].notes, ["MemoryError"]);
    assert_eq!(
        errors[0]
            .location
            .as_ref()
            .map(|l| (l.file.as_str(), l.line)),
        Some(("test_main.py", 2))
    );
}

// ---- the static pass, run for real with /usr/bin/python3 --------------------------------

const PYTHON: &str = "/usr/bin/python3";

/// Writes the files to a temporary program directory, runs the real check script there and
/// parses its output.
fn check(files: &[(&str, &str)]) -> Vec<CodeError> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let script = dir.path().join(".selfheal_check.py");
    std::fs::write(&script, CHECK_SCRIPT).unwrap();
    let py_files: Vec<&str> = files
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.ends_with(".py"))
        .collect();
    let output = Command::new(PYTHON)
        .arg(&script)
        .args(&py_files)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let program = program(files);
    let command = cmd(&["python3", "/selfheal/python_check.py"]);
    let input = ParseInput {
        language: TargetLanguage::Python,
        step: "check",
        command: &command,
        exit_code: output.status.code(),
        termination: Termination::Exited,
        stdout: &stdout,
        stderr: &stderr,
        program: &program,
    };
    let errors = parse_check(&input);
    assert_eq!(
        output.status.code(),
        Some(if errors.is_empty() { 0 } else { 1 }),
        "{stdout}{stderr}"
    );
    errors
}

fn have_python() -> bool {
    Path::new(PYTHON).exists()
}

#[test]
fn check_reports_syntax_indentation_and_tab_errors_exactly() {
    assert!(
        have_python(),
        "{PYTHON} is required for the static pass tests"
    );
    let errors = check(&[("main.py", "def f(x):\n    if x = 1:\n        return x\n")]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error_type, ErrorType::SyntaxError);
    assert_eq!(errors[0].code.as_deref(), Some("SyntaxError"));
    assert_eq!(
        errors[0].message,
        "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"
    );
    assert_eq!(loc(&errors[0]), ("main.py".into(), 2, 8, Some(2), Some(13)));

    let errors = check(&[("main.py", "def f(x):\n    if x:\n    return 1\n")]);
    assert_eq!(errors[0].code.as_deref(), Some("IndentationError"));
    assert_eq!(errors[0].error_type, ErrorType::SyntaxError);
    assert_eq!(loc(&errors[0]).1, 3);

    let errors = check(&[("main.py", "if True:\n        x = 1\n\ty = 2\n")]);
    assert_eq!(errors[0].code.as_deref(), Some("TabError"));
    assert_eq!(loc(&errors[0]).1, 3);

    // Symbol-table errors need the full compile, not just the parser.
    let errors = check(&[("main.py", "def f():\n    nonlocal q\n    return q\n")]);
    assert_eq!(errors[0].code.as_deref(), Some("SyntaxError"));
    assert_eq!(errors[0].message, "no binding for nonlocal 'q' found");
    assert_eq!(loc(&errors[0]).1, 2);
}

#[test]
fn check_reports_undefined_names_with_scope_rules() {
    assert!(have_python());
    let main = "import heapq\n\nclass Box:\n    size = 3\n\n    def area(self):\n        return size * self.size\n\ndef merge(xs):\n    heapify(xs)\n    return [y for y in xs if y > limit]\n";
    let errors = check(&[("main.py", main)]);
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.message.as_str(), loc(e).1, loc(e).2, loc(e).4))
        .collect();
    assert_eq!(
        found,
        vec![
            // Class attributes are not visible inside methods.
            ("name 'size' is not defined", 7, 16, Some(20)),
            ("name 'heapify' is not defined", 10, 5, Some(12)),
            ("name 'limit' is not defined", 11, 34, Some(39)),
        ]
    );
    assert!(errors
        .iter()
        .all(|e| e.error_type == ErrorType::UndefinedVariable
            && e.code.as_deref() == Some("NameError")));

    let errors = check(&[(
        "main.py",
        "def f(flag):\n    return true if flag else False\n",
    )]);
    assert_eq!(
        errors[0].message,
        "name 'true' is not defined. Did you mean: 'True'?"
    );
    let fix = &errors[0].suggestions[0];
    assert_eq!(fix.replacements[0].text, "True");
    assert_eq!(
        (fix.replacements[0].byte_start, fix.replacements[0].byte_end),
        (24, 28)
    );
}

#[test]
fn check_reports_unresolvable_imports_and_missing_local_names() {
    assert!(have_python());
    let main = "import os\nimport surely_not_a_module_xyz\nfrom helpers import scale, missing_fn\nfrom pkg.sub import thing\n";
    let helpers = "def scale(x):\n    return 2 * x\n";
    let errors = check(&[
        ("main.py", main),
        ("helpers.py", helpers),
        ("pkg/__init__.py", "VERSION = 1\n"),
    ]);
    let found: Vec<_> = errors
        .iter()
        .map(|e| {
            (
                e.error_type.clone(),
                e.code.as_deref().unwrap(),
                e.message.as_str(),
                loc(e).1,
                loc(e).2,
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                ErrorType::MissingImport,
                "ModuleNotFoundError",
                "No module named 'surely_not_a_module_xyz'",
                2,
                8
            ),
            (
                ErrorType::MissingImport,
                "ImportError",
                "cannot import name 'missing_fn' from 'helpers' (helpers.py)",
                3,
                28
            ),
            (
                ErrorType::MissingImport,
                "ModuleNotFoundError",
                "No module named 'pkg.sub'",
                4,
                1
            ),
        ]
    );
}

#[test]
fn check_accepts_tricky_valid_code() {
    assert!(have_python());
    let main = r#"from __future__ import annotations
import sys
from typing import TYPE_CHECKING

try:
    import ujson_not_installed as json
except ImportError:
    import json

if TYPE_CHECKING:
    from not_installed_types import Thing

if sys.version_info < (3, 0):
    import cPickle as pickle

try:
    unicode
except NameError:
    unicode = str

COUNTER = 0

def bump() -> Thing:
    global COUNTER, LATER
    COUNTER += 1
    LATER = COUNTER
    return LATER

def outer():
    total = 0
    def inner(step=COUNTER):
        nonlocal total
        total += step
        return total, __class_name__
    return inner

__class_name__ = "x"

class Shape:
    sides = 4
    doubled = [s * 2 for s in range(sides)]
    table = {k: v for k, v in zip("ab", (1, 2))}

    def method(self) -> Shape:
        return __class__, super().__init__(), self.sides

    @property
    def value(self):
        return Shape.sides

    @value.setter
    def value(self, new):
        del new

def walrus(data):
    if (n := len(data)) > 3:
        return [y for x in data if (y := x * 2)], n, y
    squares = list(map(lambda v, k=n: v * k, data))
    return squares

def handler(cmd):
    match cmd:
        case {"go": direction, **rest}:
            return direction, rest
        case [first, *others]:
            return first, others
        case Shape(sides=sides_count) as shape:
            return sides_count, shape
        case _:
            return None

def errors():
    try:
        pass
    except (ValueError, KeyError) as exc:
        return exc
    return __file__, __name__, __doc__, json.dumps, pickle, print, later_defined()

def later_defined():
    for i, (a, *b) in enumerate([(1, 2, 3)]):
        with open(__file__) as fh, open(__file__) as gh:
            pass
    return i, a, b, fh, gh, [[c for c in row] for row in [[1]]]
"#;
    let helpers =
        "__all__ = ['scale']\n\ndef scale(x):\n    return x\n\ndef _private():\n    return 0\n";
    let test = "from main import *\nfrom helpers import *\nfrom pkg import run\nimport main\n\ndef check():\n    assert scale(2) == run() + 1\n    assert bump() == 1 and walrus([1]) and Shape and handler(1) is None\n    return main.COUNTER\n\ncheck()\n";
    // A package `__init__` may name the submodules it imports from.
    let init = "from .core import *\n__all__ = core.__all__\n";
    let core = "__all__ = ['run']\n\ndef run():\n    return 1\n";
    let errors = check(&[
        ("main.py", main),
        ("helpers.py", helpers),
        ("test_main.py", test),
        ("pkg/__init__.py", init),
        ("pkg/core.py", core),
    ]);
    assert_eq!(errors, Vec::new());
}

#[test]
fn check_resolves_local_star_imports_and_stops_at_unknowable_ones() {
    assert!(have_python());
    let main = "from typing import List\n\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n";
    // `from main import *` brings `total` and `List`; `combine` comes from nowhere.
    let test = "from main import *\n\nassert total([1]) == 1\nassert combine(List) == 2\n";
    let errors = check(&[("main.py", main), ("test_main.py", test)]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].message, "name 'combine' is not defined");
    assert_eq!(
        loc(&errors[0]),
        ("test_main.py".into(), 4, 8, Some(4), Some(15))
    );

    // A star import from a library cannot be expanded without importing it: no name findings.
    let errors = check(&[("main.py", "from math import *\nprint(sqrt(2), anything)\n")]);
    assert_eq!(errors, Vec::new());
}

#[test]
fn check_script_failure_is_a_compiler_error() {
    let p = program(&[("main.py", "x = 1\n")]);
    let command = cmd(&["python3", "/selfheal/python_check.py", "main.py"]);
    let input = ParseInput {
        language: TargetLanguage::Python,
        step: "check",
        command: &command,
        exit_code: Some(2),
        termination: Termination::Exited,
        stdout: "",
        stderr: "python_check: cannot read gone.py: No such file or directory\n",
        program: &p,
    };
    let errors = parse_check(&input);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("python".into())
    );
    assert_eq!(
            errors[0].message,
            "the Python static check failed: python_check: cannot read gone.py: No such file or directory"
        );
}
