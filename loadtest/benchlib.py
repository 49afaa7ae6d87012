"""Helpers shared by the load-test runners (talker-bench.py, cluster-run.py):
the infrastructure's settings, a scratch database, /proc sampling and the
processes a run starts and must stop."""

import math
import os
import signal
import struct
import subprocess
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
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
