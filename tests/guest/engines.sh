# podman, Docker and containerd as installed, with their defaults on a
# cgroup v2 + systemd host (podman's and Docker's cgroup manager is systemd;
# containerd's runc options get SystemdCgroup = true), each check with runc
# and with husk. Each engine has the same verbs (ENGINE_run, _start, _exec,
# _stop, _pause, _unpause, _status, _rm); the checks are written once on them.

IMAGE=localhost/husk-guest:latest

# podman and Docker spell their verbs alike; only the runtime is named
# differently: podman takes its path, nothing configured; Docker the name
# daemon.json gives it, its cgroup driver left at the default (systemd on v2).
runtime_flag() {
    case $ENGINE in
    podman) echo --runtime "${RUNTIME_PATH[$1]}" ;;
    docker) echo --runtime "$1" ;;
    esac
}
# shellcheck disable=SC2046 # runtime_flag is a list of words
cli_run() { # RT ID MEMORY ARGS...
    local rt=$1 id=$2 mem=$3
    shift 3
    "$ENGINE" run $(runtime_flag "$rt") --rm --name "$id" ${mem:+--memory "$mem"} "$IMAGE" "$@"
}
# shellcheck disable=SC2046
cli_start() { # RT ID [MEMORY]
    "$ENGINE" run $(runtime_flag "$1") -d --name "$2" ${3:+--memory "$3"} "$IMAGE" sleep 300
}
cli_exec() { local id=$2; shift 2; "$ENGINE" exec "$id" "$@"; }
cli_stop() { "$ENGINE" stop -t 2 "$2"; }
cli_pause() { "$ENGINE" pause "$2"; }
cli_unpause() { "$ENGINE" unpause "$2"; }
cli_status() { "$ENGINE" inspect -f '{{.State.Status}}' "$2"; }
cli_pid() { "$ENGINE" inspect -f '{{.State.Pid}}' "$2"; }
cli_rm() { "$ENGINE" rm -f "$2"; }

# containerd through ctr: the runc v2 shim with SystemdCgroup = true
# (--runc-systemd-cgroup) and a systemd-form cgroupsPath, as CRI gives.
ctr_flags() { # RT ID
    echo --runc-binary "${RUNTIME_PATH[$1]}" --runc-systemd-cgroup --cgroup "system.slice:ctr:$2"
}
ctr_run() {
    local rt=$1 id=$2 mem=$3
    shift 3
    # shellcheck disable=SC2046
    ctr run --rm $(ctr_flags "$rt" "$id") ${mem:+--memory-limit "$(bytes "$mem")"} \
        "$IMAGE" "$id" "$@"
}
# shellcheck disable=SC2046
ctr_start() {
    ctr run -d $(ctr_flags "$1" "$2") ${3:+--memory-limit "$(bytes "$3")"} "$IMAGE" "$2" \
        sleep 300 >/dev/null
}
ctr_exec() { local id=$2; shift 2; ctr task exec --exec-id "e$RANDOM" "$id" "$@"; }
ctr_stop() {
    ctr task kill -s SIGKILL "$2" || return 1
    local i
    for i in $(seq 20); do [ "$(ctr_status "" "$2")" = stopped ] && return 0; sleep 0.5; done
}
ctr_pause() { ctr task pause "$2"; }
ctr_unpause() { ctr task resume "$2"; }
ctr_status() { ctr task ls | awk -v id="$2" '$1 == id { print tolower($3) }'; }
ctr_pid() { ctr task ls | awk -v id="$2" '$1 == id { print $2 }'; }
ctr_rm() { ctr task rm -f "$2"; ctr container rm "$2"; }

bytes() { echo $((${1%m} * 1024 * 1024)); }

# The checks: ENGINE RT ID.
run_echo() {
    local out
    out=$("${1}_run" "$2" "$3" "" echo hello) || { echo "$out"; return 1; }
    expect output "$out" hello
}

# A container's cgroup, seen from the host: inside, a cgroup namespace shows
# "/", and containerd gives none.
host_cgroup() { # VERBS RT ID
    local pid
    pid=$("${1}_pid" "$2" "$3")
    echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}

exec_in_scope() {
    local e=$1 out
    "${e}_start" "$2" "$3" >/dev/null || return 1
    out=$("${e}_exec" "$2" "$3" echo ok) || { echo "$out"; return 1; }
    expect "exec output" "$out" ok || return 1
    expect_in "the container's cgroup (a systemd scope)" "$(host_cgroup "$@")" .scope
}

stop() {
    local e=$1
    "${e}_start" "$2" "$3" >/dev/null || return 1
    "${e}_stop" "$2" "$3" >/dev/null || return 1
    case $("${e}_status" "$2" "$3") in
    exited | stopped) ;;
    *) echo "status after stop: $("${e}_status" "$2" "$3")"; return 1 ;;
    esac
}

memory_limit() {
    local dir
    "${1}_start" "$2" "$3" 64m >/dev/null || return 1
    dir=$(host_cgroup "$@")
    expect "$dir/memory.max" "$(cat "$dir/memory.max")" 67108864
}

oom_kill() {
    local rc=0
    "${1}_run" "$2" "$3" 32m sh -c "$EAT_MEMORY" || rc=$?
    expect "exit status" "$rc" 137
}

pause_unpause() {
    local e=$1
    "${e}_start" "$2" "$3" >/dev/null || return 1
    "${e}_pause" "$2" "$3" || return 1
    expect "status after pause" "$("${e}_status" "$2" "$3")" paused || return 1
    "${e}_unpause" "$2" "$3" || return 1
    expect "status after unpause" "$("${e}_status" "$2" "$3")" running || return 1
    expect "exec after unpause" "$("${e}_exec" "$2" "$3" echo ok)" ok
}

default_apparmor() {
    local out
    out=$("${1}_run" "$2" "$3" "" cat /proc/self/attr/current) || { echo "$out"; return 1; }
    expect_in "attr/current (the engine's default profile)" "$out" "(enforce)"
}

ENGINE_CHECKS=(run_echo exec_in_scope stop memory_limit oom_kill pause_unpause)

# The first podman run also compiles podman's AppArmor profile (minutes when
# emulated): done here, not in a check.
podman_setup() {
    tar -C "$BUNDLE/rootfs" -cf "$WORK/rootfs.tar" . &&
        podman import -q "$WORK/rootfs.tar" "$IMAGE" >/dev/null &&
        podman save -q -o "$WORK/image.tar" "$IMAGE" &&
        podman run --rm "$IMAGE" true &&
        echo "podman $(podman --version | cut -d' ' -f3), cgroup manager" \
            "$(podman info -f '{{.Host.CgroupManager}}')"
}

docker_setup() {
    mkdir -p /etc/docker
    echo '{"runtimes": {"husk": {"path": "/usr/local/bin/husk"}}}' >/etc/docker/daemon.json
    systemctl start docker.service && docker load -q -i "$WORK/image.tar" >/dev/null &&
        echo "docker $(docker version -f '{{.Server.Version}}'), cgroup driver" \
            "$(docker info -f '{{.CgroupDriver}}')"
}

ctr_setup() {
    systemctl start containerd.service && ctr images import "$WORK/image.tar" >/dev/null &&
        echo "containerd $(ctr version | awk '/Version/ {print $2; exit}')"
}

engine_checks() {
    local engine name rt n=0 checks verbs
    for engine in podman docker ctr; do
        section "$engine"
        if ! timeout_after 300 "${engine}_setup" >"$CHECK_LOG" 2>&1; then
            result FAIL "$engine" setup -- "$(tail -n 1 "$CHECK_LOG")"
            tail -n 8 "$CHECK_LOG"
            continue
        fi
        cat "$CHECK_LOG"
        checks=("${ENGINE_CHECKS[@]}")
        ENGINE=$engine
        verbs=cli
        [ "$engine" = ctr ] && verbs=ctr || checks+=(default_apparmor)
        for name in "${checks[@]}"; do
            for rt in "${RUNTIMES[@]}"; do
                n=$((n + 1))
                check "$engine" "${name//_/ }" "$rt" "$name" $verbs "$rt" "e$n-$rt"
                "${verbs}_rm" "$rt" "e$n-$rt" >/dev/null 2>&1
            done
        done
    done
}
