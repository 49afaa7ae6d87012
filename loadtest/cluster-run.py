#!/usr/bin/env python3
"""Issue #4's acceptance run: 3 Talkers, 2 SIPp carriers, caps from the carrier's side.

    loadtest/cluster-run.py [--contacts 10000] [--call-secs 3] [--kill]

Two SIPp carriers (loadtest/sipp/uas_answer.xml) on 127.0.0.1:5091 and :5092
answer every call; Herald caps them at 20 CPS / 30 lines and 50 CPS / 100
lines. One campaign per carrier (`herald demo --carrier-script answer`,
contacts split so both finish together) with a --call-secs prompt, so that
answered calls last long enough for the line caps to bind. Three
`herald talker` processes and one `herald scheduler` share the work through
Postgres and Redis (Sentinel).

With --kill, Talker 2 is killed with SIGKILL at --kill-at seconds and the
Redis master at --redis-kill-at seconds (Sentinel promotes the replica; the
killed server is restarted as a replica by `scripts/infra.sh up` after the
run).

From each carrier's own message trace (SIPp -trace_msg) it reports the most
INVITEs in any sliding one-second window, the most concurrent calls, and
the use of each cap while the carrier's campaign still had contacts; from
Postgres, whether every contact ended in exactly one terminal state, none
lost and none in two calls at once. Prints a summary and writes JSON
(loadtest/results/cluster-run[-kill].json). Everything stays on 127.0.0.1.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (CARRIERS, ROOT, Processes, carrier_figures, fresh_database, infra_env, master_port, parse_trace,
                      psql, redis_pid, sh, write_prompt)

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--call-secs", type=float, default=3.0, help="prompt length: how long answered calls last")
    parser.add_argument("--kill", action="store_true", help="kill -9 Talker 2 and the Redis master midway")
    parser.add_argument("--kill-at", type=float, default=60.0)
    parser.add_argument("--redis-kill-at", type=float, default=90.0)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--no-build", action="store_true", help="use the herald binary already built")
    args = parser.parse_args()
    out_path = args.json or ROOT / f"loadtest/results/cluster-run{'-kill' if args.kill else ''}.json"
    run_dir = ROOT / ".infra/cluster-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)

    env = infra_env()
    target = Path(env.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not args.no_build:
        print("cluster-run: building herald (release)", file=sys.stderr)
        sh(["cargo", "build", "--release", "-q", "-p", "herald"], env=env)
    herald = str(target / "release/herald")
    db_url = fresh_database(env, "herald_cluster")
    env["HERALD__REDIS__KEY_PREFIX"] = f"cluster{int(time.time())}"
    env["HERALD__LOG__LEVEL"] = "warn"
    env["HERALD__TALKER__CLAIM_INTERVAL_MS"] = "100"
    sh([herald, "migrate"], env=env, stdout=subprocess.DEVNULL)
    prompt = run_dir / "prompt.wav"
    write_prompt(prompt, args.call_secs)

    # Split the contacts by what each carrier can take, so both finish together.
    rates = [min(c["cps"], c["lines"] / (args.call_secs + 0.3)) for c in CARRIERS]
    split = [round(args.contacts * rate / sum(rates)) for rate in rates]
    split[-1] = args.contacts - sum(split[:-1])

    processes = Processes(run_dir, env)
    events = []
    started_at = time.time()
    try:
        for carrier in CARRIERS:
            processes.start(f"sipp-{carrier['name']}", [
                "sipp", "-sf", "loadtest/sipp/uas_answer.xml", "-i", "127.0.0.1", "-p", str(carrier["port"]),
                "-mp", str(carrier["media_port"]), "-nostdin", "-aa", "-max_socket", "10000",
                "-trace_msg", "-message_file", str(run_dir / f"carrier-{carrier['name']}.msg"),
                "-trace_err", "-error_file", str(run_dir / f"carrier-{carrier['name']}.err")])
        processes.start("scheduler", [herald, "scheduler"], env={**env, "HERALD__NODE__OPS_LISTEN": "127.0.0.1:9480",
                                                                 "HERALD__NODE__ID": "scheduler-1"})
        talkers = []
        for index in range(3):
            talker_env = {
                **env,
                "HERALD__NODE__ID": f"talker-{index + 1}",
                "HERALD__NODE__OPS_LISTEN": f"127.0.0.1:{9481 + index}",
                "HERALD__TALKER__SIP_LISTEN": f"127.0.0.1:{5081 + index}",
                "HERALD__TALKER__RTP_PORT_MIN": str(20000 + 5000 * index),
                "HERALD__TALKER__RTP_PORT_MAX": str(24999 + 5000 * index),
                "HERALD__TALKER__LEASE_SECS": "15",
                # Longer than the carriers' 120 s guard: a killed Talker's
                # lines stay counted while its orphaned calls are still up.
                "HERALD__TALKER__MAX_CALL_SECS": "150",
            }
            talkers.append(processes.start(f"talker-{index + 1}", [herald, "talker"], env=talker_env))
        time.sleep(3)
        processes.check_alive()
        demos = []
        for carrier, contacts in zip(CARRIERS, split):
            demos.append(subprocess.Popen(
                [herald, "demo", "--contacts", str(contacts), "--cps", str(carrier["cps"]),
                 "--max-lines", str(carrier["lines"]), "--carrier", f"127.0.0.1:{carrier['port']}",
                 "--prompt", str(prompt), "--carrier-script", "answer", "--timeout", "1800", "--json"],
                cwd=ROOT, env=env, stdout=open(run_dir / f"demo-{carrier['name']}.json", "w"),
                stderr=open(run_dir / f"demo-{carrier['name']}.log", "w")))
        print(f"cluster-run: {args.contacts} contacts ({split[0]} via A, {split[1]} via B), calls of "
              f"{args.call_secs} s{', with kills' if args.kill else ''} (logs in {run_dir})", file=sys.stderr)
        campaign_start = time.time()
        killed_talker = killed_redis = False
        while any(demo.poll() is None for demo in demos):
            elapsed = time.time() - campaign_start
            if args.kill and not killed_talker and elapsed >= args.kill_at:
                talkers[1].send_signal(signal.SIGKILL)
                killed_talker = True
                events.append({"at": round(elapsed, 1), "event": "kill -9 talker-2"})
                print(f"  t={elapsed:.0f} s: kill -9 talker-2", file=sys.stderr)
            if args.kill and not killed_redis and elapsed >= args.redis_kill_at:
                port = master_port(env)
                pid = redis_pid(port) if port else None
                if not pid:
                    raise SystemExit(f"cluster-run: cannot find the Redis master (port {port})")
                os.kill(pid, signal.SIGKILL)
                events.append({"at": round(elapsed, 1), "event": f"kill -9 redis master :{port}"})
                print(f"  t={elapsed:.0f} s: kill -9 the Redis master (:{port})", file=sys.stderr)
                killed_redis = True
            time.sleep(0.5)
        # BYE retransmissions and the last messages reach the traces; with
        # --kill, the dead Talker's calls are still up at the carriers until
        # their 120 s guard hangs them up: wait for that too.
        time.sleep(130 if args.kill else 5)
        if args.kill:
            events.append({"event": f"Redis master after the run: :{master_port(env)}"})
    finally:
        processes.stop_all()
        if args.kill:
            sh(["scripts/infra.sh", "up"], stdout=subprocess.DEVNULL)  # the killed Redis rejoins as a replica

    campaigns = [json.loads((run_dir / f"demo-{c['name']}.json").read_text() or "{}") for c in CARRIERS]
    carriers = {}
    for carrier in CARRIERS:
        messages = parse_trace(run_dir / f"carrier-{carrier['name']}.msg")
        carriers[carrier["name"]] = {"cps_cap": carrier["cps"], "line_cap": carrier["lines"],
                                     **carrier_figures(messages, carrier["cps"], carrier["lines"])}

    # Postgres: one terminal state per contact, none lost, no overlaps.
    not_done = int(psql(db_url, "SELECT count(*) FROM contacts WHERE state <> 'done'")[0][0])
    open_attempts = int(psql(db_url, "SELECT count(*) FROM attempts WHERE outcome IS NULL")[0][0])
    finals = psql(db_url, "SELECT count(*) FILTER (WHERE n <> 1) FROM (SELECT contact_id, count(*) FILTER "
                          "(WHERE outcome <> 'lost_with_node') AS n FROM attempts GROUP BY contact_id) per_contact")
    overlaps = psql(db_url, "SELECT count(*) FROM attempts a JOIN attempts b ON a.contact_id = b.contact_id "
                            "AND a.id < b.id AND a.invite_at IS NOT NULL AND b.invite_at IS NOT NULL "
                            "AND tstzrange(a.invite_at, coalesce(a.ended_at, a.invite_at), '[]') && "
                            "tstzrange(b.invite_at, coalesce(b.ended_at, b.invite_at), '[]')")
    outcomes = dict(psql(db_url, "SELECT coalesce(outcome, 'open'), count(*) FROM attempts GROUP BY 1 ORDER BY 1"))
    contacts = int(psql(db_url, "SELECT count(*) FROM contacts")[0][0])
    report = {
        "contacts": contacts,
        "call_secs": args.call_secs,
        "kill": args.kill,
        "events": events,
        "wall_seconds": round(time.time() - started_at, 1),
        "carriers": carriers,
        "attempt_outcomes": {key: int(value) for key, value in outcomes.items()},
        "contacts_not_done": not_done,
        "attempts_left_open": open_attempts,
        "contacts_without_exactly_one_final_attempt": int(finals[0][0]),
        "overlapping_attempts_of_one_contact": int(overlaps[0][0]),
        "campaigns": campaigns,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"cluster-run{' --kill' if args.kill else ''}: {contacts} contacts, outcomes {report['attempt_outcomes']}")
    for name, figures in carriers.items():
        print(f"  carrier {name} (caps {figures['cps_cap']} CPS, {figures['line_cap']} lines): "
              f"{figures['invites']} INVITEs, most in one second {figures['most_invites_in_one_second']} "
              f"({figures['windows_over_cps_cap']} windows over the cap), most concurrent "
              f"{figures['most_concurrent_calls']}; while contacts remained: {figures.get('mean_cps')} CPS "
              f"({figures.get('cps_cap_use')} of the cap), {figures.get('mean_concurrent_calls')} lines "
              f"({figures.get('line_cap_use')} of the cap); callees in two calls at once "
              f"{figures['callees_in_two_calls_at_once']}, calls the carrier had to hang up "
              f"{figures['calls_the_carrier_hung_up']}, answers never ACKed {figures['answers_never_acked']}, "
              f"never ended {figures['calls_without_end']}")
    print(f"  contacts not done {not_done}, attempts left open {open_attempts}, contacts without exactly one "
          f"final attempt {report['contacts_without_exactly_one_final_attempt']}, overlapping attempts "
          f"{report['overlapping_attempts_of_one_contact']}")
    print(f"  JSON: {out_path}")


if __name__ == "__main__":
    main()
