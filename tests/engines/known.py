"""Checks husk fails for now because the feature is being built in another
issue: (engine, check title) -> why, such as
    ("podman", "--cpus"): "husk sets no cgroup limits yet (issue 4)".
The suite prints them as XFAIL, and says when one passes so it can be
dropped from here. Every check passes with husk today."""

KNOWN = {}
