#!/bin/bash
# The guest suite: runs INSIDE the systemd guest that scripts/guest boots
# (cgroup v2, or systemd's v1 hybrid layout with --cgroup v1), as root, from the 9p share at /mnt/share (husk, the
# integration-test binaries in bin/, paths.env and these scripts). Prints one
# line per check and runtime and ends with "N passed, N failed, N skipped";
# exits non-zero when a check failed.
set -uo pipefail

SHARE=${SHARE:-/mnt/share}
# Local disk, not /run (noexec) and not 9p (no device nodes, no overlay).
WORK=/var/lib/husk-guest
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

. "$SHARE/lib.sh"
. "$SHARE/bundle.sh"
. "$SHARE/cargo.sh"
. "$SHARE/runtime.sh"
. "$SHARE/apparmor.sh"
. "$SHARE/engines.sh"
. "$SHARE/rootless.sh"

facts() {
    section "host"
    echo "kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime) s"
    echo "pid 1: $(cat /proc/1/comm); $(systemctl --version | head -1)"
    if unified; then
        echo "/sys/fs/cgroup: cgroup2, controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
    else
        echo "/sys/fs/cgroup: v1, hierarchies: $(cd /sys/fs/cgroup && echo *)"
    fi
    echo "system state: $(systemctl is-system-running); dbus: $(systemctl is-active dbus.service)"
    echo "lsm: $(cat /sys/kernel/security/lsm); apparmor: $(cat /sys/module/apparmor/parameters/enabled)"
    echo "$(runc --version | head -1); husk: $(husk --version | head -1)"
}

install -m 755 "$SHARE/husk" /usr/local/bin/husk
facts
make_rootfs
# `scripts/guest run PART...` runs only those parts.
read -ra parts <"$SHARE/parts"
# The runtime, engine and rootless checks read v2 files; on v1 the cargo tests cover the driver.
if [ ${#parts[@]} = 0 ]; then
    parts=(cargo)
    unified && parts+=(runtime apparmor engines rootless)
fi
for part in "${parts[@]}"; do
    case $part in
    cargo) cargo_tests ;;
    runtime) runtime_checks ;;
    apparmor) apparmor_checks ;;
    engines) engine_checks ;;
    rootless) rootless_checks ;;
    *) result FAIL suite "$part" -- "no such part (cargo, runtime, apparmor, engines, rootless)" ;;
    esac
done
totals
