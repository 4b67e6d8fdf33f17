#!/usr/bin/env bash
# Makes .venv-worker: Python 3.13 with the real Azure Functions Python worker (azure-functions-runtime,
# requirements-worker.txt), the app's own dependencies (requirements.txt but azure-functions, which the
# worker needs at 2.x) and the host's protobuf messages, taken out of the azure-functions-runtime-v1
# wheel (never installed). tests/worker indexes function_app.py with it. Nothing twice: a stamp of the
# inputs, as scripts/bootstrap.sh does for .venv.
# Exit 3, with the reason on stderr, when no Python 3.13 is found: tests/worker then skips.
# Python 3.13 is looked for in $WORKER_PYTHON, python3.13 on PATH, then pyenv's 3.13.x.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-worker
protos_wheel=azure-functions-runtime-v1==1.2.0

is_313() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; }

find_python() {
  local candidate
  for candidate in "${WORKER_PYTHON:-}" "$(command -v python3.13 || true)"; do
    if is_313 "$candidate"; then echo "$candidate"; return; fi
  done
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13; do
    if is_313 "$candidate"; then echo "$candidate"; return; fi
  done
  return 1
}

stamp() { { sha256sum "$@"; echo "$protos_wheel"; } | sha256sum | cut -c1-16; }
want=$(stamp requirements.txt requirements-worker.txt scripts/worker-venv.sh scripts/worker_index.py)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.installed" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

if ! python=$(find_python); then
  echo "worker-venv: no Python 3.13 (looked at \$WORKER_PYTHON, python3.13 on PATH, pyenv's versions/3.13*):" \
       "the real-worker indexing check needs it (e.g. pyenv install 3.13)" >&2
  exit 3
fi

echo "worker-venv: creating $venv with $("$python" --version) and the Azure Functions Python worker" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
grep -v '^azure-functions==' requirements.txt > "$venv/app-requirements.txt"
"${pip[@]}" install -r requirements-worker.txt -r "$venv/app-requirements.txt"
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
"${pip[@]}" download --no-deps --only-binary=:all: --dest "$download" "$protos_wheel"
"$venv/bin/python" scripts/worker_index.py protos "$download"/*.whl "$venv/host-protos"
echo "$want" > "$venv/.installed"
