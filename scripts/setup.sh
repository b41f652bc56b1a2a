#!/usr/bin/env bash
# Installs what selfguide needs, from the package registries only.
#   scripts/setup.sh          Node dependencies (with the Node 22 they run on), the app build and the
#                             Python trainer environment (.venv: torch + selfguide_trainer) the demo trains with
#   scripts/setup.sh --test   also the test tools (pytest & co., Chromium, Fashion-MNIST from Debian;
#                             the Debian packages are installed with apt-get when run as root)
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[[ "${1:-}" == "--test" ]] && want_tests=true

# Electron's and onnxruntime-node's installers download binaries from outside the npm registry;
# the app's tests do not need them (the renderer is tested in Chromium against `selfguide serve`).
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip
echo "==> npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "==> build (electron-vite: main, preload, renderer)"
npm run -s build >/dev/null

if $want_tests; then
  missing=()
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  [[ -d /usr/share/datasets/fashion-mnist ]] || missing+=(dataset-fashion-mnist)
  if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
      echo "==> apt-get install ${missing[*]}"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "Please install: ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
      exit 1
    fi
  fi
fi
echo "==> Python trainer environment (.venv)"
extras=$($want_tests && echo '[test]' || true)
[[ -x .venv/bin/python ]] || python3 -m venv .venv
# torch==2.13.0 resolves to the CPU build on the build machines; any torch >= 2.4 works.
.venv/bin/pip install -q --disable-pip-version-check torch==2.13.0 -e "trainer${extras}" 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import torch, selfguide_trainer' || { echo "Python environment is incomplete" >&2; exit 1; }
echo "==> setup done"
