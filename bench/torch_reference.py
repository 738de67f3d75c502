#!/usr/bin/python3
"""PyTorch side of `headroom bench`: the same workloads as bench/engine.ts, timed the same way.

Trains the Keras reference MLP and CNN on MNIST-shaped random data (batch 128, the Keras optimizers),
times torch.mm at 1024^3 and the per-call overhead of a tiny add. Prints one JSON line on stdout.

Threads: the caller sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / OPENBLAS_CORETYPE in the environment (the same
values headroom's side runs with) and passes --threads, which goes to torch.set_num_threads.
"""
import argparse
import json
import sys
import time


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--only", default="mlp,cnn,matmul,overhead", help="comma list of workloads")
    p.add_argument("--mlp-steps", type=int, default=100)
    p.add_argument("--cnn-steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--matmul-reps", type=int, default=10)
    p.add_argument("--overhead-calls", type=int, default=20000)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def main():
    args = parse()
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
    only = set(s for s in args.only.split(",") if s)
    out = {"torch_version": torch.__version__, "threads": torch.get_num_threads(), "device": dev.type}

    def keras_mlp():
        return nn.Sequential(
            nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(512, 10),
        )

    def keras_cnn():
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(),
            nn.Conv2d(32, 64, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
            nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(128, 10),
        )

    def train_rate(model, opt, xs, ys, steps, warmup):
        model.train()
        nb = len(xs)

        def step(i):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xs[i % nb]), ys[i % nb])
            loss.backward()
            opt.step()
            return loss

        for i in range(warmup):
            step(i)
        sync()
        t0 = time.perf_counter()
        for i in range(steps):
            loss = step(i)
        sync()
        dt = time.perf_counter() - t0
        if not torch.isfinite(loss).item():
            raise RuntimeError("non-finite loss")
        return steps * args.batch / dt

    # A small pool of batches, cycled, so data generation is outside the timed loop (as on headroom's side).
    pool = 8
    ys = [torch.randint(0, 10, (args.batch,), device=dev) for _ in range(pool)]

    if "mlp" in only:
        xs = [torch.rand(args.batch, 784, device=dev) for _ in range(pool)]
        m = keras_mlp().to(dev)
        opt = torch.optim.RMSprop(m.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        out["mlp"] = train_rate(m, opt, xs, ys, args.mlp_steps, args.warmup)

    if "cnn" in only:
        xs = [torch.rand(args.batch, 1, 28, 28, device=dev) for _ in range(pool)]
        m = keras_cnn().to(dev)
        opt = torch.optim.Adadelta(m.parameters(), lr=1.0, rho=0.95, eps=1e-7)
        out["cnn"] = train_rate(m, opt, xs, ys, args.cnn_steps, args.warmup)

    if "matmul" in only:
        n = 1024
        a = torch.randn(n, n, device=dev)
        b = torch.randn(n, n, device=dev)
        for _ in range(3):
            torch.mm(a, b)
        sync()
        t0 = time.perf_counter()
        for _ in range(args.matmul_reps):
            torch.mm(a, b)
        sync()
        dt = (time.perf_counter() - t0) / args.matmul_reps
        out["matmul_gflops"] = 2 * n**3 / dt / 1e9

    if "overhead" in only:
        a = torch.ones(1, device=dev)
        b = torch.ones(1, device=dev)
        k = args.overhead_calls
        for _ in range(1000):
            torch.add(a, b)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(k):
                torch.add(a, b)
            sync()
            best = min(best, (time.perf_counter() - t0) / k)
        out["op_overhead_us"] = best * 1e6

    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
