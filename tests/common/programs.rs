//! Programs of one source and its protected test file, per language, as the heal tests write
//! them.

use selfheal::{Program, TargetLanguage};

/// A Rust library (`lib.rs`, with `mod tests;` appended) and its protected `tests.rs`, edition
/// 2021.
pub fn rs(lib: &str, tests: &str) -> Program {
    let lib = format!("{lib}\n#[cfg(test)]\nmod tests;\n");
    with_test(TargetLanguage::Rust, ("lib.rs", &lib), ("tests.rs", tests))
        .with_option("edition", "2021")
}

/// `main.go` and its protected `main_test.go`.
pub fn go(main: &str, test: &str) -> Program {
    with_test(
        TargetLanguage::Go,
        ("main.go", main),
        ("main_test.go", test),
    )
}

/// `main.py` and its protected `test_main.py`.
pub fn py(main: &str, test: &str) -> Program {
    with_test(
        TargetLanguage::Python,
        ("main.py", main),
        ("test_main.py", test),
    )
}

/// `main.js` and its protected `main.test.js`.
pub fn js(main: &str, test: &str) -> Program {
    with_test(
        TargetLanguage::JavaScript,
        ("main.js", main),
        ("main.test.js", test),
    )
}

/// A program of `source` and the protected `test` (each `(path, text)`).
pub fn with_test(language: TargetLanguage, source: (&str, &str), test: (&str, &str)) -> Program {
    super::program(language, &[source, test])
        .with_protected([test.0.to_string()])
        .unwrap()
}
