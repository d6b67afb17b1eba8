//! husk's log lines, as runc writes them: logrus text (`time="..." level=error msg="..."`) or
//! one JSON object per line (`{"level":"error","msg":"...","time":"..."}`), to stderr or to
//! the `--log` file that podman and containerd read the last error from.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub file: Option<PathBuf>,
    pub format: Format,
    pub debug: bool,
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// Set once by the CLI before any command runs; without it lines go to stderr as text. The
/// file is made at once, as runc makes it, so a caller finds it whether or not a line came.
pub fn init(config: Config) {
    if let Some(f) = &config.file {
        let _ = OpenOptions::new().create(true).append(true).open(f);
    }
    let _ = CONFIG.set(config);
}

fn config() -> &'static Config {
    CONFIG.get_or_init(Config::default)
}

/// Whether log lines go to a file (then the CLI also prints errors plainly on stderr).
pub fn to_file() -> bool {
    config().file.is_some()
}

pub fn error(msg: &str) {
    write("error", msg);
}

pub fn warn(msg: &str) {
    write("warning", msg);
}

/// `--debug` lines; `msg` is only formatted when they are on.
pub fn debug(msg: impl FnOnce() -> String) {
    if config().debug {
        write("debug", &msg());
    }
}

fn write(level: &str, msg: &str) {
    let c = config();
    let time = crate::spec::rfc3339_nanos(whole_seconds(SystemTime::now()));
    let line = match c.format {
        Format::Json => serde_json::json!({ "level": level, "msg": msg, "time": time }).to_string(),
        Format::Text => format!("time={time:?} level={level} msg={}", quote(msg)),
    };
    let appended = c.file.as_ref().is_some_and(|f| {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(f)
            .and_then(|mut f| writeln!(f, "{line}"))
            .is_ok()
    });
    if !appended {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// logrus stamps lines to the second.
fn whole_seconds(t: SystemTime) -> SystemTime {
    UNIX_EPOCH
        + Duration::from_secs(
            t.duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
}

/// logrus quotes a message with Go's %q rules; JSON string escaping gives the same text for
/// everything husk writes (no invalid UTF-8).
fn quote(msg: &str) -> String {
    serde_json::Value::String(msg.to_string()).to_string()
}

/// Rust appends " (os error N)" to system errors; the text before it already says it all, and
/// runc's lines have no such suffix.
pub fn without_errno_numbers(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(at) = rest.find(" (os error ") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match rest.find(')') {
            Some(end) if rest[11..end].bytes().all(|b| b.is_ascii_digit()) => {
                rest = &rest[end + 1..]
            }
            _ => {
                out.push_str(&rest[..1]);
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// An io::Error's text as runc prints it: strerror alone.
pub fn errno_text(err: &std::io::Error) -> String {
    without_errno_numbers(&err.to_string())
}

#[cfg(test)]
mod tests {
    use super::without_errno_numbers;

    #[test]
    fn errno_suffixes_go_and_everything_else_stays() {
        assert_eq!(
            without_errno_numbers("open /b/config.json: No such file or directory (os error 2)"),
            "open /b/config.json: No such file or directory"
        );
        assert_eq!(
            without_errno_numbers("a (os error 1): b (os error 13)"),
            "a: b"
        );
        assert_eq!(
            without_errno_numbers("keep (os error x) and (this)"),
            "keep (os error x) and (this)"
        );
    }
}
