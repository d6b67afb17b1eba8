# A busybox bundle for the runtime and AppArmor checks, and the same rootfs
# as an image for the engines.

BUNDLE=$WORK/bundle

make_rootfs() {
    local r=$BUNDLE/rootfs applet
    mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp}
    chmod 1777 "$r/tmp"
    cp /bin/busybox "$r/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$r/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
    echo 'root:x:0:' >"$r/etc/group"
    echo secret >"$r/etc/secret"
}

# config CGROUPS_PATH RESOURCES_JSON APPARMOR_PROFILE SCRIPT: config.json
# running `sh -c SCRIPT` with a cgroup namespace, so /sys/fs/cgroup inside is
# the container's own cgroup.
config() {
    local cgroups=$1 resources=$2 profile=$3 script=$4 aa=
    [ -n "$profile" ] && aa="\"apparmorProfile\": \"$profile\","
    script=${script//\\/\\\\}
    script=${script//\"/\\\"}
    cat >"$BUNDLE/config.json" <<EOF
{"ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/", $aa
  "args": ["sh", "-c", "$script"], "env": ["PATH=/bin"], "noNewPrivileges": true,
  "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}},
 "root": {"path": "rootfs"}, "hostname": "guest",
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
  {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
  {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "ro"]}],
 "linux": {"cgroupsPath": "$cgroups", "resources": $resources,
  "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
   {"type": "mount"}, {"type": "cgroup"}]}}
EOF
}
