# The project's integration tests (static musl binaries built on the host)
# that depend on the kind of host: run as they are, one line per test.

# cgroups.rs reads the v1 hierarchies of the test machine; its v2 counterparts are
# cgroups_v2 and systemd_cgroup.
CARGO_TESTS=(cgroups_v2 lifecycle exec)
# On systemd's v1 layout: the driver's tests but the two that are about v2 (cgroupfs
# placement beside the caller; the v2-only resource files), and the lifecycle.
CARGO_TESTS_V1=(lifecycle)
SYSTEMD_V1_SKIPS=(--skip cgroupfs_on_a_unified_host --skip every_resource_is_written_to_the_scope)

# The binaries read paths fixed at compile time (the husk binary, their
# scratch dir, the checkout for target/bundle): make them exist here.
cargo_paths() {
    . "$SHARE/paths.env"
    mkdir -p "$TARGET_TMPDIR" "$(dirname "$BIN_EXE_HUSK")" "$MANIFEST_DIR/target"
    install -m 755 "$SHARE/husk" "$BIN_EXE_HUSK"
    mkdir -p "$WORK/bin"
    cp "$SHARE"/bin/* "$WORK/bin/"
}

# cargo_test NAME [ARGS...]: runs one binary; each test's outcome becomes a line.
# RUNTIME (default husk) names the runtime the binary drives (HUSK_TEST_RUNTIME).
cargo_test() {
    local name=$1 log=$WORK/$1-${RUNTIME:-husk}.log line test outcome rt=${RUNTIME:-husk}
    shift
    if [ ! -x "$WORK/bin/$name" ]; then
        result skip cargo "$name" husk "no such test binary"
        return
    fi
    (cd "$TARGET_TMPDIR" && env ${RUNTIME:+HUSK_TEST_RUNTIME=${RUNTIME_PATH[$rt]}} \
        timeout 900 "$WORK/bin/$name" "$@" --test-threads=2 >"$log" 2>&1)
    echo "$name ($rt): exit $?"
    while read -r line; do
        test=${line#test }
        test=${test% ... *}
        outcome=${line##* ... }
        case $outcome in
        ok) result ok cargo "$name::$test" "$rt" ;;
        ignored) result skip cargo "$name::$test" "$rt" ignored ;;
        *) result FAIL cargo "$name::$test" "$rt" "$outcome" ;;
        esac
    done < <(grep -E '^test .* \.\.\. ' "$log")
    if ! grep -q '^test result: ok' "$log"; then
        # a panic message, or a binary that died before its summary
        sed -n '/^failures:$/,/^test result/p' "$log" | head -n 40
        grep -q '^test result' "$log" || { tail -n 20 "$log"; result FAIL cargo "$name" "$rt" "no summary"; }
    fi
}

cargo_tests() {
    section "integration tests (husk)"
    cargo_paths
    local name
    if ! unified; then
        for name in "${CARGO_TESTS_V1[@]}"; do cargo_test "$name"; done
        cargo_test systemd_cgroup --include-ignored "${SYSTEMD_V1_SKIPS[@]}"
        RUNTIME=runc cargo_test systemd_cgroup --include-ignored --exact \
            the_scope_holds_the_container_with_its_limits_as_systemd_sees_them
        return
    fi
    for name in "${CARGO_TESTS[@]}"; do cargo_test "$name"; done
    # ignored on a host without systemd, which this guest is not
    cargo_test systemd_cgroup --include-ignored
    # the annotations side by side: runc 1.1.5 reads them too
    RUNTIME=runc cargo_test systemd_cgroup --include-ignored property_annotations
    # the unit tests that learn which LSM the host has
    cargo_test husk-lib process::lsm
}
