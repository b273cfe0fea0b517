"""Write latency with and without webhook subscriptions (run by bench/webhooks.sh).

Usage: webhooks.py PORT WRITE_TOKEN ADMIN_TOKEN WRITES
"""

import http.client
import http.server
import json
import socket
import statistics
import sys
import threading
import time

port, writer, admin, writes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def request(conn, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data


def measure(label):
    conn = http.client.HTTPConnection("127.0.0.1", int(port))
    times = []
    for n in range(writes):
        start = time.perf_counter()
        status, body = request(conn, "POST", "/api/v1/tags", writer, {"name": f"{label} {n}"})
        times.append((time.perf_counter() - start) * 1000)
        assert status == 201, (status, body)
    times.sort()
    return {
        "mean": statistics.fmean(times),
        "p50": times[len(times) // 2],
        "p95": times[int(len(times) * 0.95)],
        "max": times[-1],
    }


def subscribe(url):
    conn = http.client.HTTPConnection("127.0.0.1", int(port))
    status, body = request(conn, "POST", "/api/v1/webhooks", admin, {"url": url, "events": ["*"]})
    assert status == 201, (status, body)
    return json.loads(body)["id"]


def unsubscribe(hook):
    conn = http.client.HTTPConnection("127.0.0.1", int(port))
    status, _ = request(conn, "DELETE", f"/api/v1/webhooks/{hook}", admin)
    assert status == 204, status


class Quick(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


quick = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quick)
threading.Thread(target=quick.serve_forever, daemon=True).start()

silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(1024)
held = []


def hold():
    while True:
        connection, _ = silent.accept()
        held.append(connection)


threading.Thread(target=hold, daemon=True).start()

rows = [("no subscription", measure("none"))]
hook = subscribe(f"http://127.0.0.1:{quick.server_address[1]}/hook")
rows.append(("a receiver that answers at once", measure("quick")))
unsubscribe(hook)
hook = subscribe(f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
rows.append(("a receiver that never answers", measure("silent")))
unsubscribe(hook)

print(f"Write latency, {writes} sequential `POST /api/v1/tags` per row, release build, 2 cores.")
print()
print("| subscription | mean ms | p50 ms | p95 ms | max ms |")
print("|---|---:|---:|---:|---:|")
for label, r in rows:
    print(f"| {label} | {r['mean']:.2f} | {r['p50']:.2f} | {r['p95']:.2f} | {r['max']:.2f} |")
print()
print(f"Connections the silent receiver held open: {len(held)} (one delivery in flight at a time per subscription).")
