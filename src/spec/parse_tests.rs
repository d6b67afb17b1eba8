//! Parse errors must point at the field (or line) that is wrong, in one line.

use super::{load, parse, Spec, SpecError};
use std::path::Path;

fn parse_error(json: &str) -> String {
    let e =
        parse::<Spec>(Path::new("/b/config.json"), json.as_bytes()).expect_err("should not parse");
    let text = e.to_string();
    assert!(!text.contains('\n'), "{text}");
    text
}

#[test]
fn wrong_type_in_args_names_the_element() {
    let json = r#"{"ociVersion":"1.2.0","process":{"cwd":"/","args":["sh",1]}}"#;
    let text = parse_error(json);
    assert!(
        text.starts_with("/b/config.json: process.args[1]: invalid type: integer `1`"),
        "{text}"
    );
}

#[test]
fn unknown_namespace_type_names_the_entry() {
    let json = r#"{"ociVersion":"1.2.0","linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]}}"#;
    let text = parse_error(json);
    assert!(
        text.starts_with("/b/config.json: linux.namespaces[1].type: unknown variant `bogus`"),
        "{text}"
    );
}

#[test]
fn malformed_json_names_the_line() {
    let text = parse_error("{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {,\n}");
    assert!(text.starts_with("/b/config.json: "), "{text}");
    assert!(text.contains("line 3 column"), "{text}");
}

#[test]
fn missing_version_is_reported() {
    let text = parse_error(r#"{"process":{"cwd":"/","args":["sh"]}}"#);
    assert_eq!(
        text,
        "/b/config.json: missing field `ociVersion` at line 1 column 37"
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let json = r#"{"ociVersion":"1.2.0","solaris":{},"linux":{"futureField":1}}"#;
    parse::<Spec>(Path::new("/b/config.json"), json.as_bytes()).unwrap();
}

#[test]
fn unreadable_file_names_the_path() {
    let e = load::<Spec>(Path::new("/nonexistent/config.json")).unwrap_err();
    assert!(matches!(e, SpecError::Read(..)));
    assert!(e
        .to_string()
        .starts_with("/nonexistent/config.json: No such file"));
}
