//! Who owns a container: the user running husk, by name as `list` shows it.

pub fn name() -> String {
    let uid = crate::sys::ids::effective_uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    lookup(&passwd, uid).unwrap_or_else(|| uid.to_string())
}

fn lookup(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.get(2)?.parse::<u32>().ok()? == uid).then(|| f[0].to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_name_of_a_uid() {
        let p = "root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n";
        assert_eq!(super::lookup(p, 1000).as_deref(), Some("bob"));
        assert_eq!(super::lookup(p, 0).as_deref(), Some("root"));
        assert_eq!(super::lookup(p, 5), None);
    }
}
