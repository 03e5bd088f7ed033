//! Attribute definitions from an OpenTelemetry semantic-convention registry in the YAML format
//! OpenTelemetry Weaver reads: files holding `groups`, each group a list of `attributes` with an
//! `id` (or a `prefix` on the group and short ids, the older form), a `type` and a
//! `requirement_level`. Attributes given by `ref` (a group reusing a registry attribute) define
//! nothing. Unknown keys (`brief`, `stability`, `examples`, …) are ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use super::ComplianceError;

/// The value type of an attribute, as the registry declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrType {
    String,
    Int,
    Double,
    Boolean,
    StringArray,
    IntArray,
    DoubleArray,
    BooleanArray,
    /// `type: { members: [...] }`: the members' values are strings (`String`) or integers.
    Enum {
        int: bool,
        members: Vec<String>,
    },
}

impl AttrType {
    /// Parses a scalar type name (`string`, `int`, `double`, `boolean`, their `[]` arrays; a
    /// `template[T]` is its `T`).
    pub fn parse(name: &str) -> Option<AttrType> {
        let name = name
            .strip_prefix("template[")
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(name);
        Some(match name {
            "string" => AttrType::String,
            "int" => AttrType::Int,
            "double" => AttrType::Double,
            "boolean" => AttrType::Boolean,
            "string[]" => AttrType::StringArray,
            "int[]" => AttrType::IntArray,
            "double[]" => AttrType::DoubleArray,
            "boolean[]" => AttrType::BooleanArray,
            _ => return None,
        })
    }

    /// The wire name the collectors write for a value of this type (`string`, `int`, …).
    pub fn wire(&self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Int => "int",
            AttrType::Double => "double",
            AttrType::Boolean => "boolean",
            AttrType::StringArray => "string[]",
            AttrType::IntArray => "int[]",
            AttrType::DoubleArray => "double[]",
            AttrType::BooleanArray => "boolean[]",
            AttrType::Enum { int: true, .. } => "int",
            AttrType::Enum { int: false, .. } => "string",
        }
    }

    /// Whether a collected value of wire type `actual` fits. An integral `double` is written as
    /// `int` by languages with one number type (JavaScript), so `int` fits `double`.
    pub fn accepts(&self, actual: &str) -> bool {
        let expected = self.wire();
        expected == actual
            || (expected == "double" && actual == "int")
            || (expected == "double[]" && actual == "int[]")
    }
}

impl fmt::Display for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrType::Enum { members, .. } => {
                write!(f, "{} (one of {})", self.wire(), members.join(", "))
            }
            _ => f.write_str(self.wire()),
        }
    }
}

/// How strongly the registry asks for an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    Required,
    ConditionallyRequired,
    Recommended,
    OptIn,
}

/// One attribute definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDef {
    pub id: String,
    pub ty: AttrType,
    pub requirement: Requirement,
    /// The registry file that defines it.
    pub file: String,
}

/// Every attribute a registry defines, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    attributes: BTreeMap<String, AttributeDef>,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
struct RawGroup {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    attributes: Vec<RawAttribute>,
}

#[derive(Deserialize)]
struct RawAttribute {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
    #[serde(default, rename = "type")]
    ty: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    requirement_level: Option<serde_yaml_ng::Value>,
}

impl Registry {
    /// Reads registry files (`(name, YAML text)`) into one registry.
    ///
    /// # Errors
    /// Unparsable YAML (with the file, line and column), an attribute without a type or with an
    /// unknown one, or two files defining one id differently.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Registry, ComplianceError> {
        let mut registry = Registry::default();
        for (name, text) in files {
            registry.add_file(name, text)?;
        }
        Ok(registry)
    }

    fn add_file(&mut self, name: &str, text: &str) -> Result<(), ComplianceError> {
        let raw: RawFile = serde_yaml_ng::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line()).unwrap_or(0);
            ComplianceError::Registry {
                file: name.to_string(),
                line,
                message: e.to_string(),
            }
        })?;
        for group in raw.groups {
            for attr in group.attributes {
                if attr.reference.is_some() && attr.id.is_none() {
                    continue;
                }
                let Some(short) = attr.id else {
                    return Err(registry_error(
                        name,
                        text,
                        group.id.as_deref().unwrap_or(""),
                        format!(
                            "an attribute of group `{}` has neither `id` nor `ref`",
                            group.id.as_deref().unwrap_or("?")
                        ),
                    ));
                };
                let id = match &group.prefix {
                    Some(prefix) if !prefix.is_empty() => format!("{prefix}.{short}"),
                    _ => short.clone(),
                };
                let ty = match attr.ty.as_ref().map(parse_type) {
                    Some(Ok(ty)) => ty,
                    Some(Err(why)) => {
                        return Err(registry_error(
                            name,
                            text,
                            &short,
                            format!("attribute `{id}`: {why}"),
                        ))
                    }
                    None => {
                        return Err(registry_error(
                            name,
                            text,
                            &short,
                            format!("attribute `{id}` has no `type`"),
                        ))
                    }
                };
                let requirement = parse_requirement(attr.requirement_level.as_ref());
                let def = AttributeDef {
                    id: id.clone(),
                    ty,
                    requirement,
                    file: name.to_string(),
                };
                if let Some(old) = self.attributes.get(&id) {
                    if old.ty != def.ty {
                        return Err(registry_error(
                            name,
                            text,
                            &short,
                            format!(
                                "attribute `{id}` is defined as {} here and as {} in {}",
                                def.ty, old.ty, old.file
                            ),
                        ));
                    }
                    continue;
                }
                self.attributes.insert(id, def);
            }
        }
        Ok(())
    }

    /// The definition of `id`, if the registry has one.
    pub fn get(&self, id: &str) -> Option<&AttributeDef> {
        self.attributes.get(id)
    }

    /// Number of attributes defined.
    pub fn len(&self) -> usize {
        self.attributes.len()
    }

    /// Whether the registry defines nothing.
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
    }

    /// Every definition, by id.
    pub fn iter(&self) -> impl Iterator<Item = &AttributeDef> {
        self.attributes.values()
    }

    /// The definitions of `ids` as one registry file in Weaver's format (used to ship a
    /// generated program's contract with the registry subset it needs).
    pub fn to_yaml<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> String {
        let mut out = String::from("groups:\n  - id: registry.selfheal.contract\n    type: attribute_group\n    brief: Attributes the telemetry contract names.\n    attributes:\n");
        for id in ids {
            let Some(def) = self.attributes.get(id) else {
                continue;
            };
            out.push_str(&format!("      - id: {}\n", def.id));
            match &def.ty {
                AttrType::Enum { int, members } => {
                    out.push_str("        type:\n          members:\n");
                    for m in members {
                        let value = if *int {
                            m.clone()
                        } else {
                            format!("\"{}\"", m.replace('\\', "\\\\").replace('"', "\\\""))
                        };
                        out.push_str(&format!(
                            "            - id: {}\n              value: {value}\n",
                            member_id(m)
                        ));
                    }
                }
                ty => out.push_str(&format!("        type: {}\n", ty.wire())),
            }
            let level = match def.requirement {
                Requirement::Required => "required",
                Requirement::ConditionallyRequired => {
                    "{ conditionally_required: \"see the source registry\" }"
                }
                Requirement::Recommended => "recommended",
                Requirement::OptIn => "opt_in",
            };
            out.push_str(&format!("        requirement_level: {level}\n"));
        }
        out
    }
}

fn member_id(value: &str) -> String {
    let id: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if id.starts_with(|c: char| c.is_ascii_digit()) || id.is_empty() {
        format!("v{id}")
    } else {
        id
    }
}

/// A registry error at the first line mentioning `needle` (serde does not keep positions of
/// values inside sequences).
fn registry_error(file: &str, text: &str, needle: &str, message: String) -> ComplianceError {
    let line = if needle.is_empty() {
        0
    } else {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    ComplianceError::Registry {
        file: file.to_string(),
        line,
        message,
    }
}

fn parse_type(value: &serde_yaml_ng::Value) -> Result<AttrType, String> {
    use serde_yaml_ng::Value;
    match value {
        Value::String(name) => {
            AttrType::parse(name).ok_or_else(|| format!("unknown type `{name}`"))
        }
        Value::Mapping(map) => {
            let members = map
                .get(Value::String("members".into()))
                .and_then(Value::as_sequence)
                .ok_or_else(|| "an enum type needs `members`".to_string())?;
            let mut values = Vec::new();
            let mut int = true;
            for m in members {
                match m.get("value") {
                    Some(Value::String(s)) => {
                        int = false;
                        values.push(s.clone());
                    }
                    Some(Value::Number(n)) => values.push(n.to_string()),
                    Some(Value::Bool(b)) => {
                        int = false;
                        values.push(b.to_string());
                    }
                    _ => return Err("an enum member needs a `value`".to_string()),
                }
            }
            if values.is_empty() {
                int = false;
            }
            Ok(AttrType::Enum {
                int,
                members: values,
            })
        }
        _ => Err("`type` must be a name or `{ members: [...] }`".to_string()),
    }
}

fn parse_requirement(value: Option<&serde_yaml_ng::Value>) -> Requirement {
    use serde_yaml_ng::Value;
    match value {
        Some(Value::String(s)) if s == "required" => Requirement::Required,
        Some(Value::String(s)) if s == "opt_in" => Requirement::OptIn,
        Some(Value::Mapping(m)) if m.contains_key("conditionally_required") => {
            Requirement::ConditionallyRequired
        }
        _ => Requirement::Recommended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTP: &str = r#"
groups:
  - id: registry.http
    type: attribute_group
    brief: HTTP attributes.
    attributes:
      - id: http.request.method
        type:
          members:
            - id: get
              value: "GET"
            - id: post
              value: "POST"
        requirement_level: required
        stability: stable
      - id: http.response.status_code
        type: int
        requirement_level:
          conditionally_required: If and only if one was received/sent.
      - id: http.route
        type: string
  - id: span.http.server
    type: span
    attributes:
      - ref: http.route
"#;

    #[test]
    fn reads_weaver_groups() {
        let r = Registry::from_files([("http.yaml", HTTP)]).unwrap();
        assert_eq!(r.len(), 3);
        let m = r.get("http.request.method").unwrap();
        assert_eq!(
            m.ty,
            AttrType::Enum {
                int: false,
                members: vec!["GET".into(), "POST".into()]
            }
        );
        assert_eq!(m.requirement, Requirement::Required);
        assert_eq!(
            r.get("http.response.status_code").unwrap().requirement,
            Requirement::ConditionallyRequired
        );
        assert_eq!(r.get("http.route").unwrap().ty, AttrType::String);
    }

    #[test]
    fn prefix_form_and_round_trip() {
        let old = "groups:\n  - id: order\n    prefix: order\n    type: attribute_group\n    attributes:\n      - id: total\n        type: double\n        requirement_level: opt_in\n";
        let r = Registry::from_files([("o.yaml", old)]).unwrap();
        let d = r.get("order.total").unwrap();
        assert_eq!(
            (d.ty.clone(), d.requirement.clone()),
            (AttrType::Double, Requirement::OptIn)
        );
        let both = Registry::from_files([("http.yaml", HTTP), ("o.yaml", old)]).unwrap();
        let yaml = both.to_yaml(["http.request.method", "order.total"]);
        let again = Registry::from_files([("sub.yaml", yaml.as_str())]).unwrap();
        assert_eq!(again.get("http.request.method").unwrap().ty, m_ty(&both));
        assert_eq!(again.get("order.total").unwrap().ty, AttrType::Double);
        assert_eq!(again.len(), 2);
    }

    fn m_ty(r: &Registry) -> AttrType {
        r.get("http.request.method").unwrap().ty.clone()
    }

    #[test]
    fn errors_name_file_and_line() {
        let bad = "groups:\n  - id: g\n    attributes:\n      - id: a.b\n        type: strin\n";
        match Registry::from_files([("bad.yaml", bad)]) {
            Err(ComplianceError::Registry {
                file,
                line,
                message,
            }) => {
                assert_eq!((file.as_str(), line), ("bad.yaml", 4));
                assert_eq!(message, "attribute `a.b`: unknown type `strin`");
            }
            other => panic!("{other:?}"),
        }
        match Registry::from_files([("y.yaml", "groups: [\n")]) {
            Err(ComplianceError::Registry { file, line, .. }) => {
                assert_eq!(file, "y.yaml");
                assert!(line >= 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn double_accepts_integral_numbers() {
        assert!(AttrType::Double.accepts("int"));
        assert!(!AttrType::Int.accepts("double"));
        assert!(!AttrType::String.accepts("int"));
    }
}
