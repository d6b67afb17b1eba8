# A bundle run by each runtime itself, under the cgroupfs and the systemd
# driver: limits read back inside the container and from systemd, OOM kill,
# pause and resume.

LIMITS='{"memory": {"limit": 33554432, "swap": 33554432}, "pids": {"limit": 20}, "cpu": {"quota": 50000, "period": 100000}}'
READ_LIMITS='echo $(cat /sys/fs/cgroup/memory.max) $(cat /sys/fs/cgroup/pids.max) $(cat /sys/fs/cgroup/cpu.max)'
WANT_LIMITS='33554432 20 50000 100000'
# The payload itself (pid 1) takes twice the limit, so the OOM killer picks it.
EAT_MEMORY='exec dd if=/dev/zero of=/dev/null bs=64M count=1'

# The state of a container as its runtime reports it: RUNTIME ID.
status_of() {
    "$1" state "$2" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'
}

cgroupfs_limits() {
    local rt=$1 id=$2 out
    config "/husk-guest/$id" "$LIMITS" "" "$READ_LIMITS"
    out=$("$rt" run -b "$BUNDLE" "$id" </dev/null) || { echo "$out"; return 1; }
    expect "memory.max pids.max cpu.max" "$out" "$WANT_LIMITS" || return 1
    [ ! -e "/sys/fs/cgroup/husk-guest/$id" ] || { echo "cgroup left behind"; return 1; }
}

cgroupfs_oom() {
    local rt=$1 id=$2 rc=0
    config "/husk-guest/$id" "$LIMITS" "" "$EAT_MEMORY"
    "$rt" run -b "$BUNDLE" "$id" </dev/null || rc=$?
    expect "exit status" "$rc" 137
}

# A systemd-form path without --systemd-cgroup is taken as a cgroupfs path.
literal_systemd_path() {
    local rt=$1 id=$2 out
    config "system.slice:husk-guest:$id" "$LIMITS" "" 'cat /proc/self/cgroup'
    out=$("$rt" run -b "$BUNDLE" "$id" </dev/null) || { echo "$out"; return 1; }
    [ ! -e "/sys/fs/cgroup/system.slice:husk-guest:$id" ] || { echo "cgroup left behind"; return 1; }
}

systemd_limits() {
    local rt=$1 id=$2 unit=husk-guest-$2.scope out
    config "system.slice:husk-guest:$id" "$LIMITS" "" 'sleep 60'
    "$rt" --systemd-cgroup run -d -b "$BUNDLE" "$id" </dev/null >/dev/null || return 1
    out=$("$rt" --systemd-cgroup exec "$id" sh -c "$READ_LIMITS") || return 1
    expect "memory.max pids.max cpu.max" "$out" "$WANT_LIMITS" || return 1
    out=$(systemctl show "$unit" -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec | sort | tr '\n' ' ')
    expect "systemctl show $unit" "$out" \
        "CPUQuotaPerSecUSec=500ms MemoryMax=33554432 TasksMax=20 " || return 1
    "$rt" --systemd-cgroup pause "$id" || return 1
    expect "state after pause" "$(status_of "$rt" "$id")" paused || return 1
    "$rt" --systemd-cgroup resume "$id" || return 1
    expect "state after resume" "$(status_of "$rt" "$id")" running || return 1
    "$rt" --systemd-cgroup delete -f "$id" || return 1
    expect "$unit after delete" "$(systemctl is-active "$unit")" inactive
}

systemd_oom() {
    local rt=$1 id=$2 rc=0
    config "system.slice:husk-guest:$id" "$LIMITS" "" "$EAT_MEMORY"
    "$rt" --systemd-cgroup run -b "$BUNDLE" "$id" </dev/null || rc=$?
    expect "exit status" "$rc" 137
}

runtime_checks() {
    section "runtimes on their own (busybox bundle)"
    local name rt n=0
    for name in cgroupfs_limits cgroupfs_oom literal_systemd_path systemd_limits systemd_oom; do
        for rt in "${RUNTIMES[@]}"; do
            n=$((n + 1))
            check bundle "${name//_/ }" "$rt" "$name" "${RUNTIME_PATH[$rt]}" "g$n-$rt"
            "${RUNTIME_PATH[$rt]}" delete -f "g$n-$rt" >/dev/null 2>&1
            "${RUNTIME_PATH[$rt]}" --systemd-cgroup delete -f "g$n-$rt" >/dev/null 2>&1
        done
    done
    rmdir /sys/fs/cgroup/husk-guest 2>/dev/null
}
