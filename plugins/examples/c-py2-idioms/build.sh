#!/usr/bin/env bash
# Builds py2-idioms.wasm from py2_idioms.c:
#   1. wit-bindgen generates C bindings for the `fix-strategy` world of wit/plugin.wit;
#   2. zig compiles them with the plugin into a core WebAssembly module (wasm32-wasi libc for
#      malloc and string.h; the module imports nothing from WASI);
#   3. wasm-tools wraps the core module into a component, using the world embedded by step 1.
#   bash build.sh [OUT_DIR]        (default: this directory)
# Needs wit-bindgen, python-zig (PyPI `ziglang`) and wasm-tools on PATH, or SELFHEAL_TOOLS set to
# the prefix plugins/examples/install-tools.sh installs into.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-$here}" && cd "${1:-$here}" && pwd)"
if [ -n "${SELFHEAL_TOOLS:-}" ]; then PATH="$SELFHEAL_TOOLS/bin:$SELFHEAL_TOOLS/venv/bin:$PATH"; fi
for tool in wit-bindgen python-zig wasm-tools; do
  command -v "$tool" >/dev/null || {
    echo "build.sh: $tool not found; run plugins/examples/install-tools.sh" >&2
    exit 1
  }
done
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT

wit-bindgen c "$here/../../../wit" --world fix-strategy --out-dir "$build" >"$build/bindgen.log" 2>&1 \
  || { cat "$build/bindgen.log" >&2; exit 1; }
python-zig cc -target wasm32-wasi -mexec-model=reactor -O2 -s -Wall -Werror \
  -I "$build" "$here/py2_idioms.c" "$build/fix_strategy.c" \
  "$build/fix_strategy_component_type.o" -o "$build/core.wasm"
wasm-tools component new "$build/core.wasm" -o "$out/py2-idioms.wasm"
wasm-tools validate --features component-model "$out/py2-idioms.wasm"
