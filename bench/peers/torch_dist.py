"""One rank of torch.distributed for bench/train-dist.ts (Debian's python3-torch, gloo backend).

Started by the bench with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT in its environment (and
GLOO_SOCKET_IFNAME=lo, OMP/OPENBLAS threads 1); runs at torch.set_num_threads(1). It speaks the bench's
protocol (bench/lib/peer-process.ts): JSON lines prefixed with "@bench " on stdin and stdout, a ready message
once torch is imported, then one reply per request; stdin closing ends it.

Requests:
  {"op": "init"} -> {"initialized": true}: joins the gloo process group (when WORLD_SIZE > 1). A request, not
      part of starting, so that a rank that dies before it leaves the bench waiting on a reply, which fails at
      once, rather than on a start-up that waits for every rank.
  {"op": "allreduce", "bytes": N, "reps": R, "warmup": W}
      -> {"seconds": [...]}: dist.all_reduce (SUM, in place, the same float32 tensor every time) of N bytes,
         W untimed, then R each timed alone after a dist.barrier().
  {"op": "ddp", "batch": B, "steps": S, "reps": R, "warmup": W}
      -> {"rates": [...]}: the 16-64-64-1 MLP (ReLU, MSE, Adam 1e-3) of bench/train.ts, batch B on this rank,
         W warm-up steps, then R timed runs of S steps (a barrier before each, the loss read once at the end
         of each, as bench/train.ts does); this rank's samples/s per run. Wrapped in
         DistributedDataParallel (gloo) when WORLD_SIZE > 1, the plain model in a world of one.
"""
import datetime
import json
import os
import sys
import time

import torch
import torch.distributed as dist

PREFIX = "@bench "
RANK = int(os.environ["RANK"])
WORLD = int(os.environ["WORLD_SIZE"])


def send(message):
    sys.stdout.write(PREFIX + json.dumps(message) + "\n")
    sys.stdout.flush()


def barrier():
    if WORLD > 1:
        dist.barrier()


def allreduce(req):
    t = torch.ones(req["bytes"] // 4, dtype=torch.float32)
    for _ in range(req["warmup"]):
        dist.all_reduce(t)
    seconds = []
    for _ in range(req["reps"]):
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce(t)
        seconds.append(time.perf_counter() - t0)
    return {"seconds": seconds}


def ddp(req):
    batch, steps = req["batch"], req["steps"]
    torch.manual_seed(0)  # the same initial parameters on every rank (DDP also broadcasts rank 0's)
    model = torch.nn.Sequential(
        torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1)
    )
    if WORLD > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(1 + RANK)  # each rank its own batch
    x = torch.randn(batch, 16, generator=gen)
    y = x.sum(1, keepdim=True)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(req["warmup"]):
        loss = step()
    loss.item()
    rates = []
    for _ in range(req["reps"]):
        barrier()
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = step()
        loss.item()
        rates.append(batch * steps / (time.perf_counter() - t0))
    return {"rates": rates}


def main():
    torch.set_num_threads(1)
    send({"ready": True, "pid": os.getpid(), "torch": torch.__version__})
    for line in sys.stdin:
        if not line.startswith(PREFIX):
            continue
        req = json.loads(line[len(PREFIX):])
        try:
            if req["op"] == "init":
                if WORLD > 1:
                    dist.init_process_group("gloo", rank=RANK, world_size=WORLD, timeout=datetime.timedelta(seconds=120))
                send({"initialized": True})
            elif req["op"] == "allreduce":
                send(allreduce(req))
            elif req["op"] == "ddp":
                send(ddp(req))
            else:
                send({"error": "unknown op %r" % req["op"]})
        except Exception as e:  # reported to the bench, which stops every rank
            send({"error": "%s: %s" % (type(e).__name__, e)})
    if WORLD > 1 and dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
