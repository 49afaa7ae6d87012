#!/usr/bin/env bash
# Herald end to end on this machine: the README's run command.
#
#   scripts/demo.sh [--contacts N] [--cps N] [--keep]
#
# Brings up PostgreSQL and Redis behind Sentinel (scripts/infra.sh, which
# installs the Debian packages it needs), builds Herald, applies the
# migrations, starts a SIPp carrier on 127.0.0.1:5090
# (loadtest/sipp/uas_mix.xml: answers numbers ending 0-5, rejects 6-7 busy,
# leaves 8-9 ringing), starts `herald all`, and runs a demo campaign
# (`herald demo`), printing counts by outcome, achieved CPS and elapsed time.
# With --keep, Herald and the carrier stay up afterwards (UI on
# http://127.0.0.1:8080); otherwise they are stopped. The infrastructure
# stays up either way: `scripts/infra.sh down` stops it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

CONTACTS=300
CPS=50
KEEP=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --contacts) CONTACTS="$2"; shift 2 ;;
        --cps) CPS="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "demo: unknown argument $1" >&2; exit 64 ;;
    esac
done

RUN_DIR="${HERALD_DEMO_DIR:-$REPO_ROOT/.infra/demo}"
CARRIER_PORT="${HERALD_DEMO_CARRIER_PORT:-5090}"
mkdir -p "$RUN_DIR"

echo "demo: starting PostgreSQL and Redis with Sentinel" >&2
scripts/infra.sh up
eval "$(scripts/infra.sh env)"

echo "demo: building the web UI (scripts/build-ui.sh)" >&2
scripts/build-ui.sh || echo "demo: the web UI is not built (see above); the API and the demo still run" >&2
echo "demo: building herald (cargo build --release; the first build takes a while)" >&2
cargo build --release -q -p herald
HERALD="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/herald"

"$HERALD" migrate

PIDS=()
cleanup() {
    if [[ $KEEP -eq 0 ]]; then
        for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
        for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    fi
}
trap cleanup EXIT

echo "demo: SIPp carrier on 127.0.0.1:$CARRIER_PORT (loadtest/sipp/uas_mix.xml)" >&2
sipp -sf loadtest/sipp/uas_mix.xml -i 127.0.0.1 -p "$CARRIER_PORT" -mp 16000 -ci 127.0.0.1 \
    -nostdin -aa -rtp_echo \
    -trace_err -error_file "$RUN_DIR/sipp-errors.log" \
    </dev/null >"$RUN_DIR/sipp.out" 2>&1 &
PIDS+=($!)

echo "demo: herald all (log: $RUN_DIR/herald.log)" >&2
"$HERALD" all >"$RUN_DIR/herald.log" 2>&1 &
PIDS+=($!)

# Wait for the UI's readiness endpoint (Herald is up and Postgres answers).
UI_ADDRESS="${HERALD__UI__LISTEN:-127.0.0.1:8080}"
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/${UI_ADDRESS%:*}/${UI_ADDRESS##*:}") 2>/dev/null; then break; fi
    kill -0 "${PIDS[1]}" 2>/dev/null || { echo "demo: herald exited; see $RUN_DIR/herald.log" >&2; tail -20 "$RUN_DIR/herald.log" >&2; exit 1; }
    sleep 0.2
done

"$HERALD" demo --contacts "$CONTACTS" --cps "$CPS" --carrier "127.0.0.1:$CARRIER_PORT"
status=$?
if [[ $KEEP -eq 1 ]]; then
    echo "demo: Herald and the carrier keep running (pids ${PIDS[*]}); UI on http://$UI_ADDRESS" >&2
fi
exit $status
