#!/usr/bin/env python3
"""Herald Talker benchmark: one Talker against SIPp and rtp-peer on loopback.

    loadtest/talker-bench.py hold --calls 3000 --hold 60 [--cps 200]
    loadtest/talker-bench.py cps  --cps 1000 --seconds 60 [--call-secs 2]

`hold`: N calls answered and held for --hold seconds of two-way G.711
(Herald plays a --hold-second prompt, rtp-peer talks back), ramped at --cps.
`cps`: short calls (a --call-secs prompt) at --cps for --seconds.

SIPp (loadtest/sipp/uas_bench.xml) answers the signalling and points each
call's SDP at its own loopback address served by `rtp-peer`, which measures
what arrives (loss, send lateness p50/p99/max from kernel receive times) and
sends audio back. A `herald talker` and a `herald scheduler` run against a
bench database; `herald demo --carrier-script answer` creates the campaign
and reports outcomes, achieved CPS and peak concurrency. The runner samples
the Talker's CPU (/proc/PID/stat) and RSS (VmRSS) every 0.5 s. In `hold`
mode it also runs `udp-bench --mode mmsg` with the same stream count right
after, so the Talker's CPU per call is compared with the raw batched loop's
CPU per stream end, measured in the same run.

Everything stays on 127.0.0.1 / 127.1.0.0/16, with bounded counts and
durations. Prints a summary and writes JSON (default
loadtest/results/talker-<mode>-<n>.json). Needs `scripts/infra.sh up` (it
calls it) and builds herald and herald-udp-bench in release.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (ROOT, Processes, write_prompt, cpu_seconds, find_pid, fresh_database, infra_env, round_trip_counters,
                      rss_bytes, sh)


def machine_busy():
    with open("/proc/stat") as stat:
        cpu = [int(v) for v in stat.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu) - idle, sum(cpu)


def cpu_by_name(names):
    """CPU seconds of every process whose comm is in `names` (e.g. the
    Postgres backends), summed; processes that exit meanwhile drop out."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() not in names:
                    continue
            total += cpu_seconds(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    return total


def interpolate(samples, at):
    """Value of a (time, value) series at `at`, linearly interpolated."""
    before = [s for s in samples if s[0] <= at]
    after = [s for s in samples if s[0] >= at]
    if not before:
        return after[0][1]
    if not after:
        return before[-1][1]
    (t0, v0), (t1, v1) = before[-1], after[0]
    return v0 if t1 == t0 else v0 + (v1 - v0) * (at - t0) / (t1 - t0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["hold", "cps"])
    parser.add_argument("--calls", type=int, default=3000, help="hold: calls held at once")
    parser.add_argument("--hold", type=float, default=60, help="hold: seconds each call lasts")
    parser.add_argument("--cps", type=float, default=None, help="calls per second (hold: ramp; default 200 / 1000)")
    parser.add_argument("--seconds", type=float, default=60, help="cps: seconds of calling")
    parser.add_argument("--call-secs", type=float, default=2, help="cps: seconds each call lasts")
    parser.add_argument("--shards", type=int, default=0, help="Talker media loops (0 = one per core)")
    parser.add_argument("--media-mode", choices=["shared", "port_per_call"], default="shared")
    parser.add_argument("--media-priority", choices=["high", "realtime", "normal"], default="realtime")
    parser.add_argument("--peer-workers", type=int, default=2, help="rtp-peer sockets and threads (udp-bench uses 2 per side too)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--talker-wrapper", default="", help="prefix for the talker command (e.g. 'heaptrack -o F')")
    args = parser.parse_args()

    if args.mode == "hold":
        cps = args.cps or 200
        contacts = args.calls
        prompt_secs = args.hold
        max_lines = args.calls
    else:
        cps = args.cps or 1000
        contacts = int(cps * args.seconds)
        prompt_secs = args.call_secs
        max_lines = int(cps * (args.call_secs + 2) * 2)
    out_path = args.json or ROOT / f"loadtest/results/talker-{args.mode}-{contacts if args.mode == 'cps' else args.calls}.json"
    run_dir = ROOT / ".infra/talker-bench"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)

    env = infra_env()
    target = Path(env.get("CARGO_TARGET_DIR", ROOT / "target"))
    print("talker-bench: building herald and rtp-peer (release)", file=sys.stderr)
    sh(["cargo", "build", "--release", "-q", "-p", "herald", "-p", "herald-udp-bench"], env=env)
    herald = target / "release/herald"
    peer = target / "release/rtp-peer"
    udp_bench = target / "release/udp-bench"

    # A database of its own, so earlier campaigns do not compete.
    fresh_database(env, "herald_bench")
    env["HERALD__REDIS__KEY_PREFIX"] = f"bench{int(time.time())}"
    env["HERALD__TALKER__SIP_LISTEN"] = "127.0.0.1:5072"
    env["HERALD__TALKER__MAX_CALLS"] = str(max_lines + 100)
    env["HERALD__TALKER__CLAIM_BATCH"] = "500"
    env["HERALD__TALKER__CLAIM_INTERVAL_MS"] = "100"
    env["HERALD__TALKER__MEDIA_SHARDS"] = str(args.shards)
    env["HERALD__TALKER__MEDIA_MODE"] = args.media_mode
    env["HERALD__TALKER__MEDIA_PRIORITY"] = args.media_priority
    env["HERALD__TALKER__TRUNK_PROBE_SECS"] = "0"
    env["HERALD__TALKER__MAX_CALL_SECS"] = str(int(prompt_secs + 60))
    env["HERALD__LOG__LEVEL"] = "warn"
    sh([str(herald), "migrate"], env=env, stdout=subprocess.DEVNULL)

    # More streams than calls placed while one call is up, so SIPp's
    # wrapping injection file never gives a live call's address to another.
    streams = min(65000, max(contacts + 100, 1000))
    peer_port = 46000
    inf = run_dir / "streams.csv"
    sh([str(peer), "write-inf", "--streams", str(streams), "--port", str(peer_port),
        "--workers", str(args.peer_workers), "--out", str(inf)], stdout=subprocess.DEVNULL)
    prompt = run_dir / "prompt.wav"
    write_prompt(prompt, prompt_secs)

    processes = Processes(run_dir, env)
    start = processes.start

    def stop_all():
        talker_pid = find_pid([str(herald), "talker"])
        processes.stop_all([talker_pid] if talker_pid else [])

    peer_json = run_dir / "rtp-peer.json"
    sipp_stats = run_dir / "sipp-stats.csv"
    try:
        peer_process = start("rtp-peer", [str(peer), "run", "--streams", str(streams), "--port", str(peer_port),
                           "--workers", str(args.peer_workers), "--seconds", "3600", "--idle-exit", "0",
                           "--json", str(peer_json)])
        sipp = start("sipp", ["sipp", "-sf", "loadtest/sipp/uas_bench.xml", "-inf", str(inf), "-i", "127.0.0.1",
                              "-p", "5080", "-mp", "17000", "-nostdin", "-aa", "-max_socket", "65000",
                              "-trace_err", "-error_file", str(run_dir / "sipp-errors.log"),
                              "-trace_stat", "-stf", str(sipp_stats), "-fd", "1"])
        start("scheduler", [str(herald), "scheduler"], env={**env, "HERALD__NODE__OPS_LISTEN": "127.0.0.1:9474"})
        talker = start("talker", args.talker_wrapper.split() + [str(herald), "talker"], env={**env, "HERALD__NODE__OPS_LISTEN": "127.0.0.1:9475"})
        time.sleep(3)
        # With a wrapper (heaptrack, perf) the process to watch is its child.
        talker_pid = find_pid([str(herald), "talker"]) or talker.pid
        processes.check_alive()
        idle_rss = rss_bytes(talker_pid)

        samples = []  # (unix time, talker cpu s, talker rss bytes, machine busy ticks, machine total ticks)
        others = []  # (unix time, sipp cpu s, rtp-peer cpu s, postgres cpu s, redis cpu s)
        demo_out = run_dir / "demo.json"
        counters_before = round_trip_counters(env)
        demo = subprocess.Popen(
            [str(herald), "demo", "--contacts", str(contacts), "--cps", str(cps), "--carrier", "127.0.0.1:5080",
             "--prompt", str(prompt), "--carrier-script", "answer", "--max-lines", str(max_lines),
             "--ring-timeout", "10", "--timeout", str(int(contacts / cps * 1.1 + prompt_secs + 120)), "--json"],
            cwd=ROOT, env=env, stdout=open(demo_out, "w"), stderr=open(run_dir / "demo.log", "w"))
        print(f"talker-bench: {args.mode}: {contacts} calls at {cps} CPS, {prompt_secs} s each "
              f"(logs in {run_dir})", file=sys.stderr)
        last_print = 0
        while demo.poll() is None:
            busy, total = machine_busy()
            samples.append((time.time(), cpu_seconds(talker_pid), rss_bytes(talker_pid), busy, total))
            others.append((time.time(), cpu_seconds(sipp.pid), cpu_seconds(peer_process.pid),
                           cpu_by_name({"postgres"}), cpu_by_name({"redis-server"})))
            if time.time() - last_print > 10:
                last_print = time.time()
                print(f"  t={samples[-1][0] - samples[0][0]:5.0f} s  talker cpu {samples[-1][1]:7.1f} s  "
                      f"rss {samples[-1][2] / 2**20:6.1f} MiB", file=sys.stderr)
            time.sleep(0.5)
        if demo.returncode not in (0, 1):
            raise SystemExit(f"talker-bench: herald demo failed; see {run_dir / 'demo.log'}")
        campaign = json.loads(demo_out.read_text())
        counters_after = round_trip_counters(env)
        time.sleep(1.5)  # let rtp-peer see every stream go quiet
    finally:
        stop_all()

    peer_report = json.loads(peer_json.read_text())
    sipp_summary = {}
    if sipp_stats.exists():
        lines = sipp_stats.read_text().strip().splitlines()
        if len(lines) >= 2:
            header = lines[0].split(";")
            last = lines[-1].split(";")
            row = dict(zip(header, last))
            for key in ("TotalCallCreated", "SuccessfulCall(C)", "FailedCall(C)", "Retransmissions(C)",
                        "OutOfCallMsgs(C)", "DeadCallMsgs(C)", "FatalErrors(C)", "Warnings(C)"):
                if key in row:
                    try:
                        sipp_summary[key] = int(row[key])
                    except ValueError:
                        pass
            retrans = {k: int(v) for k, v in row.items() if "Retrans" in k and v.strip().isdigit()}
            sipp_summary["retransmissions_by_message"] = {k: v for k, v in retrans.items() if v}

    # The steady window: every call up (hold) / the whole calling period (cps).
    if args.mode == "hold" and campaign.get("last_answer_unix") and campaign.get("first_answered_end_unix"):
        window = (campaign["last_answer_unix"] + 2, campaign["first_answered_end_unix"] - 2)
    else:
        window = (campaign["first_invite_unix"], campaign["last_invite_unix"])
    window_secs = max(window[1] - window[0], 0.0)
    in_window = [s for s in samples if window[0] <= s[0] <= window[1]]
    talker_cpu = interpolate([(s[0], s[1]) for s in samples], window[1]) - \
        interpolate([(s[0], s[1]) for s in samples], window[0]) if window_secs > 0 else 0.0
    busy = interpolate([(s[0], s[3]) for s in samples], window[1]) - interpolate([(s[0], s[3]) for s in samples], window[0])
    total = interpolate([(s[0], s[4]) for s in samples], window[1]) - interpolate([(s[0], s[4]) for s in samples], window[0])
    peak_rss = max((s[2] for s in in_window), default=max(s[2] for s in samples))
    concurrent = campaign.get("peak_concurrent_calls", 0)
    call_seconds = campaign.get("call_seconds", 0)
    total_cpu = samples[-1][1] - samples[0][1]

    def cores(series, column):
        points = [(o[0], o[column]) for o in series]
        return round((interpolate(points, window[1]) - interpolate(points, window[0])) / window_secs, 3) \
            if window_secs > 0 and points else None

    report = {
        "mode": args.mode,
        "other_cores_in_window": {"sipp": cores(others, 1), "rtp_peer": cores(others, 2),
                                  "postgres": cores(others, 3), "redis": cores(others, 4)},
        "settings": {"calls": contacts, "cps": cps, "call_secs": prompt_secs, "media_mode": args.media_mode,
                     "media_shards": args.shards, "media_priority": args.media_priority, "peer_workers": args.peer_workers, "cores": os.cpu_count()},
        "achieved_cps": campaign.get("achieved_cps"),
        "outcomes": campaign.get("outcomes"),
        "failed_calls": contacts - campaign.get("outcomes", {}).get("answered", 0),
        "failures": campaign.get("not_answered"),
        "peak_concurrent_calls": concurrent,
        "steady_window_secs": round(window_secs, 1),
        "talker_cpu_seconds_in_window": round(talker_cpu, 2),
        "talker_cores_in_window": round(talker_cpu / window_secs, 3) if window_secs else None,
        "talker_cpu_us_per_call_second": round(1e6 * talker_cpu / (window_secs * concurrent), 1)
        if window_secs and concurrent else None,
        "talker_cpu_seconds_per_call_second_whole_run": round(total_cpu / call_seconds, 5) if call_seconds else None,
        "machine_busy_cores_in_window": round(os.cpu_count() * busy / total, 2) if total else None,
        "talker_idle_rss_mib": round(idle_rss / 2**20, 1),
        "talker_peak_rss_mib": round(peak_rss / 2**20, 1),
        "talker_rss_kib_per_call": round((peak_rss - idle_rss) / 1024 / concurrent, 1) if concurrent else None,
        "far_end": {
            "streams_seen": peer_report.get("streams_seen"),
            "peak_active_streams": peer_report.get("peak_active_streams"),
            "packets_received": peer_report.get("packets_received"),
            "loss_ratio": peer_report.get("loss_ratio"),
            "lost": peer_report.get("lost"),
            "send_lateness_us": peer_report.get("lateness_us"),
            "peer_tick_lateness_us": peer_report.get("tick_lateness_us"),
            "peer_cpu_seconds": peer_report.get("cpu_seconds"),
            "stray": peer_report.get("stray"),
        },
        "sipp": sipp_summary,
        # Everything's (Talker, scheduler, the demo driver's polling), per call placed.
        "store_work_per_call": {key: round((counters_after[key] - counters_before[key]) / contacts, 2)
                                for key in counters_after if key in counters_before},
        "campaign": campaign,
    }

    if args.mode == "hold":
        raw_json = run_dir / "udp-bench.json"
        print(f"talker-bench: raw baseline: udp-bench --mode mmsg --streams {args.calls} --seconds 20", file=sys.stderr)
        sh([str(udp_bench), "--mode", "mmsg", "--streams", str(args.calls), "--seconds", "20",
            "--workers", str(max(args.shards, 2) if args.shards else 2), "--json", str(raw_json)],
           stdout=subprocess.DEVNULL)
        raw = json.loads(raw_json.read_text())
        talker_side = raw["sides"]["talker"]
        fraction = talker_side.get("cpu_fraction_of_one_core")
        raw_us_per_stream = round(1e6 * fraction / args.calls, 1) if fraction else None
        report["raw_udp_bench"] = {"talker_side": talker_side, "cpu_us_per_packet": raw.get("cpu_us_per_packet"),
                                   "talker_side_cpu_us_per_stream_second": raw_us_per_stream}
        if raw_us_per_stream and report["talker_cpu_us_per_call_second"]:
            report["talker_cpu_ratio_to_raw"] = round(report["talker_cpu_us_per_call_second"] / raw_us_per_stream, 2)

    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2) + "\n")
    lateness = report["far_end"]["send_lateness_us"] or {}
    print(f"""talker-bench {args.mode}: {contacts} calls, {cps} CPS asked, {report['achieved_cps']} achieved
  failed calls            {report['failed_calls']}  {report['failures'] or ''}
  peak concurrent calls   {concurrent}
  far end: loss           {report['far_end']['loss_ratio']}  (lost {report['far_end']['lost']} of {report['far_end']['packets_received']} received)
  far end: send lateness  p50 {lateness.get('p50')} us, p99 {lateness.get('p99')} us, max {lateness.get('max')} us
  talker CPU              {report['talker_cores_in_window']} cores over {report['steady_window_secs']} s steady window; {report['talker_cpu_us_per_call_second']} us per call-second
  talker RSS              idle {report['talker_idle_rss_mib']} MiB, peak {report['talker_peak_rss_mib']} MiB, {report['talker_rss_kib_per_call']} KiB per call
  machine busy            {report['machine_busy_cores_in_window']} cores; besides the Talker: {report['other_cores_in_window']}
  store work per call     {report['store_work_per_call']}
  SIPp                    {sipp_summary}""")
    if "raw_udp_bench" in report:
        print(f"  raw udp-bench (talker side) {report['raw_udp_bench']['talker_side_cpu_us_per_stream_second']} us per "
              f"stream-second; Talker / raw = {report.get('talker_cpu_ratio_to_raw')}")
    print(f"  JSON: {out_path}")


if __name__ == "__main__":
    main()
