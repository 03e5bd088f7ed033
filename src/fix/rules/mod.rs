//! The built-in rules, one per file: `any/` for every language, then one directory per
//! language. Each rule declares its [`RuleMeta`](super::RuleMeta) and is listed in
//! [`registry`](super::registry).

pub(crate) mod any;
pub(crate) mod go;
pub(crate) mod javascript;
pub(crate) mod python;
pub(crate) mod rust;
