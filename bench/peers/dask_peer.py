"""What the Dask peers share: the bench's line protocol (bench/lib/peer-process.ts: lines prefixed with
"@bench " carrying JSON, both ways) and the LocalCluster they measure, laid out like Convoy's embedded
cluster (worker processes with one thread each)."""
import json
import logging
import sys

PREFIX = "@bench "


def send(message):
    sys.stdout.write(PREFIX + json.dumps(message) + "\n")
    sys.stdout.flush()


def requests(stream):
    for line in stream:
        if line.startswith(PREFIX):
            yield json.loads(line[len(PREFIX):])


def local_cluster(workers):
    """A LocalCluster of `workers` processes with one thread each, Dask's defaults otherwise, and its client."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return cluster, Client(cluster)
