//! The environment the container's process gets: `process.env` with one entry per name and
//! HOME filled in, as runc prepares it.

/// One entry per name, the last one given winning at its own place (so `exec --env` overrides
/// config.json's value), then HOME from the container's /etc/passwd entry for `uid` (or `/`)
/// when it is missing or empty. Read before the switch of user, since the file may be readable
/// by root alone.
pub fn prepare(env: &[String], uid: u32) -> Vec<String> {
    let mut env = last_of_each(env);
    let set = env
        .iter()
        .any(|e| e.strip_prefix("HOME=").is_some_and(|v| !v.is_empty()));
    if !set {
        env.retain(|e| e != "HOME=");
        env.push(format!("HOME={}", home(uid)));
    }
    env
}

fn last_of_each(env: &[String]) -> Vec<String> {
    fn name(e: &str) -> &str {
        e.split('=').next().unwrap_or_default()
    }
    env.iter()
        .enumerate()
        .filter(|(i, e)| !env[i + 1..].iter().any(|later| name(later) == name(e)))
        .map(|(_, e)| e.clone())
        .collect()
}

fn home(uid: u32) -> String {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 5 && f[2].parse() == Ok(uid))
        .map_or("/".into(), |f| f[5].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_last_value_of_a_name_wins_where_it_was_given() {
        let env = strings(&["TERM=xterm", "A=1", "HOME=/h", "TERM=dumb", "B=x\ny"]);
        assert_eq!(prepare(&env, 0), ["A=1", "HOME=/h", "TERM=dumb", "B=x\ny"]);
    }

    #[test]
    fn a_home_emptied_by_a_later_entry_is_filled_in() {
        let env = strings(&["HOME=/h", "HOME="]);
        let got = prepare(&env, u32::MAX - 7);
        assert_eq!(got, ["HOME=/"]);
    }
}
