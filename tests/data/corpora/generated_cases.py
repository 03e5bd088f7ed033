#!/usr/bin/env python3
"""Writes generated.jsonl (broken programs) and generated.reference.jsonl (their known-good fixes).

Forty small programs, ten per language, broken the way generated code breaks: helpers called
but never written, conversions guessed wrong, methods of another language, imports left out,
off-by-one and logic slips caught by tests, and errors hidden behind other errors. Written for
this set (not taken from a corpus) and not tuned to any rule. Each case's `fixed` text is the
reference fix; `tests/generated_corpus.rs` checks that every broken case fails and every
reference passes.

Run from this directory: `python3 generated_cases.py`.
"""

import json
import os

RUST_TAIL = "\n#[cfg(test)]\nmod tests;\n"


def rust(cid, category, broken, fixed, tests):
    return dict(id=cid, language="rust", category=category,
                main="lib.rs", broken=broken + RUST_TAIL, fixed=fixed + RUST_TAIL,
                test_path="tests.rs", test="use super::*;\n\n" + tests,
                options={"edition": "2021"})


def python(cid, category, broken, fixed, tests):
    return dict(id=cid, language="python", category=category, main="main.py",
                broken=broken, fixed=fixed, test_path="test_main.py",
                test="from main import *\n\n" + tests + "\nprint('ok')\n")


def js(cid, category, broken, fixed, exports, tests):
    tail = "\nmodule.exports = { %s };\n" % exports
    return dict(id=cid, language="javascript", category=category, main="main.js",
                broken=broken + tail, fixed=fixed + tail, test_path="main.test.js",
                test="const assert = require('assert');\nconst { %s } = require('./main.js');\n\n%s"
                % (exports, tests))


def go(cid, category, broken, fixed, tests):
    return dict(id=cid, language="go", category=category, main="main.go",
                broken=broken, fixed=fixed, test_path="main_test.go",
                test='package main\n\nimport "testing"\n\n' + tests)


CASES = []

# ---------------------------------------------------------------- Rust
CASES += [
    rust("generated/rust/missing-helper", "MissingDefinition",
         """pub fn average(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    total(xs) / xs.len() as f64
}
""",
         """fn total(xs: &[f64]) -> f64 {
    xs.iter().sum()
}

pub fn average(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    total(xs) / xs.len() as f64
}
""",
         """#[test]
fn averages() {
    assert_eq!(average(&[1.0, 2.0, 6.0]), 3.0);
    assert_eq!(average(&[]), 0.0);
}
"""),
    rust("generated/rust/str-to-int", "Conversion",
         """pub fn parse_quantity(s: &str) -> i32 {
    let n: i32 = s.trim();
    n * 2
}
""",
         """pub fn parse_quantity(s: &str) -> i32 {
    let n: i32 = s.trim().parse().unwrap_or(0);
    n * 2
}
""",
         """#[test]
fn parses() {
    assert_eq!(parse_quantity(" 21 "), 42);
    assert_eq!(parse_quantity("x"), 0);
}
"""),
    rust("generated/rust/float-by-usize", "Conversion",
         """pub fn mean(xs: &[f64]) -> f64 {
    let sum: f64 = xs.iter().sum();
    sum / xs.len()
}
""",
         """pub fn mean(xs: &[f64]) -> f64 {
    let sum: f64 = xs.iter().sum();
    sum / xs.len() as f64
}
""",
         """#[test]
fn means() {
    assert_eq!(mean(&[2.0, 4.0]), 3.0);
}
"""),
    rust("generated/rust/push-back", "MethodName",
         """pub fn evens(xs: &[i32]) -> Vec<i32> {
    let mut out = Vec::new();
    for x in xs {
        if x % 2 == 0 {
            out.push_back(*x);
        }
    }
    out
}
""",
         """pub fn evens(xs: &[i32]) -> Vec<i32> {
    let mut out = Vec::new();
    for x in xs {
        if x % 2 == 0 {
            out.push(*x);
        }
    }
    out
}
""",
         """#[test]
fn keeps_evens() {
    assert_eq!(evens(&[1, 2, 3, 4]), vec![2, 4]);
}
"""),
    rust("generated/rust/missing-hashmap-import", "Import",
         """pub fn word_counts(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for w in text.split_whitespace() {
        *counts.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    counts
}
""",
         """use std::collections::HashMap;

pub fn word_counts(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for w in text.split_whitespace() {
        *counts.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    counts
}
""",
         """#[test]
fn counts_words() {
    let c = word_counts("a B b");
    assert_eq!(c["b"], 2);
    assert_eq!(c["a"], 1);
}
"""),
    rust("generated/rust/off-by-one-sum", "Logic",
         """pub fn sum_to(n: u32) -> u32 {
    let mut total = 0;
    for i in 1..n {
        total += i;
    }
    total
}
""",
         """pub fn sum_to(n: u32) -> u32 {
    let mut total = 0;
    for i in 1..=n {
        total += i;
    }
    total
}
""",
         """#[test]
fn sums() {
    assert_eq!(sum_to(4), 10);
    assert_eq!(sum_to(1), 1);
}
"""),
    rust("generated/rust/missing-mut-then-logic", "Revealed",
         """pub fn max_of(xs: &[i32]) -> i32 {
    let best = xs[0];
    for &x in xs {
        if x < best {
            best = x;
        }
    }
    best
}
""",
         """pub fn max_of(xs: &[i32]) -> i32 {
    let mut best = xs[0];
    for &x in xs {
        if x > best {
            best = x;
        }
    }
    best
}
""",
         """#[test]
fn finds_the_maximum() {
    assert_eq!(max_of(&[3, 9, 2]), 9);
    assert_eq!(max_of(&[-1]), -1);
}
"""),
    rust("generated/rust/missing-method", "MissingDefinition",
         """pub struct Stack {
    items: Vec<i32>,
}

impl Stack {
    pub fn new() -> Stack {
        Stack { items: Vec::new() }
    }

    pub fn push(&mut self, x: i32) {
        self.items.push(x);
    }
}

pub fn top_after(xs: &[i32]) -> Option<i32> {
    let mut s = Stack::new();
    for &x in xs {
        s.push(x);
    }
    s.peek()
}
""",
         """pub struct Stack {
    items: Vec<i32>,
}

impl Stack {
    pub fn new() -> Stack {
        Stack { items: Vec::new() }
    }

    pub fn push(&mut self, x: i32) {
        self.items.push(x);
    }

    pub fn peek(&self) -> Option<i32> {
        self.items.last().copied()
    }
}

pub fn top_after(xs: &[i32]) -> Option<i32> {
    let mut s = Stack::new();
    for &x in xs {
        s.push(x);
    }
    s.peek()
}
""",
         """#[test]
fn peeks() {
    assert_eq!(top_after(&[1, 2, 3]), Some(3));
    assert_eq!(top_after(&[]), None);
}
"""),
    rust("generated/rust/use-after-move", "Ownership",
         """pub fn describe(names: Vec<String>) -> String {
    let joined = join_all(names);
    format!("{} names: {}", names.len(), joined)
}

fn join_all(names: Vec<String>) -> String {
    names.join(", ")
}
""",
         """pub fn describe(names: Vec<String>) -> String {
    let joined = join_all(names.clone());
    format!("{} names: {}", names.len(), joined)
}

fn join_all(names: Vec<String>) -> String {
    names.join(", ")
}
""",
         """#[test]
fn describes() {
    assert_eq!(describe(vec!["a".into(), "b".into()]), "2 names: a, b");
}
"""),
    rust("generated/rust/option-to-string", "Conversion",
         """pub fn first_word(s: &str) -> String {
    s.split_whitespace().next().to_string()
}
""",
         """pub fn first_word(s: &str) -> String {
    s.split_whitespace().next().unwrap_or("").to_string()
}
""",
         """#[test]
fn first_words() {
    assert_eq!(first_word("hello world"), "hello");
    assert_eq!(first_word("   "), "");
}
"""),
]

# ---------------------------------------------------------------- Python
CASES += [
    python("generated/python/push-then-uppercase", "Revealed",
           """def shout_all(words):
    out = []
    for w in words:
        out.push(w)
    return [w.uppercase() for w in out]
""",
           """def shout_all(words):
    out = []
    for w in words:
        out.append(w)
    return [w.upper() for w in out]
""",
           """assert shout_all(["a", "bc"]) == ["A", "BC"]
"""),
    python("generated/python/missing-math-import", "Import",
           """def hypotenuse(a, b):
    return math.sqrt(a * a + b * b)
""",
           """import math


def hypotenuse(a, b):
    return math.sqrt(a * a + b * b)
""",
           """assert hypotenuse(3, 4) == 5.0
"""),
    python("generated/python/missing-helper", "MissingDefinition",
           """def normalize(words):
    return [clean(w) for w in words if clean(w)]
""",
           """def clean(word):
    return word.strip().lower()


def normalize(words):
    return [clean(w) for w in words if clean(w)]
""",
           """assert normalize([" Hi ", "", "YO"]) == ["hi", "yo"]
"""),
    python("generated/python/str-plus-int", "Conversion",
           """def receipt(item, total):
    return "Total for " + item + ": " + total
""",
           """def receipt(item, total):
    return "Total for " + item + ": " + str(total)
""",
           """assert receipt("tea", 3) == "Total for tea: 3"
"""),
    python("generated/python/startswith-camel", "MethodName",
           """def commands(lines):
    return [l[1:] for l in lines if l.startsWith("/")]
""",
           """def commands(lines):
    return [l[1:] for l in lines if l.startswith("/")]
""",
           """assert commands(["/quit", "hello", "/help"]) == ["quit", "help"]
"""),
    python("generated/python/factorial-range", "Logic",
           """def factorial(n):
    result = 1
    for i in range(1, n):
        result *= i
    return result
""",
           """def factorial(n):
    result = 1
    for i in range(1, n + 1):
        result *= i
    return result
""",
           """assert factorial(0) == 1
assert factorial(5) == 120
"""),
    python("generated/python/keys-not-called", "MethodName",
           """def sorted_names(ages):
    return sorted(ages.keys)
""",
           """def sorted_names(ages):
    return sorted(ages.keys())
""",
           """assert sorted_names({"bo": 3, "al": 5}) == ["al", "bo"]
"""),
    python("generated/python/js-length", "MethodName",
           """def longest(items):
    best = ""
    for item in items:
        if item.length > best.length:
            best = item
    return best
""",
           """def longest(items):
    best = ""
    for item in items:
        if len(item) > len(best):
            best = item
    return best
""",
           """assert longest(["a", "abc", "ab"]) == "abc"
"""),
    python("generated/python/counter-after-docstring", "Import",
           '''#!/usr/bin/env python3
"""Word statistics."""


def top_word(text):
    counts = Counter(text.split())
    return counts.most_common(1)[0][0]
''',
           '''#!/usr/bin/env python3
"""Word statistics."""

from collections import Counter


def top_word(text):
    counts = Counter(text.split())
    return counts.most_common(1)[0][0]
''',
           """assert top_word("a b b c") == "b"
"""),
    python("generated/python/true-division", "Logic",
           """def median_index(xs):
    return (len(xs) - 1) / 2


def median(xs):
    return sorted(xs)[median_index(xs)]
""",
           """def median_index(xs):
    return (len(xs) - 1) // 2


def median(xs):
    return sorted(xs)[median_index(xs)]
""",
           """assert median([5, 1, 3]) == 3
assert median([4, 1, 2, 3, 9]) == 3
"""),
]

# ---------------------------------------------------------------- JavaScript
CASES += [
    js("generated/javascript/python-append", "MethodName",
       """function squares(n) {
    const out = [];
    for (let i = 1; i <= n; i++) {
        out.append(i * i);
    }
    return out;
}
""",
       """function squares(n) {
    const out = [];
    for (let i = 1; i <= n; i++) {
        out.push(i * i);
    }
    return out;
}
""",
       "squares",
       """assert.deepStrictEqual(squares(3), [1, 4, 9]);
"""),
    js("generated/javascript/missing-helper", "MissingDefinition",
       """function titleCase(sentence) {
    return sentence.split(' ').map(capitalize).join(' ');
}
""",
       """function capitalize(word) {
    return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

function titleCase(sentence) {
    return sentence.split(' ').map(capitalize).join(' ');
}
""",
       "titleCase",
       """assert.strictEqual(titleCase('hello wORLD'), 'Hello World');
"""),
    js("generated/javascript/length-call", "MethodName",
       """function isLong(word) {
    return word.length() > 5;
}
""",
       """function isLong(word) {
    return word.length > 5;
}
""",
       "isLong",
       """assert.strictEqual(isLong('elephant'), true);
assert.strictEqual(isLong('cat'), false);
"""),
    js("generated/javascript/missing-path-require", "Import",
       """function configPath(dir) {
    return path.join(dir, 'config.json');
}
""",
       """const path = require('path');

function configPath(dir) {
    return path.join(dir, 'config.json');
}
""",
       "configPath",
       """assert.strictEqual(configPath('/etc/app'), '/etc/app/config.json');
"""),
    js("generated/javascript/const-counter", "Reference",
       """function countVowels(s) {
    const count = 0;
    for (const ch of s) {
        if ('aeiou'.includes(ch)) {
            count++;
        }
    }
    return count;
}
""",
       """function countVowels(s) {
    let count = 0;
    for (const ch of s) {
        if ('aeiou'.includes(ch)) {
            count++;
        }
    }
    return count;
}
""",
       "countVowels",
       """assert.strictEqual(countVowels('education'), 5);
"""),
    js("generated/javascript/off-by-one-loop", "Logic",
       """function total(prices) {
    let sum = 0;
    for (let i = 0; i <= prices.length; i++) {
        sum += prices[i];
    }
    return sum;
}
""",
       """function total(prices) {
    let sum = 0;
    for (let i = 0; i < prices.length; i++) {
        sum += prices[i];
    }
    return sum;
}
""",
       "total",
       """assert.strictEqual(total([1, 2, 3]), 6);
"""),
    js("generated/javascript/string-sum", "Conversion",
       """function sumFields(line) {
    let sum = 0;
    for (const field of line.split(',')) {
        sum += field;
    }
    return sum;
}
""",
       """function sumFields(line) {
    let sum = 0;
    for (const field of line.split(',')) {
        sum += Number(field);
    }
    return sum;
}
""",
       "sumFields",
       """assert.strictEqual(sumFields('1,2,3'), 6);
"""),
    js("generated/javascript/contains", "MethodName",
       """function hasAdmin(roles) {
    return roles.contains('admin');
}
""",
       """function hasAdmin(roles) {
    return roles.includes('admin');
}
""",
       "hasAdmin",
       """assert.strictEqual(hasAdmin(['user', 'admin']), true);
assert.strictEqual(hasAdmin(['user']), false);
"""),
    js("generated/javascript/uppercase-then-startswith", "Revealed",
       """function loudCommands(lines) {
    const upper = lines.map((l) => l.toUppercase());
    return upper.filter((l) => l.startswith('!'));
}
""",
       """function loudCommands(lines) {
    const upper = lines.map((l) => l.toUpperCase());
    return upper.filter((l) => l.startsWith('!'));
}
""",
       "loudCommands",
       """assert.deepStrictEqual(loudCommands(['!go', 'stay', '!up']), ['!GO', '!UP']);
"""),
    js("generated/javascript/map-without-new", "Reference",
       """function firstSeen(items) {
    const seen = Map();
    items.forEach((item, i) => {
        if (!seen.has(item)) {
            seen.set(item, i);
        }
    });
    return seen;
}
""",
       """function firstSeen(items) {
    const seen = new Map();
    items.forEach((item, i) => {
        if (!seen.has(item)) {
            seen.set(item, i);
        }
    });
    return seen;
}
""",
       "firstSeen",
       """assert.strictEqual(firstSeen(['a', 'b', 'a']).get('a'), 0);
assert.strictEqual(firstSeen(['a', 'b', 'a']).get('b'), 1);
"""),
]

# ---------------------------------------------------------------- Go
CASES += [
    go("generated/go/missing-helper", "MissingDefinition",
       """package main

func distance(a, b int) int {
	return abs(a - b)
}

func main() {}
""",
       """package main

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func distance(a, b int) int {
	return abs(a - b)
}

func main() {}
""",
       """func TestDistance(t *testing.T) {
	if distance(2, 7) != 5 || distance(7, 2) != 5 {
		t.Fatal("wrong distance")
	}
}
"""),
    go("generated/go/missing-strings-import", "Import",
       """package main

func shout(s string) string {
	return strings.ToUpper(s) + "!"
}

func main() {}
""",
       """package main

import "strings"

func shout(s string) string {
	return strings.ToUpper(s) + "!"
}

func main() {}
""",
       """func TestShout(t *testing.T) {
	if shout("hi") != "HI!" {
		t.Fatal(shout("hi"))
	}
}
"""),
    go("generated/go/integer-division", "Conversion",
       """package main

func mean(xs []int) float64 {
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return float64(sum / len(xs))
}

func main() {}
""",
       """package main

func mean(xs []int) float64 {
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return float64(sum) / float64(len(xs))
}

func main() {}
""",
       """func TestMean(t *testing.T) {
	if mean([]int{1, 2}) != 1.5 {
		t.Fatal(mean([]int{1, 2}))
	}
}
"""),
    go("generated/go/int-to-float", "Conversion",
       """package main

func ratio(part, whole int) float64 {
	var r float64 = part * 100 / whole
	return r
}

func main() {}
""",
       """package main

func ratio(part, whole int) float64 {
	var r float64 = float64(part*100) / float64(whole)
	return r
}

func main() {}
""",
       """func TestRatio(t *testing.T) {
	if ratio(1, 4) != 25 {
		t.Fatal(ratio(1, 4))
	}
}
"""),
    go("generated/go/len-method", "MethodName",
       """package main

func isEmpty(s string) bool {
	return s.Len() == 0
}

func main() {}
""",
       """package main

func isEmpty(s string) bool {
	return len(s) == 0
}

func main() {}
""",
       """func TestIsEmpty(t *testing.T) {
	if !isEmpty("") || isEmpty("x") {
		t.Fatal("wrong")
	}
}
"""),
    go("generated/go/unused-variable", "Reference",
       """package main

func countPositive(xs []int) int {
	n := 0
	last := 0
	for _, x := range xs {
		if x > 0 {
			n++
		}
	}
	return n
}

func main() {}
""",
       """package main

func countPositive(xs []int) int {
	n := 0
	for _, x := range xs {
		if x > 0 {
			n++
		}
	}
	return n
}

func main() {}
""",
       """func TestCountPositive(t *testing.T) {
	if countPositive([]int{-1, 2, 3}) != 2 {
		t.Fatal("wrong")
	}
}
"""),
    go("generated/go/redeclared", "Reference",
       """package main

func clamp(x, lo, hi int) int {
	result := x
	if x < lo {
		result := lo
	}
	if x > hi {
		result = hi
	}
	return result
}

func main() {}
""",
       """package main

func clamp(x, lo, hi int) int {
	result := x
	if x < lo {
		result = lo
	}
	if x > hi {
		result = hi
	}
	return result
}

func main() {}
""",
       """func TestClamp(t *testing.T) {
	if clamp(-5, 0, 10) != 0 || clamp(50, 0, 10) != 10 || clamp(5, 0, 10) != 5 {
		t.Fatal("wrong")
	}
}
"""),
    go("generated/go/itoa", "Conversion",
       """package main

func label(n int) string {
	return "item-" + string(n)
}

func main() {}
""",
       """package main

import "strconv"

func label(n int) string {
	return "item-" + strconv.Itoa(n)
}

func main() {}
""",
       """func TestLabel(t *testing.T) {
	if label(42) != "item-42" {
		t.Fatal(label(42))
	}
}
"""),
    go("generated/go/max-from-one", "Logic",
       """package main

func maxIndex(xs []int) int {
	best := 0
	for i := 1; i < len(xs)-1; i++ {
		if xs[i] > xs[best] {
			best = i
		}
	}
	return best
}

func main() {}
""",
       """package main

func maxIndex(xs []int) int {
	best := 0
	for i := 1; i < len(xs); i++ {
		if xs[i] > xs[best] {
			best = i
		}
	}
	return best
}

func main() {}
""",
       """func TestMaxIndex(t *testing.T) {
	if maxIndex([]int{1, 5, 9}) != 2 || maxIndex([]int{7, 1}) != 0 {
		t.Fatal("wrong")
	}
}
"""),
    go("generated/go/missing-return", "Reference",
       """package main

func sign(x int) string {
	if x > 0 {
		return "positive"
	} else if x < 0 {
		return "negative"
	}
}

func main() {}
""",
       """package main

func sign(x int) string {
	if x > 0 {
		return "positive"
	} else if x < 0 {
		return "negative"
	}
	return "zero"
}

func main() {}
""",
       """func TestSign(t *testing.T) {
	if sign(3) != "positive" || sign(-1) != "negative" || sign(0) != "zero" {
		t.Fatal("wrong")
	}
}
"""),
]


def line(case, text):
    value = {
        "id": case["id"],
        "language": case["language"],
        "files": {case["main"]: text, case["test_path"]: case["test"]},
        "protected": [case["test_path"]],
        "expect": "test",
        "meta": {"source": "selfheal-generated", "category": case["category"]},
    }
    if "options" in case:
        value["options"] = case["options"]
    return json.dumps(value, sort_keys=False)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for lang in ("rust", "python", "javascript", "go"):
        n = sum(1 for c in CASES if c["language"] == lang)
        assert n == 10, (lang, n)
    with open(os.path.join(here, "generated.jsonl"), "w") as f:
        for c in CASES:
            f.write(line(c, c["broken"]) + "\n")
    with open(os.path.join(here, "generated.reference.jsonl"), "w") as f:
        for c in CASES:
            f.write(line(c, c["fixed"]) + "\n")


if __name__ == "__main__":
    main()
