//! The OCI state JSON that `husk state` prints, laid out exactly as runc 1.1.5 prints it.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// The runtime-spec version husk implements, reported in `state` and written by `spec`.
pub const OCI_VERSION: &str = "1.2.0";

/// Field order is the serialization order, which callers diffing runc's output rely on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub oci_version: String,
    pub id: String,
    pub pid: i32,
    pub status: Status,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    pub created: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    pub owner: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Creating,
    Created,
    Running,
    Paused,
    Stopped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Formats `t` in UTC the way Go's `time.RFC3339Nano` does (runc's `created`): the fraction
/// has its trailing zeros trimmed and disappears entirely on a whole second.
pub fn rfc3339_nanos(t: SystemTime) -> String {
    let (secs, nanos) = split_unix(t);
    let (days, secs_of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (secs_of_day / 3600, secs_of_day / 60 % 60, secs_of_day % 60);
    format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{}Z",
        fraction(nanos)
    )
}

/// Seconds since the epoch (negative before it) and the non-negative nanoseconds past that.
fn split_unix(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            match d.subsec_nanos() {
                0 => (-(d.as_secs() as i64), 0),
                n => (-(d.as_secs() as i64) - 1, 1_000_000_000 - n),
            }
        }
    }
}

fn fraction(nanos: u32) -> String {
    if nanos == 0 {
        return String::new();
    }
    let digits = format!(".{nanos:09}");
    digits.trim_end_matches('0').to_string()
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01, using 400-year
/// eras of 146097 days so leap rules fall out of integer division.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, nanos: u32) -> String {
        rfc3339_nanos(UNIX_EPOCH + Duration::new(secs, nanos))
    }

    #[test]
    fn epoch_has_no_fraction() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn full_nanoseconds_are_kept() {
        assert_eq!(
            at(1_795_461_620, 463_349_524),
            "2026-11-23T19:20:20.463349524Z"
        );
    }

    #[test]
    fn trailing_zero_nanoseconds_are_trimmed() {
        assert_eq!(
            at(1_795_461_620, 463_349_500),
            "2026-11-23T19:20:20.4633495Z"
        );
        assert_eq!(at(1_795_461_620, 100_000_000), "2026-11-23T19:20:20.1Z");
        assert_eq!(at(1_795_461_620, 1), "2026-11-23T19:20:20.000000001Z");
    }

    #[test]
    fn leap_days() {
        assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00Z");
        assert_eq!(at(951_868_799, 0), "2000-02-29T23:59:59Z");
        assert_eq!(at(951_868_800, 0), "2000-03-01T00:00:00Z");
        assert_eq!(at(1_709_164_800, 0), "2024-02-29T00:00:00Z");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn year_ends() {
        assert_eq!(
            at(946_684_799, 999_999_999),
            "1999-12-31T23:59:59.999999999Z"
        );
        assert_eq!(at(1_735_603_200, 0), "2024-12-31T00:00:00Z");
    }

    #[test]
    fn before_the_epoch() {
        let t = UNIX_EPOCH - Duration::from_nanos(1);
        assert_eq!(rfc3339_nanos(t), "1969-12-31T23:59:59.999999999Z");
        let t = UNIX_EPOCH - Duration::from_secs(86_400 * 365);
        assert_eq!(rfc3339_nanos(t), "1969-01-01T00:00:00Z");
    }

    fn state(annotations: BTreeMap<String, String>) -> State {
        State {
            oci_version: OCI_VERSION.into(),
            id: "c1".into(),
            pid: 42,
            status: Status::Running,
            bundle: "/b".into(),
            rootfs: "/b/rootfs".into(),
            created: "2026-11-23T19:20:20.463349524Z".into(),
            annotations,
            owner: String::new(),
        }
    }

    #[test]
    fn state_keys_in_runc_order_without_empty_annotations() {
        let json = serde_json::to_string(&state(BTreeMap::new())).unwrap();
        assert_eq!(
            json,
            r#"{"ociVersion":"1.2.0","id":"c1","pid":42,"status":"running","bundle":"/b","rootfs":"/b/rootfs","created":"2026-11-23T19:20:20.463349524Z","owner":""}"#
        );
    }

    #[test]
    fn annotations_sit_between_created_and_owner() {
        let notes = BTreeMap::from([("b".to_string(), "2".to_string()), ("a".into(), "1".into())]);
        let json = serde_json::to_string(&state(notes)).unwrap();
        assert!(
            json.ends_with(r#""created":"2026-11-23T19:20:20.463349524Z","annotations":{"a":"1","b":"2"},"owner":""}"#),
            "{json}"
        );
    }

    #[test]
    fn status_text_matches_serialization() {
        for s in [
            Status::Creating,
            Status::Created,
            Status::Running,
            Status::Paused,
            Status::Stopped,
        ] {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(Status::Paused.to_string(), "paused");
    }
}
