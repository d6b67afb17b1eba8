//! `husk list [--format table|json] [-q]`: every container under the root.

use super::{flags, flags::UsageError, Failure, Global};
use husk::spec::State;
use std::ffi::OsString;

const HELP: &str = "usage: husk list [--format|-f table|json] [--quiet|-q]

Lists the containers under the root.";

enum Format {
    Table,
    Json,
    Quiet,
}

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut format = Format::Table;
    let ops = super::parse(rest, "list", HELP, |a, p| {
        match a {
            a if a.is(Some('q'), "quiet") => format = Format::Quiet,
            a if a.is(Some('f'), "format") => match flags::string(p)?.as_str() {
                "table" => format = Format::Table,
                "json" => format = Format::Json,
                other => {
                    return Err(UsageError(format!(
                        "list: --format: {other:?} is neither table nor json"
                    ))
                    .into())
                }
            },
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !ops.is_empty() {
        return Err(UsageError("list: takes no operands".into()).into());
    }
    let (states, unreadable) = husk::container::list(&g.root);
    for line in unreadable {
        eprintln!("{line}");
    }
    match format {
        Format::Quiet => super::out(
            &states
                .iter()
                .map(|s| format!("{}\n", s.id))
                .collect::<String>(),
        ),
        Format::Json => super::out(&format!("{}\n", json(&states))),
        Format::Table => super::out(&table(&states)),
    }
    Ok(0)
}

/// `null` for no containers, as runc prints (containerd expects it).
fn json(states: &[State]) -> String {
    match states.is_empty() {
        true => "null".into(),
        false => String::from_utf8_lossy(&husk::spec::to_json(states)).into_owned(),
    }
}

/// Columns as Go's tabwriter lays out runc's: at least 12 wide, 3 spaces of padding, the last
/// column unpadded.
fn table(states: &[State]) -> String {
    let mut rows = vec![["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"].map(String::from)];
    for s in states {
        rows.push([
            s.id.clone(),
            s.pid.to_string(),
            s.status.to_string(),
            s.bundle.display().to_string(),
            s.created.clone(),
            s.owner.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].len() + 3)
                .max()
                .unwrap_or(0)
                .max(12)
        })
        .collect();
    let mut out = String::new();
    for r in &rows {
        for (c, w) in widths.iter().enumerate() {
            out.push_str(&format!("{:<w$}", r[c]));
        }
        out.push_str(&r[5]);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use husk::spec::Status;

    #[test]
    fn table_matches_runc_layout() {
        let s = State {
            oci_version: "1.2.0".into(),
            id: "r1".into(),
            pid: 2336,
            status: Status::Running,
            bundle: "/tmp/rb".into(),
            rootfs: "/tmp/rb/rootfs".into(),
            created: "2026-11-23T19:20:20.463349524Z".into(),
            annotations: Default::default(),
            owner: "root".into(),
        };
        let expected = "ID          PID         STATUS      BUNDLE      CREATED                          OWNER\n\
                        r1          2336        running     /tmp/rb     2026-11-23T19:20:20.463349524Z   root\n";
        assert_eq!(table(&[s]), expected);
        assert_eq!(json(&[]), "null");
    }
}
