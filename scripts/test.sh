#!/usr/bin/env bash
# Every check CI runs: types, lint, unit + integration tests, browser e2e, Python trainer tests.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> typecheck"; npm run -s typecheck
echo "==> lint"; npm run -s lint
echo "==> unit and integration tests (vitest)"; npx vitest run
echo "==> e2e (Playwright in Chromium against selfguide serve)"; npm run -s test:e2e
echo "==> trainer tests (pytest)"; .venv/bin/python -m pytest trainer/tests -q
