#!/usr/bin/env python3
"""Issue #16's chaos suite: a campaign through 3 Talkers and 2 SIPp carriers,
each process in its own network namespace, with real faults injected.

    loadtest/chaos.py --scenario 2 [--scenario 5 ...] [--contacts 10000]
    loadtest/chaos.py --all
    loadtest/chaos.py --cleanup        # remove what a killed run left behind

Run as root (namespaces, iptables, tc). Every Herald process (3
`herald talker`, 2 `herald scheduler`) and each SIPp carrier
(loadtest/sipp/uas_answer.xml, capped by Herald as cluster-run.py's
carriers: A 20 CPS / 30 lines, B 50 CPS / 100 lines) runs in its own
namespace `hx-…`, joined by a veth pair to the bridge `hxbr0`
(10.77.0.1/24 on the host). PostgreSQL, Redis and the Sentinels stay on the
host's loopback (`scripts/infra.sh up`).

Reaching the host's loopback from a namespace: Sentinel announces the
master as 127.0.0.1:<port>, and Herald's settings say 127.0.0.1 too, but in
a namespace 127.0.0.1 is the namespace's own loopback. So inside each
namespace the infrastructure's TCP ports on 127.0.0.1 are DNAT'ed to the
bridge address (`route_localnet`, nat OUTPUT + a POSTROUTING SNAT to the
namespace's address), and on the host the bridge address's same ports are
DNAT'ed to 127.0.0.1 (`route_localnet` on the bridge only) and SNAT'ed to
127.0.0.1 (nat INPUT), so Postgres's pg_hba sees a loopback client and
nothing on the host has to listen anywhere else. Herald runs with its
ordinary 127.0.0.1 settings.

Faults (`--scenario N`, repeatable, or `--all`; each on a fresh database,
fresh processes, times counted from the moment both campaigns run):

  0  no fault (a baseline; not in --all)
  1  Postgres restarted: `fast` at 30 s, `immediate` at 75 s
  2  Postgres blackholed from talker-2 for 30 s (30-60 s), then 90 s (90-180 s)
  3  the Redis master killed with SIGKILL at 30 s (Sentinel fails over)
  4  Redis (servers and Sentinels) blackholed from talker-2 for 60 s (30-90 s)
  5  5 % loss and 50 ms ± 20 ms delay each way on carrier B's link (30-90 s):
     tc netem, or, on a kernel without netem, iptables `statistic` drops and
     this script's NFQUEUE delayer (`--delayer`) on carrier B's SIP
  6  carrier A stops answering for 30 s (30-60 s): everything to it dropped
  7  the Scheduler leader's namespace cut off for 60 s (30-90 s)
  8  talker-2 killed with SIGKILL at 30 s

A blackhole is iptables DROP on *input* at both ends (in the namespace and
on the host, or in both namespaces): packets vanish silently, no RST, no
EPERM to the sender, as when a host or link disappears.

Judged from Postgres and from the carriers' own SIPp traces (-trace_msg);
every check must be 0 (see loadtest/README.md, "chaos.py"). Prints a table
and writes JSON (loadtest/results/chaos.json, or --json PATH; entries of
scenarios not run this time are kept). Everything it made (namespaces,
veths, the bridge, iptables rules, qdiscs) is removed on exit, Ctrl-C and
exceptions included; each scenario has a deadline.
"""

import argparse
import atexit
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from benchlib import (CARRIERS, ROOT, Processes, carrier_calls, carrier_figures, fresh_database, infra_env,
                      master_port, parse_trace, psql, redis_pid, write_prompt)

BRIDGE = "hxbr0"
HOST_IP = "10.77.0.1"
SUBNET = "10.77.0.0/24"
TAG = "herald-chaos"  # comment on every host iptables rule we add
NODES = {  # name: (namespace, address)
    "talker-1": ("hx-t1", "10.77.0.11"),
    "talker-2": ("hx-t2", "10.77.0.12"),
    "talker-3": ("hx-t3", "10.77.0.13"),
    "scheduler-1": ("hx-s1", "10.77.0.21"),
    "scheduler-2": ("hx-s2", "10.77.0.22"),
    "carrier-A": ("hx-cA", "10.77.0.31"),
    "carrier-B": ("hx-cB", "10.77.0.32"),
}
TALKERS = ["talker-1", "talker-2", "talker-3"]
SCHEDULERS = ["scheduler-1", "scheduler-2"]
SIP_PORT = 5060
LEASE_SECS = 15
MAX_CALL_SECS = 150
FAULT_VICTIM = "talker-2"


def log(message):
    print(f"chaos: {message}", file=sys.stderr, flush=True)


def run(command, check=True, timeout=30, **kwargs):
    return subprocess.run(command, check=check, timeout=timeout, capture_output=True, text=True, **kwargs)


def ns_run(namespace, command, check=True):
    return run(["ip", "netns", "exec", namespace, *command], check=check)


# ---------------------------------------------------------------- the network


class Network:
    """The bridge, the namespaces and their veths, the NAT that lets a
    namespace reach the host's loopback services, and the faults. Every
    fault returns an undo; `heal()` runs the pending ones, `down()` removes
    everything (idempotent: also called at exit)."""

    def __init__(self, infra_ports):
        self.infra_ports = sorted(set(infra_ports))
        self.undo = {}

    def veth(self, name):
        return "hxv-" + NODES[name][0][3:]

    def up(self):
        self.down()  # leftovers of a killed run
        sh = lambda *command: run(list(command))  # noqa: E731
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        sh("ip", "addr", "add", f"{HOST_IP}/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        # Packets from the bridge may be DNAT'ed to 127.0.0.1 (this bridge only).
        sh("sysctl", "-qw", f"net.ipv4.conf.{BRIDGE}.route_localnet=1")
        ports = ",".join(map(str, self.infra_ports))
        host_rules = [
            ["-t", "nat", "-A", "PREROUTING", "-i", BRIDGE, "-d", HOST_IP, "-p", "tcp", "-m", "multiport",
             "--dports", ports, "-j", "DNAT", "--to-destination", "127.0.0.1"],
            ["-t", "nat", "-A", "INPUT", "-s", SUBNET, "-d", "127.0.0.1", "-p", "tcp", "-m", "multiport",
             "--dports", ports, "-j", "SNAT", "--to-source", "127.0.0.1"],
        ]
        for rule in host_rules:
            run(["iptables", *rule, "-m", "comment", "--comment", TAG])
        for name, (namespace, address) in NODES.items():
            veth = self.veth(name)
            sh("ip", "netns", "add", namespace)
            sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            sh("ip", "link", "set", veth, "master", BRIDGE, "up")
            ns_run(namespace, ["ip", "addr", "add", f"{address}/24", "dev", "eth0"])
            ns_run(namespace, ["ip", "link", "set", "eth0", "up"])
            ns_run(namespace, ["ip", "link", "set", "lo", "up"])
            ns_run(namespace, ["sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1"])
            ns_run(namespace, ["iptables", "-t", "nat", "-A", "OUTPUT", "-d", "127.0.0.1", "-p", "tcp", "-m",
                               "multiport", "--dports", ports, "-j", "DNAT", "--to-destination", HOST_IP])
            ns_run(namespace, ["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "127.0.0.1", "-o", "eth0",
                               "-j", "SNAT", "--to-source", address])

    def check(self, env):
        """Postgres and the Sentinel-announced Redis master answer from a namespace."""
        namespace = NODES["talker-1"][0]
        url = env["HERALD__DATABASE__URL"]
        ns_run(namespace, ["psql", url, "-AtXqc", "SELECT 1"])
        port = master_port(env)
        out = ns_run(namespace, ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "PING"]).stdout.strip()
        if out != "PONG":
            raise SystemExit(f"chaos: Redis :{port} does not answer from {namespace}: {out!r}")

    # ---- faults: each returns its undo

    def _host_rule(self, rule):
        full = ["iptables", "-I", *rule, "-m", "comment", "--comment", TAG]
        run(full)
        return lambda: run(["iptables", "-D", *rule, "-m", "comment", "--comment", TAG], check=False)

    def _ns_rule(self, namespace, rule):
        ns_run(namespace, ["iptables", "-I", *rule])
        return lambda: ns_run(namespace, ["iptables", "-D", *rule], check=False)

    def blackhole_infra(self, name, ports):
        """Drops TCP between node `name` and the host's `ports`, both ways, on input."""
        namespace, address = NODES[name]
        spec = ",".join(map(str, ports))
        undos = [
            self._ns_rule(namespace, ["INPUT", "-p", "tcp", "-m", "multiport", "--sports", spec, "-j", "DROP"]),
            self._host_rule(["INPUT", "-s", address, "-p", "tcp", "-m", "multiport", "--dports", spec, "-j",
                             "DROP"]),
        ]
        return lambda: [undo() for undo in reversed(undos)]

    def isolate(self, name):
        """Cuts node `name` off from everything: its input, and everyone's input from it."""
        namespace, address = NODES[name]
        undos = [self._ns_rule(namespace, ["INPUT", "-i", "eth0", "-j", "DROP"]),
                 self._host_rule(["INPUT", "-s", address, "-j", "DROP"])]
        for other, (other_namespace, _) in NODES.items():
            if other != name:
                undos.append(self._ns_rule(other_namespace, ["INPUT", "-s", address, "-j", "DROP"]))
        return lambda: [undo() for undo in reversed(undos)]

    def netem(self, name, loss_percent, delay_ms, jitter_ms):
        """`loss_percent` % loss and `delay_ms` ± `jitter_ms` delay each way on
        node `name`'s link: `tc netem` on both ends of its veth, or, on a
        kernel without netem (CONFIG_NET_SCH_NETEM off, as on this VM),
        iptables `statistic` drops on input at both ends (all traffic) and
        this script's NFQUEUE delayer on the node's SIP packets both ways
        (its RTP is lossy but not delayed)."""
        namespace, address = NODES[name]
        veth = self.veth(name)
        spec = ["loss", f"{loss_percent}%", "delay", f"{delay_ms}ms", f"{jitter_ms}ms"]
        if run(["tc", "qdisc", "add", "dev", veth, "root", "netem", *spec], check=False).returncode == 0:
            ns_run(namespace, ["tc", "qdisc", "add", "dev", "eth0", "root", "netem", *spec])

            def undo_netem():
                run(["tc", "qdisc", "del", "dev", veth, "root"], check=False)
                ns_run(namespace, ["tc", "qdisc", "del", "dev", "eth0", "root"], check=False)
            return undo_netem, f"tc netem {' '.join(spec)} on both ends of {name}'s link"
        queue = 16
        delayer_process = subprocess.Popen(
            ["ip", "netns", "exec", namespace, sys.executable, str(Path(__file__).resolve()), "--delayer",
             f"{queue},{delay_ms},{jitter_ms}"], stdin=subprocess.DEVNULL)
        time.sleep(0.5)
        sip = str(SIP_PORT)
        queued = [self._ns_rule(namespace, ["INPUT", "-p", "udp", "--dport", sip, "-j", "NFQUEUE", "--queue-num",
                                            str(queue), "--queue-bypass"]),
                  self._ns_rule(namespace, ["OUTPUT", "-p", "udp", "--sport", sip, "-j", "NFQUEUE", "--queue-num",
                                            str(queue), "--queue-bypass"])]
        lossy = ["-m", "statistic", "--mode", "random", "--probability", str(loss_percent / 100), "-j", "DROP"]
        dropped = [self._ns_rule(namespace, ["INPUT", "-i", "eth0", *lossy])]
        for other, (other_namespace, _) in NODES.items():
            if other != name:
                dropped.append(self._ns_rule(other_namespace, ["INPUT", "-s", address, *lossy]))

        def undo():
            for rule_undo in dropped + queued:
                rule_undo()
            time.sleep(2 * (delay_ms + jitter_ms) / 1000)  # let the held packets go
            delayer_process.terminate()
            delayer_process.wait(timeout=10)
        return undo, (f"{loss_percent} % loss (iptables statistic) and {delay_ms} ms ± {jitter_ms} ms delay "
                      f"(NFQUEUE delayer, SIP only) each way on {name}'s link: no netem in this kernel")

    def heal(self):
        for label, undo in list(self.undo.items()):
            try:
                undo()
            except Exception as error:  # keep healing the others
                log(f"undoing {label}: {error}")
            self.undo.pop(label, None)

    def down(self):
        """Removes everything this script makes; safe to call any time, twice."""
        self.undo.clear()
        existing = run(["ip", "netns", "list"], check=False).stdout.split()
        for namespace, _ in NODES.values():
            if namespace not in existing:
                continue
            # Processes we started in it (after a killed run): by their ids.
            for pid in run(["ip", "netns", "pids", namespace], check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
            run(["ip", "netns", "del", namespace], check=False)
        for name in NODES:
            run(["ip", "link", "del", self.veth(name)], check=False)
        run(["ip", "link", "del", BRIDGE], check=False)
        for table in ("filter", "nat"):
            rules = run(["iptables", "-t", table, "-S"], check=False).stdout.splitlines()
            for rule in rules:
                if TAG in rule and rule.startswith("-A "):
                    run(["iptables", "-t", table, "-D", *shlex.split(rule)[1:]], check=False)


# ---------------------------------------------------------------- infrastructure faults


def postgres_restart_command(env, mode):
    """How to restart the Postgres that infra.sh found: a Debian cluster
    (pg_ctlcluster) or infra.sh's own (pg_ctl -D)."""
    url = env["HERALD__DATABASE__URL"].rsplit("/", 1)[0] + "/postgres"
    config_file, data_dir = [row[0] for row in psql(url, "SHOW config_file; SHOW data_directory")]
    debian = re.match(r"/etc/postgresql/([^/]+)/([^/]+)/postgresql\.conf$", config_file)
    if debian:
        return ["pg_ctlcluster", debian.group(1), debian.group(2), "restart", "-m", mode]
    bindir = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: float(p.parent.name))
    logfile = Path(data_dir).parent / "postgres.log"
    return ["runuser", "-u", "postgres", "--", str(bindir / "pg_ctl"), "-D", data_dir, "-l", str(logfile),
            "-w", "-t", "60", "restart", "-m", mode]


def wait_postgres(env, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if run(["pg_isready", "-q", "-d", env["HERALD__DATABASE__URL"]], check=False).returncode == 0:
            return True
        time.sleep(0.5)
    return False


# ---------------------------------------------------------------- scenarios


class Context:
    """What a fault needs: the network, the processes, the environment."""

    def __init__(self, net, env, infra, processes, run_dir):
        self.net, self.env, self.infra, self.processes, self.run_dir = net, env, infra, processes, run_dir
        self.events = []
        self.redis_killed = False


def restart_postgres(mode):
    def act(ctx):
        command = postgres_restart_command(ctx.env, mode)
        began = time.time()
        result = run(command, check=False, timeout=120)
        ready = wait_postgres(ctx.env)
        return (f"`{' '.join(command)}` exit {result.returncode}, ready again after "
                f"{time.time() - began:.1f} s{'' if ready else ' (NOT ready)'}")
    return act


def kill_redis_master(ctx):
    port = master_port(ctx.env)
    pid = redis_pid(port) if port else None
    if not pid:
        return f"no Redis master found (port {port})"
    os.kill(pid, signal.SIGKILL)
    ctx.redis_killed = True
    return f"killed the Redis master :{port} (pid {pid})"


def kill_talker(name):
    def act(ctx):
        process = ctx.processes.by_name[name]
        process.send_signal(signal.SIGKILL)
        return f"killed {name} (pid {process.pid})"
    return act


def leadership(run_dir):
    """[(unix time, scheduler, message)] of the schedulers' log lines about
    leadership ("became scheduler leader", losing or standing down)."""
    seen = []
    for name in SCHEDULERS:
        path = run_dir / f"{name}.log"
        if not path.exists():
            continue
        for line in strip_ansi(path.read_text(errors="replace")).splitlines():
            if "leader" not in line:
                continue
            fields = line.split(None, 2)
            try:
                at = datetime.fromisoformat(fields[0].replace("Z", "+00:00")).timestamp()
            except (ValueError, IndexError):
                continue
            message = fields[2].split(": ", 1)[-1] if len(fields) > 2 else line
            seen.append((at, name, message[:160]))
    return sorted(seen)


def scheduler_leader(run_dir):
    """The scheduler whose log says last "became scheduler leader"."""
    became = [name for _, name, what in leadership(run_dir) if what.startswith("became scheduler leader")]
    return became[-1] if became else None


def isolate_leader(ctx):
    leader = scheduler_leader(ctx.run_dir)
    if leader is None:
        return None, "no scheduler leader found in the logs"
    return ctx.net.isolate(leader), f"cut off {leader} (the scheduler leader)"


def fault(start, end, what, make):
    """A fault from `start` to `end` seconds: `make(ctx)` applies it and returns
    (undo, description) or an undo."""
    return [(start, what, ("on", what, make)), (end, f"end: {what}", ("off", what, None))]


SCENARIOS = {
    0: ("no fault (baseline)", []),
    1: ("Postgres restarted: fast at 30 s, immediate at 75 s",
        [(30, "restart Postgres (fast)", ("act", restart_postgres("fast"))),
         (75, "restart Postgres (immediate)", ("act", restart_postgres("immediate")))]),
    2: ("Postgres blackholed from talker-2: 30 s, then 90 s",
        fault(30, 60, "Postgres blackholed from talker-2",
              lambda ctx: ctx.net.blackhole_infra(FAULT_VICTIM, [ctx.infra["pg_port"]]))
        + fault(90, 180, "Postgres blackholed from talker-2 (90 s)",
                lambda ctx: ctx.net.blackhole_infra(FAULT_VICTIM, [ctx.infra["pg_port"]]))),
    3: ("Redis master killed (Sentinel failover)", [(30, "kill -9 the Redis master", ("act", kill_redis_master))]),
    4: ("Redis blackholed from talker-2 for 60 s",
        fault(30, 90, "Redis and Sentinels blackholed from talker-2",
              lambda ctx: ctx.net.blackhole_infra(FAULT_VICTIM, ctx.infra["redis_ports"]))),
    5: ("5 % loss, 50 ms ± 20 ms delay to carrier B for 60 s",
        fault(30, 90, "5 % loss, 50 ms ± 20 ms delay on carrier B's link",
              lambda ctx: ctx.net.netem("carrier-B", 5, 50, 20))),
    6: ("carrier A stops answering for 30 s",
        fault(30, 60, "carrier A cut off", lambda ctx: ctx.net.isolate("carrier-A"))),
    7: ("Scheduler leader cut off for 60 s", fault(30, 90, "scheduler leader cut off", isolate_leader)),
    8: ("kill -9 of a Talker", [(30, "kill -9 talker-2", ("act", kill_talker(FAULT_VICTIM)))]),
}


def scenario_needs(number):
    """Seconds of campaign the scenario needs: its last step + 30 s."""
    return max((at for at, _, _ in SCENARIOS[number][1]), default=0) + 30


def carrier_rates(call_secs):
    return [min(c["cps"], c["lines"] / (call_secs + 0.3)) for c in CARRIERS]


def call_secs_for(contacts, call_secs, need):
    """The call length (≥ call_secs) that makes the campaign last ≥ need seconds."""
    while contacts / sum(carrier_rates(call_secs)) < need and call_secs < 120:
        call_secs += 0.5
    return call_secs


# ---------------------------------------------------------------- judging


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def digits(number):
    return re.sub(r"\D", "", number or "")


def log_summary(path):
    """WARN/ERROR lines of a Herald log: counts and the most common messages."""
    if not path.exists():
        return {}
    counts, messages, first = Counter(), Counter(), {}
    for line in strip_ansi(path.read_text(errors="replace")).splitlines():
        match = re.match(r"(\S+)\s+(WARN|ERROR)\s+(.*)", line)
        if not match:
            continue
        if "two calls' media from one address" in line:
            # Expected: a SIPp carrier's calls share its one media port.
            counts["shared_media_address"] += 1
            continue
        counts[match.group(2)] += 1
        # The message without the fields' values: "re-queued contacts whose lease expired reaped=12" → key.
        message = re.sub(r"=(\"[^\"]*\"|\S+)", "=…", match.group(3))
        messages[message] += 1
        first.setdefault(message, f"{match.group(1)} {match.group(3)}"[:400])
    return {"warn": counts["WARN"], "error": counts["ERROR"], "shared_media_address": counts["shared_media_address"],
            "top": [{"count": count, "message": message, "first": first[message]}
                    for message, count in messages.most_common(8)]}


def judge(db_url, run_dir, carriers_by_address):
    """The checks of one scenario (each must be 0) and the figures behind them."""
    q = lambda query: psql(db_url, query, timeout=120)  # noqa: E731
    contacts = int(q("SELECT count(*) FROM contacts")[0][0])
    # Every contact: done, no attempt left open, exactly one final outcome
    # (an outcome other than lost_with_node), or done as lost_with_node
    # after the reaper's last re-queue.
    finals = q("""
        SELECT count(*) FILTER (WHERE state <> 'done'),
               count(*) FILTER (WHERE open > 0),
               count(*) FILTER (WHERE finals > 1),
               count(*) FILTER (WHERE finals = 0 AND last_outcome IS DISTINCT FROM 'lost_with_node'),
               count(*) FILTER (WHERE finals = 0 AND last_outcome = 'lost_with_node'),
               count(*) FILTER (WHERE state <> 'done' OR open > 0 OR finals > 1
                                OR (finals = 0 AND last_outcome IS DISTINCT FROM 'lost_with_node'))
        FROM (SELECT c.id, c.state, c.last_outcome,
                     count(a.id) FILTER (WHERE a.outcome IS NOT NULL AND a.outcome <> 'lost_with_node') AS finals,
                     count(a.id) FILTER (WHERE a.id IS NOT NULL AND a.outcome IS NULL) AS open
              FROM contacts c LEFT JOIN attempts a ON a.contact_id = c.id GROUP BY c.id) per_contact""")[0]
    overlaps = int(q("""
        SELECT count(DISTINCT a.contact_id) FROM attempts a JOIN attempts b
          ON a.contact_id = b.contact_id AND a.id < b.id
         AND tstzrange(coalesce(a.invite_at, a.created_at), coalesce(a.ended_at, now()), '[)') &&
             tstzrange(coalesce(b.invite_at, b.created_at), coalesce(b.ended_at, now()), '[)')""")[0][0])
    again_pg = int(q("""
        SELECT count(DISTINCT a.contact_id) FROM attempts a JOIN attempts b
          ON b.contact_id = a.contact_id AND b.id <> a.id AND b.created_at >= a.answered_at
         WHERE a.outcome = 'answered'""")[0][0])
    outcomes = {k: int(v) for k, v in q("SELECT coalesce(outcome, 'open'), count(*) FROM attempts GROUP BY 1")}
    by_node = {}
    for node, outcome, count in q("SELECT node_id, coalesce(outcome, 'open'), count(*) FROM attempts GROUP BY 1, 2"):
        by_node.setdefault(node, {})[outcome] = int(count)
    by_call_id = {}
    for call_id, count, outcome in q("SELECT sip_call_id, count(*), min(outcome) FROM attempts "
                                     "WHERE sip_call_id IS NOT NULL GROUP BY 1"):
        by_call_id[call_id] = (int(count), outcome)
    # Attempts without a call id (the reaper's lost_with_node, or left open):
    # matched to a carrier's call by campaign, number and time.
    unnamed = {}
    for campaign, phone, outcome, start, end in q(
            "SELECT campaign_id, phone, coalesce(outcome, 'open'), extract(epoch FROM created_at), "
            "extract(epoch FROM coalesce(ended_at, now())) FROM attempts WHERE sip_call_id IS NULL"):
        unnamed.setdefault((int(campaign), digits(phone)), []).append((float(start), float(end), outcome))
    # Contacts closed although no INVITE of theirs ever left a Talker (no
    # attempt has an invite time or a call id): were they called at all?
    # (The carriers' traces decide: an attempt recorded lost_with_node has
    # neither, even if its INVITE went out.)
    closed_uncalled = {}
    for campaign, phone in q("SELECT c.campaign_id, c.phone FROM contacts c WHERE c.state = 'done' AND NOT EXISTS "
                             "(SELECT 1 FROM attempts a WHERE a.contact_id = c.id "
                             "AND (a.invite_at IS NOT NULL OR a.sip_call_id IS NOT NULL))"):
        closed_uncalled.setdefault(int(campaign), []).append(digits(phone))
    # Why attempts did not end answered, by node.
    not_answered = [{"node": node, "outcome": outcome, "sip_code": code, "sip_reason": reason,
                     "invite_sent": sent == "t", "attempts": int(count)}
                    for node, outcome, code, reason, sent, count in q(
                        "SELECT node_id, coalesce(outcome, 'open'), coalesce(sip_code::text, ''), "
                        "coalesce(sip_reason, ''), invite_at IS NOT NULL, count(*) FROM attempts "
                        "WHERE outcome IS DISTINCT FROM 'answered' GROUP BY 1, 2, 3, 4, 5 ORDER BY 6 DESC LIMIT 20")]
    campaign_of = {}
    for campaign, host, port in q("SELECT c.id, t.host, t.port FROM campaigns c JOIN trunks t ON t.id = c.trunk_id"):
        campaign_of[f"{host}:{port}"] = int(campaign)

    carriers = {}
    for address, carrier in carriers_by_address.items():
        messages = parse_trace(run_dir / f"carrier-{carrier['name']}.msg")
        figures = carrier_figures(messages, carrier["cps"], carrier["lines"])
        calls, _ = carrier_calls(messages)
        campaign = campaign_of.get(address)
        records = Counter()
        for call_id, call in calls.items():
            count, outcome = by_call_id.get(call_id, (0, None))
            if count > 1:
                records["more_than_one"] += 1
            elif count == 1:
                if call["answered_at"] is not None and outcome != "answered":
                    records["answered_but_recorded_" + str(outcome)] += 1
                else:
                    records["one"] += 1
            else:
                matches = [o for start, end, o in unnamed.get((campaign, digits(call["callee"])), [])
                           if start - 1 <= call["invite_at"] <= end + 1]
                if matches:
                    key = "answered_recorded_" if call["answered_at"] is not None else "recorded_"
                    records[key + matches[0]] += 1
                else:
                    records["none"] += 1
        # Callees called again after the carrier answered them.
        by_callee = {}
        for call in calls.values():
            by_callee.setdefault(call["callee"], []).append(call)
        again = 0
        for callee_calls in by_callee.values():
            callee_calls.sort(key=lambda call: call["invite_at"])
            if any(call["answered_at"] is not None for call in callee_calls[:-1]):
                again += 1
        callees = {digits(call["callee"]) for call in calls.values()}
        uncalled = sum(1 for phone in closed_uncalled.get(campaign, []) if phone not in callees)
        carriers[carrier["name"]] = {
            "address": address, "campaign_id": campaign, "cps_cap": carrier["cps"], "line_cap": carrier["lines"],
            **figures, "called_again_after_answer": again, "records": dict(records),
            "contacts_closed_without_a_call": uncalled}

    def carrier_sum(key):
        return sum(figures[key] for figures in carriers.values())

    checks = {
        "contacts_without_one_final_state": int(finals[5]),
        "overlapping_attempts_pg": overlaps,
        "called_again_after_answer_pg": again_pg,
        "callees_in_two_calls_at_once": carrier_sum("callees_in_two_calls_at_once"),
        "called_again_after_answer_carrier": carrier_sum("called_again_after_answer"),
        "carrier_calls_without_one_record": sum(figures["records"].get("none", 0)
                                                + figures["records"].get("more_than_one", 0)
                                                for figures in carriers.values()),
        "contacts_closed_without_a_call": carrier_sum("contacts_closed_without_a_call"),
        "windows_over_cps_cap": carrier_sum("windows_over_cps_cap"),
        "line_cap_overshoot": max((figures["line_cap_overshoot"] for figures in carriers.values()), default=0),
    }
    info = {
        "answers_recorded_lost": sum(count for figures in carriers.values()
                                     for key, count in figures["records"].items()
                                     if key.startswith("answered_recorded_")),
        "answers_recorded_otherwise": sum(count for figures in carriers.values()
                                          for key, count in figures["records"].items()
                                          if key.startswith("answered_but_recorded_")),
        "lost_with_node_attempts": outcomes.get("lost_with_node", 0),
    }
    postgres = {
        "contacts": contacts, "contacts_not_done": int(finals[0]), "contacts_with_open_attempts": int(finals[1]),
        "contacts_with_several_final_outcomes": int(finals[2]),
        "contacts_without_final_outcome": int(finals[3]),
        "contacts_done_as_lost_with_node": int(finals[4]),
        "attempt_outcomes": outcomes, "attempt_outcomes_by_node": by_node, "not_answered": not_answered,
    }
    return checks, info, postgres, carriers


# ---------------------------------------------------------------- one scenario


def has_journal(herald, known={}):
    """Whether this build has `talker.journal_dir` (an unknown key is refused)."""
    if herald not in known:
        with open(herald, "rb") as binary:
            known[herald] = b"journal_dir" in binary.read()
    return known[herald]


class NamedProcesses(Processes):
    def __init__(self, run_dir, env):
        super().__init__(run_dir, env)
        self.by_name = {}

    def start_in(self, name, command, env=None):
        process = self.start(name, ["ip", "netns", "exec", NODES[name][0], *command], env=env)
        self.by_name[name] = process
        return process


def campaign_progress(db_url):
    try:
        rows = psql(db_url, "SELECT (SELECT count(*) FROM campaigns), "
                            "(SELECT count(*) FROM campaigns WHERE status = 'running'), "
                            "(SELECT count(*) FROM campaigns WHERE status = 'completed'), "
                            "(SELECT count(*) FROM contacts WHERE state = 'done'), "
                            "(SELECT count(*) FROM contacts), "
                            "(SELECT count(*) FROM contacts WHERE state = 'leased')", timeout=5)
        return [int(value) for value in rows[0]]
    except (subprocess.SubprocessError, OSError, IndexError, ValueError):
        return None


def run_scenario(number, args, base_env, infra, net, herald, call_secs, split):
    title, plan = SCENARIOS[number]
    run_dir = args.run_dir / f"scenario-{number}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    env = dict(base_env)
    db_url = fresh_database(env, "herald_chaos")
    env["HERALD__REDIS__KEY_PREFIX"] = f"chaos{number}x{int(time.time())}"
    env["HERALD__LOG__LEVEL"] = "info"
    env["HERALD__LOG__FORMAT"] = "text"
    env["HERALD__TALKER__CLAIM_INTERVAL_MS"] = "100"
    run([herald, "migrate"], env=env, timeout=120, cwd=ROOT)
    prompt = run_dir / "prompt.wav"
    write_prompt(prompt, call_secs)
    log(f"scenario {number}: {title} ({args.contacts} contacts, calls of {call_secs} s; logs in {run_dir})")

    processes = NamedProcesses(run_dir, env)
    ctx = Context(net, env, infra, processes, run_dir)
    result = {"scenario": number, "title": title, "contacts": args.contacts, "call_secs": call_secs,
              "herald": herald, "herald_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                              time.gmtime(os.path.getmtime(herald))),
              "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    carriers_by_address = {}
    demos = []
    started = time.time()
    try:
        for carrier in CARRIERS:
            name = f"carrier-{carrier['name']}"
            address = NODES[name][1]
            carriers_by_address[f"{address}:{SIP_PORT}"] = carrier
            processes.start_in(name, [
                "sipp", "-sf", "loadtest/sipp/uas_answer.xml", "-i", address, "-p", str(SIP_PORT),
                "-mp", str(carrier["media_port"]), "-nostdin", "-aa", "-max_socket", "10000",
                "-trace_msg", "-message_file", str(run_dir / f"carrier-{carrier['name']}.msg"),
                "-trace_err", "-error_file", str(run_dir / f"carrier-{carrier['name']}.err")])
        for name in SCHEDULERS:
            address = NODES[name][1]
            processes.start_in(name, [herald, "scheduler"], env={
                **env, "HERALD__NODE__ID": name, "HERALD__NODE__OPS_LISTEN": f"{address}:9464"})
            time.sleep(1)  # scheduler-1 leads at first
        for index, name in enumerate(TALKERS):
            address = NODES[name][1]
            # Each Talker is a host of its own: its own record journal (if this
            # build has one), kept in the run's directory.
            journal = {"HERALD__TALKER__JOURNAL_DIR": str(run_dir / f"journal-{name}")} if has_journal(herald) else {}
            processes.start_in(name, [herald, "talker"], env={
                **journal,
                **env,
                "HERALD__NODE__ID": name,
                "HERALD__NODE__OPS_LISTEN": f"{address}:9464",
                "HERALD__TALKER__SIP_LISTEN": f"{address}:5070",
                "HERALD__TALKER__MEDIA_IP": address,
                "HERALD__TALKER__RTP_PORT_MIN": str(20000 + 5000 * index),
                "HERALD__TALKER__RTP_PORT_MAX": str(24999 + 5000 * index),
                "HERALD__TALKER__LEASE_SECS": str(LEASE_SECS),
                # Longer than the carriers' 120 s guard (see cluster-run.py).
                "HERALD__TALKER__MAX_CALL_SECS": str(MAX_CALL_SECS),
                "HERALD__TALKER__DRAIN_GRACE_SECS": "5",
            })
        time.sleep(3)
        processes.check_alive()
        for carrier, contacts in zip(CARRIERS, split):
            address = NODES[f"carrier-{carrier['name']}"][1]
            demos.append(subprocess.Popen(
                [herald, "demo", "--contacts", str(contacts), "--cps", str(carrier["cps"]),
                 "--max-lines", str(carrier["lines"]), "--carrier", f"{address}:{SIP_PORT}",
                 "--prompt", str(prompt), "--carrier-script", "answer", "--timeout", "3600", "--json"],
                cwd=ROOT, env=env, stdout=open(run_dir / f"demo-{carrier['name']}.json", "w"),
                stderr=open(run_dir / f"demo-{carrier['name']}.log", "w"), stdin=subprocess.DEVNULL))
        # Time 0: both campaigns running.
        wait_until = time.time() + 120
        while True:
            progress = campaign_progress(db_url)
            if progress and progress[0] == len(CARRIERS) and progress[1] + progress[2] == len(CARRIERS):
                break
            if time.time() > wait_until:
                raise RuntimeError("the demo campaigns did not start within 120 s (see demo-*.log)")
            time.sleep(0.2)
        t0 = time.time()
        expected = args.contacts / sum(carrier_rates(call_secs))
        deadline = t0 + max(expected * 1.5, scenario_needs(number)) + args.grace
        steps = sorted(plan, key=lambda step: step[0])
        result["t0_unix"] = round(t0, 3)
        result["expected_campaign_seconds"] = round(expected, 1)
        result["deadline_seconds"] = round(deadline - t0, 1)
        next_report = 0
        while True:
            elapsed = time.time() - t0
            while steps and elapsed >= steps[0][0]:
                at, what, action = steps.pop(0)
                began = time.time() - t0
                description = what
                try:
                    if action[0] == "act":
                        description = action[1](ctx) or what
                    elif action[0] == "on":
                        made = action[2](ctx)
                        undo, description = made if isinstance(made, tuple) else (made, what)
                        if undo:
                            net.undo[action[1]] = undo
                    elif action[0] == "off":
                        undo = net.undo.pop(action[1], None)
                        if undo:
                            undo()
                except Exception as error:  # a fault that failed is reported, the run goes on
                    description = f"{what}: FAILED: {error}"
                ctx.events.append({"at": round(began, 1), "event": description})
                log(f"  t={began:5.1f} s  {description}")
            progress = campaign_progress(db_url)
            completed = progress is not None and progress[2] == len(CARRIERS)
            if completed and not steps:
                result["campaign_seconds"] = round(time.time() - t0, 1)
                break
            if time.time() > deadline:
                result["campaign_seconds"] = None
                ctx.events.append({"at": round(time.time() - t0, 1), "event": "deadline: campaign not complete"})
                log(f"  t={time.time() - t0:5.1f} s  deadline reached, the campaign is not complete")
                break
            if elapsed >= next_report:
                next_report += 15
                if progress:
                    log(f"  t={elapsed:5.1f} s  {progress[3]}/{progress[4]} done, {progress[5]} leased, "
                        f"{progress[2]} of {progress[0]} campaigns complete")
                else:
                    log(f"  t={elapsed:5.1f} s  (Postgres does not answer)")
            time.sleep(0.5)
        time.sleep(5)  # the last BYEs and their 200s reach the traces
        result["leadership"] = [{"at": round(at - t0, 1), "scheduler": name, "message": what}
                                for at, name, what in leadership(run_dir)]
    finally:
        net.heal()
        for demo in demos:
            if demo.poll() is None:
                demo.terminate()
        processes.stop_all()
        for demo in demos:
            try:
                demo.wait(timeout=10)
            except subprocess.TimeoutExpired:
                demo.kill()
        if ctx.redis_killed:
            # The killed server comes back as a replica of the new master.
            run(["scripts/infra.sh", "up"], cwd=ROOT, timeout=180, check=False, env=base_env)
            ctx.events.append({"event": f"Redis master after the run: :{master_port(base_env)}"})
        wait_postgres(base_env)
    result["events"] = ctx.events
    result["wall_seconds"] = round(time.time() - started, 1)
    checks, info, postgres, carriers = judge(db_url, run_dir, carriers_by_address)
    result.update({"checks": checks, "passed": all(value == 0 for value in checks.values()), "info": info,
                   "postgres": postgres, "carriers": carriers,
                   "logs": {name: log_summary(run_dir / f"{name}.log") for name in TALKERS + SCHEDULERS}})
    return result


# ---------------------------------------------------------------- the delayer (no netem here)

NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NFQNL_CFG_CMD_BIND, NFQNL_COPY_META = 1, 1
NF_ACCEPT = 1


def delayer(queue, mean_ms, jitter_ms):
    """Holds every packet of NFQUEUE `queue` for mean ± jitter ms (uniform, as
    netem's `delay MEAN JITTER`; packets may be reordered), then accepts it.
    What `tc netem delay` does, for kernels built without netem: raw
    nfnetlink_queue, no library. Runs until SIGTERM."""
    import heapq
    import random
    import socket
    import struct

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((0, 0))
    sequence = [0]

    def attribute(kind, payload):
        length = 4 + len(payload)
        return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)

    def send(message_type, attributes, flags=1):  # NLM_F_REQUEST
        sequence[0] += 1
        body = struct.pack("!BBH", socket.AF_UNSPEC, 0, queue) + b"".join(attributes)
        sock.send(struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | message_type, flags,
                              sequence[0], 0) + body)

    send(NFQNL_MSG_CONFIG, [attribute(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, socket.AF_INET))])
    send(NFQNL_MSG_CONFIG, [attribute(NFQA_CFG_PARAMS, struct.pack("!IBxxx", 0, NFQNL_COPY_META))])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    held = []  # (release at, packet id)
    while True:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, packet_id = heapq.heappop(held)
            send(NFQNL_MSG_VERDICT, [attribute(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))])
        sock.settimeout(max(0.0005, held[0][0] - now) if held else 1.0)
        try:
            data = sock.recv(1 << 16)
        except socket.timeout:
            continue
        offset = 0
        while offset + 16 <= len(data):
            length, message_type = struct.unpack_from("=IH", data, offset)
            if length < 16:
                break
            if message_type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                position = offset + 20  # nlmsghdr + nfgenmsg
                while position + 4 <= offset + length:
                    attr_length, attr_type = struct.unpack_from("=HH", data, position)
                    if attr_length < 4:
                        break
                    if attr_type & 0x7FFF == NFQA_PACKET_HDR:
                        packet_id = struct.unpack_from("!I", data, position + 4)[0]
                        delay = random.uniform(mean_ms - jitter_ms, mean_ms + jitter_ms) / 1000
                        heapq.heappush(held, (time.monotonic() + max(0.0, delay), packet_id))
                        break
                    position += (attr_length + 3) & ~3
            offset += (length + 3) & ~3


# ---------------------------------------------------------------- report


COLUMNS = [  # (check, header)
    ("contacts_without_one_final_state", "final≠1"),
    ("overlapping_attempts_pg", "overlap"),
    ("called_again_after_answer_pg", "again(pg)"),
    ("callees_in_two_calls_at_once", "2 calls"),
    ("called_again_after_answer_carrier", "again(sip)"),
    ("carrier_calls_without_one_record", "no record"),
    ("contacts_closed_without_a_call", "uncalled"),
    ("windows_over_cps_cap", "CPS over"),
    ("line_cap_overshoot", "line over"),
]


def table(results):
    header = f"{'scenario':<44}" + "".join(f"{h:>11}" for _, h in COLUMNS) + f"{'lost ans.':>11}  verdict"
    lines = [header, "-" * len(header)]
    for result in results:
        if "checks" not in result:
            lines.append(f"{str(result['scenario']) + ' ' + result['title']:<44.44}  ERROR: {result.get('error')}")
            continue
        row = f"{str(result['scenario']) + ' ' + result['title']:<44.44}"
        row += "".join(f"{result['checks'][key]:>11}" for key, _ in COLUMNS)
        row += f"{result['info']['answers_recorded_lost']:>11}"
        row += "  " + ("PASS" if result["passed"] else "FAIL")
        lines.append(row)
    for result in results:
        if "checks" not in result:
            continue
        events = "; ".join(f"{event['at']} s {event['event']}" if "at" in event else event["event"]
                           for event in result["events"])
        leaders = "; ".join(f"{entry['at']} s {entry['scheduler']}: {entry['message']}"
                            for entry in result.get("leadership", []))
        carriers = "; ".join(
            f"{name}: {figures['invites']} INVITEs, most {figures['most_invites_in_one_second']}/s "
            f"(cap {figures['cps_cap']}), most {figures['most_concurrent_calls']} up (cap {figures['line_cap']}, "
            f"{figures['seconds_over_line_cap']} s over), records {figures['records']}"
            for name, figures in result["carriers"].items())
        lines.append(f"\nscenario {result['scenario']}: campaign {result.get('campaign_seconds')} s "
                     f"(calls of {result['call_secs']} s); outcomes {result['postgres']['attempt_outcomes']}")
        lines.append(f"  events: {events or 'none'}")
        lines.append(f"  scheduler leadership: {leaders or 'none logged'}")
        lines.append(f"  carriers: {carriers}")
    return "\n".join(lines)


def infra_dir():
    """infra.sh's data dir: HERALD_INFRA_DIR, else this checkout's .infra, else
    (in a git worktree) the main checkout's, where the running Redis lives."""
    if os.environ.get("HERALD_INFRA_DIR"):
        return os.environ["HERALD_INFRA_DIR"]
    own = ROOT / ".infra"
    if (own / "redis-6391.conf").exists():
        return str(own)
    common = run(["git", "rev-parse", "--git-common-dir"], cwd=ROOT, check=False).stdout.strip()
    if common:
        main = (ROOT / common).resolve().parent / ".infra"
        if (main / "redis-6391.conf").exists():
            return str(main)
    return str(own)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--scenario", type=int, action="append", choices=sorted(SCENARIOS), default=[])
    parser.add_argument("--all", action="store_true", help="scenarios 1 to 8, one after the other")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--call-secs", type=float, default=3.0,
                        help="prompt length (raised if the campaign would end before a scenario's faults)")
    parser.add_argument("--herald", default="/var/tmp/herald-bin/herald")
    parser.add_argument("--grace", type=float, default=120.0,
                        help="seconds past max(1.5 × the expected campaign, the faults) before a scenario is cut")
    parser.add_argument("--json", type=Path, default=ROOT / "loadtest/results/chaos.json")
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".infra/chaos")
    parser.add_argument("--cleanup", action="store_true", help="only remove what a previous run left behind")
    parser.add_argument("--delayer", help=argparse.SUPPRESS)  # QUEUE,MEAN_MS,JITTER_MS: run in a namespace
    args = parser.parse_args()
    if args.delayer:
        queue, mean_ms, jitter_ms = args.delayer.split(",")
        delayer(int(queue), float(mean_ms), float(jitter_ms))
        return
    if os.geteuid() != 0:
        raise SystemExit("chaos: run as root (ip netns, iptables, tc)")
    for tool, package in (("ip", "iproute2"), ("iptables", "iptables"), ("tc", "iproute2")):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            log(f"installing {package}")
            subprocess.run(["apt-get", "install", "-y", "-q", package], check=True, stdout=subprocess.DEVNULL)
    net = Network([])
    if args.cleanup:
        net.down()
        log("removed the namespaces, veths, bridge and iptables rules of earlier runs")
        return
    numbers = sorted(set(args.scenario + (list(range(1, 9)) if args.all else [])))
    if not numbers:
        parser.error("give --scenario N (repeatable) or --all")
    herald = os.path.abspath(args.herald)
    if not os.access(herald, os.X_OK):
        raise SystemExit(f"chaos: no herald binary at {herald} (--herald PATH)")

    os.environ["HERALD_INFRA_DIR"] = infra_dir()
    env = infra_env()
    # The infrastructure's ports: Postgres, the Redis servers (the master and
    # the replicas Sentinel knows) and the Sentinels.
    sentinels = [int(s.rsplit(":", 1)[1]) for s in env["HERALD__REDIS__SENTINELS"].split(",")]
    replicas = run(["redis-cli", "-p", str(sentinels[0]), "--raw", "SENTINEL", "replicas",
                    env["HERALD__REDIS__MASTER_NAME"]]).stdout.split()
    servers = {master_port(env), *[int(replicas[i + 1]) for i, key in enumerate(replicas[:-1]) if key == "port"]}
    infra = {"pg_port": int(re.search(r":(\d+)/", env["HERALD__DATABASE__URL"]).group(1)),
             "redis_ports": sorted(servers) + sentinels}
    net = Network([infra["pg_port"], *infra["redis_ports"]])

    need = max(scenario_needs(number) for number in numbers)
    call_secs = call_secs_for(args.contacts, args.call_secs, need)
    rates = carrier_rates(call_secs)
    split = [round(args.contacts * rate / sum(rates)) for rate in rates]
    split[-1] = args.contacts - sum(split[:-1])

    # Always leave the machine as found: on exit, Ctrl-C, SIGTERM or an exception.
    atexit.register(net.down)
    def on_sigterm(*_):
        raise KeyboardInterrupt  # like Ctrl-C: every finally runs
    signal.signal(signal.SIGTERM, on_sigterm)
    results = []
    interrupted = False
    try:
        log(f"network: bridge {BRIDGE} {HOST_IP}/24, namespaces {', '.join(n for n, _ in NODES.values())}; "
            f"infrastructure ports {net.infra_ports} reachable as 127.0.0.1 inside them")
        net.up()
        net.check(env)
        for number in numbers:
            try:
                results.append(run_scenario(number, args, env, infra, net, herald, call_secs, split))
            except (Exception, SystemExit) as error:  # Processes.check_alive exits
                log(f"scenario {number} failed to run: {error!r}")
                results.append({"scenario": number, "title": SCENARIOS[number][0], "error": repr(error)})
            if "checks" in results[-1]:
                log(f"scenario {number}: {'PASS' if results[-1]['passed'] else 'FAIL'} {results[-1]['checks']}")
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: cleaning up; the scenarios that finished are reported")
    finally:
        net.down()
    print(table(results))
    stored = {}
    if args.json.exists():
        try:
            stored = json.loads(args.json.read_text()).get("scenarios", {})
        except (ValueError, AttributeError):
            stored = {}
    for result in results:
        stored[str(result["scenario"])] = result
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"scenarios": dict(sorted(stored.items(), key=lambda kv: int(kv[0])))},
                                    indent=2) + "\n")
    print(f"JSON: {args.json}")
    if interrupted:
        sys.exit(130)


if __name__ == "__main__":
    main()
