#!/usr/bin/env bash
# Herald's local infrastructure for development, tests and CI:
#   PostgreSQL  (reused if one answers, else a private cluster in the data dir)
#   Redis       primary 127.0.0.1:6391 + replica 127.0.0.1:6392
#   Sentinel    127.0.0.1:26391, :26392, :26393 watching master "herald"
#   SIPp        (the sip-tester package) installed for the SIP tests
#   espeak-ng   text-to-speech for call scripts' "say" steps
#
# Usage: scripts/infra.sh up|down|status|env|purge
#   up      install what is missing, start what is not running, wait until
#           healthy, create the database. Idempotent; reuses a running
#           Postgres and a running Sentinel topology (also after a failover).
#   down    stop only what this script started (pid files in the data dir);
#           a system-wide Postgres/Redis that was merely reused is left alone.
#   status  what runs, who owns it, and the master each Sentinel reports.
#           Exit 0 when everything is up and healthy, 3 otherwise.
#   env     print `export` lines: eval "$(scripts/infra.sh env)"
#   purge   down, then delete the data dir.
#
# Environment:
#   HERALD_INFRA_DIR  data dir (default: <repo>/.infra)
#   HERALD_PG_PORT    Postgres port when DATABASE_URL is not set (default 5432)
#   DATABASE_URL      use this Postgres (and database) instead of
#                     postgres://postgres@127.0.0.1:$HERALD_PG_PORT/herald;
#                     if it points at 127.0.0.1/localhost and nothing answers,
#                     a private cluster is started on its port.
#   HERALD_INFRA_TIMEOUT  seconds to wait for health (default 60)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA_DIR="${HERALD_INFRA_DIR:-$REPO_ROOT/.infra}"
PG_PORT_DEFAULT="${HERALD_PG_PORT:-5432}"
WAIT_SECS="${HERALD_INFRA_TIMEOUT:-60}"

MASTER_NAME="herald"
REDIS_HOST="127.0.0.1"
REDIS_PRIMARY_PORT=6391
REDIS_REPLICA_PORT=6392
REDIS_PORTS=("$REDIS_PRIMARY_PORT" "$REDIS_REPLICA_PORT")
SENTINEL_PORTS=(26391 26392 26393)
SENTINEL_QUORUM=2

log() { echo "infra: $*" >&2; }
die() { echo "infra: error: $*" >&2; exit 1; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# ---------------------------------------------------------------- packages

APT_UPDATED=0
apt_install() {
    local -a sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "need root or sudo to apt-get install $*"
        sudo=(sudo -n)
    fi
    local -a apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
                  -o DPkg::Lock::Timeout=600 -y -q)
    log "installing Debian packages: $*"
    if [[ $APT_UPDATED -eq 0 ]] && ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
        "${apt[@]}" update >&2; APT_UPDATED=1
    fi
    if ! "${apt[@]}" install --no-install-recommends "$@" >&2; then
        [[ $APT_UPDATED -eq 1 ]] && die "apt-get install $* failed"
        "${apt[@]}" update >&2; APT_UPDATED=1
        "${apt[@]}" install --no-install-recommends "$@" >&2 || die "apt-get install $* failed"
    fi
}

pg_bindir() {
    local d
    # Newest server version first.
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4 -V -r); do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

ensure_client_tools() {
    local -a pkgs=()
    command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
    command -v redis-cli >/dev/null 2>&1 || pkgs+=(redis-tools)
    command -v sipp >/dev/null 2>&1 || pkgs+=(sip-tester)
    command -v espeak-ng >/dev/null 2>&1 || pkgs+=(espeak-ng)
    { command -v psql >/dev/null 2>&1 && command -v pg_isready >/dev/null 2>&1; } \
        || pkgs+=(postgresql-client)
    [[ ${#pkgs[@]} -eq 0 ]] || apt_install "${pkgs[@]}"
}

ensure_pg_server() {
    pg_bindir >/dev/null || apt_install postgresql
    pg_bindir >/dev/null || die "no initdb/pg_ctl found after installing postgresql"
}

# ---------------------------------------------------------------- helpers

rcli() { # rcli PORT args... (bounded: a stopped server must not hang us)
    local port="$1"; shift
    timeout 3 redis-cli -h "$REDIS_HOST" -p "$port" "$@" 2>/dev/null
}

pid_alive() { # pid_alive PIDFILE NAME-PATTERN
    local pidfile="$1" pat="$2" pid
    [[ -s "$pidfile" ]] || return 1
    pid="$(head -n1 "$pidfile" | tr -dc '0-9')"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pat"
}

stop_pidfile() { # stop_pidfile PIDFILE NAME-PATTERN LABEL
    local pidfile="$1" pat="$2" label="$3" pid _
    if pid_alive "$pidfile" "$pat"; then
        pid="$(head -n1 "$pidfile" | tr -dc '0-9')"
        log "stopping $label (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "$label did not stop, killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

# ---------------------------------------------------------------- postgres

# Splits DATABASE_URL (or the default) into PG_URL PG_HOST PG_PORT PG_DB PG_ADMIN_URL.
pg_parse_url() {
    PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:${PG_PORT_DEFAULT}/herald}"
    local rest hostport query=""
    rest="${PG_URL#*://}"
    if [[ "$rest" == *\?* ]]; then query="?${rest#*\?}"; rest="${rest%%\?*}"; fi
    hostport="${rest%%/*}"
    hostport="${hostport##*@}"
    PG_DB="herald"
    [[ "$rest" == */* && -n "${rest#*/}" ]] && PG_DB="${rest#*/}"
    if [[ "$hostport" == \[*\]* ]]; then # [::1]:5432
        PG_HOST="${hostport%%]*}"; PG_HOST="${PG_HOST#[}"
        PG_PORT="${hostport##*]}"; PG_PORT="${PG_PORT#:}"
    else
        PG_HOST="${hostport%%:*}"
        PG_PORT=""; [[ "$hostport" == *:* ]] && PG_PORT="${hostport##*:}"
    fi
    [[ -n "$PG_HOST" ]] || PG_HOST="127.0.0.1"
    [[ -n "$PG_PORT" ]] || PG_PORT=5432
    local base="${PG_URL%%\?*}"
    if [[ "${base#*://}" == */* ]]; then
        PG_ADMIN_URL="${base%/*}/postgres${query}"
    else
        PG_ADMIN_URL="${base}/postgres${query}"
    fi
}

pg_host_is_local() {
    case "$PG_HOST" in 127.0.0.1|localhost|::1) return 0 ;; *) return 1 ;; esac
}

# Where the private cluster lives: <data dir>/pg, unless the postgres user
# cannot reach it (e.g. a repo under /root), then a dir under /tmp.
pg_data_dir() {
    if [[ -s "$INFRA_DIR/pgdata.path" ]]; then cat "$INFRA_DIR/pgdata.path"; return; fi
    echo "$INFRA_DIR/pg"
}

as_pg() { # run a Postgres server binary as the right user
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3 >/dev/null 2>&1; }

pg_own_running() {
    local pgdata bindir
    pgdata="$(pg_data_dir)"
    [[ -f "$pgdata/PG_VERSION" ]] || return 1
    bindir="$(pg_bindir)" || return 1
    as_pg "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1
}

pg_init_cluster() {
    local bindir="$1" pgdata
    pgdata="$INFRA_DIR/pg"
    mkdir -p "$pgdata"
    if is_root; then
        chown postgres:postgres "$pgdata"
        chmod 700 "$pgdata"
        if ! runuser -u postgres -- test -w "$pgdata"; then
            rmdir "$pgdata" 2>/dev/null || true
            pgdata="${TMPDIR:-/tmp}/herald-infra-$(printf '%s' "$INFRA_DIR" | cksum | cut -d' ' -f1)/pg"
            log "postgres cannot reach $INFRA_DIR; cluster goes to $pgdata"
            mkdir -p "$pgdata"
            chmod 755 "$(dirname "$pgdata")"
            chown postgres:postgres "$pgdata"
            chmod 700 "$pgdata"
        fi
    fi
    echo "$pgdata" >"$INFRA_DIR/pgdata.path"
    if [[ ! -f "$pgdata/PG_VERSION" ]]; then
        log "initdb $pgdata"
        as_pg "$bindir/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --no-locale \
            >"$INFRA_DIR/initdb.log" 2>&1 || { cat "$INFRA_DIR/initdb.log" >&2; die "initdb failed"; }
        cat >>"$pgdata/postgresql.conf" <<EOF

# --- herald test settings (scripts/infra.sh): fast, not durable ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdata'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
EOF
        cat >"$pgdata/pg_hba.conf" <<'EOF'
# herald test cluster: trust on loopback only
local   all  all                 trust
host    all  all  127.0.0.1/32   trust
host    all  all  ::1/128        trust
EOF
    fi
}

pg_up() {
    pg_parse_url
    if pg_ready; then
        if pg_own_running; then
            log "postgres: own cluster at $PG_HOST:$PG_PORT ($(pg_data_dir))"
        else
            log "postgres: reusing the server at $PG_HOST:$PG_PORT"
        fi
    else
        # Something may be starting up on that port: give it a moment.
        local st=0
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3 >/dev/null 2>&1 || st=$?
        if [[ $st -eq 1 ]]; then
            log "postgres at $PG_HOST:$PG_PORT is starting; waiting"
            local _
            for _ in $(seq 1 "$WAIT_SECS"); do pg_ready && break; sleep 1; done
        fi
    fi
    if ! pg_ready; then
        pg_host_is_local || die "DATABASE_URL points at $PG_HOST:$PG_PORT, which does not answer"
        ensure_pg_server
        # Installing the package may have started a system cluster.
        if pg_ready; then
            log "postgres: reusing the server at $PG_HOST:$PG_PORT (started by its package)"
        else
            local bindir pgdata logf
            bindir="$(pg_bindir)"
            pg_init_cluster "$bindir"
            pgdata="$(pg_data_dir)"
            logf="$(dirname "$pgdata")/postgres.log"
            touch "$logf"
            is_root && chown postgres:postgres "$logf"
            log "postgres: starting own cluster on 127.0.0.1:$PG_PORT (log $logf)"
            as_pg "$bindir/pg_ctl" -D "$pgdata" -l "$logf" -w -t "$WAIT_SECS" \
                -o "-p $PG_PORT" start >/dev/null 9>&- \
                || { tail -n 30 "$logf" >&2; die "postgres did not start"; }
            local _
            for _ in $(seq 1 "$WAIT_SECS"); do pg_ready && break; sleep 1; done
            pg_ready || die "postgres started but does not answer on 127.0.0.1:$PG_PORT"
        fi
    fi
    pg_create_db
}

pg_create_db() {
    local exists
    exists="$(psql "$PG_ADMIN_URL" -X -tAq -v ON_ERROR_STOP=1 \
        -c "SELECT 1 FROM pg_database WHERE datname = '${PG_DB//\'/\'\'}'" 2>&1)" \
        || die "cannot query $PG_HOST:$PG_PORT: $exists"
    if [[ "$exists" != "1" ]]; then
        log "postgres: creating database $PG_DB"
        local out
        if ! out="$(psql "$PG_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 \
                -c "CREATE DATABASE \"${PG_DB//\"/\"\"}\"" 2>&1)"; then
            # A concurrent `up` may have created it meanwhile.
            [[ "$out" == *"already exists"* ]] || die "CREATE DATABASE $PG_DB failed: $out"
        fi
    fi
}

pg_down() {
    local pgdata bindir
    pgdata="$(pg_data_dir)"
    [[ -f "$pgdata/PG_VERSION" ]] || return 0
    bindir="$(pg_bindir)" || return 0
    if as_pg "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
        log "stopping own postgres ($pgdata)"
        as_pg "$bindir/pg_ctl" -D "$pgdata" -m fast -w -t 60 stop >/dev/null
    fi
}

# ---------------------------------------------------------------- redis

redis_conf() { echo "$INFRA_DIR/redis-$1.conf"; }
redis_pid() { echo "$INFRA_DIR/redis-$1.pid"; }
sentinel_conf() { echo "$INFRA_DIR/sentinel-$1.conf"; }
sentinel_pid() { echo "$INFRA_DIR/sentinel-$1.pid"; }

# The master the Sentinels agree on right now, as "host port"; empty if none.
current_master() {
    local sp addr
    for sp in "${SENTINEL_PORTS[@]}"; do
        addr="$(rcli "$sp" --raw SENTINEL get-master-addr-by-name "$MASTER_NAME" | tr '\n' ' ' | xargs || true)"
        if [[ "$addr" =~ ^[^[:space:]]+\ [0-9]+$ ]]; then echo "$addr"; return 0; fi
    done
    return 1
}

sentinels_answer() { current_master >/dev/null; }

write_redis_conf() { # PORT [replicaof-host replicaof-port]
    local port="$1" conf
    conf="$(redis_conf "$port")"
    mkdir -p "$INFRA_DIR/redis-$port"
    cat >"$conf" <<EOF
# generated by scripts/infra.sh (Sentinel may rewrite it)
port $port
bind 127.0.0.1
protected-mode no
daemonize yes
pidfile $(redis_pid "$port")
logfile $INFRA_DIR/redis-$port.log
dir $INFRA_DIR/redis-$port
save ""
appendonly no
replica-read-only yes
repl-diskless-sync-delay 0
EOF
    if [[ $# -ge 3 ]]; then echo "replicaof $2 $3" >>"$conf"; fi
}

write_sentinel_conf() { # PORT MASTER-HOST MASTER-PORT
    local port="$1" conf
    conf="$(sentinel_conf "$port")"
    cat >"$conf" <<EOF
# generated by scripts/infra.sh; Sentinel rewrites this file
port $port
bind 127.0.0.1
protected-mode no
daemonize yes
pidfile $(sentinel_pid "$port")
logfile $INFRA_DIR/sentinel-$port.log
dir $INFRA_DIR
sentinel resolve-hostnames no
sentinel monitor $MASTER_NAME $2 $3 $SENTINEL_QUORUM
sentinel down-after-milliseconds $MASTER_NAME 1000
sentinel failover-timeout $MASTER_NAME 5000
sentinel parallel-syncs $MASTER_NAME 1
EOF
}

start_redis() { # PORT [replicaof-host replicaof-port]
    local port="$1" _
    if rcli "$port" PING | grep -q PONG; then
        return 0
    fi
    write_redis_conf "$@"
    log "redis: starting 127.0.0.1:$port${2:+ (replica of $2:$3)}"
    redis-server "$(redis_conf "$port")" >/dev/null 9>&- \
        || die "redis-server on port $port failed to start (see $INFRA_DIR/redis-$port.log)"
    for _ in $(seq 1 50); do
        rcli "$port" PING | grep -q PONG && return 0
        sleep 0.1
    done
    die "redis on port $port does not answer (see $INFRA_DIR/redis-$port.log)"
}

start_sentinel() { # PORT MASTER-HOST MASTER-PORT
    local port="$1" _
    if rcli "$port" PING | grep -q PONG; then
        return 0
    fi
    # Keep a config Sentinel has rewritten (it holds its id and what it
    # learnt) unless it monitors something else.
    if ! grep -q "^sentinel monitor $MASTER_NAME " "$(sentinel_conf "$port")" 2>/dev/null; then
        write_sentinel_conf "$@"
    fi
    log "sentinel: starting 127.0.0.1:$port"
    redis-server "$(sentinel_conf "$port")" --sentinel >/dev/null 9>&- \
        || die "sentinel on port $port failed to start (see $INFRA_DIR/sentinel-$port.log)"
    for _ in $(seq 1 50); do
        rcli "$port" PING | grep -q PONG && return 0
        sleep 0.1
    done
    die "sentinel on port $port does not answer (see $INFRA_DIR/sentinel-$port.log)"
}

wait_replica_link() { # PORT
    for _ in $(seq 1 $((WAIT_SECS * 10))); do
        rcli "$1" INFO replication | grep -q '^master_link_status:up' && return 0
        sleep 0.1
    done
    die "replica 127.0.0.1:$1 never synced with its master"
}

# One line per Sentinel problem; nothing when the topology is healthy.
sentinel_problems() {
    local sp addr ck master mhost mport role flags ok replica
    master=""
    for sp in "${SENTINEL_PORTS[@]}"; do
        addr="$(rcli "$sp" --raw SENTINEL get-master-addr-by-name "$MASTER_NAME" | tr '\n' ' ' | xargs || true)"
        if [[ -z "$addr" ]]; then echo "sentinel $sp: no master"; continue; fi
        if [[ -n "$master" && "$addr" != "$master" ]]; then
            echo "sentinel $sp: sees master $addr, another sees $master"
        fi
        master="$addr"
        ck="$(rcli "$sp" SENTINEL ckquorum "$MASTER_NAME" || true)"
        [[ "$ck" == "OK ${#SENTINEL_PORTS[@]} usable"* ]] || echo "sentinel $sp: ckquorum: ${ck:-no answer}"
        # Flat key/value list: at least one replica whose flags are just "slave".
        ok=0
        while read -r flags; do
            [[ "$flags" == "slave" ]] && ok=1
        done < <(rcli "$sp" --raw SENTINEL replicas "$MASTER_NAME" | awk 'f{print; f=0} $0=="flags"{f=1}')
        [[ $ok -eq 1 ]] || echo "sentinel $sp: no healthy replica known"
    done
    [[ -n "$master" ]] || return 0
    mhost="${master% *}"; mport="${master#* }"
    role="$(timeout 3 redis-cli -h "$mhost" -p "$mport" ROLE 2>/dev/null | head -n1 || true)"
    [[ "$role" == "master" ]] || echo "master $master: role is '${role:-no answer}'"
    for replica in "${REDIS_PORTS[@]}"; do
        [[ "$replica" == "$mport" ]] && continue
        if rcli "$replica" INFO replication | grep -q '^master_link_status:up'; then
            return 0
        fi
    done
    echo "no replica has its master link up"
}

wait_sentinels_healthy() {
    local deadline=$((SECONDS + WAIT_SECS)) problems=""
    while (( SECONDS < deadline )); do
        redis_heal_once
        problems="$(sentinel_problems)"
        [[ -z "$problems" ]] && return 0
        sleep 0.5
    done
    echo "$problems" >&2
    die "the Sentinel topology did not become healthy in ${WAIT_SECS}s (logs in $INFRA_DIR)"
}

# One pass over the members of our topology (those with a config file in the
# data dir) that died while the Sentinels kept going: a dead replica (or the
# old master, once Sentinel has failed over) comes back as a replica of the
# current master; a dead Sentinel with its rewritten config. A dead master
# with a live replica is left to Sentinel's failover; a dead master without
# one is restarted as it was (nothing to fail over to).
redis_heal_once() {
    local master mhost mport port sp alive_other=0
    master="$(current_master)" || return 0
    mhost="${master% *}"; mport="${master#* }"
    for port in "${REDIS_PORTS[@]}"; do
        if [[ "$port" != "$mport" ]] && rcli "$port" PING | grep -q PONG; then alive_other=1; fi
    done
    for port in "${REDIS_PORTS[@]}"; do
        [[ -f "$(redis_conf "$port")" ]] || continue
        rcli "$port" PING | grep -q PONG && continue
        if [[ "$port" != "$mport" ]]; then
            start_redis "$port" "$mhost" "$mport"
        elif [[ $alive_other -eq 0 && "$mhost" == "$REDIS_HOST" ]]; then
            start_redis "$port"
        fi
    done
    for sp in "${SENTINEL_PORTS[@]}"; do
        if [[ -f "$(sentinel_conf "$sp")" ]] && ! rcli "$sp" PING | grep -q PONG; then
            start_sentinel "$sp" "$mhost" "$mport"
        fi
    done
}

redis_up() {
    local master port sp
    if master="$(current_master)"; then
        log "redis: reusing the running Sentinel topology (master ${master/ /:})"
    else
        for port in "${REDIS_PORTS[@]}" "${SENTINEL_PORTS[@]}"; do
            if rcli "$port" PING | grep -q PONG && ! pid_alive "$(redis_pid "$port")" redis \
                && ! pid_alive "$(sentinel_pid "$port")" redis; then
                die "port $port is used by a Redis this script did not start, and no Sentinel answers for '$MASTER_NAME'"
            fi
        done
        # Fresh topology: Sentinel configs are regenerated, roles reset.
        for sp in "${SENTINEL_PORTS[@]}"; do
            stop_pidfile "$(sentinel_pid "$sp")" redis "sentinel $sp"
            rm -f "$(sentinel_conf "$sp")"
        done
        start_redis "$REDIS_PRIMARY_PORT"
        if [[ "$(rcli "$REDIS_PRIMARY_PORT" ROLE | head -n1)" != "master" ]]; then
            rcli "$REDIS_PRIMARY_PORT" REPLICAOF NO ONE >/dev/null
        fi
        start_redis "$REDIS_REPLICA_PORT" "$REDIS_HOST" "$REDIS_PRIMARY_PORT"
        rcli "$REDIS_REPLICA_PORT" REPLICAOF "$REDIS_HOST" "$REDIS_PRIMARY_PORT" >/dev/null
        wait_replica_link "$REDIS_REPLICA_PORT"
        for sp in "${SENTINEL_PORTS[@]}"; do
            start_sentinel "$sp" "$REDIS_HOST" "$REDIS_PRIMARY_PORT"
        done
    fi
    wait_sentinels_healthy
    master="$(current_master)"
    log "redis: healthy, master ${master/ /:}"
}

redis_down() {
    local sp port
    # Sentinels first, so that stopping the nodes does not trigger a failover.
    for sp in "${SENTINEL_PORTS[@]}"; do
        stop_pidfile "$(sentinel_pid "$sp")" redis "sentinel $sp"
    done
    for port in "${REDIS_PORTS[@]}"; do
        stop_pidfile "$(redis_pid "$port")" redis "redis $port"
    done
}

# ---------------------------------------------------------------- commands

lock() {
    mkdir -p "$INFRA_DIR"
    exec 9>"$INFRA_DIR/.lock"
    flock -w 300 9 || die "another infra.sh holds $INFRA_DIR/.lock"
}

cmd_up() {
    lock
    ensure_client_tools
    pg_up
    redis_up
    log "up: done (eval \"\$($0 env)\" for the connection settings)"
}

cmd_down() {
    lock
    redis_down
    pg_down
    log "down: done"
}

cmd_purge() {
    cmd_down
    local pgdata
    pgdata="$(pg_data_dir)"
    if [[ "$pgdata" != "$INFRA_DIR/pg" && "$pgdata" == "${TMPDIR:-/tmp}/herald-infra-"* ]]; then
        rm -rf "$(dirname "$pgdata")"
    fi
    exec 9>&-
    case "$INFRA_DIR" in
        / | "$HOME" | "$REPO_ROOT" | "") die "refusing to delete $INFRA_DIR" ;;
    esac
    rm -rf "$INFRA_DIR"
    log "purge: removed $INFRA_DIR"
}

cmd_status() {
    local healthy=1 port sp role owner addr pidf master line
    pg_parse_url
    if pg_ready; then
        if pg_own_running; then owner="own cluster $(pg_data_dir)"; else owner="external, reused"; fi
        echo "postgres   $PG_HOST:$PG_PORT   up ($owner), database $PG_DB"
    else
        echo "postgres   $PG_HOST:$PG_PORT   DOWN"; healthy=0
    fi
    for port in "${REDIS_PORTS[@]}"; do
        pidf="$(redis_pid "$port")"
        if pid_alive "$pidf" redis; then owner="own, pid $(cat "$pidf")"; else owner="external"; fi
        role="$(rcli "$port" ROLE | head -n1 || true)"
        if [[ -n "$role" ]]; then
            echo "redis      127.0.0.1:$port  up ($owner), role $role"
        else
            echo "redis      127.0.0.1:$port  DOWN"; healthy=0
        fi
    done
    for sp in "${SENTINEL_PORTS[@]}"; do
        pidf="$(sentinel_pid "$sp")"
        if pid_alive "$pidf" redis; then owner="own, pid $(cat "$pidf")"; else owner="external"; fi
        addr="$(rcli "$sp" --raw SENTINEL get-master-addr-by-name "$MASTER_NAME" | tr '\n' ':' | sed 's/:$//' || true)"
        if rcli "$sp" PING | grep -q PONG; then
            echo "sentinel   127.0.0.1:$sp up ($owner), master '$MASTER_NAME' = ${addr:-unknown}"
            [[ -n "$addr" ]] || healthy=0
        else
            echo "sentinel   127.0.0.1:$sp DOWN"; healthy=0
        fi
    done
    if master="$(current_master)"; then
        local problems
        problems="$(sentinel_problems)"
        if [[ -n "$problems" ]]; then
            echo "topology   DEGRADED:"; while read -r line; do echo "           $line"; done <<<"$problems"; healthy=0
        else
            echo "topology   healthy, master ${master/ /:}"
        fi
    fi
    if command -v sipp >/dev/null 2>&1; then
        echo "sipp       $(sipp -v 2>/dev/null | grep -o 'SIPp v[^ ]*' | head -n1 | sed 's/\.$//')"
    else
        echo "sipp       not installed"
    fi
    [[ $healthy -eq 1 ]] || return 3
}

cmd_env() {
    pg_parse_url
    local sentinels="" sp
    for sp in "${SENTINEL_PORTS[@]}"; do sentinels+="${sentinels:+,}127.0.0.1:$sp"; done
    shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; } # single-quote for the shell
    echo "export DATABASE_URL=$(shq "$PG_URL")"
    echo "export HERALD__DATABASE__URL=$(shq "$PG_URL")"
    echo "export HERALD__REDIS__SENTINELS=$(shq "$sentinels")"
    echo "export HERALD__REDIS__MASTER_NAME=$(shq "$MASTER_NAME")"
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    purge) cmd_purge ;;
    *) echo "usage: $0 up|down|status|env|purge" >&2; exit 2 ;;
esac
