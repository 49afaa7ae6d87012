#!/usr/bin/env python3
"""Soak: one Talker at a steady load for an hour, its resources sampled.

    loadtest/soak.py [--minutes 60] [--concurrent 1500] [--call-secs 60]

Runs `talker-bench.py cps` with calls of --call-secs seconds at
concurrent / call-secs calls per second for --minutes (so about --concurrent
calls are up at any moment, with steady churn: every call ends and a new one
starts), and every 30 s samples the Talker's RSS and open file descriptors,
the Postgres connections to the bench database (pg_stat_activity) and the
Redis master's connected clients. A leak shows as a slope: the report gives,
for each series over the steady part (after the first --warmup minutes), the
least-squares slope per hour and the means of its first and last ten
minutes. Prints a summary and writes JSON (loadtest/results/soak.json).
Everything stays on loopback, bounded by --minutes.

The report is written even when the calls part fails (its exit status is
in it). `--from-log FILE` rebuilds the report from the sample lines a
previous run printed (for a run whose report was lost).
"""

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from benchlib import ROOT, find_pid, infra_env, rss_bytes


def open_fds(pid):
    try:
        return len(list(Path(f"/proc/{pid}/fd").iterdir()))
    except OSError:
        return None


def postgres_connections(env, database):
    url = env["HERALD__DATABASE__URL"].rsplit("/", 1)[0] + "/postgres"
    out = subprocess.run(["psql", url, "-Atqc", f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'"],
                         capture_output=True, text=True)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip().isdigit() else None


def redis_clients(env):
    sentinel = env["HERALD__REDIS__SENTINELS"].split(",")[0]
    host, port = sentinel.rsplit(":", 1)
    master = subprocess.run(["redis-cli", "-h", host, "-p", port, "SENTINEL", "get-master-addr-by-name",
                             env.get("HERALD__REDIS__MASTER_NAME", "herald")], capture_output=True, text=True)
    lines = master.stdout.split()
    if len(lines) < 2:
        return None
    info = subprocess.run(["redis-cli", "-h", lines[0], "-p", lines[1], "INFO", "clients"],
                          capture_output=True, text=True).stdout
    for line in info.splitlines():
        if line.startswith("connected_clients:"):
            return int(line.split(":")[1])
    return None


SAMPLE_LINE = re.compile(r"t=\s*([\d.]+) s\s+rss ([\d.]+|None) MiB\s+fds (\d+|None)\s+pg (\d+|None)\s+redis (\d+|None)")


def samples_from_log(path):
    """The sample lines a run printed, as samples."""
    def number(text, kind):
        return None if text == "None" else kind(text)
    samples = []
    for line in Path(path).read_text().splitlines():
        match = SAMPLE_LINE.search(line)
        if match:
            t, rss, fds, pg, redis = match.groups()
            samples.append((float(t), number(rss, float), number(fds, int), number(pg, int), number(redis, int)))
    return samples


def slope_per_hour(points):
    """Least-squares slope of (seconds, value) points, per hour."""
    points = [(t, v) for t, v in points if v is not None]
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return 3600 * sum((t - mean_t) * (v - mean_v) for t, v in points) / var


def mean(values):
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 2) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--concurrent", type=int, default=1500)
    parser.add_argument("--call-secs", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=3, help="minutes left out of the steady part")
    parser.add_argument("--json", type=Path, default=ROOT / "loadtest/results/soak.json")
    parser.add_argument("--from-log", type=Path, default=None, help="rebuild the report from a run's printed samples")
    args = parser.parse_args()

    cps = args.concurrent / args.call_secs
    herald = Path("(from log)")
    bench_status = None
    bench_json = ROOT / ".infra/soak-bench.json"
    if args.from_log:
        samples = samples_from_log(args.from_log)
    else:
        env = infra_env()
        command = [sys.executable, str(ROOT / "loadtest/talker-bench.py"), "cps", "--cps", f"{cps:.3f}",
                   "--seconds", str(int(args.minutes * 60)), "--call-secs", str(args.call_secs),
                   "--media-priority", "high", "--json", str(bench_json)]
        print(f"soak: {' '.join(command)}", file=sys.stderr)
        bench = subprocess.Popen(command, cwd=ROOT, env=env)
        samples = []  # (seconds since the talker appeared, rss MiB, fds, pg connections, redis clients)
        started = None
        herald = Path(env.get("CARGO_TARGET_DIR", ROOT / "target")) / "release/herald"
        while bench.poll() is None:
            time.sleep(30 if started else 2)
            talker = find_pid([str(herald), "talker"])
            if talker is None:
                continue
            if started is None:
                started = time.time()
            rss = rss_bytes(talker)
            sample = (round(time.time() - started, 1), round(rss / 2**20, 1) if rss else None, open_fds(talker),
                      postgres_connections(env, "herald_bench"), redis_clients(env))
            samples.append(sample)
            print(f"  t={sample[0]:6.0f} s  rss {sample[1]} MiB  fds {sample[2]}  pg {sample[3]}  redis {sample[4]}",
                  file=sys.stderr)
        bench_status = bench.returncode
        if bench_status != 0:
            print(f"soak: talker-bench failed ({bench_status}); the samples are reported anyway", file=sys.stderr)
    # The Talker's calls ramp up for one call length and drain for one at
    # the end: the steady part is between.
    end = samples[-1][0] - args.call_secs if samples else 0
    samples_steady_until = end

    steady = [s for s in samples if args.warmup * 60 <= s[0] <= samples_steady_until]
    names = ["rss_mib", "open_fds", "postgres_connections", "redis_clients"]
    series = {}
    for index, name in enumerate(names, start=1):
        points = [(s[0], s[index]) for s in steady]
        first = [v for t, v in points if t < steady[0][0] + 600] if steady else []
        last = [v for t, v in points if t > steady[-1][0] - 600] if steady else []
        series[name] = {
            "slope_per_hour": round(slope_per_hour(points), 3) if slope_per_hour(points) is not None else None,
            "first_10_min_mean": mean(first),
            "last_10_min_mean": mean(last),
            "min": min((v for _, v in points if v is not None), default=None),
            "max": max((v for _, v in points if v is not None), default=None),
        }
    bench_report = json.loads(bench_json.read_text()) if bench_json.exists() and not args.from_log else {}
    report = {
        "settings": {"minutes": args.minutes, "concurrent": args.concurrent, "call_secs": args.call_secs,
                     "cps": round(cps, 3), "warmup_minutes": args.warmup, "herald": str(herald),
                     "from_log": str(args.from_log) if args.from_log else None},
        "talker_bench_exit_status": bench_status,
        "series": series,
        "samples": [dict(zip(["t_secs"] + names, s)) for s in samples],
        "calls": {"achieved_cps": bench_report.get("achieved_cps"), "outcomes": bench_report.get("outcomes"),
                  "failed_calls": bench_report.get("failed_calls"),
                  "peak_concurrent_calls": bench_report.get("peak_concurrent_calls"),
                  "far_end_loss_ratio": (bench_report.get("far_end") or {}).get("loss_ratio")},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"soak: {args.minutes} min at ~{args.concurrent} concurrent calls ({cps:.1f} CPS, {args.call_secs} s calls)")
    print(f"  calls: {report['calls']}")
    for name, figures in series.items():
        print(f"  {name:22s} first 10 min {figures['first_10_min_mean']}, last 10 min {figures['last_10_min_mean']}, "
              f"slope {figures['slope_per_hour']} per hour (min {figures['min']}, max {figures['max']})")
    print(f"  JSON: {args.json}")


if __name__ == "__main__":
    main()
