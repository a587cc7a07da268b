"""Dask distributed, side by side with Convoy in bench/objects.ts: moving large arrays between processes.

Run by the bench with Debian's interpreter (/usr/bin/python3, python3-distributed): a LocalCluster of
`--workers` worker processes with one thread each (processes=True), the layout of Convoy's two worker nodes.
The data is one float64 numpy array of the requested size, made once in this process (not timed); its sum is
the checksum every copy must reproduce, so a fast but wrong transfer fails the bench.

It speaks the bench's line protocol (bench/lib/peer-process.ts): lines prefixed with "@bench " carrying JSON.
After start-up and one untimed warm-up round it sends {"ready": true, ...}; then it answers each request:

  {"op": "round", "bytes": N}  ->  {"bytes", "scatter_ms", "gather_ms", "w2w_ms", "w2w_baseline_ms"}

- scatter: client.scatter(array, workers=[A], hash=False), which returns once worker A holds it.
- gather: client.gather(future) of that array back into this process.
  Both run with Dask's defaults, as a user's client gets them: outside the cluster, direct=False, so the
  bytes go through the scheduler process (client -> scheduler -> worker and back).
- w2w (worker to worker): a task pinned to worker B (workers=[B], allow_other_workers=False) takes the future
  held on A as its argument, so B fetches it from A before the task runs. The task notes the wall clock when
  it starts; w2w_ms is start minus submission, and w2w_baseline_ms is the same for a task whose argument is a
  tiny array (scheduling and dispatch alone, median of three), for the bench to subtract.

Every request uses fresh futures (hash=False, pure=False), released at the end of the round. Closing stdin
shuts the cluster down.
"""
import sys
import time

from dask_peer import local_cluster, requests, send

def wall_ms():
    return time.time() * 1000.0


def consume(x):
    """Runs on worker B: its start time first (the argument has arrived by then), then a check of the data."""
    started = time.time() * 1000.0
    return {"started_ms": started, "checksum": float(x.sum()), "nbytes": int(x.nbytes)}


def parse_args(argv):
    opts = {"workers": 2, "warmup-bytes": 512 * 1024 * 1024}
    i = 0
    while i < len(argv):
        name = argv[i].lstrip("-")
        if name not in opts or i + 1 >= len(argv):
            raise SystemExit("usage: dask_objects.py [--workers 2] [--warmup-bytes N]")
        opts[name] = int(argv[i + 1])
        i += 2
    return opts


class Rounds:
    def __init__(self, client, worker_a, worker_b):
        import numpy as np

        self.np = np
        self.client = client
        self.a = worker_a
        self.b = worker_b
        self.array = None
        self.expected = 0.0

    def data(self, nbytes):
        """The array of `nbytes` (kept between rounds of one size: making it is not what is measured)."""
        n = max(1, nbytes // 8)
        if self.array is None or self.array.size != n:
            self.array = None
            # Whole numbers, so the sum is exact whatever order the additions run in.
            self.array = self.np.arange(n, dtype=self.np.float64)
            self.expected = float(self.array.sum())
        return self.array

    def baseline_ms(self):
        tiny = self.np.arange(16, dtype=self.np.float64)
        times = []
        for _ in range(3):
            submitted = wall_ms()
            r = self.client.submit(consume, tiny, workers=[self.b], allow_other_workers=False, pure=False).result()
            times.append(r["started_ms"] - submitted)
        times.sort()
        return times[1]

    def run(self, nbytes):
        client = self.client
        arr = self.data(nbytes)
        started = time.perf_counter()
        [fut] = client.scatter([arr], workers=[self.a], hash=False)
        scatter_ms = (time.perf_counter() - started) * 1000
        try:
            where = client.who_has([fut])[fut.key]
            if list(where) != [self.a]:
                raise RuntimeError("scatter placed the array on %r, not on worker A %s" % (where, self.a))

            started = time.perf_counter()
            back = client.gather(fut)
            gather_ms = (time.perf_counter() - started) * 1000
            if back.nbytes != arr.nbytes or float(back.sum()) != self.expected:
                raise RuntimeError("gather returned different data (%d bytes)" % back.nbytes)
            del back

            baseline = self.baseline_ms()
            submitted = wall_ms()
            report = client.submit(consume, fut, workers=[self.b], allow_other_workers=False, pure=False).result()
            w2w_ms = report["started_ms"] - submitted
            if report["nbytes"] != arr.nbytes or report["checksum"] != self.expected:
                raise RuntimeError("worker B received different data (%d bytes)" % report["nbytes"])
        finally:
            client.cancel([fut])
            del fut
        return {"bytes": int(arr.nbytes), "scatter_ms": scatter_ms, "gather_ms": gather_ms, "w2w_ms": w2w_ms, "w2w_baseline_ms": baseline}


def serve(opts):
    import dask
    import distributed

    cluster, client = local_cluster(opts["workers"])
    try:
        workers = sorted(client.scheduler_info()["workers"])
        if len(workers) < 2:
            raise RuntimeError("the LocalCluster started %d workers; the bench needs 2" % len(workers))
        rounds = Rounds(client, workers[0], workers[1])
        # One untimed round at full size: imports, connections and the workers' first allocations.
        rounds.run(opts["warmup-bytes"])
        send({"ready": True, "dask": dask.__version__, "distributed": distributed.__version__, "python": sys.version.split()[0]})
        for req in requests(sys.stdin):
            try:
                if req.get("op") != "round":
                    raise ValueError("unknown op %r" % req.get("op"))
                send(rounds.run(int(req["bytes"])))
            except Exception as err:  # reported to the bench, which fails with it
                send({"error": repr(err)})
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    serve(parse_args(sys.argv[1:]))
