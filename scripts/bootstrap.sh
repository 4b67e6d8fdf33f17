#!/usr/bin/env bash
# Installs what the project needs on a fresh machine, and nothing twice:
#   .venv (Python packages from requirements-dev.txt, which includes requirements-cli.txt and
#   requirements.txt), .venv-tools (checkov, from requirements-tools.txt, apart because its pins
#   clash with the app's), node_modules (Azurite, from package-lock.json),
#   and with --browser, Debian's Chromium for the browser tests and tmux for the terminal capture.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv" >&2
  python3 -m venv .venv
fi
want=$(stamp requirements.txt requirements-cli.txt requirements-dev.txt)
if [ "$(cat .venv/.installed 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python packages" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > .venv/.installed
fi

if [ ! -x .venv-tools/bin/python ]; then
  echo "bootstrap: creating .venv-tools" >&2
  python3 -m venv .venv-tools
fi
want=$(stamp requirements-tools.txt)
if [ "$(cat .venv-tools/.installed 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing the tools (checkov)" >&2
  .venv-tools/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
  echo "$want" > .venv-tools/.installed
fi

want=$(stamp package.json package-lock.json)
if [ ! -x node_modules/.bin/azurite-queue ] || [ "$(cat node_modules/.installed 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Azurite (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > node_modules/.installed
fi

if [ "${1:-}" = "--browser" ] && { [ ! -x /usr/bin/chromium ] || ! command -v tmux >/dev/null; }; then
  echo "bootstrap: installing Debian's chromium (browser tests) and tmux (terminal capture)" >&2
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
  $apt_get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium chromium-driver tmux >&2
fi
