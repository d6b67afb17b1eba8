//! Host and domain names of the UTS namespace.

use std::io;

pub fn set_hostname(name: &str) -> io::Result<()> {
    // SAFETY: the pointer and length describe name's bytes.
    if unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

pub fn set_domainname(name: &str) -> io::Result<()> {
    // SAFETY: the pointer and length describe name's bytes.
    if unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
