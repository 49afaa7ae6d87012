#!/usr/bin/env bash
# Herald's browser test: the web UI driven by Chromium through a whole
# campaign, against real services (ui/tests/flow.mjs says what it checks).
#
#   scripts/browser-test.sh [--keep]
#
# From a fresh clone on Debian, as root (or with sudo):
#   1. installs Chromium (apt-get) when /usr/bin/chromium is missing;
#   2. `npm ci` in ui/ when node_modules is missing or package-lock.json
#      changed, then `npm run build` (ui/dist, which Herald serves at /);
#   3. brings up PostgreSQL and Redis with Sentinel (scripts/infra.sh);
#   4. builds herald (cargo build -p herald --bin herald, in
#      $CARGO_TARGET_DIR, default /var/tmp/herald-ci-target like .ci/run);
#   5. creates a fresh database, migrates it and adds an admin;
#   6. starts a SIPp carrier (loadtest/sipp/uas_mix.xml: numbers ending 0-5
#      answer and hear a 2.5 s prompt, 6-7 busy, 8-9 ring until Herald's
#      ring timeout) and `herald all`, each on free ports;
#   7. runs `node ui/tests/flow.mjs`.
# Whatever it started is stopped on exit, and the database dropped (--keep
# leaves Herald, the carrier and the database running, and prints how to
# reach them). The infrastructure stays up: `scripts/infra.sh down`.
#
# Screenshots and the exported CSV go to $ARTIFACTS_DIR (default
# ui/test-results/), logs to $HERALD_BROWSER_DIR (default .infra/browser-test).
# BROWSER_TEST_CONTACTS sets the campaign's size (default 100).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

KEEP=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "browser-test: unknown argument $1" >&2; exit 64 ;;
    esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/herald-ci-target}"
RUN_DIR="${HERALD_BROWSER_DIR:-$REPO_ROOT/.infra/browser-test}"
export ARTIFACTS_DIR="${ARTIFACTS_DIR:-$REPO_ROOT/ui/test-results}"
CONTACTS="${BROWSER_TEST_CONTACTS:-100}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
mkdir -p "$RUN_DIR" "$ARTIFACTS_DIR"

log() { echo "browser-test: $*" >&2; }
die() { echo "browser-test: error: $*" >&2; exit 1; }

as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else die "need root or sudo to run: $*"
    fi
}

# ---------------------------------------------------------------- Chromium, Node

if [[ ! -x "$CHROMIUM" ]]; then
    # Of Chromium's recommends only the fonts matter headless (screenshots).
    log "installing Chromium (apt-get install chromium fonts-liberation)"
    apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q)
    if ! as_root "${apt[@]}" install --no-install-recommends chromium fonts-liberation >&2; then
        as_root "${apt[@]}" update >&2
        as_root "${apt[@]}" install --no-install-recommends chromium fonts-liberation >&2 || die "apt-get install chromium failed"
    fi
    [[ -x "$CHROMIUM" ]] || die "$CHROMIUM is still missing after installing chromium"
fi

# ---------------------------------------------------------------- the web UI

scripts/build-ui.sh

# ---------------------------------------------------------------- infrastructure, herald

scripts/infra.sh up
eval "$(scripts/infra.sh env)"

log "building herald (cargo build -p herald --bin herald)"
cargo build -q -p herald --bin herald
HERALD="$CARGO_TARGET_DIR/debug/herald"
[[ -x "$HERALD" ]] || die "no herald binary at $HERALD"

# Free ports, chosen by the kernel: "tcp" (UI, ops), "both" (SIP listens on
# UDP and TCP), "udp2" (SIPp's media: PORT and PORT+2).
free_port() {
    node - "$1" <<'EOF'
const net = require("node:net"), dgram = require("node:dgram");
const kind = process.argv[2];
const tryTcp = (port) => new Promise((ok) => { const s = net.createServer(); s.once("error", () => ok(0)); s.listen(port, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
const tryUdp = (port) => new Promise((ok) => { const s = dgram.createSocket("udp4"); s.once("error", () => ok(0)); s.bind(port, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
(async () => {
  for (let i = 0; i < 200; i++) {
    const candidate = 20000 + Math.floor(Math.random() * 25000);
    if (kind === "tcp" && await tryTcp(candidate)) return console.log(candidate);
    if (kind === "both" && await tryTcp(candidate) && await tryUdp(candidate)) return console.log(candidate);
    if (kind === "udp2" && await tryUdp(candidate) && await tryUdp(candidate + 2)) return console.log(candidate);
  }
  process.exit(1);
})();
EOF
}

UI_PORT="$(free_port tcp)"
OPS_PORT="$(free_port tcp)"
TALKER_SIP_PORT="$(free_port both)"
RECIPIENT_SIP_PORT="$(free_port both)"
CARRIER_PORT="$(free_port both)"
CARRIER_MEDIA_PORT="$(free_port udp2)"

# A database of our own on the same server.
DB_NAME="herald_browser_$(date +%s)_$$"
ADMIN_DB_URL="${DATABASE_URL%/*}/postgres"
[[ "$DATABASE_URL" == *\?* ]] && ADMIN_DB_URL="${DATABASE_URL%%\?*}" && ADMIN_DB_URL="${ADMIN_DB_URL%/*}/postgres?${DATABASE_URL#*\?}"
DB_URL="${DATABASE_URL%%\?*}"; DB_URL="${DB_URL%/*}/$DB_NAME"
[[ "$DATABASE_URL" == *\?* ]] && DB_URL="$DB_URL?${DATABASE_URL#*\?}"
psql "$ADMIN_DB_URL" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$DB_NAME\"" >/dev/null

PIDS=()
cleanup() {
    local status=$?
    if [[ $KEEP -eq 1 ]]; then
        log "--keep: Herald on http://127.0.0.1:$UI_PORT (database $DB_NAME; sign in as $HERALD_ADMIN_EMAIL / $HERALD_ADMIN_PASSWORD), carrier on 127.0.0.1:$CARRIER_PORT; pids ${PIDS[*]:-}"
        exit $status
    fi
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    psql "$ADMIN_DB_URL" -X -q -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HERALD__DATABASE__URL="$DB_URL"
export HERALD__UI__LISTEN="127.0.0.1:$UI_PORT"
export HERALD__UI__STATIC_DIR="$REPO_ROOT/ui/dist"
# The flow adds a webhook to a loopback address.
export HERALD__UI__WEBHOOK_PRIVATE_TARGETS=true
export HERALD__NODE__ID="browser-test-$$"
export HERALD__NODE__OPS_LISTEN="127.0.0.1:$OPS_PORT"
export HERALD__TALKER__SIP_LISTEN="127.0.0.1:$TALKER_SIP_PORT"
# RTP ports of their own (other Herald runs may use the default ranges),
# enough for the calls each service may hold.
export HERALD__TALKER__MAX_CALLS=500
# SIPp's -rtp_echo answers every call from its one media port.
export HERALD__TALKER__MEDIA_MODE=port_per_call
export HERALD__TALKER__RTP_PORT_MIN=46000
export HERALD__TALKER__RTP_PORT_MAX=46999
export HERALD__RECIPIENT__MAX_CALLS=200
export HERALD__RECIPIENT__SIP_LISTEN="127.0.0.1:$RECIPIENT_SIP_PORT"
export HERALD__RECIPIENT__RTP_PORT_MIN=47000
export HERALD__RECIPIENT__RTP_PORT_MAX=47499
# Our own Redis keys: CPS and line counts of other Herald runs sharing this
# Redis stay apart.
export HERALD__REDIS__KEY_PREFIX="herald-browser-$$"

"$HERALD" migrate >"$RUN_DIR/migrate.log" 2>&1 || { cat "$RUN_DIR/migrate.log" >&2; die "herald migrate failed"; }
export HERALD_ADMIN_EMAIL="admin@browser-test.herald.test"
export HERALD_ADMIN_PASSWORD="${HERALD_ADMIN_PASSWORD:-browser-test-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}"
HERALD_USER_PASSWORD="$HERALD_ADMIN_PASSWORD" "$HERALD" user add --email "$HERALD_ADMIN_EMAIL" --role admin \
    >"$RUN_DIR/user.log" 2>&1 </dev/null || { cat "$RUN_DIR/user.log" >&2; die "herald user add failed"; }

# ---------------------------------------------------------------- test data

export PROMPT_WAV="$RUN_DIR/prompt-2.5s.wav"
export CONTACTS_CSV="$RUN_DIR/contacts.csv"
node - "$PROMPT_WAV" "$CONTACTS_CSV" "$CONTACTS" <<'EOF'
const fs = require("node:fs");
const [promptPath, contactsPath, contacts] = process.argv.slice(2);
// A 2.5 s prompt: 8 kHz 16-bit mono PCM, a 440 Hz tone fading in and out.
const rate = 8000, samples = rate * 2.5;
const wav = Buffer.alloc(44 + samples * 2);
wav.write("RIFF", 0); wav.writeUInt32LE(36 + samples * 2, 4); wav.write("WAVE", 8);
wav.write("fmt ", 12); wav.writeUInt32LE(16, 16); wav.writeUInt16LE(1, 20); wav.writeUInt16LE(1, 22);
wav.writeUInt32LE(rate, 24); wav.writeUInt32LE(rate * 2, 28); wav.writeUInt16LE(2, 32); wav.writeUInt16LE(16, 34);
wav.write("data", 36); wav.writeUInt32LE(samples * 2, 40);
for (let i = 0; i < samples; i++) {
  const envelope = Math.min(1, i / 800, (samples - i) / 800);
  wav.writeInt16LE(Math.round(12000 * envelope * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
}
fs.writeFileSync(promptPath, wav);
// Contacts: the phone is not the first column; last digits cycle 0-9 (what
// the carrier does with each); line 4 is a bad row.
const lines = ["name,phone,tz,segment"];
for (let i = 0; i < Number(contacts); i++) {
  if (lines.length === 3) lines.push("Bad Row,not a number,UTC,test");
  lines.push(`Contact ${i},+1202555${String(i).padStart(4, "0")},America/New_York,${i % 2 ? "odd" : "even"}`);
}
fs.writeFileSync(contactsPath, lines.join("\n") + "\n");
EOF

# ---------------------------------------------------------------- carrier, herald

export CARRIER_HOST=127.0.0.1 CARRIER_PORT
log "SIPp carrier on 127.0.0.1:$CARRIER_PORT (loadtest/sipp/uas_mix.xml)"
sipp -sf loadtest/sipp/uas_mix.xml -i 127.0.0.1 -p "$CARRIER_PORT" -mp "$CARRIER_MEDIA_PORT" -ci 127.0.0.1 \
    -nostdin -aa -rtp_echo -trace_err -error_file "$RUN_DIR/sipp-errors.log" \
    </dev/null >"$RUN_DIR/sipp.out" 2>&1 &
PIDS+=($!)

log "herald all on http://127.0.0.1:$UI_PORT (log $RUN_DIR/herald.log)"
"$HERALD" all </dev/null >"$RUN_DIR/herald.log" 2>&1 &
PIDS+=($!)

export HERALD_URL="http://127.0.0.1:$UI_PORT"
ready=0
for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$HERALD_URL/readyz" 2>/dev/null; then ready=1; break; fi
    kill -0 "${PIDS[1]}" 2>/dev/null || { tail -n 30 "$RUN_DIR/herald.log" >&2; die "herald exited (log $RUN_DIR/herald.log)"; }
    kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$RUN_DIR/sipp.out" >&2; die "the SIPp carrier exited"; }
    sleep 0.2
done
[[ $ready -eq 1 ]] || { tail -n 30 "$RUN_DIR/herald.log" >&2; die "herald not ready after 30 s"; }
curl -fsS "$HERALD_URL/" | grep -q '<div id="app">' || die "$HERALD_URL/ does not serve ui/dist/index.html"

# ---------------------------------------------------------------- the test

log "node ui/tests/flow.mjs (screenshots in $ARTIFACTS_DIR)"
status=0
node ui/tests/flow.mjs || status=$?
if [[ $status -ne 0 ]]; then
    log "failed; the last lines of $RUN_DIR/herald.log:"
    tail -n 40 "$RUN_DIR/herald.log" >&2
fi
exit $status
