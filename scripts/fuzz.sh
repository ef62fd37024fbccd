#!/usr/bin/env bash
# Fuzzes CareCircle (issue "Trust"): every API request body, the sync push, and the GeoJSON and
# CSV importers, with the cargo-fuzz targets in fuzz/ (see fuzz/fuzz_targets/*.rs for what each
# one drives), RUNS executions each (default 1,000,000), then minimises each corpus
# (`cargo fuzz cmin`) and writes bench/results/fuzz.md.
#
#   scripts/fuzz.sh [RUNS] [TARGET[:RUNS]...]
#
# e.g. `scripts/fuzz.sh 1000000 sync_push:20000000 import_geojson` runs sync_push 20 million
# times and import_geojson a million. Each target gets a libFuzzer dictionary made from
# fuzz/dict/*.dict (JSON syntax and CareCircle's field names and codes; GeoJSON; CSV columns).
#
# Needs the nightly toolchain (libFuzzer's instrumentation); installs cargo-fuzz if missing.
# Builds without a sanitizer (`-s none`): the code under test is safe Rust (core's one `unsafe`
# is a prefetch hint), so AddressSanitizer would find nothing a panic does not, at about half the
# speed; debug assertions and overflow checks are on (cargo-fuzz's default), so an arithmetic
# overflow is a panic too. Every panic, and every error that is not the rules refusing the input
# (what the server answers 500), is a finding: libFuzzer stops, and the input is saved under
# fuzz/artifacts/TARGET/. The script goes on with the next target and exits 1 at the end.
#
# Environment: FUZZ_CMIN=0 skips the corpus minimisation; FUZZ_JOBS_NICE (default 10) is the
# nice level of the build and the runs (the machine is shared); FUZZ_RESULTS the results file.
set -uo pipefail

RUNS=${1:-1000000}
shift || true
ALL=(api_bodies sync_push import_geojson import_csv)
ARGS=("$@")
[ ${#ARGS[@]} -eq 0 ] && ARGS=("${ALL[@]}")
TARGETS=()
declare -A RUNS_OF
for a in "${ARGS[@]}"; do
    t=${a%%:*}
    n=$RUNS
    [[ $a == *:* ]] && n=${a#*:}
    if [[ ! " ${ALL[*]} " == *" $t "* ]] || ! [[ $n =~ ^[0-9]+$ ]]; then
        echo "unknown target or run count: $a (targets: ${ALL[*]})" >&2
        exit 2
    fi
    TARGETS+=("$t")
    RUNS_OF[$t]=$n
done
# The dictionary of each target, from the pieces in fuzz/dict/.
declare -A DICTS=([api_bodies]="json domain" [sync_push]="json domain" [import_geojson]="json geojson" [import_csv]="csv")
# Files for the importers are kept to 2 KB (a few rows: parsers' bugs show on small files), which
# keeps the committed corpus small; bodies get libFuzzer's default (4 KB or the largest seed).
declare -A MAXLEN=([import_geojson]=2048 [import_csv]=2048)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RESULTS=${FUZZ_RESULTS:-$ROOT/bench/results/fuzz.md}
NICE=${FUZZ_JOBS_NICE:-10}
LOGS=$ROOT/fuzz/target/logs
cd "$ROOT" || exit 1

if ! [[ $RUNS =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/fuzz.sh [RUNS] [TARGET[:RUNS]...]   (RUNS a number; targets: ${ALL[*]})" >&2
    exit 2
fi
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "the nightly toolchain is missing: rustup toolchain install nightly --profile minimal" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    nice -n "$NICE" cargo install cargo-fuzz --locked || exit 1
fi

FUZZ=(cargo +nightly fuzz)
SAN=(-s none)
echo "== building the fuzz targets (nightly, no sanitizer, debug assertions on)"
nice -n "$NICE" "${FUZZ[@]}" build "${SAN[@]}" || exit 1
mkdir -p "$LOGS" "$(dirname "$RESULTS")"

rows=()
failed=0
for t in "${TARGETS[@]}"; do
    log=$LOGS/$t.log
    n=${RUNS_OF[$t]}
    dict=$LOGS/$t.dict
    for d in ${DICTS[$t]}; do cat "fuzz/dict/$d.dict"; done >"$dict"
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    before=$(ls "fuzz/artifacts/$t" | wc -l)
    echo "== $t: $n executions (log: ${log#"$ROOT"/})"
    start=$(date +%s.%N)
    # -timeout: one input taking more than 10 s is a finding too (the route planner's own
    # limit is 2 s). -rss_limit_mb: the platform is in memory and grows with what is accepted.
    lim=()
    [ -n "${MAXLEN[$t]:-}" ] && lim=(-max_len="${MAXLEN[$t]}")
    nice -n "$NICE" "${FUZZ[@]}" run "${SAN[@]}" "$t" -- -runs="$n" -dict="$dict" "${lim[@]}" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    per_sec=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    execs=${execs:-0}
    # libFuzzer's average is over whole seconds: 0 for a run under one second.
    if [ -z "$per_sec" ] || [ "$per_sec" = 0 ]; then per_sec=$(echo "$execs / $secs" | bc); fi
    after=$(ls "fuzz/artifacts/$t" | wc -l)
    if [ "$rc" -eq 0 ] && [ "$after" -eq "$before" ]; then
        found="none"
    else
        failed=1
        artifact=$(ls -t "fuzz/artifacts/$t" | head -1)
        why=$(grep -m1 -A1 'panicked at' "$log" | tail -1 | cut -c1-160)
        [ -z "$why" ] && why=$(grep -m1 -E 'ERROR: libFuzzer|SUMMARY' "$log" | cut -c1-160)
        found="**crash** (exit $rc): ${why:-see the log}; input fuzz/artifacts/$t/${artifact:-?}"
    fi
    printf '   %s executions in %.0f s (%s exec/s, peak RSS %s MB): %s\n' "$execs" "$secs" "$per_sec" "${rss:-?}" "$found"
    rows+=("| \`$t\` | $execs | $per_sec | $(printf '%.0f' "$secs") | ${rss:-?} | $found |")
done

if [ "${FUZZ_CMIN:-1}" != 0 ]; then
    for t in "${TARGETS[@]}"; do
        echo "== minimising the corpus of $t"
        # Every edge covered, by the fewest smallest files (hit counts not kept apart): the corpus
        # committed stays well under 2 MB.
        lim=()
        [ -n "${MAXLEN[$t]:-}" ] && lim=(-max_len="${MAXLEN[$t]}")
        nice -n "$NICE" "${FUZZ[@]}" cmin "${SAN[@]}" "$t" -- -use_counters=0 "${lim[@]}" >"$LOGS/$t.cmin.log" 2>&1 || echo "   cmin failed: see $LOGS/$t.cmin.log"
    done
fi
corpus=()
for t in "${TARGETS[@]}"; do
    corpus+=("| \`$t\` | $(ls "fuzz/corpus/$t" | wc -l) | $(( $(du -sb "fuzz/corpus/$t" | cut -f1) / 1024 )) KB |")
done

cmd="scripts/fuzz.sh $RUNS"
[ "${ARGS[*]}" != "${ALL[*]}" ] && cmd="$cmd ${ARGS[*]}"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=$(git status --porcelain -- core server fuzz 2>/dev/null | grep -q . && echo " (with uncommitted changes in the tree)")
{
    cat <<EOF
# Fuzzing (issue "Trust")

cargo-fuzz (libFuzzer) targets in \`fuzz/\`, run by \`$cmd\` on
$(date -u +%Y-%m-%d), commit $commit$dirty, $(nproc) cores shared with other work
(builds and runs at \`nice -n $NICE\`), $(rustc +nightly --version | cut -d' ' -f1-2), cargo-fuzz $(cargo fuzz --version | cut -d' ' -f2).
Built without a sanitizer (\`-s none\`: the code under test is safe Rust, so AddressSanitizer adds
nothing a panic does not, at about half the speed), with debug assertions and overflow checks on
(an arithmetic overflow is a panic). A finding is any panic (libFuzzer aborts on a panic in any
thread, so tokio's blocking pool cannot swallow it), any answer 500 from the router, and any error
from the core that is not the rules refusing the input. Each run continues from the committed
corpus (\`fuzz/corpus/TARGET\`), which is minimised with \`cargo fuzz cmin\` afterwards (every
edge covered by the fewest, smallest files: \`-use_counters=0\`).

| target | executions | exec/s | seconds | peak RSS MB | findings |
| --- | ---: | ---: | ---: | ---: | --- |
EOF
    printf '%s\n' "${rows[@]}"
    cat <<'EOF'

Seconds are the wall time of `cargo fuzz run` (start-up included); exec/s is libFuzzer's average
(`stat::average_exec_per_sec`).

## What each target drives

- `api_bodies`: every route that takes a JSON body (sign-in, new account, sync push and pull,
  booking request, decline, cancel, check-in, check-out, review, route plan), through the
  server's real axum router in-process (`tower::ServiceExt::oneshot`). The server is a binary
  crate, so the target compiles its own modules `server/src/{api,auth,error,state,throttle}.rs`
  by path, unchanged, and builds the router as `main::app` does (routes, body limit,
  control-character guard; not the timeout and logging layers), on an in-memory SQLite platform
  with a small district (the server tests' one) and bookings in every state, made once. The
  input's first three bytes pick the route, the signed-in caller (sessions for district,
  operators, seniors, family, caregivers, and one unknown token) and the booking or station in
  the path; the rest is the body. So each body goes through `api::Body` (serde_json, then
  `core::text::check_json`, then the request type) or `api::Unchecked` (the push), and on into
  the handler and the core. Argon2 is kept out of the way without changing the server: its
  `PasswordGate` is held busy for good, so sign-in and account creation get as far as the gate
  (body checked, throttled, account looked up) and are answered 503.
- `sync_push`: the push body as the server reads it (`serde_json::from_slice` into
  `{"entries": [PushEntry]}`, at most `MAX_PUSH` = 100), each entry applied in order with
  `CareCircle::apply_pushed` as the caller the first byte picks (every kind of actor, the system
  too), then the answer serialised. Same small district, made once; receipts and accepted changes
  accumulate across inputs, as on a real platform.
- `import_geojson`: `CareCircle::import_text(text, Format::GeoJson, crs)` for facilities, with
  the caller's coordinate system none, WGS-84, GCJ-02 or BD-09, and
  `import_divisions_geojson(text)`, on one empty in-memory platform made once (imports are
  whole-file: a refused file changes nothing; an accepted one is stored).
- `import_csv`: `import_text(text, Format::Csv, crs)` for facilities, `person::parse_seniors_csv`
  and `parse_caregivers_csv` (stored with `put_seniors` / `put_caregivers` when accepted, as the
  CLI's import commands do) and `circle::parse_homes_csv` (the coverage report's homes).

Non-UTF-8 input is dropped by the importer targets (files are read as UTF-8 text before any
parser sees them); the API and push targets send every byte string as a body.

## Corpus

Seeds: `python3 fuzz/seeds.py` writes small valid and invalid inputs taken from the tests and
`data/` (a few features of the demo district, the sample CSV files, a push of every command).
After the runs, each corpus as committed:

| target | files | size |
| --- | ---: | ---: |
EOF
    printf '%s\n' "${corpus[@]}"
} >"$RESULTS"
echo "== wrote ${RESULTS#"$ROOT"/}"
exit $failed
