//! Container ids, restricted as runc restricts them so an id is always one safe path component.

use super::ContainerError;

/// A directory name cannot be longer, and ids name state directories and cgroups.
const MAX_LEN: usize = 255;

pub fn validate(id: &str) -> Result<(), ContainerError> {
    let invalid = |why: String| Err(ContainerError::InvalidId(why));
    if id.is_empty() {
        return invalid("the id is empty".into());
    }
    if id.len() > MAX_LEN {
        return invalid(format!(
            "the id is {} characters long, at most {MAX_LEN} are allowed",
            id.len()
        ));
    }
    let first_ok = |c: char| c.is_ascii_alphanumeric() || "_+-".contains(c);
    let rest_ok = |c: char| first_ok(c) || c == '.';
    let mut chars = id.chars();
    if !chars.next().is_some_and(first_ok) || !chars.all(rest_ok) {
        return invalid(format!(
            "{id:?} (allowed: letters, digits, _ + - and, after the first, .)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_runc_ids() {
        for id in [
            "a",
            "A1",
            "_x",
            "+y",
            "-z",
            "a.b",
            "x_y+z-1.2",
            &"a".repeat(255),
        ] {
            assert!(validate(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn refuses_paths_empty_long_and_odd_characters() {
        for id in [
            "",
            "../x",
            ".x",
            "..",
            "a/b",
            "a b",
            "é",
            "a\0",
            &"a".repeat(256),
            &"b".repeat(1000),
        ] {
            assert!(validate(id).is_err(), "{id:?}");
        }
    }
}
