#!/usr/bin/env bash
# Installs the formatters the Python and JavaScript toolchain files name (toolchains/python.toml,
# toolchains/javascript.toml: `[[format]]`), so that heals of those languages come out formatted
# and tests/heal_format.rs can check it. Skips what is already there. Needs root (it links into
# /usr/local/bin and installs into npm's global prefix):
#   ruff 0.17.6      (PyPI) in its own virtualenv under $SELFHEAL_TOOLS (default
#                    /var/tmp/selfheal-tools/formatters), linked as /usr/local/bin/ruff
#   prettier 3.10.2  (npm) `npm install -g`, on PATH in npm's global prefix
# Both stay readable by the unprivileged users the sandbox tests run as.
set -euo pipefail
tools="${SELFHEAL_TOOLS:-/var/tmp/selfheal-tools}"
venv="$tools/formatters"

if ! command -v ruff >/dev/null; then
  python=/usr/bin/python3
  [ -x "$python" ] || python="$(command -v python3)"
  if [ ! -x "$venv/bin/ruff" ]; then
    rm -rf "$venv"
    mkdir -p "$tools"
    if ! "$python" -m venv "$venv" 2>/dev/null; then
      # Debian splits venv into its own package.
      rm -rf "$venv"
      apt-get install -y -qq python3-venv >/dev/null
      "$python" -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check ruff==0.17.6
  fi
  chmod -R a+rX "$venv"
  ln -sf "$venv/bin/ruff" /usr/local/bin/ruff
fi

if ! command -v prettier >/dev/null; then
  command -v npm >/dev/null || apt-get install -y -qq npm >/dev/null
  npm install -g --silent prettier@3.10.2
fi
echo "formatters ready: $(ruff --version), prettier $(prettier --version)"
