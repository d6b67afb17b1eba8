# process.apparmorProfile on a host with AppArmor: the profile confines the
# payload and is seen from inside; a profile that is not loaded is refused.

PROFILE=husk-guest-test
# The containers' parent cgroup, its cpuset filled in beforehand: these checks
# are about AppArmor, and must not fail on husk's v2 cpuset copy-down (issue 11).
AA_PARENT=husk-guest-aa

make_parent() {
    local p=/sys/fs/cgroup/$AA_PARENT
    mkdir -p $p
    echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control
    cat /sys/fs/cgroup/cpuset.cpus.effective >$p/cpuset.cpus
    cat /sys/fs/cgroup/cpuset.mems.effective >$p/cpuset.mems
}

load_profile() {
    cat >/etc/apparmor.d/$PROFILE <<EOF
#include <tunables/global>
profile $PROFILE flags=(attach_disconnected,mediate_deleted) {
  #include <abstractions/base>
  file,
  capability,
  network,
  signal,
  unix,
  mount,
  umount,
  pivot_root,
  deny /etc/secret r,
}
EOF
    apparmor_parser -r /etc/apparmor.d/$PROFILE
}

profile_applied() {
    local rt=$1 id=$2 out
    config "/$AA_PARENT/$id" '{}' "$PROFILE" \
        'cat /proc/self/attr/current; cat /etc/secret 2>/dev/null || echo denied'
    out=$("$rt" run -b "$BUNDLE" "$id" </dev/null | tr '\n' ' ') || { echo "$out"; return 1; }
    expect "attr/current, then /etc/secret" "$out" "$PROFILE (enforce) denied "
}

missing_profile_refused() {
    local rt=$1 id=$2 rc=0
    config "/$AA_PARENT/$id" '{}' husk-guest-not-loaded 'echo ran'
    "$rt" run -b "$BUNDLE" "$id" </dev/null >"$WORK/aa.out" 2>"$WORK/aa.err" || rc=$?
    cat "$WORK/aa.out" "$WORK/aa.err"
    [ "$rc" != 0 ] || { echo "a missing profile was not refused"; return 1; }
    ! grep -q ran "$WORK/aa.out" || { echo "the payload ran"; return 1; }
    ! "$rt" state "$id" >/dev/null 2>&1 || { echo "state of $id left behind"; return 1; }
    [ ! -e "/sys/fs/cgroup/$AA_PARENT/$id" ] || { echo "cgroup left behind"; return 1; }
    # husk says it in one line naming the field and the profile; runc's error is its own
    [ "$rt" = "${RUNTIME_PATH[runc]}" ] && return 0
    expect "stderr lines" "$(wc -l <"$WORK/aa.err")" 1 &&
        expect_in "husk's error" "$(cat "$WORK/aa.err")" \
            'process.apparmorProfile: AppArmor profile \"husk-guest-not-loaded\" is not loaded'
}

apparmor_checks() {
    section "AppArmor"
    if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
        result skip apparmor all -- "AppArmor is not enabled in this guest"
        return
    fi
    load_profile || { result FAIL apparmor "load $PROFILE" -- "apparmor_parser failed"; return; }
    make_parent
    local name rt n=0
    for name in profile_applied missing_profile_refused; do
        for rt in "${RUNTIMES[@]}"; do
            n=$((n + 1))
            check apparmor "${name//_/ }" "$rt" "$name" "${RUNTIME_PATH[$rt]}" "aa$n-$rt"
            "${RUNTIME_PATH[$rt]}" delete -f "aa$n-$rt" >/dev/null 2>&1
        done
    done
    rmdir /sys/fs/cgroup/$AA_PARENT
}
