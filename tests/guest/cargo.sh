# The project's integration tests (static musl binaries built on the host)
# that depend on the kind of host: run as they are, one line per test.

# cgroups.rs reads the v1 hierarchies of the test machine; its v2 counterparts are
# cgroups_v2 and systemd_cgroup.
CARGO_TESTS=(cgroups_v2 lifecycle exec)

# The binaries read paths fixed at compile time (the husk binary, their
# scratch dir, the checkout for target/bundle): make them exist here.
cargo_paths() {
    . "$SHARE/paths.env"
    mkdir -p "$TARGET_TMPDIR" "$(dirname "$BIN_EXE_HUSK")" "$MANIFEST_DIR/target"
    install -m 755 "$SHARE/husk" "$BIN_EXE_HUSK"
    mkdir -p "$WORK/bin"
    cp "$SHARE"/bin/* "$WORK/bin/"
}

# cargo_test NAME [FILTER]: runs one binary; each test's outcome becomes a line.
cargo_test() {
    local name=$1 filter=${2:-} log=$WORK/$1.log line test outcome
    if [ ! -x "$WORK/bin/$name" ]; then
        result skip cargo "$name" husk "no such test binary"
        return
    fi
    (cd "$TARGET_TMPDIR" && timeout 900 "$WORK/bin/$name" $filter --test-threads=2 \
        >"$log" 2>&1)
    echo "$name: exit $?"
    while read -r line; do
        test=${line#test }
        test=${test% ... *}
        outcome=${line##* ... }
        case $outcome in
        ok) result ok cargo "$name::$test" husk ;;
        ignored) result skip cargo "$name::$test" husk ignored ;;
        *) result FAIL cargo "$name::$test" husk "$outcome" ;;
        esac
    done < <(grep -E '^test .* \.\.\. ' "$log")
    if ! grep -q '^test result: ok' "$log"; then
        # a panic message, or a binary that died before its summary
        sed -n '/^failures:$/,/^test result/p' "$log" | head -n 40
        grep -q '^test result' "$log" || { tail -n 20 "$log"; result FAIL cargo "$name" husk "no summary"; }
    fi
}

cargo_tests() {
    section "integration tests (husk)"
    cargo_paths
    local name
    for name in "${CARGO_TESTS[@]}"; do cargo_test "$name"; done
    # ignored on a host without systemd, which this guest is not
    cargo_test systemd_cgroup --include-ignored
    # the unit tests that learn which LSM the host has
    cargo_test husk-lib process::lsm
}
