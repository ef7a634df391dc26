# Shared settings for Parley's scripts. Source it; do not run it.
# - one Cargo target dir shared by every clone on this machine, so a rebuild only redoes what
#   changed;
# - the Debian toolchain that builds the runtime's WASM (scripts/setup.sh installs it).

PARLEY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parley/target}"
export WASM_BUILD_TOOLCHAIN="${WASM_BUILD_TOOLCHAIN:-debian}"
# The target dir lives outside the clone, so tell wasm-builder where the workspace (and its
# Cargo.lock) is; otherwise the runtime's WASM would be built with freshly resolved versions.
export WASM_BUILD_WORKSPACE_HINT="$PARLEY_ROOT"
# Two cores: let cargo use both, and keep incremental off in release (it only costs disk).
export CARGO_INCREMENTAL=0

# The parley-node binary: $PARLEY_NODE if set, else the release build.
parley_node_path() {
  echo "${PARLEY_NODE:-$CARGO_TARGET_DIR/release/parley-node}"
}

# Builds parley-node (release) unless $PARLEY_NODE names a binary to use instead.
ensure_parley_node() {
  if [ -n "${PARLEY_NODE:-}" ]; then
    [ -x "$PARLEY_NODE" ] || { echo "PARLEY_NODE=$PARLEY_NODE is not an executable" >&2; return 1; }
    return 0
  fi
  bash "$PARLEY_ROOT/scripts/setup.sh"
  echo "[build] cargo build --release -p parley-node (first build: about 40 min on 2 cores)"
  (cd "$PARLEY_ROOT" && cargo build --release --locked -p parley-node)
}

# JSON-RPC call over HTTP: rpc <port> <method> [params-json]
rpc() {
  curl -s --max-time 5 -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:$1" || true
}
