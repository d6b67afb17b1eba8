# Shared by the guest suite's parts (sourced, not run): the runtimes under
# test, the result lines and the totals.

RUNTIMES=(runc husk)
declare -A RUNTIME_PATH=([runc]=/usr/sbin/runc [husk]=/usr/local/bin/husk)
PASSED=0
FAILED=0
SKIPPED=0
FAILURES=()
# Each check's whole output, for the lines a failure prints.
CHECK_LOG=$WORK/check.log

# result ok|FAIL|skip AREA CHECK RUNTIME [WHY]: one line per check and runtime.
result() {
    local status=$1 area=$2 check=$3 runtime=$4 why=${5:-}
    printf '%-4s %-10s %-36s %-5s %s\n' "$status" "$area" "$check" "$runtime" "$why"
    case $status in
    ok) PASSED=$((PASSED + 1)) ;;
    skip) SKIPPED=$((SKIPPED + 1)) ;;
    *) FAILED=$((FAILED + 1)); FAILURES+=("$area $check $runtime") ;;
    esac
}

# check AREA CHECK RUNTIME FUNCTION ARGS...: FUNCTION passes by returning 0;
# what it printed is shown (the end of it) when it fails. Each check has three
# minutes (emulated, on a loaded machine), so one hung engine cannot stall the
# suite.
check() {
    local area=$1 name=$2 runtime=$3 rc=0
    shift 3
    timeout_after 180 "$@" >"$CHECK_LOG" 2>&1 || rc=$?
    if [ $rc = 0 ]; then
        result ok "$area" "$name" "$runtime"
    else
        [ $rc = 124 ] && echo "(timed out after 180 s)" >>"$CHECK_LOG"
        result FAIL "$area" "$name" "$runtime" "$(tail -n 1 "$CHECK_LOG" | cut -c1-160)"
        tail -n 8 "$CHECK_LOG" | sed 's/^/     | /'
    fi
}

# Runs a shell function under a deadline (timeout(1) runs only programs).
timeout_after() {
    local secs=$1 pid watcher rc=0
    shift
    "$@" &
    pid=$!
    (sleep "$secs" && kill -KILL $pid 2>/dev/null) &
    watcher=$!
    wait $pid || rc=$?
    kill $watcher 2>/dev/null && wait $watcher 2>/dev/null
    [ $rc = 137 ] && return 124
    return $rc
}

# expect WHAT GOT WANT: fails, saying both, unless they are equal.
expect() {
    [ "$2" = "$3" ] && return 0
    echo "$1: got '$2', want '$3'"
    return 1
}

# expect_in WHAT TEXT NEEDLE
expect_in() {
    case $2 in *"$3"*) return 0 ;; esac
    echo "$1: '$3' not in: $2"
    return 1
}

section() { printf '\n=== %s\n' "$*"; }

# Whether the guest booted with cgroup v2 alone (else systemd's v1 hybrid layout).
unified() { [ -e /sys/fs/cgroup/cgroup.controllers ]; }

totals() {
    section "totals"
    local f
    for f in "${FAILURES[@]}"; do echo "failed: $f"; done
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    [ "$FAILED" = 0 ]
}
