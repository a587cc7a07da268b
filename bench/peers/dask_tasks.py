"""Dask distributed, side by side with Convoy in bench/tasks.ts: no-op tasks per second.

Run by the bench with Debian's interpreter (/usr/bin/python3, python3-distributed), never by hand-picked
settings: a LocalCluster of `--workers` worker processes with one thread each (processes=True), the layout of
Convoy's embedded cluster (two worker processes, one CPU each, on a 2-core machine).

It speaks the bench's line protocol (bench/lib/peer-process.ts): lines prefixed with "@bench " carrying
JSON. After start-up and warm-up it sends {"ready": true, ...}; then it answers each request on stdin:

  {"op": "sync",  "tasks": N}   submit one task, wait for its result, N times     -> {"ms": wall}
  {"op": "async", "tasks": N}   client.map N tasks, then gather them all          -> {"ms": wall}
  {"op": "multi", "tasks": N}   each of the --clients client processes maps and
                                gathers N tasks; wall from "go" to the last done  -> {"ms": wall}

Those are Dask's fastest ways to run many small tasks from one client (client.map batches submission into
one message; pure=False so keys are unique and nothing is deduplicated). Closing stdin shuts it down.

With "client ADDRESS WARMUP" as arguments it is one of the multi-client processes instead: it connects, warms
up, sends ready, then for each request maps and gathers that many tasks.
"""
import json
import subprocess
import sys
import time

from dask_peer import PREFIX, local_cluster, requests, send

def noop(_x=None):
    return None


def map_gather(client, n):
    futures = client.map(noop, range(n), pure=False)
    results = client.gather(futures)
    if len(results) != n or any(r is not None for r in results):
        raise RuntimeError("dask returned %d results, expected %d Nones" % (len(results), n))


def run_client(address, warmup):
    from dask.distributed import Client

    client = Client(address)
    map_gather(client, warmup)
    send({"ready": True})
    for req in requests(sys.stdin):
        try:
            started = time.perf_counter()
            map_gather(client, int(req["tasks"]))
            send({"ms": (time.perf_counter() - started) * 1000})
        except Exception as err:  # reported to the bench, which fails with it
            send({"error": repr(err)})
    client.close()


def all_pids():
    """This process and its descendants (scheduler in-process; nannies, workers, clients as children), so the
    bench can wait for them to go quiet between turns. psutil comes with distributed."""
    import os

    try:
        import psutil
    except ImportError:
        return [os.getpid()]
    return [os.getpid()] + [p.pid for p in psutil.Process().children(recursive=True)]


def parse_args(argv):
    opts = {"workers": 2, "clients": 4, "warmup": 2000}
    i = 0
    while i < len(argv):
        name = argv[i].lstrip("-")
        if name not in opts or i + 1 >= len(argv):
            raise SystemExit("usage: dask_tasks.py [--workers 2] [--clients 4] [--warmup 2000]")
        opts[name] = int(argv[i + 1])
        i += 2
    return opts


def serve(opts):
    import dask
    import distributed

    cluster, client = local_cluster(opts["workers"])
    peers = []
    try:
        map_gather(client, opts["warmup"])
        for _ in range(min(200, opts["warmup"])):
            client.submit(noop, pure=False).result()
        # The multi-client processes connect and warm up now, so "multi" times only their tasks.
        peers = [
            subprocess.Popen(
                [sys.executable, __file__, "client", cluster.scheduler_address, str(max(1, opts["warmup"] // 4))],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
            for _ in range(opts["clients"])
        ]
        for p in peers:
            next(requests(p.stdout))
        send({
            "ready": True,
            "dask": dask.__version__,
            "distributed": distributed.__version__,
            "python": sys.version.split()[0],
            "pids": all_pids(),
        })

        for req in requests(sys.stdin):
            try:
                n = int(req["tasks"])
                started = time.perf_counter()
                if req["op"] == "sync":
                    for _ in range(n):
                        if client.submit(noop, pure=False).result() is not None:
                            raise RuntimeError("dask noop returned a value")
                elif req["op"] == "async":
                    map_gather(client, n)
                elif req["op"] == "multi":
                    for p in peers:
                        p.stdin.write(PREFIX + json.dumps({"tasks": n}) + "\n")
                        p.stdin.flush()
                    for p in peers:
                        reply = next(requests(p.stdout))
                        if "error" in reply:
                            raise RuntimeError("a dask client failed: " + reply["error"])
                else:
                    raise ValueError("unknown op %r" % req["op"])
                send({"ms": (time.perf_counter() - started) * 1000})
            except Exception as err:
                send({"error": repr(err)})
    finally:
        for p in peers:
            p.stdin.close()
        for p in peers:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        client.close()
        cluster.close()


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "client":
        run_client(sys.argv[2], int(sys.argv[3]))
    else:
        serve(parse_args(sys.argv[1:]))
