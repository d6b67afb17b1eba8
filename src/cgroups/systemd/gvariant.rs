//! GVariant's text form, the one runc's `org.systemd.property.*` annotations are written in
//! (`uint64 123`, `@t 5`, `'text'`, `true`, `5000`, `2.5`), as far as unit properties need it:
//! one boolean, string or decimal number, with an optional type keyword or `@` annotation. An
//! untyped integer is an int32 and an untyped number with a point a double, as GVariant reads
//! them. Arrays, containers, hex and exponents are left out: the scope's properties do without.

use super::props::Value;

pub const NOT_A_VALUE: &str = "not a GVariant boolean, string or decimal number";
const MISFIT: &str = "the value does not fit its type";

/// `text` as a typed value, or why it is not one.
#[inline(never)]
pub fn parse(text: &str) -> Result<Value, &'static str> {
    let text = text.trim();
    let (ty, v) = match text.split_once(' ') {
        Some((t, v)) => match type_named(t)? {
            Some(ty) => (Some(ty), v.trim()),
            None => (None, text),
        },
        None => (None, text),
    };
    let fits = |own: u8, value| match ty.unwrap_or(own) == own {
        true => Ok(value),
        false => Err(MISFIT),
    };
    if let Some(b) = ["false", "true"].iter().position(|w| *w == v) {
        return fits(b'b', Value::Bool(b == 1));
    }
    if v.starts_with(['\'', '"']) {
        return fits(b's', Value::Str(string(v)?));
    }
    match ty.unwrap_or(if v.contains('.') { b'd' } else { b'i' }) {
        b'd' => double(v).map(|d| Value::Fixed(b'd', d.to_bits())),
        b'b' | b's' => Err(MISFIT),
        sig => integer(v, sig).map(|n| Value::Fixed(sig, n)),
    }
}

/// The type a word before the value names: `@` and a signature, or a keyword.
fn type_named(word: &str) -> Result<Option<u8>, &'static str> {
    if let Some(sig) = word.strip_prefix('@') {
        return match sig.as_bytes() {
            &[sig] => Ok(Some(sig)),
            _ => Err("unknown type"),
        };
    }
    let keywords = "boolean byte int16 uint16 int32 uint32 int64 uint64 double string";
    let at = keywords.split(' ').position(|k| k == word);
    Ok(at.and_then(|i| b"bynqiuxtds".get(i).copied()))
}

/// A quoted string; a backslash takes the next character as it is.
fn string(quoted: &str) -> Result<String, &'static str> {
    let mut chars = quoted.chars();
    let quote = chars.next();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c if Some(c) == quote => {
                return match chars.next() {
                    None => Ok(out),
                    Some(_) => Err(NOT_A_VALUE),
                }
            }
            c => out.push(c),
        }
    }
    Err(NOT_A_VALUE)
}

/// A decimal integer of the basic type `sig`, in its 64 bits.
fn integer(text: &str, sig: u8) -> Result<u64, &'static str> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let n: u64 = digits.parse().map_err(|_| NOT_A_VALUE)?;
    // The largest magnitude of each type, and whether it is signed.
    let (max, signed) = match sig {
        b'y' => (u8::MAX.into(), false),
        b'n' => (i16::MAX as u64, true),
        b'q' => (u16::MAX.into(), false),
        b'i' => (i32::MAX as u64, true),
        b'u' => (u32::MAX.into(), false),
        b'x' => (i64::MAX as u64, true),
        b't' => (u64::MAX, false),
        _ => return Err("unknown type"),
    };
    match (neg, signed) {
        (false, _) if n <= max => Ok(n),
        (true, true) if n <= max + 1 => Ok(n.wrapping_neg()),
        (true, false) if n == 0 => Ok(0),
        _ => Err("out of range for its type"),
    }
}

/// A decimal number with an optional fraction (`2.5`).
fn double(text: &str) -> Result<f64, &'static str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (mut n, mut scale, mut point) = (0u64, 1f64, false);
    for c in digits.chars() {
        match (c, c.to_digit(10)) {
            ('.', _) if !point => point = true,
            (_, Some(d)) => {
                n = n
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(d.into()))
                    .ok_or("out of range for its type")?;
                scale *= if point { 10.0 } else { 1.0 };
            }
            _ => return Err(NOT_A_VALUE),
        }
    }
    let d = n as f64 / scale;
    Ok(if digits.len() < text.len() { -d } else { d })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        match parse(text) {
            Ok(v) => format!("{} {v:?}", v.signature()),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn numbers_take_their_type_from_a_keyword_an_annotation_or_their_form() {
        assert_eq!(shown("uint64 123456789"), "t Fixed(116, 123456789)");
        assert_eq!(shown("@t 5"), "t Fixed(116, 5)");
        assert_eq!(shown(" 5000 "), "i Fixed(105, 5000)");
        assert_eq!(shown("int16 -2"), format!("n Fixed(110, {})", -2i64 as u64));
        assert_eq!(
            shown("int64 -9223372036854775808"),
            "x Fixed(120, 9223372036854775808)"
        );
        assert_eq!(shown("byte 010"), "y Fixed(121, 10)");
        assert_eq!(shown("uint32 -0"), "u Fixed(117, 0)");
        let double = |d: f64| format!("d Fixed(100, {})", d.to_bits());
        assert_eq!(shown("234.789"), double(234.789));
        assert_eq!(shown("-1.5"), double(-1.5));
        assert_eq!(shown("double 2"), double(2.0));
        assert_eq!(shown("@d .25"), double(0.25));
    }

    #[test]
    fn strings_and_booleans() {
        assert_eq!(
            shown("'inactive-or-failed'"),
            r#"s Str("inactive-or-failed")"#
        );
        assert_eq!(shown(r#""it's a \"b\"""#), r#"s Str("it's a \"b\"")"#);
        assert_eq!(shown(r"'a\'b'"), r#"s Str("a'b")"#);
        assert_eq!(shown("string 'x y'"), r#"s Str("x y")"#);
        assert_eq!(shown("@s ''"), r#"s Str("")"#);
        assert_eq!(shown(" true "), "b Bool(true)");
        assert_eq!(shown("boolean false"), "b Bool(false)");
    }

    #[test]
    fn malformed_or_mistyped_values_say_why() {
        for (text, why) in [
            ("invalid-value", NOT_A_VALUE),
            ("", NOT_A_VALUE),
            ("'open", NOT_A_VALUE),
            ("'a' 'b'", NOT_A_VALUE),
            ("byte 256", "out of range for its type"),
            ("uint64 -1", "out of range for its type"),
            ("3000000000", "out of range for its type"),
            ("int16 -32769", "out of range for its type"),
            ("@s 5", MISFIT),
            ("@z 5", "unknown type"),
            ("@t 'x'", MISFIT),
            ("uint32 true", MISFIT),
            ("@t @u 1", NOT_A_VALUE),
            ("[1, 2]", NOT_A_VALUE),
            ("@as []", "unknown type"),
            ("@at 1", "unknown type"),
            ("1.2.3", NOT_A_VALUE),
            ("1e3", NOT_A_VALUE),
            ("byte 0x10", NOT_A_VALUE),
            ("1 2", NOT_A_VALUE),
        ] {
            assert_eq!(shown(text), format!("error: {why}"), "{text}");
        }
    }
}
