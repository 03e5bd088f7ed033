#!/usr/bin/env bash
# The project's test command: installs what the tests need when it can, names what is missing
# when it cannot, builds once and runs every test target. `.ci/run` calls this same script.
#
#   bash scripts/test.sh              # install (as root), build, `selfheal setup`, all tests
#   bash scripts/test.sh --no-install # only check prerequisites, then build and test
#   bash scripts/test.sh -- ARGS...   # extra arguments for `cargo test` (e.g. `--test cli`)
#
# Needs: Rust, python3, node (the machine's). Installs as root: Go and testify (Debian), the
# example plugins' toolchains (plugins/examples/install-tools.sh), the Python and JavaScript
# formatters (scripts/install-formatters.sh: ruff, prettier). The target directory lives in
# /var/tmp (or $CARGO_TARGET_DIR) so that the sandbox tests, which re-run themselves as an
# unprivileged user, can reach the test binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

install=1
cargo_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) install=0 ;;
    --) shift; cargo_args=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "scripts/test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

missing=()
need() { command -v "$1" >/dev/null || missing+=("$1 ($2)"); }

if [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/stretchr/testify ] \
    || [ ! -d /usr/share/gocode/src/go.opentelemetry.io/otel ] || ! command -v nats-server >/dev/null; then
    apt-get update -qq
    # golang-opentelemetry-otel-dev: Go's telemetry SDK (docs/telemetry.md).
    # nats-server: the JetStream server of the remote-executor tests (docs/scale.md).
    apt-get install -y -qq golang-go golang-github-stretchr-testify-dev golang-opentelemetry-otel-dev nats-server >/dev/null
  fi
  bash plugins/examples/install-tools.sh
  # The Python and JavaScript formatters of healed lines (toolchains/*.toml `[[format]]`).
  bash scripts/install-formatters.sh
elif [ "$install" = 1 ]; then
  echo "scripts/test.sh: not root (or no apt-get): installing nothing, checking prerequisites" >&2
fi

need cargo "Rust toolchain: https://rustup.rs"
need python3 "apt-get install python3"
need node "apt-get install nodejs"
need go "apt-get install golang-go"
need nats-server "apt-get install nats-server"
need ruff "bash scripts/install-formatters.sh (Python's formatter of healed lines)"
need prettier "bash scripts/install-formatters.sh (JavaScript's formatter of healed lines)"
[ -d /usr/share/gocode/src/github.com/stretchr/testify ] \
  || missing+=("testify (apt-get install golang-github-stretchr-testify-dev)")
[ -d /usr/share/gocode/src/go.opentelemetry.io/otel ] \
  || missing+=("Go OpenTelemetry SDK (apt-get install golang-opentelemetry-otel-dev)")
tools="${SELFHEAL_TOOLS:-/var/tmp/selfheal-tools}"
[ -x "$tools/bin/wit-bindgen" ] && [ -x "$tools/venv/bin/componentize-py" ] \
  || missing+=("plugin toolchains (bash plugins/examples/install-tools.sh, as root or with SELFHEAL_TOOLS=DIR)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/test.sh: missing prerequisites:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/selfheal-ci-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
mkdir -p "$CARGO_TARGET_DIR"
# The unprivileged re-runs of the sandbox tests execute binaries from here.
chmod a+rx "$CARGO_TARGET_DIR"

# Build once; the dependency sets (Rust crates, warm Go cache) before tests run in parallel.
cargo build --all-targets
cargo check --quiet --no-default-features --lib --bins # the build without wasmtime (no `plugins`)
cargo run --quiet -- setup
cargo test --all-targets --no-fail-fast "${cargo_args[@]}"
