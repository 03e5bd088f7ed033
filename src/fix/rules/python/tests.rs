//! Tests of the python rules.

use super::undefined_name::undefined_name;
use super::*;
use super::{
    attribute::*, indentation::*, missing_argument::*, missing_import::*, module_name::*,
    test_failure::*, type_conversion::*, uncomment::*,
};
use crate::fix::text::testing::{err, program, results, tables_match_their_script};
use crate::types::Location;

fn run(f: fn(&str, &CodeError, &Program) -> Vec<Fix>, text: &str, e: &CodeError) -> Vec<String> {
    let p = program(PY, "main.py", text);
    let mut fixes = f("t", e, &p);
    fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    results(&fixes, text)
}

fn name_error(name: &str, line: u32, col: u32) -> CodeError {
    err(
        ErrorType::UndefinedVariable,
        "NameError",
        &format!("name '{name}' is not defined"),
        "main.py",
        line,
        col,
    )
}

#[test]
fn tables_match_the_live_interpreter() {
    let names = ["python_stdlib.txt", "python_members.txt"];
    if !tables_match_their_script("/usr/bin/python3", "scripts/gen-python-stdlib.py", &names) {
        return;
    }
    assert!(tables().stdlib.contains("collections"));
    assert_eq!(modules_exporting("defaultdict"), ["collections"]);
    assert_eq!(modules_exporting("List")[0], "typing");
    assert!(tables()
        .types
        .iter()
        .any(|(t, m)| *t == "list" && m.contains(&"append")));
}

/// An indentation case: `(text, code, message, (line, column), the best fix's result)`.
type IndentationCase<'a> = (&'a str, &'a str, &'a str, (u32, u32), &'a str);

/// Checks `python.indentation` on indentation errors.
fn indentation_cases(cases: &[IndentationCase<'_>]) {
    for (text, code, msg, (line, col), best) in cases {
        let e = err(ErrorType::SyntaxError, code, msg, "main.py", *line, *col);
        assert_eq!(run(indentation, text, &e)[0], *best, "{text}");
    }
}

#[test]
fn expected_indented_block_indents_the_body() {
    indentation_cases(&[(
        "def f(xs):\n    for x in xs:\n        if x:\n        print(x)\n\n    return 1\n",
        "IndentationError",
        "expected an indented block after 'if' statement on line 3",
        (4, 9),
        "def f(xs):\n    for x in xs:\n        if x:\n            print(x)\n\n    return 1\n",
    )]);
}

#[test]
fn unexpected_indent_and_unindent_align() {
    indentation_cases(&[
        (
            "def f():\n    x = 1\n        y = 2\n    return x\n",
            "IndentationError",
            "unexpected indent",
            (3, 9),
            "def f():\n    x = 1\n    y = 2\n    return x\n",
        ),
        (
            "def f():\n    if x:\n        y = 2\n      return y\n",
            "IndentationError",
            "unindent does not match any outer indentation level",
            (4, 7),
            "def f():\n    if x:\n        y = 2\n    return y\n",
        ),
        (
            "def f():\n\tif x:\n\t    return 1\n        return 2\n",
            "TabError",
            "inconsistent use of tabs and spaces in indentation",
            (4, 9),
            "def f():\n    if x:\n        return 1\n        return 2\n",
        ),
    ]);
}

#[test]
fn imports_modules_and_members() {
    let text = "\"\"\"Doc.\"\"\"\nfrom typing import List\n\ndef f(xs):\n    return sqrt(len(xs)), string.digits\n";
    assert_eq!(
        run(missing_import, text, &name_error("sqrt", 5, 12)),
        ["\"\"\"Doc.\"\"\"\nfrom typing import List\nfrom math import sqrt\n\ndef f(xs):\n    return sqrt(len(xs)), string.digits\n", "\"\"\"Doc.\"\"\"\nfrom typing import List\nfrom cmath import sqrt\n\ndef f(xs):\n    return sqrt(len(xs)), string.digits\n"]
    );
    assert_eq!(
        run(missing_import, text, &name_error("string", 5, 27))[0],
        "\"\"\"Doc.\"\"\"\nfrom typing import List\nimport string\n\ndef f(xs):\n    return sqrt(len(xs)), string.digits\n"
    );
    let text = "import heapq\n\ndef f(xs):\n    heapify(xs)\n";
    assert_eq!(
        run(missing_import, text, &name_error("heapify", 4, 5))[0],
        "import heapq\n\ndef f(xs):\n    heapq.heapify(xs)\n"
    );
    let text = "def f(xs: List[int]) -> Tuple[int]:\n    pass\n";
    assert_eq!(
        run(missing_import, text, &name_error("List", 1, 11))[0],
        "from typing import List\ndef f(xs: List[int]) -> Tuple[int]:\n    pass\n"
    );
}

#[test]
fn misspelt_modules_and_attributes() {
    let text = "import colections\n";
    let e = err(
        ErrorType::MissingImport,
        "ModuleNotFoundError",
        "No module named 'colections'",
        "main.py",
        1,
        1,
    );
    assert_eq!(run(module_name, text, &e)[0], "import collections\n");
    let text = "def f(s, xs):\n    xs.push(s.lenght)\n";
    let e = err(
        ErrorType::UndefinedVariable,
        "AttributeError",
        "'str' object has no attribute 'lenght'",
        "main.py",
        2,
        5,
    );
    assert_eq!(
        run(attribute, text, &e)[0],
        "def f(s, xs):\n    xs.push(len(s))\n"
    );
    let e = err(
        ErrorType::UndefinedVariable,
        "AttributeError",
        "AttributeError: 'list' object has no attribute 'push'",
        "main.py",
        2,
        5,
    );
    assert_eq!(
        run(attribute, text, &e)[0],
        "def f(s, xs):\n    xs.append(s.lenght)\n"
    );
    let text = "def f(xs):\n    return xs.length\n";
    let e = err(
        ErrorType::UndefinedVariable,
        "AttributeError",
        "'list' object has no attribute 'length'",
        "main.py",
        2,
        12,
    );
    assert_eq!(
        run(attribute, text, &e)[0],
        "def f(xs):\n    return len(xs)\n"
    );
}

#[test]
fn names_from_other_languages_and_wrapped_builtins() {
    let text = "def f(xs):\n    n = get_len(xs)\n    return true, string(n)\n";
    assert_eq!(
        run(undefined_name, text, &name_error("get_len", 2, 9))[0],
        "def f(xs):\n    n = len(xs)\n    return true, string(n)\n"
    );
    assert_eq!(
        run(undefined_name, text, &name_error("true", 3, 12))[0],
        "def f(xs):\n    n = get_len(xs)\n    return True, string(n)\n"
    );
    assert_eq!(
        run(undefined_name, text, &name_error("string", 3, 18))[0],
        "def f(xs):\n    n = get_len(xs)\n    return true, str(n)\n"
    );
    // `import string` would not make `string(n)` work.
    let p = program(PY, "main.py", text);
    let imports = missing_import("t", &name_error("string", 3, 18), &p);
    assert!(imports.iter().all(|f| f.confidence <= 0.3));
    let text = "def f(n):\n    return n % MOD\n";
    assert_eq!(
        run(undefined_name, text, &name_error("MOD", 2, 16))[0],
        "MOD = 10**9 + 7\ndef f(n):\n    return n % MOD\n"
    );
}

#[test]
fn commented_out_definitions_come_back() {
    let text = "def f():\n    # Store the results results = []\n    results.append(1)\n    return results\n";
    assert_eq!(run(uncomment, text, &name_error("results", 3, 5)), ["def f():\n    # Store the results\n    results = []\n    results.append(1)\n    return results\n"]);
    let text = "def f():\n    # total = 0\n    total += 1\n";
    assert_eq!(
        run(uncomment, text, &name_error("total", 3, 5)),
        ["def f():\n    total = 0\n    total += 1\n"]
    );
}

#[test]
fn missing_arguments_and_slices() {
    let text = "import heapq\n\ndef f(xs):\n    while xs:\n        a = heapq.heappop(xs)\n        cost = a * 2\n        heapq.heappush(xs)\n";
    let e = err(
        ErrorType::TypeMismatch,
        "TypeError",
        "heappush expected 2 arguments, got 1",
        "main.py",
        7,
        9,
    );
    assert_eq!(
        run(missing_argument, text, &e)[0],
        text.replace("heappush(xs)", "heappush(xs, cost)")
    );
    let text = "def f(s, i, j):\n    return int(s[j:i])\n";
    let e = err(
        ErrorType::CompilerError("runtime".into()),
        "ValueError",
        "invalid literal for int() with base 10: ''",
        "main.py",
        2,
        12,
    );
    assert_eq!(
        run(test_failure, text, &e),
        [
            text.replace("[j:i]", "[j - 1:i]"),
            text.replace("[j:i]", "[j:i + 1]")
        ]
    );
}

/// A `ValueError` at the span `col..end` of line `line`.
fn value_error(msg: &str, line: u32, col: u32, end: u32) -> CodeError {
    CodeError::new(ErrorType::CompilerError("runtime".into()), msg)
        .with_code("ValueError")
        .with_location(Location::new("main.py", line, col).with_end(line, end))
}

#[test]
fn an_empty_slice_in_the_errors_span_ranks_above_generic_edits() {
    // Generated code that splits a number string: the piece `digits[start:end]` is empty on
    // the first pass, and `int('')` fails at exactly that expression.
    let text = "def pieces(digits, cut):
    total = 0
    for end in range(1, len(digits) + 1):
        start = end if end < cut else cut
        total += int(digits[start:end]) * 2
    return total
";
    let p = program(PY, "main.py", text);
    let span = value_error("invalid literal for int() with base 10: ''", 5, 18, 40);
    let fixes = test_failure("t", &span, &p);
    let lower = text.replace("[start:end]", "[start - 1:end]");
    let upper = text.replace("[start:end]", "[start:end + 1]");
    assert_eq!(results(&fixes, text), [lower.clone(), upper.clone()]);
    assert!(fixes.iter().all(|f| f.confidence == 0.4), "{fixes:?}");
    // The same slice when the message names a non-empty value, or outside the span: the
    // ordinary off-by-one guess.
    let other = value_error("invalid literal for int() with base 10: 'x'", 5, 18, 40);
    let fixes = test_failure("t", &other, &p);
    assert_eq!(results(&fixes, text), [lower.clone(), upper.clone()]);
    assert!(fixes.iter().all(|f| f.confidence == 0.25), "{fixes:?}");
    let elsewhere = value_error("invalid literal for int() with base 10: ''", 5, 9, 14);
    let fixes = test_failure("t", &elsewhere, &p);
    assert!(fixes.iter().all(|f| f.confidence == 0.25), "{fixes:?}");
}

fn type_error(msg: &str, line: u32, col: u32, end: Option<u32>) -> CodeError {
    let mut location = Location::new("main.py", line, col);
    if let Some(end) = end {
        location = location.with_end(line, end);
    }
    CodeError::new(ErrorType::TypeMismatch, msg)
        .with_code("TypeError")
        .with_location(location)
}

/// A type-conversion case: `(text, message, (line, column, end column), every result in
/// order)`.
type ConversionCase<'a> = (&'a str, &'a str, (u32, u32, Option<u32>), &'a [&'a str]);

/// Checks `python.type-conversion` on `TypeError`s.
fn type_conversion_cases(cases: &[ConversionCase<'_>]) {
    for (text, msg, (line, col, end), want) in cases {
        let e = type_error(msg, *line, *col, *end);
        assert_eq!(run(type_conversion, text, &e), *want, "{text}");
    }
}

#[test]
fn concatenation_converts_the_other_operand_to_str() {
    let concat = "can only concatenate str (not \"int\") to str";
    let parenthesised = "x = \"a\" + (n - 1)\ny = xs + n\n";
    type_conversion_cases(&[
        // Columns as Python 3.11's carets give them: `~~~~~~~~~~^~~` under the whole BinOp.
        (
            "def label(n):\n    return \"count: \" + n\n",
            concat,
            (2, 12, Some(25)),
            &["def label(n):\n    return \"count: \" + str(n)\n"],
        ),
        // The failing node of a chain is its left part.
        (
            "def f(n):\n    x = \"a\" + n + \"b\"\n    return x\n",
            concat,
            (2, 9, Some(16)),
            &["def f(n):\n    x = \"a\" + str(n) + \"b\"\n    return x\n"],
        ),
        // No carets for an augmented assignment: the whole line.
        (
            "def f(n):\n    s = \"a\"\n    s += n * 2\n    return s\n",
            concat,
            (3, 5, None),
            &["def f(n):\n    s = \"a\"\n    s += str(n * 2)\n    return s\n"],
        ),
        // Carets stop at the end of the first line of a multi-line expression.
        (
            "def f(n):\n    return (\"count: \" +\n        n.total)\n",
            concat,
            (2, 13, Some(24)),
            &["def f(n):\n    return (\"count: \" +\n        str(n.total))\n"],
        ),
        // A parenthesised operand keeps its parentheses; lists get a one-element list.
        (
            parenthesised,
            concat,
            (1, 5, Some(18)),
            &["x = \"a\" + str(n - 1)\ny = xs + n\n"],
        ),
        (
            parenthesised,
            "can only concatenate list (not \"int\") to list",
            (2, 5, Some(11)),
            &["x = \"a\" + (n - 1)\ny = xs + [n]\n"],
        ),
    ]);
}

#[test]
fn mixed_str_and_number_operands_convert_either_side() {
    let msg = "unsupported operand type(s) for +: 'int' and 'str'";
    let total = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n";
    type_conversion_cases(&[
        // A str literal that holds no number can only make the number a str.
        (
            "def f(n):\n    return n * 2 + \" items\"\n",
            msg,
            (2, 12, Some(28)),
            &["def f(n):\n    return str(n * 2) + \" items\"\n"],
        ),
        (
            "def f(total, line):\n    return total + line.strip()\n",
            msg,
            (2, 12, Some(32)),
            &[
                "def f(total, line):\n    return total + int(line.strip())\n",
                "def f(total, line):\n    return str(total) + line.strip()\n",
            ],
        ),
        (
            "def f(n):\n    return \"5\" - n\n",
            "unsupported operand type(s) for -: 'str' and 'float'",
            (2, 12, Some(19)),
            &["def f(n):\n    return float(\"5\") - n\n"],
        ),
        (
            total,
            "unsupported operand type(s) for +=: 'int' and 'str'",
            (4, 9, None),
            &["def f(xs):\n    total = 0\n    for x in xs:\n        total += int(x)\n"],
        ),
        // Types no conversion helps.
        (
            total,
            "unsupported operand type(s) for +: 'int' and 'NoneType'",
            (2, 12, Some(19)),
            &[],
        ),
    ]);
}

#[test]
fn integer_arguments_subscripts_and_repeats() {
    type_conversion_cases(&[
        (
            "def f(s):\n    for i in range(s):\n        print(i)\n",
            "'str' object cannot be interpreted as an integer",
            (2, 14, Some(22)),
            &["def f(s):\n    for i in range(int(s)):\n        print(i)\n"],
        ),
        (
            "def f(n):\n    return range(1, n / 2)\n",
            "'float' object cannot be interpreted as an integer",
            (2, 12, Some(27)),
            &[
                "def f(n):\n    return range(1, n // 2)\n",
                "def f(n):\n    return range(1, int(n / 2))\n",
            ],
        ),
        (
            "def f(n):\n    return [0] * (n / 2)\n",
            "can't multiply sequence by non-int of type 'float'",
            (2, 12, Some(25)),
            &[
                "def f(n):\n    return [0] * (n // 2)\n",
                "def f(n):\n    return [0] * int(n / 2)\n",
            ],
        ),
        (
            "def f(w):\n    return w * \"-\"\n",
            "can't multiply sequence by non-int of type 'str'",
            (2, 12, Some(19)),
            &["def f(w):\n    return int(w) * \"-\"\n"],
        ),
        (
            "def f(a):\n    x = a[len(a) / 2] + a[0]\n    return x\n",
            "list indices must be integers or slices, not float",
            (2, 9, Some(22)),
            &[
                "def f(a):\n    x = a[len(a) // 2] + a[0]\n    return x\n",
                "def f(a):\n    x = a[int(len(a) / 2)] + a[0]\n    return x\n",
            ],
        ),
    ]);
}

#[test]
fn lengths_and_loops_over_numbers() {
    type_conversion_cases(&[
        (
            "def digits(n):\n    return len(n)\n",
            "object of type 'int' has no len()",
            (2, 12, Some(18)),
            &["def digits(n):\n    return len(str(n))\n"],
        ),
        // The whole line is the call: no carets.
        (
            "def f(n):\n    len(n + 1)\n",
            "object of type 'int' has no len()",
            (2, 5, None),
            &["def f(n):\n    len(str(n + 1))\n"],
        ),
        (
            "def f(xs):\n    for i in len(xs):\n        print(i)\n",
            "'int' object is not iterable",
            (2, 5, None),
            &["def f(xs):\n    for i in range(len(xs)):\n        print(i)\n"],
        ),
    ]);
}

#[test]
fn type_conversion_survives_odd_input() {
    let texts = [
        "x",
        "+",
        "return (\n",
        "a[",
        "x = ] + ) * [\n",
        "é = 'ü' + n\r\n  len(\n",
        "for in :\n",
        "range(,)\n",
        "a[/]\n",
    ];
    let messages = [
        "can only concatenate str (not \"int\") to str",
        "can only concatenate list (not \"int\") to list",
        "can only concatenate",
        "unsupported operand type(s) for +: 'int' and 'str'",
        "unsupported operand type(s) for +=: 'str' and 'int'",
        "unsupported operand type(s) for : 'str'",
        "'str' object cannot be interpreted as an integer",
        "can't multiply sequence by non-int of type 'float'",
        "list indices must be integers or slices, not float",
        "string indices must be integers, not 'str'",
        "object of type 'int' has no len()",
        "'int' object is not iterable",
    ];
    for text in texts {
        let p = program(PY, "main.py", text);
        for msg in messages {
            for line in 0..4 {
                for col in [0, 1, 2, 5, 200] {
                    for end in [None, Some(0), Some(1), Some(3), Some(300)] {
                        let e = type_error(msg, line, col, end);
                        for fix in type_conversion("t", &e, &p) {
                            let _ = crate::fix::text::testing::apply(text, &fix);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn failing_tests_get_candidate_edits() {
    let text =
        "def f(a):\n    for i in range(3):\n        # a[i] += 1\n        a[i] *= 2\n    return a\n";
    let e =
        CodeError::new(ErrorType::TestFailure, "AssertionError: wrong").with_code("AssertionError");
    assert_eq!(run(test_failure, text, &e), ["def f(a):\n    for i in range(3):\n        a[i] += 1\n        a[i] *= 2\n    return a\n"]);
    let text =
        "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n        return out\n";
    assert_eq!(
        run(test_failure, text, &e),
        ["def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n"]
    );
    let text = "def f(n, c):\n    for i in range(n, -1, -1):\n        a = c[i]\n    return a\n";
    let e = CodeError::new(
        ErrorType::CompilerError("runtime".into()),
        "list index out of range",
    )
    .with_code("IndexError")
    .with_location(Location::new("main.py", 3, 13));
    let out = run(test_failure, text, &e);
    assert!(out.contains(
        &"def f(n, c):\n    for i in range(n - 1, -1, -1):\n        a = c[i]\n    return a\n"
            .to_string()
    ));
    assert!(out.contains(
        &"def f(n, c):\n    for i in range(n, -1, -1):\n        a = c[i - 1]\n    return a\n"
            .to_string()
    ));
}
