"""Helpers shared by the load-test runners (talker-bench.py, cluster-run.py,
chaos.py): the infrastructure's settings, a scratch database, /proc sampling,
the processes a run starts and must stop, and what a SIPp carrier's own
message trace says about the calls it saw (INVITEs per second, concurrent
calls, callees in two calls at once)."""

import math
import os
import signal
import struct
import subprocess
import time
import wave
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# cluster-run.py's and chaos.py's two SIPp carriers and the caps Herald keeps
# them to (each carrier's own campaign and trunk).
CARRIERS = [
    {"name": "A", "port": 5091, "media_port": 16100, "cps": 20, "lines": 30},
    {"name": "B", "port": 5092, "media_port": 16200, "cps": 50, "lines": 100},
]
PAGE = os.sysconf("SC_PAGE_SIZE")


def sh(command, **kwargs):
    return subprocess.run(command, check=True, cwd=ROOT, **kwargs)


def infra_env():
    """Brings the infrastructure up and returns the environment with its
    connection settings (what `eval "$(scripts/infra.sh env)"` exports)."""
    sh(["scripts/infra.sh", "up"], stdout=subprocess.DEVNULL)
    out = subprocess.run(["scripts/infra.sh", "env"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    env = dict(os.environ)
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip("'\"")
    return env


def fresh_database(env, name):
    """Drops and recreates database `name` next to the configured one and
    points HERALD__DATABASE__URL at it."""
    base_url = env["HERALD__DATABASE__URL"]
    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    for statement in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", admin_url, "-qc", statement], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    env["HERALD__DATABASE__URL"] = base_url.rsplit("/", 1)[0] + "/" + name
    return env["HERALD__DATABASE__URL"]


def round_trip_counters(env):
    """Work the stores have done so far: the bench database's committed
    transactions, its rows fetched and written, and the Redis master's
    commands (every client's). Differences over a run, divided by its calls,
    say how many round trips each call costs."""
    url = env["HERALD__DATABASE__URL"]
    name = url.rsplit("/", 1)[1]
    row = subprocess.run(
        ["psql", url, "-Atqc", "SELECT xact_commit, tup_fetched, tup_inserted + tup_updated + tup_deleted "
         f"FROM pg_stat_database WHERE datname = '{name}'"],
        check=True, capture_output=True, text=True).stdout.strip().split("|")
    counters = {"pg_commits": int(row[0]), "pg_rows_fetched": int(row[1]), "pg_rows_written": int(row[2])}
    sentinel = env["HERALD__REDIS__SENTINELS"].split(",")[0].rsplit(":", 1)
    master = subprocess.run(
        ["redis-cli", "-h", sentinel[0], "-p", sentinel[1], "sentinel", "get-master-addr-by-name",
         env["HERALD__REDIS__MASTER_NAME"]], check=True, capture_output=True, text=True).stdout.split()
    info = subprocess.run(["redis-cli", "-h", master[0], "-p", master[1], "info", "stats"],
                          check=True, capture_output=True, text=True).stdout
    for line in info.splitlines():
        if line.startswith("total_commands_processed:"):
            counters["redis_commands"] = int(line.split(":")[1])
    return counters


def write_prompt(path, seconds):
    """A quiet 440 Hz tone, 8 kHz mono 16-bit: real audio for the codec."""
    rate = 8000
    frames = bytearray()
    for n in range(int(rate * seconds)):
        frames += struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * n / rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15; fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid):
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def find_pid(argv):
    """The pid of the process whose command line is exactly `argv`."""
    wanted = "\0".join(argv) + "\0"
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline") as cmdline:
                    if cmdline.read() == wanted:
                        return int(entry)
            except OSError:
                pass
    return None


class Processes:
    """The processes a run starts, logging to `run_dir/<name>.log`; stopped
    (SIGTERM, then SIGKILL after 30 s) in reverse order."""

    def __init__(self, run_dir, env):
        self.run_dir = run_dir
        self.env = env
        self.started = []

    def start(self, name, command, env=None):
        log = open(self.run_dir / f"{name}.log", "w")
        process = subprocess.Popen(command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        self.started.append((name, process))
        return process

    def check_alive(self):
        for name, process in self.started:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited early; see {self.run_dir / (name + '.log')}")

    def stop_all(self, extra_pids=()):
        for pid in extra_pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        for _, process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self.started):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out after {seconds} s waiting for {what}")


# ---------------------------------------------------------------- carriers' traces


def parse_trace(path):
    """SIPp's -trace_msg file → [(unix time, 'in'|'out', first line, call-id)]."""
    messages = []
    at, direction, lines = None, None, []

    def flush():
        if at is None or direction is None or not lines:
            return
        first = lines[0]
        call_id = next((line.split(":", 1)[1].strip() for line in lines
                        if line.lower().startswith(("call-id:", "i:"))), None)
        messages.append((at, direction, first, call_id))

    with open(path, errors="replace") as trace:
        for raw in trace:
            line = raw.rstrip("\n")
            if line.startswith("----------------------------------------------- "):
                flush()
                stamp = line[len("----------------------------------------------- "):].strip().replace("\t", " ")
                try:
                    at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
                except ValueError:
                    at = None
                direction, lines = None, []
                continue
            if direction is None:
                if "message received" in line:
                    direction = "in"
                elif "message sent" in line:
                    direction = "out"
                continue
            if line.strip():
                lines.append(line.strip())
    flush()
    return messages


def calls_up_area(timeline, lo, hi):
    """Call-seconds up between lo and hi, from [(time, calls up from then on)]."""
    area, previous_at, previous_up = 0.0, lo, 0
    for at, up_now in timeline:
        if at > hi:
            break
        if at > lo:
            area += previous_up * (at - max(previous_at, lo))
        previous_at, previous_up = at, up_now
    return area + previous_up * (hi - max(previous_at, lo))


def carrier_calls(messages):
    """The calls a carrier saw, from its trace: {call-id: {"callee", "invite_at",
    "answered_at" (its 200 OK to the INVITE, or None), "end" (None: never
    ended), "carrier_hung_up", "acked"}}, and the trace's last moment."""
    calls = {}
    last_seen = {}
    for at, direction, first, call_id in messages:
        if call_id is None:
            continue
        call = calls.get(call_id)
        if direction == "in" and first.startswith("INVITE ") and call is None:
            uri = first.split()[1]
            call = calls[call_id] = {"callee": uri.split(":", 1)[-1].split("@", 1)[0], "invite_at": at,
                                     "answered_at": None, "end": None, "carrier_hung_up": False, "acked": False}
        if call is None:
            continue
        if direction == "in" and first.startswith(("BYE ", "CANCEL ")) and call["end"] is None:
            call["end"] = at
        # The carrier's own BYE: Herald never hung up (a killed Talker's
        # call), and uas_answer.xml's 120 s guard ended it.
        if direction == "out" and first.startswith("BYE ") and call["end"] is None:
            call["end"] = at
            call["carrier_hung_up"] = True
        if direction == "out" and first.startswith("SIP/2.0 "):
            code = int(first.split()[1])
            if code >= 300 and call["end"] is None:
                call["end"] = at
            # The first 200 of a call answers its INVITE (a BYE's comes later).
            if code == 200 and call["answered_at"] is None and call["end"] is None:
                call["answered_at"] = at
        if direction == "in" and first.startswith("ACK "):
            call["acked"] = True
        last_seen[call_id] = at
    # A 200 OK never ACKed (its Talker was killed between the INVITE and the
    # ACK): SIPp retransmits it, gives up and drops the call without a BYE
    # (a carrier would BYE after 64*T1, RFC 3261 §13.3.1.4). The call ended
    # for the carrier at its last retransmission.
    for call_id, call in calls.items():
        call["never_acked"] = call["end"] is None and not call["acked"]
        if call["never_acked"]:
            call["end"] = last_seen[call_id]
    horizon = max((message[0] for message in messages), default=0.0)
    return calls, horizon


def carrier_figures(messages, cps_cap, lines_cap):
    """INVITEs per sliding second, concurrent calls and cap use, as the carrier saw them."""
    calls, horizon = carrier_calls(messages)
    # A callee in two calls at once, as the carrier saw it.
    by_callee = {}
    for call in calls.values():
        by_callee.setdefault(call["callee"], []).append(
            (call["invite_at"], call["end"] if call["end"] is not None else float("inf")))
    callees_in_two_calls = 0
    for spans in by_callee.values():
        spans.sort()
        if any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:])):
            callees_in_two_calls += 1
    times = sorted(call["invite_at"] for call in calls.values())
    # Most INVITEs in any window [t, t + 1 s), windows starting at an INVITE.
    most, first = 0, 0
    over = []
    for last in range(len(times)):
        while times[last] - times[first] >= 1.0:
            first += 1
        count = last - first + 1
        most = max(most, count)
        if count > cps_cap:
            over.append(round(times[last], 3))
    # Concurrent calls: +1 at the INVITE, -1 at the end (BYE, CANCEL, error).
    events = []
    for call in calls.values():
        events.append((call["invite_at"], 1))
        # A call the trace never saw end was up until the trace's last message.
        events.append((call["end"] if call["end"] is not None else horizon, -1))
    events.sort(key=lambda event: (event[0], event[1]))
    up = peak = 0
    timeline = []
    for at, step in events:
        up += step
        peak = max(peak, up)
        timeline.append((at, up))
    # Moments over the line cap: how long, and when they began.
    seconds_over, over_since, line_over = 0.0, None, []
    for at, up_now in timeline:
        if up_now > lines_cap and over_since is None:
            over_since = at
            line_over.append(round(at, 3))
        elif up_now <= lines_cap and over_since is not None:
            seconds_over += at - over_since
            over_since = None
    # Use of the caps while contacts remained: from the first to the last INVITE.
    use = {}
    if len(times) > 1:
        start, end = times[0], times[-1]
        span = end - start
        area = calls_up_area(timeline, start, end)
        # The same, per 10 s of that span: where the use was lost (the
        # ramp-up, a stall, or evenly).
        per_10s = []
        for index in range(int(span // 10) + 1):
            lo, hi = start + 10 * index, min(start + 10 * (index + 1), end)
            if hi - lo < 1:
                break
            per_10s.append(round(calls_up_area(timeline, lo, hi) / (hi - lo) / lines_cap, 3))
        use = {
            "line_cap_use_per_10s": per_10s,
            "seconds_with_contacts": round(span, 1),
            "mean_concurrent_calls": round(area / span, 2),
            "line_cap_use": round(area / span / lines_cap, 3),
            "mean_cps": round((len(times) - 1) / span, 2),
            "cps_cap_use": round((len(times) - 1) / span / cps_cap, 3),
        }
        use["binding_cap_use"] = max(use["line_cap_use"], use["cps_cap_use"])
    return {
        "invites": len(times),
        "most_invites_in_one_second": most,
        "windows_over_cps_cap": len(over),
        "first_windows_over_cap": over[:10],
        "most_concurrent_calls": peak,
        "line_cap_overshoot": max(0, peak - lines_cap),
        "times_over_line_cap": len(line_over),
        "seconds_over_line_cap": round(seconds_over, 3),
        "first_moments_over_line_cap": line_over[:10],
        "calls_without_end": sum(1 for call in calls.values() if call["end"] is None),
        "calls_the_carrier_hung_up": sum(1 for call in calls.values() if call["carrier_hung_up"]),
        "answers_never_acked": sum(1 for call in calls.values() if call["never_acked"]),
        "callees_in_two_calls_at_once": callees_in_two_calls,
        **use,
    }


# ---------------------------------------------------------------- Postgres and Redis


def psql(url, query, timeout=60):
    out = subprocess.run(["psql", url, "-AtXqc", query], check=True, capture_output=True, text=True,
                         timeout=timeout).stdout
    return [line.split("|") for line in out.strip().splitlines() if line]


def master_port(env):
    """The Redis master's port, as the first Sentinel that answers says."""
    for sentinel in env["HERALD__REDIS__SENTINELS"].split(","):
        host, port = sentinel.split(":")
        out = subprocess.run(["redis-cli", "-h", host, "-p", port, "--raw", "SENTINEL", "get-master-addr-by-name",
                              env.get("HERALD__REDIS__MASTER_NAME", "herald")], capture_output=True, text=True,
                             timeout=10)
        fields = out.stdout.split()
        if len(fields) == 2:
            return int(fields[1])
    return None


def redis_pid(port):
    """The process id of the Redis server on `port` (from INFO server)."""
    out = subprocess.run(["redis-cli", "-p", str(port), "INFO", "server"], capture_output=True, text=True,
                         timeout=10).stdout
    for line in out.splitlines():
        if line.startswith("process_id:"):
            return int(line.split(":", 1)[1])
    return None
