#!/usr/bin/env bash
# A fuzzing campaign (README "Fuzzing"): runs every libFuzzer target of
# t/fuzz/ from its seed corpus for a bounded time, prints the executions
# and coverage of each, and merges the inputs that reach new code into
# t/fuzz/corpus/NAME (libFuzzer's -merge=1 with -use_counters=0: only an
# input that covers an edge the corpus does not, so that it stays small).
# A crash, leak, timeout or sanitizer report fails the run (exit 1) and
# prints the input in base64, with the command that replays it.
#
#   contrib/fuzz.sh [-b BUILD] [-m MINUTES | -s SECONDS] [-j JOBS] [-n]
#                   [-k DIR] [TARGET...]
#
#   -b BUILD    the clang build (default: build-fuzz): configured with
#               CC=clang -DMAILSWITCH_FUZZ=ON when it does not exist,
#               then brought up to date (cmake --build BUILD --target fuzz)
#   -m MINUTES  per target (default 5); -s SECONDS instead
#   -j JOBS     targets run at the same time (default 1: a campaign's
#               figures are for one core each)
#   -n          merge nothing: the source tree is left as it is (CI)
#   -k DIR      keep the work folder (new inputs, logs, crash files) in DIR
#   TARGET      addr, ldif, ... (default: every fuzz_NAME of the build)
#
# Needs clang and libclang-rt-14-dev (Debian 12).  Each target runs with
# -timeout=10 (one input), -rss_limit_mb=2048 and -malloc_limit_mb=512,
# with its dictionary t/fuzz/NAME.dict when there is one.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

build="build-fuzz"
seconds=300
jobs=1
merge=1
keep=
while getopts b:m:s:j:nk: opt; do
    case $opt in
    b) build=$OPTARG ;;
    m) seconds=$((OPTARG * 60)) ;;
    s) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    n) merge=0 ;;
    k) keep=$OPTARG ;;
    *) sed -n '9,20p' "$0" >&2; exit 64 ;;
    esac
done
shift $((OPTIND - 1))

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang cmake -S . -B "$build" -DMAILSWITCH_WERROR=ON \
        -DMAILSWITCH_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target fuzz >/dev/null
bin=$build/t/fuzz

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$bin"/fuzz_*; do
        n=${f##*/fuzz_}
        case $n in replay_*) continue ;; esac
        [ -x "$f" ] && targets+=("$n")
    done
fi
if [ ${#targets[@]} -eq 0 ]; then
    echo "fuzz.sh: no libFuzzer binaries in $bin (CC=clang -DMAILSWITCH_FUZZ=ON?)" >&2
    exit 69
fi

if [ -n "$keep" ]; then
    work=$keep
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/mailswitch-fuzz.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
export T_ETC=$top/etc
export UBSAN_OPTIONS=print_stacktrace=1

# One target: a run from the seeds into $work/NAME/new (the source tree's
# corpus is only read), then the merge.  Writes $work/NAME/summary.
run_target() {
    local name=$1 w=$work/$1 dict=() leaks=() rc=0 execs cov0 cov ft new
    local before after
    rm -rf "$w"
    mkdir -p "$w/new" "$w/art"
    [ -f "t/fuzz/$name.dict" ] && dict=(-dict="t/fuzz/$name.dict")
    # libconfig 1.5 leaks a string on many syntax errors (fuzz_config.c
    # suppresses it), and libFuzzer's leak check after each such input
    # made 19 in 20 executions of fuzz_config: it fuzzes without the
    # check, and every input it keeps is replayed with it afterwards.
    case $name in config) leaks=(-detect_leaks=0) ;; esac
    timeout -k 10 $((seconds + 300)) "$bin/fuzz_$name" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=512 -print_final_stats=1 "${dict[@]}" "${leaks[@]}" \
        -artifact_prefix="$w/art/" "$w/new" "t/fuzz/corpus/$name" \
        >"$w/log" 2>&1 || rc=$?
    if [ "$rc" = 0 ] && [ ${#leaks[@]} -gt 0 ]; then
        "$bin/fuzz_$name" -runs=0 -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$w/art/" "$w/new" >"$w/leaks.log" 2>&1 ||
            rc=$?
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log")
    new=$(sed -n 's/^stat::new_units_added: *//p' "$w/log")
    cov0=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$w/log" | head -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$w/log" | tail -n 1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$w/log" | tail -n 1 | cut -d' ' -f2)
    before=$(find "t/fuzz/corpus/$name" -type f | wc -l)
    after=$before
    if [ "$rc" = 0 ] && [ "$merge" = 1 ] && [ -n "$(ls -A "$w/new")" ]; then
        "$bin/fuzz_$name" -merge=1 -use_counters=0 -timeout=10 \
            -rss_limit_mb=2048 "t/fuzz/corpus/$name" "$w/new" \
            >"$w/merge.log" 2>&1 || rc=$?
        after=$(find "t/fuzz/corpus/$name" -type f | wc -l)
    fi
    printf '%-9s %5ss %10s %8s %5s -> %-5s %6s %5s %5s -> %-5s %s\n' \
        "$name" "$seconds" "${execs:-?}" \
        "$(( ${execs:-0} / (seconds > 0 ? seconds : 1) ))" "${cov0:-?}" \
        "${cov:-?}" "${ft:-?}" "${new:-?}" "$before" "$after" \
        "$([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)")" >"$w/summary"
    return "$rc"
}

echo "== fuzz: ${targets[*]}: ${seconds}s each, $jobs at a time$([ "$merge" = 0 ] && echo ', no merge')"
start=$(date +%s)
pids=()
for name in "${targets[@]}"; do
    if [ ! -x "$bin/fuzz_$name" ]; then
        echo "fuzz.sh: no $bin/fuzz_$name" >&2
        exit 64
    fi
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    run_target "$name" &
    pids+=($!)
done
wait "${pids[@]}" 2>/dev/null || true

failed=0
printf '%-9s %6s %10s %8s %14s %6s %5s %14s %s\n' target time executions \
    exec/s "cov start->end" ft new "corpus" result
for name in "${targets[@]}"; do
    cat "$work/$name/summary" 2>/dev/null || echo "$name: no summary"
done
for name in "${targets[@]}"; do
    w=$work/$name
    if ! grep -q ' ok$' "$w/summary" 2>/dev/null; then
        failed=1
        echo "== fuzz_$name failed; the end of its log:"
        cat "$w/log" "$w/leaks.log" 2>/dev/null | grep -v '^#[0-9]' |
            tail -n 60
        for f in "$w"/art/*; do
            [ -f "$f" ] || continue
            echo "== fuzz_$name: ${f##*/}, $(wc -c <"$f") octets, base64:"
            base64 -w 76 "$f"
            echo "   to reproduce: save the lines above through 'base64 -d'" \
                "into a file F, then: $bin/fuzz_replay_$name F" \
                "(any build), or $bin/fuzz_$name F"
        done
    fi
done
echo "== fuzz: $(( $(date +%s) - start ))s in all"
exit "$failed"
