#!/usr/bin/env bash
# Installs, idempotently, what building Parley needs beyond rustup's stable toolchain:
#   - Debian's Rust (1.96, with its std source) registered with rustup as the `debian` toolchain;
#   - core/alloc/compiler_builtins built for `wasm32v1-none` into that toolchain's sysroot,
#     so substrate-wasm-builder can compile the runtime to WASM;
#   - rust-lld (from lld-22), clang, protobuf-compiler and make for the native build;
#   - cargo-fuzz, for the fuzz targets (scripts/fuzz.sh).
# Every step checks first and skips what is already in place. Safe to run on every build.
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

WASM_TARGET=wasm32v1-none
SYSROOT=/usr/lib/rustlib
WASM_LIB="$SYSROOT/$WASM_TARGET/lib"
LLD_LINK="$SYSROOT/x86_64-unknown-linux-gnu/bin/rust-lld"
# chromium: the explorer's browser tests (tests/js/explorer.test.mjs), driven by playwright-core.
# iproute2 and python3: the partition test's network namespace and switch
# (tests/js/partition.test.mjs, scripts/partition-switch.py).
# make: the node's allocator, jemalloc, is built from C source (tikv-jemalloc-sys).
PKGS=(rustc-web cargo-web rust-web-src lld-22 clang libclang-dev protobuf-compiler make chromium iproute2 python3)

# 1. Debian packages.
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

# Debian's rustc must be the wasm-capable 1.96 line (bookworm-security), not bookworm's 1.85.
if ! /usr/bin/rustc --version | grep -qE '^rustc 1\.(9[0-9]|[1-9][0-9][0-9])'; then
  say "Debian rustc is $(/usr/bin/rustc --version); need >= 1.90 (bookworm-security's rustc-web)"
  exit 1
fi

# 2. Register it with rustup as `debian`.
if ! rustup toolchain list | grep -q '^debian'; then
  say "linking rustup toolchain 'debian' -> /usr"
  rustup toolchain link debian /usr
else
  say "rustup toolchain 'debian' present"
fi

# 3. core/alloc/compiler_builtins for wasm32v1-none.
if ! ls "$WASM_LIB"/libcore-*.rlib >/dev/null 2>&1; then
  say "building core/alloc for $WASM_TARGET from Debian's std source (about 35 s)"
  work=$(mktemp -d)
  mkdir -p "$work/src"
  cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "wasm-sysroot"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
panic = "abort"
lto = "thin"
TOML
  printf '#![no_std]\nextern crate alloc;\n' >"$work/src/lib.rs"
  (cd "$work" && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$work/target" \
    rustup run debian cargo build -q --release --target "$WASM_TARGET" -Zbuild-std=core,alloc)
  $SUDO mkdir -p "$WASM_LIB"
  $SUDO cp "$work"/target/$WASM_TARGET/release/deps/lib{core,alloc,compiler_builtins}-*.rlib "$WASM_LIB/"
  rm -rf "$work"
else
  say "$WASM_TARGET sysroot present"
fi

# 4. rust-lld for Debian's rustc.
if [ ! -e "$LLD_LINK" ]; then
  say "linking rust-lld -> lld-22"
  $SUDO mkdir -p "$(dirname "$LLD_LINK")"
  $SUDO ln -sf /usr/lib/llvm-22/bin/lld "$LLD_LINK"
else
  say "rust-lld present"
fi

# 5. cargo-fuzz, for the libFuzzer targets in fuzz/ (scripts/fuzz.sh). It drives the machine's
#    stable rustc with RUSTC_BOOTSTRAP=1 for the sanitizer flags; no nightly toolchain needed.
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION from crates.io (about 2 min)"
  cargo install --quiet --locked --version "$CARGO_FUZZ_VERSION" cargo-fuzz
else
  say "cargo-fuzz present"
fi

say "ready: build with WASM_BUILD_TOOLCHAIN=debian"
