#!/usr/bin/env bash
# Builds python-abc-moves.wasm from app.py with componentize-py.
#   bash build.sh [OUT_DIR]        (default: this directory)
# Needs componentize-py on PATH (`pip install componentize-py==0.25.1`), or SELFHEAL_TOOLS set to
# the prefix `.ci/run` installs into (its venv/bin is then used).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-$here}" && cd "${1:-$here}" && pwd)"
if [ -n "${SELFHEAL_TOOLS:-}" ]; then PATH="$SELFHEAL_TOOLS/venv/bin:$PATH"; fi
command -v componentize-py >/dev/null || {
  echo "build.sh: componentize-py not found; pip install componentize-py==0.25.1" >&2
  exit 1
}
cd "$here"
componentize-py --wit-path ../../../wit --world fix-strategy \
  componentize app --output "$out/python-abc-moves.wasm"
