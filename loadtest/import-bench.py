#!/usr/bin/env python3
"""A contact import through the REST API, as the web UI does it: a CSV of
N rows (a few of them bad) streamed into `PUT /api/v1/imports/{id}/data`
while its progress is polled from `GET /api/v1/imports/{id}` and the UI
service's RSS is sampled from /proc.

    loadtest/import-bench.py [--rows 1000000] [--json FILE]

Prints the figures and writes them as JSON (default
loadtest/results/import-<rows>.json): rows, seconds, rows/s, how many
progress readings showed the import moving, the UI service's idle and
peak RSS, and the import's final counts. Traffic stays on 127.0.0.1.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchlib import ROOT, Processes, fresh_database, infra_env, rss_bytes, sh, wait_for

PASSWORD = "import bench password"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    """Signs in once; sends the session cookie and CSRF token."""

    def __init__(self, port, email):
        self.port = port
        reply, headers = self.request("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        self.cookie = headers["set-cookie"].split(";", 1)[0]
        self.csrf = reply["csrf_token"]

    def request(self, method, path, body=None, raw=None, content_type=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)
        headers = {}
        if getattr(self, "cookie", None):
            headers["Cookie"] = self.cookie
            headers["X-CSRF-Token"] = self.csrf
        if body is not None:
            raw = json.dumps(body).encode()
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=raw, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {data[:500]!r}")
        reply_headers = {key.lower(): value for key, value in response.getheaders()}
        return (json.loads(data) if data else None), reply_headers


def write_csv(path, rows):
    """`phone,name,plan` rows; every 100,000th row has a bad number."""
    with open(path, "w") as out:
        out.write("phone,name,plan\n")
        for index in range(rows):
            if index % 100_000 == 99_999:
                out.write(f"not-a-number,Row {index},bad\n")
            else:
                out.write(f"+1202{index:07d},Customer {index},{'gold' if index % 3 == 0 else 'basic'}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out_path = args.json or ROOT / f"loadtest/results/import-{args.rows}.json"
    run_dir = ROOT / ".infra/import-bench"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)

    env = infra_env()
    target = Path(env.get("CARGO_TARGET_DIR", ROOT / "target"))
    print("import-bench: building herald (release)", file=sys.stderr)
    sh(["cargo", "build", "--release", "-q", "-p", "herald"], env=env)
    herald = str(target / "release/herald")
    fresh_database(env, "herald_import_bench")
    sh([herald, "migrate"], env=env, stdout=subprocess.DEVNULL)
    email = "bench@example.org"
    sh([herald, "user", "add", "--email", email, "--role", "admin"], env={**env, "HERALD_USER_PASSWORD": PASSWORD},
       stdout=subprocess.DEVNULL)

    csv_path = run_dir / "contacts.csv"
    print(f"import-bench: writing {args.rows} rows", file=sys.stderr)
    write_csv(csv_path, args.rows)
    size = csv_path.stat().st_size

    port = free_port()
    ui_env = {**env, "HERALD__UI__LISTEN": f"127.0.0.1:{port}", "HERALD__LOG__LEVEL": "warn"}
    processes = Processes(run_dir, env)
    ui = processes.start("ui", [herald, "ui"], env=ui_env)
    try:
        def ready():
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/readyz")
                return connection.getresponse().status == 200
            except OSError:
                return False

        wait_for(ready, 60, "the UI service")
        client = Client(port, email)
        campaign, _ = client.request("POST", "/api/v1/campaigns", {"name": f"import bench {args.rows}"})
        mapping = {"phone_column": "phone", "tag_columns": ["name", "plan"]}
        created, _ = client.request("POST", f"/api/v1/campaigns/{campaign['id']}/imports", mapping)
        import_path = f"/api/v1/imports/{created['id']}"
        time.sleep(1)
        idle_rss = rss_bytes(ui.pid)

        result = {}

        def upload():
            with open(csv_path, "rb") as body:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
                connection.request("PUT", import_path + "/data", body=body, headers={
                    "Cookie": client.cookie, "X-CSRF-Token": client.csrf, "Content-Type": "text/csv",
                    "Content-Length": str(size)})
                response = connection.getresponse()
                result["status"] = response.status
                result["body"] = json.loads(response.read())

        started = time.time()
        thread = threading.Thread(target=upload)
        thread.start()
        peak_rss = idle_rss
        readings = []
        while thread.is_alive():
            time.sleep(0.5)
            peak_rss = max(peak_rss, rss_bytes(ui.pid))
            progress, _ = client.request("GET", import_path)
            readings.append((round(time.time() - started, 1), progress["rows_read"], progress["imported"]))
            if len(readings) % 4 == 0:
                print(f"  {readings[-1][0]:6.1f} s  rows read {progress['rows_read']:>9}  "
                      f"imported {progress['imported']:>9}  rss {peak_rss / 2**20:.1f} MiB", file=sys.stderr)
        thread.join()
        elapsed = time.time() - started
        peak_rss = max(peak_rss, rss_bytes(ui.pid))
        if result.get("status") != 200:
            raise SystemExit(f"upload failed: {result}")
        final = result["body"]
        moving = len({reading[1] for reading in readings if 0 < reading[1] < args.rows})
        figures = {
            "rows": args.rows,
            "bytes": size,
            "seconds": round(elapsed, 2),
            "rows_per_second": round(args.rows / elapsed),
            "progress_readings": len(readings),
            "progress_readings_in_between": moving,
            "ui_rss_idle_mib": round(idle_rss / 2**20, 1),
            "ui_rss_peak_mib": round(peak_rss / 2**20, 1),
            "state": final["state"],
            "imported": final["imported"],
            "rejected": final["rejected"],
            "duplicates": final["duplicates"],
        }
        print(json.dumps(figures, indent=2))
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(figures, indent=2) + "\n")
        expected_bad = args.rows // 100_000
        if final["imported"] != args.rows - expected_bad or final["rejected"] != expected_bad:
            raise SystemExit(f"unexpected counts: {final}")
    finally:
        processes.stop_all()
        os.unlink(csv_path)


if __name__ == "__main__":
    main()
