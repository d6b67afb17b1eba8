//! JSON in and out through one decoder and one encoder, so the large spec types are compiled
//! once each (every extra serde_json entry point copies all their code into the binary).

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;

/// A JSON value that does not fit the expected type: where (`process.args[0]`) and what.
#[derive(Debug)]
pub struct JsonError {
    pub path: String,
    pub msg: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path.as_str() {
            "" | "." => f.write_str(&self.msg),
            path => write!(f, "{path}: {}", self.msg),
        }
    }
}

impl std::error::Error for JsonError {}

/// Decodes `text`, naming the field path of any error.
pub fn from_json<T: DeserializeOwned>(text: &[u8]) -> Result<T, JsonError> {
    let de = &mut serde_json::Deserializer::from_slice(text);
    serde_path_to_error::deserialize(de).map_err(|e| JsonError {
        path: e.path().to_string(),
        msg: e.into_inner().to_string(),
    })
}

/// Compact JSON.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("husk's types serialize to JSON")
}

/// JSON laid out as Go's MarshalIndent writes it (what runc prints), with `indent` per level.
pub fn to_json_pretty<T: Serialize + ?Sized>(value: &T, indent: &str) -> String {
    reindent(&to_json(value), indent)
}

/// Re-lays compact JSON: a newline and indentation after `{`, `[` and `,` and before `}` and
/// `]`, a space after `:`, and empty containers kept as `{}` and `[]`.
pub fn reindent(compact: &[u8], indent: &str) -> String {
    let text = String::from_utf8_lossy(compact);
    let mut out = String::with_capacity(text.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        (0..depth).for_each(|_| out.push_str(indent));
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            (escaped, in_string) = (!escaped && c == '\\', escaped || c != '"');
            continue;
        }
        match c {
            '"' => {
                out.push(c);
                in_string = true;
            }
            '{' | '[' if matches!(chars.peek(), Some('}' | ']')) => {
                out.push(c);
                out.extend(chars.next());
            }
            '{' | '[' => {
                out.push(c);
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reindents_like_go_marshal_indent() {
        let v = json!({"a": [1, {"b": "x,{y}:\"z\"\\"}], "c": {}, "d": [], "e": {"f": null}});
        let expected =
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x,{y}:\\\"z\\\"\\\\\"\n    }\n  ],\n  \
                        \"c\": {},\n  \"d\": [],\n  \"e\": {\n    \"f\": null\n  }\n}";
        assert_eq!(to_json_pretty(&v, "  "), expected);
        assert_eq!(
            to_json_pretty(&v, "  "),
            serde_json::to_string_pretty(&v).unwrap()
        );
    }

    #[test]
    fn errors_name_the_field_path() {
        let e = from_json::<crate::spec::Spec>(
            br#"{"ociVersion":"1.2.0","process":{"args":["sh",5]}}"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "process.args[1]");
        assert!(
            e.to_string().starts_with("process.args[1]: invalid type"),
            "{e}"
        );
    }
}
