#!/usr/bin/env bash
# Every Herald test: the README's test command (and what CI runs).
#
#   scripts/test.sh [extra cargo test/nextest arguments]
#
# Starts what the tests need — PostgreSQL, Redis with three Sentinels, SIPp —
# installing Debian packages where missing (scripts/infra.sh), then runs the
# whole workspace's tests. Postgres tests each get a fresh database
# (#[sqlx::test]); SIP tests start their own SIPp carriers on free ports.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

scripts/infra.sh up
eval "$(scripts/infra.sh env)"
# sqlx::test creates one database per test from this URL's server.
export DATABASE_URL

# The web UI in Chromium through a whole campaign against real services
# (ui/tests/flow.mjs; screenshots in ui/test-results/). First, so that the
# cargo summary stays the last thing printed; its result counts at the end.
browser_status=0
scripts/browser-test.sh || browser_status=$?
if [[ $browser_status -ne 0 ]]; then
    echo "test.sh: the browser test FAILED (exit $browser_status); see .infra/browser-test/" >&2
fi

status=0
if cargo nextest --version >/dev/null 2>&1; then
    # (Herald has no doctests; nextest would not run them.)
    cargo nextest run --workspace --no-fail-fast "$@" || status=$?
else
    # Without nextest: cargo test, then one closing line with the totals.
    log="$(mktemp)"
    status=0
    cargo test --workspace --all-targets --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
    awk '/^test result:/ { passed += $4; failed += $6 } END { printf "summary: %d passed, %d failed\n", passed, failed }' "$log"
    rm -f "$log"
fi
# Lints: the workspace builds without a clippy warning (and formatted).
lint_status=0
cargo fmt --all -- --check || lint_status=$?
cargo clippy -q --workspace --all-targets -- -D warnings || lint_status=$?
if [[ $lint_status -ne 0 ]]; then
    echo "test.sh: rustfmt or clippy found something (see above)" >&2
fi
if [[ $browser_status -ne 0 ]]; then
    echo "test.sh: the browser test failed (exit $browser_status)" >&2
    exit 1
fi
if [[ $status -eq 0 && $lint_status -ne 0 ]]; then
    exit 1
fi
exit "$status"
