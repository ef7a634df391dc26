#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, through `cargo fuzz`) of every decoder that another party's
# or a stranger's bytes reach; the targets are in fuzz/fuzz_targets and run against the
# `parley-wire` crate alone, so their instrumented build stays small.
#
#   scripts/fuzz.sh                 every decoder target in fuzz/ for 30 s (what scripts/test.sh runs)
#   scripts/fuzz.sh 600             the same for 10 minutes each
#   scripts/fuzz.sh 60 list_query   one target for a minute
#   scripts/fuzz.sh 60 runtime_calls   the runtime's extrinsics and calls (fuzz/runtime) for a minute
#
# runtime_calls runs only when named (or with PARLEY_FUZZ_RUNTIME=1): it builds the runtime's whole
# dependency graph with coverage instrumentation, binaryen's C++ included (the runtime's WASM
# builder is a build dependency; its build script alone took 10 minutes here), a fresh machine's
# test suite cannot afford that within its hour; the decoders in fuzz/ build in about a minute.
#
# cargo fuzz needs flags that stable rustc refuses (-Zsanitizer=address): RUSTC_BOOTSTRAP=1 lets
# the machine's stable toolchain take them, so no nightly toolchain is needed. Two targets run at
# a time (one per core; PARLEY_FUZZ_JOBS=N for another number). Each keeps its corpus in
# $PARLEY_FUZZ_CORPUS (default ~/.cache/parley/fuzz/corpus/<target>), so later runs start where
# earlier ones stopped; a crash leaves its input in target/artifacts/fuzz/<target>/ and fails the
# run.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$PARLEY_ROOT"

seconds="${1:-30}"
shift || true
# Two packages of targets: fuzz/ (the small decoders of parley-wire) and fuzz/runtime (the
# runtime's extrinsics and calls, with the runtime's dependency graph; no WASM needed).
FUZZ_DIRS=(fuzz fuzz/runtime)
declare -A dir_of=()
all=()
for dir in "${FUZZ_DIRS[@]}"; do
  while read -r name; do
    dir_of[$name]=$dir
    all+=("$name")
  done < <(sed -n '/^\[\[bin\]\]/,/^name/s/^name = "\(.*\)"$/\1/p' "$dir/Cargo.toml")
done
defaults=()
for name in "${all[@]}"; do
  if [ "${dir_of[$name]}" = fuzz ] || [ "${PARLEY_FUZZ_RUNTIME:-0}" = 1 ]; then defaults+=("$name"); fi
done
targets=("${@:-${defaults[@]}}")
for target in "${targets[@]}"; do
  [ -n "${dir_of[$target]:-}" ] || { echo "[fuzz] no target $target; one of: ${all[*]}" >&2; exit 2; }
done
corpus_root="${PARLEY_FUZZ_CORPUS:-$HOME/.cache/parley/fuzz/corpus}"
artifacts="$PARLEY_ROOT/target/artifacts/fuzz"
fuzz_target_dir="$CARGO_TARGET_DIR/fuzz"
export RUSTC_BOOTSTRAP=1 SKIP_WASM_BUILD=1

command -v cargo-fuzz >/dev/null || { echo "[fuzz] cargo-fuzz is missing: run scripts/setup.sh" >&2; exit 1; }

fuzz() { # fuzz <build|run> <target> [args…]
  local verb="$1" target="$2"
  shift 2
  cargo fuzz "$verb" --fuzz-dir "${dir_of[$target]}" --sanitizer address --target-dir "$fuzz_target_dir" "$target" "$@"
}

echo "[fuzz] building ${#targets[@]} target(s) with AddressSanitizer and coverage"
for target in "${targets[@]}"; do
  fuzz build "$target"
done

run_one() {
  local target="$1" corpus="$corpus_root/$1" out="$artifacts/$1" log
  mkdir -p "$corpus" "$out"
  log="$out/run.log"
  if fuzz run "$target" "$corpus" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
      -artifact_prefix="$out/" -print_final_stats=1 >"$log" 2>&1; then
    local runs cov
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    echo "[fuzz] $target: ${runs:-?} inputs in ${seconds} s, coverage ${cov:-?} edges, corpus $(ls "$corpus" | wc -l), no crash"
  else
    echo "[fuzz] $target FAILED; the end of its log ($log):" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
}

failed=0
pids=()
for target in "${targets[@]}"; do
  run_one "$target" & pids+=($!)
  # One target per core (PARLEY_FUZZ_JOBS to change).
  if [ ${#pids[@]} -ge "${PARLEY_FUZZ_JOBS:-2}" ]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit "$failed"
