# Rootless podman in a systemd user session: a user with subordinate ids,
# lingering (loginctl enable-linger) so that its user manager runs without a
# login, and podman as that user with its defaults (the systemd cgroup manager
# on the user's bus), each check with runc, crun and husk.

ROOTLESS_USER=husk-rl
ROOTLESS_RUNTIMES=(runc crun husk)
declare -A ROOTLESS_PATH=([runc]=/usr/sbin/runc [crun]=/usr/bin/crun [husk]=/usr/local/bin/husk)

as_user() {
    local uid
    uid=$(id -u "$ROOTLESS_USER")
    (cd / && runuser -u "$ROOTLESS_USER" -- env HOME="/home/$ROOTLESS_USER" \
        USER="$ROOTLESS_USER" XDG_RUNTIME_DIR="/run/user/$uid" \
        DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" "$@")
}

# The image lacks libpam-systemd and dbus-user-session (debootstrap takes no
# Recommends): without pam_systemd the user manager gets no XDG_RUNTIME_DIR and
# exits, so a drop-in gives it the one logind made; the user bus gets
# dbus-user-session's two units (dbus-daemon and its session configuration are
# installed).
user_session_units() {
    if [ ! -e /usr/lib/x86_64-linux-gnu/security/pam_systemd.so ]; then
        mkdir -p /etc/systemd/system/user@.service.d
        printf '[Service]\nEnvironment=XDG_RUNTIME_DIR=/run/user/%%i\n' \
            >/etc/systemd/system/user@.service.d/runtime-dir.conf
        systemctl daemon-reload
    fi
    [ -e /usr/lib/systemd/user/dbus.socket ] && return
    mkdir -p /etc/systemd/user/sockets.target.wants
    cat >/etc/systemd/user/dbus.socket <<'UNIT'
[Unit]
Description=D-Bus User Message Bus Socket
[Socket]
ListenStream=%t/bus
ExecStartPost=-/usr/bin/systemctl --user set-environment DBUS_SESSION_BUS_ADDRESS=unix:path=%t/bus
[Install]
WantedBy=sockets.target
UNIT
    cat >/etc/systemd/user/dbus.service <<'UNIT'
[Unit]
Description=D-Bus User Message Bus
Requires=dbus.socket
[Service]
ExecStart=/usr/bin/dbus-daemon --session --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only
ExecReload=/usr/bin/dbus-send --print-reply --session --type=method_call --dest=org.freedesktop.DBus / org.freedesktop.DBus.ReloadConfig
UNIT
    ln -sf ../dbus.socket /etc/systemd/user/sockets.target.wants/dbus.socket
}

rootless_setup() {
    local uid i
    user_session_units
    id "$ROOTLESS_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$ROOTLESS_USER" || return 1
    grep -q "^$ROOTLESS_USER:" /etc/subuid ||
        usermod --add-subuids 200000-265535 --add-subgids 200000-265535 "$ROOTLESS_USER" ||
        return 1
    uid=$(id -u "$ROOTLESS_USER")
    loginctl enable-linger "$ROOTLESS_USER" || return 1
    for i in $(seq 120); do [ -S "/run/user/$uid/bus" ] && break; sleep 1; done
    if [ ! -S "/run/user/$uid/bus" ]; then
        echo "no user bus at /run/user/$uid/bus"
        systemctl status "user@$uid.service" --no-pager | tail -n 5
        return 1
    fi
    echo "user $ROOTLESS_USER ($uid): $(systemctl is-active "user@$uid.service"), subuid $(grep "^$ROOTLESS_USER:" /etc/subuid)"
    [ -f "$WORK/rootfs.tar" ] || tar -C "$BUNDLE/rootfs" -cf "$WORK/rootfs.tar" . || return 1
    chmod 644 "$WORK/rootfs.tar"
    as_user podman import -q "$WORK/rootfs.tar" "$IMAGE" >/dev/null || return 1
    echo "podman rootless: cgroup manager $(as_user podman info -f '{{.Host.CgroupManager}}')," \
        "cgroup $(as_user podman info -f '{{.Host.CgroupsVersion}}')," \
        "storage $(as_user podman info -f '{{.Store.GraphDriverName}}')"
}

# The checks: RT ID. No network: slirp4netns is not in the image.
rl_run() { # RT ID MEMORY ARGS...
    local rt=$1 id=$2 mem=$3
    shift 3
    as_user podman run --runtime "${ROOTLESS_PATH[$rt]}" --network none --rm --name "$id" \
        ${mem:+--memory "$mem"} "$IMAGE" "$@"
}

rl_start() {
    as_user podman run --runtime "${ROOTLESS_PATH[$1]}" --network none -d --name "$2" \
        ${3:+--memory "$3"} "$IMAGE" sleep 300
}

rootless_echo() {
    local out
    out=$(rl_run "$1" "$2" "" echo hello) || { echo "$out"; return 1; }
    expect output "$out" hello
}

# The container's cgroup is a scope of the user's manager, under user@UID.service.
rootless_scope() {
    local pid cg
    rl_start "$1" "$2" >/dev/null || return 1
    pid=$(as_user podman inspect -f '{{.State.Pid}}' "$2") || return 1
    cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    expect_in "the container's cgroup" "$cg" "/user@$(id -u "$ROOTLESS_USER").service/" || return 1
    expect_in "the container's cgroup (a systemd scope)" "$cg" .scope || return 1
    expect "exec output" "$(as_user podman exec "$2" echo ok)" ok
}

rootless_memory() {
    local pid dir
    rl_start "$1" "$2" 64m >/dev/null || return 1
    pid=$(as_user podman inspect -f '{{.State.Pid}}' "$2") || return 1
    dir=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    expect "$dir/memory.max" "$(cat "$dir/memory.max")" 67108864
}

rootless_stop() {
    rl_start "$1" "$2" >/dev/null || return 1
    as_user podman stop -t 2 "$2" >/dev/null || return 1
    expect "status after stop" "$(as_user podman inspect -f '{{.State.Status}}' "$2")" exited
}

ROOTLESS_CHECKS=(rootless_echo rootless_scope rootless_memory rootless_stop)

rootless_checks() {
    section "rootless podman in a user session"
    if ! unified; then
        result skip rootless setup -- "a user manager gets no delegated controllers on v1"
        return
    fi
    if ! timeout_after 300 rootless_setup >"$CHECK_LOG" 2>&1; then
        result FAIL rootless setup -- "$(tail -n 1 "$CHECK_LOG")"
        tail -n 8 "$CHECK_LOG"
        return
    fi
    cat "$CHECK_LOG"
    local name rt n=0
    for name in "${ROOTLESS_CHECKS[@]}"; do
        for rt in "${ROOTLESS_RUNTIMES[@]}"; do
            n=$((n + 1))
            check rootless "${name#rootless_}" "$rt" "$name" "$rt" "r$n-$rt"
            as_user podman rm -f "r$n-$rt" >/dev/null 2>&1
        done
    done
}
