//! `{name}` templates in toolchain files: parsed once at load, expanded at resolve or plan time.
//!
//! Parsing is strict: an unknown name, an unbalanced brace or a multi-argument template
//! (`{sources}`, `{tests}`, `{extern_args}`) inside a longer string is a load error, so a file
//! that loads can only fail at plan time for reasons that belong to the program.

use std::fmt;

/// One template name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Var {
    /// `{bin:NAME}`: the resolved absolute path of a declared binary.
    Bin(String),
    /// `{NAME.PROBE}`: the first output line of a binary's probe; `{NAME.dir}` is the directory
    /// holding the resolved binary, `{NAME.path}` the binary itself.
    Probe(String, String),
    /// `{file}`: the current file of a `for_each` command (relative to the work directory).
    File,
    /// `{sources}`: every non-test source file (several arguments).
    Sources,
    /// `{tests}`: every test file (several arguments).
    Tests,
    /// `{crate_root}` / `{entry}`: the program's entry file (first of `files.roots` present).
    Entry,
    /// `{crate_type}`: the `crate_type` of the chosen root.
    CrateType,
    /// `{edition}`: the program option `edition` (validated).
    Edition,
    /// `{extern_args}`: `--extern` / `-L` arguments of the Rust dependency set (several arguments).
    ExternArgs,
    /// `{support}`: where selfheal's support files appear in the sandbox.
    Support,
    /// `{work}`: the sandbox work directory.
    Work,
}

impl Var {
    /// Whether the template expands to any number of arguments (and so must stand alone).
    pub(crate) fn is_multi(&self) -> bool {
        matches!(self, Var::Sources | Var::Tests | Var::ExternArgs)
    }

    fn parse(name: &str) -> Result<Var, String> {
        if let Some(bin) = name.strip_prefix("bin:") {
            return if is_ident(bin) {
                Ok(Var::Bin(bin.to_string()))
            } else {
                Err(format!("`{{{name}}}`: `{bin}` is not a binary name"))
            };
        }
        if let Some((bin, probe)) = name.split_once('.') {
            return if is_ident(bin) && is_ident(probe) {
                Ok(Var::Probe(bin.to_string(), probe.to_string()))
            } else {
                Err(format!(
                    "`{{{name}}}` is not a valid `{{BINARY.PROBE}}` template"
                ))
            };
        }
        Ok(match name {
            "file" => Var::File,
            "sources" => Var::Sources,
            "tests" => Var::Tests,
            "crate_root" | "entry" => Var::Entry,
            "crate_type" => Var::CrateType,
            "edition" => Var::Edition,
            "extern_args" => Var::ExternArgs,
            "support" => Var::Support,
            "work" => Var::Work,
            _ => {
                return Err(format!(
                    "unknown template `{{{name}}}`; known templates: {{bin:NAME}}, {{NAME.PROBE}}, \
                     {{NAME.dir}}, {{file}}, {{sources}}, {{tests}}, {{crate_root}}, {{entry}}, \
                     {{crate_type}}, {{edition}}, {{extern_args}}, {{support}}, {{work}}"
                ))
            }
        })
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Var::Bin(name) => write!(f, "{{bin:{name}}}"),
            Var::Probe(bin, probe) => write!(f, "{{{bin}.{probe}}}"),
            Var::File => f.write_str("{file}"),
            Var::Sources => f.write_str("{sources}"),
            Var::Tests => f.write_str("{tests}"),
            Var::Entry => f.write_str("{entry}"),
            Var::CrateType => f.write_str("{crate_type}"),
            Var::Edition => f.write_str("{edition}"),
            Var::ExternArgs => f.write_str("{extern_args}"),
            Var::Support => f.write_str("{support}"),
            Var::Work => f.write_str("{work}"),
        }
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Lit(String),
    Var(Var),
}

/// A parsed template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) pieces: Vec<Piece>,
}

impl Template {
    pub(crate) fn parse(raw: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = raw;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    pieces.push(Piece::Lit(rest.to_string()));
                    break;
                }
                Some(i) => {
                    if rest.as_bytes()[i] == b'}' {
                        return Err(format!("`{raw}`: unmatched `}}`"));
                    }
                    if i > 0 {
                        pieces.push(Piece::Lit(rest[..i].to_string()));
                    }
                    let after = &rest[i + 1..];
                    let end = after
                        .find(['{', '}'])
                        .filter(|&j| after.as_bytes()[j] == b'}')
                        .ok_or_else(|| format!("`{raw}`: unclosed `{{`"))?;
                    pieces.push(Piece::Var(Var::parse(&after[..end])?));
                    rest = &after[end + 1..];
                }
            }
        }
        let template = Template { pieces };
        if template.pieces.len() > 1 {
            if let Some(multi) = template.vars().find(|v| v.is_multi()) {
                return Err(format!(
                    "`{raw}`: {multi} expands to several arguments and must be a whole argument"
                ));
            }
        }
        Ok(template)
    }

    pub(crate) fn vars(&self) -> impl Iterator<Item = &Var> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            Piece::Lit(_) => None,
        })
    }

    /// The multi-argument template this argument consists of, if any.
    pub(crate) fn as_multi(&self) -> Option<&Var> {
        match self.pieces.as_slice() {
            [Piece::Var(v)] if v.is_multi() => Some(v),
            _ => None,
        }
    }

    /// Expands a single-argument template. `lookup` returns the value of a variable or an
    /// error message; it is never called with a multi-argument variable.
    pub(crate) fn expand<E>(
        &self,
        mut lookup: impl FnMut(&Var) -> Result<String, E>,
    ) -> Result<String, E> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Lit(s) => out.push_str(s),
                Piece::Var(v) => out.push_str(&lookup(v)?),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals_and_variables() {
        let t = Template::parse("{work}/.selfheal/bin").unwrap();
        assert_eq!(
            t.pieces,
            vec![Piece::Var(Var::Work), Piece::Lit("/.selfheal/bin".into())]
        );
        let t = Template::parse("{bin:rustc}").unwrap();
        assert_eq!(t.pieces, vec![Piece::Var(Var::Bin("rustc".into()))]);
        let t = Template::parse("{rustc.sysroot}/lib").unwrap();
        assert_eq!(
            t.pieces[0],
            Piece::Var(Var::Probe("rustc".into(), "sysroot".into()))
        );
        assert_eq!(
            Template::parse("plain").unwrap().pieces,
            vec![Piece::Lit("plain".into())]
        );
        assert_eq!(Template::parse("").unwrap().pieces, vec![]);
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(Template::parse("{nope}")
            .unwrap_err()
            .contains("unknown template `{nope}`"));
        assert!(Template::parse("{work").unwrap_err().contains("unclosed"));
        assert!(Template::parse("work}").unwrap_err().contains("unmatched"));
        assert!(Template::parse("{{work}}").is_err());
        assert!(Template::parse("--x={sources}")
            .unwrap_err()
            .contains("must be a whole argument"));
        assert!(Template::parse("{bin:}").is_err());
    }

    #[test]
    fn expands() {
        let t = Template::parse("a-{edition}-b").unwrap();
        let s: Result<String, ()> = t.expand(|v| match v {
            Var::Edition => Ok("2021".into()),
            _ => Err(()),
        });
        assert_eq!(s.unwrap(), "a-2021-b");
    }
}
