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
///
/// The path is recovered by re-reading the text up to where serde_json stopped, instead of
/// tracking it while decoding: a tracking deserializer is instantiated once per spec type
/// and cost ~150 KiB of the binary.
pub fn from_json<T: DeserializeOwned>(text: &[u8]) -> Result<T, JsonError> {
    serde_json::from_slice(text).map_err(|e| JsonError {
        path: path_at(text, offset_of(text, e.line(), e.column())),
        msg: e.to_string(),
    })
}

/// The byte offset just past serde_json's error position: `column` counts the bytes of line
/// `line` that were read, the offending token included.
fn offset_of(text: &[u8], line: usize, column: usize) -> usize {
    let line_start = match line {
        0 | 1 => 0,
        n => text
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .nth(n - 2)
            .map_or(text.len(), |(i, _)| i + 1),
    };
    (line_start + column).min(text.len())
}

/// Where a JSON reader stands inside one container.
enum Frame {
    Object(Option<String>),
    Array(usize),
}

/// The field path (`process.args[1]`) of the value being read at `end`: a finished value keeps
/// its key until the next one starts, and a closed object hands the error to its own key, which
/// is where serde reports a missing field.
fn path_at(text: &[u8], end: usize) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let (mut i, mut want_key) = (0, false);
    while i < end {
        match text[i] {
            b'"' => {
                let close = string_end(text, i + 1);
                if let (true, Some(Frame::Object(key))) = (want_key, stack.last_mut()) {
                    *key = Some(String::from_utf8_lossy(&text[i + 1..close]).into_owned());
                    want_key = false;
                }
                i = close;
            }
            b'{' => (stack.push(Frame::Object(None)), want_key = true).1,
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => drop(stack.pop()),
            b',' => match stack.last_mut() {
                Some(Frame::Array(n)) => *n += 1,
                Some(Frame::Object(_)) => want_key = true,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) if path.is_empty() => path.push_str(key),
            Frame::Object(Some(key)) => (path.push('.'), path.push_str(key)).1,
            Frame::Object(None) => {}
            Frame::Array(n) => path.push_str(&format!("[{n}]")),
        }
    }
    path
}

/// The index of the quote closing the string whose body starts at `from` (or the text's end).
fn string_end(text: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < text.len() && text[i] != b'"' {
        i += if text[i] == b'\\' { 2 } else { 1 };
    }
    i.min(text.len())
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

    fn path_of(text: &str) -> String {
        from_json::<crate::spec::Spec>(text.as_bytes())
            .unwrap_err()
            .path
    }

    #[test]
    fn paths_follow_nesting_arrays_and_lines() {
        let cases = [
            (r#"{"ociVersion":"1","hostname":7}"#, "hostname"),
            (r#"{"ociVersion":"1","process":5}"#, "process"),
            (
                r#"{"ociVersion":"1","mounts":[{"type":"bind"}]}"#,
                "mounts[0]",
            ),
            (
                r#"{"ociVersion":"1","process":{"args":[],"cwd":"/","noNewPrivileges":"y"}}"#,
                "process.noNewPrivileges",
            ),
            (
                r#"{"ociVersion":"1","mounts":[{"destination":"/a"},{"destination":5}]}"#,
                "mounts[1].destination",
            ),
            (
                "{\"ociVersion\":\"1\",\n \"hostname\": \"a\\\"b\",\n \"process\": {\"cwd\": [1]}}",
                "process.cwd",
            ),
            (r#"{"ociVersion":"1"} x"#, ""),
        ];
        for (text, want) in cases {
            assert_eq!(path_of(text), want, "{text}");
        }
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
