#!/usr/bin/python3
"""PyTorch side of `headroom bench`: the same workloads as src/bench/workloads.ts, timed the same way.

Trains the Keras reference MLP and CNN on MNIST-shaped random data (batch 128, the Keras optimizers),
times torch.mm at 1024^3 and the per-call overhead of a tiny add.

Threads: the caller sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / OPENBLAS_CORETYPE in the environment (the same
values headroom's side runs with) and passes --threads, which goes to torch.set_num_threads.

Modes:
  one-shot (default): runs the workloads named by --only once and prints one JSON line.
  --serve: prints {"ready": true, ...}, then answers one JSON request per stdin line, e.g. {"op": "mlp", "steps": 40}
           -> {"op": "mlp", "value": examples_per_s}. Models and optimizers persist across requests, so the caller can
           alternate short timing windows with headroom's side without paying torch's import each time.
"""
import argparse
import json
import sys
import time


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--serve", action="store_true")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="cpu: process CPU time (all threads), steadier on a shared machine with 1 thread")
    p.add_argument("--only", default="mlp,cnn,matmul,overhead", help="comma list of workloads (one-shot mode)")
    p.add_argument("--mlp-steps", type=int, default=100)
    p.add_argument("--cnn-steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--matmul-reps", type=int, default=10)
    p.add_argument("--overhead-calls", type=int, default=20000)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


class Bench:
    POOL = 8  # batches cycled so data generation stays out of the timed loop (as on headroom's side)

    def __init__(self, torch, device, batch, warmup, clock="wall"):
        self.torch = torch
        self.now = time.process_time if clock == "cpu" else time.perf_counter
        self.dev = torch.device(device)
        self.batch = batch
        self.warmup = warmup
        self.trainers = {}
        self.mm = None
        self.tiny = None

    def sync(self):
        if self.dev.type == "cuda":
            self.torch.cuda.synchronize()

    def _trainer(self, name):
        if name in self.trainers:
            return self.trainers[name]
        torch = self.torch
        nn = torch.nn
        if name == "mlp":
            model = nn.Sequential(
                nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
                nn.Linear(512, 10),
            ).to(self.dev)
            opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
            shape = (784,)
        elif name == "cnn":
            model = nn.Sequential(
                nn.Conv2d(1, 32, 3), nn.ReLU(),
                nn.Conv2d(32, 64, 3), nn.ReLU(),
                nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                nn.Linear(128, 10),
            ).to(self.dev)
            opt = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-7)
            shape = (1, 28, 28)
        else:
            raise ValueError("unknown model " + name)
        xs = [torch.rand(self.batch, *shape, device=self.dev) for _ in range(self.POOL)]
        ys = [torch.randint(0, 10, (self.batch,), device=self.dev) for _ in range(self.POOL)]
        model.train()
        tr = {"model": model, "opt": opt, "xs": xs, "ys": ys, "i": 0}
        self.trainers[name] = tr
        self._steps(tr, self.warmup)
        return tr

    def _steps(self, tr, n):
        F = self.torch.nn.functional
        model, opt, xs, ys = tr["model"], tr["opt"], tr["xs"], tr["ys"]
        loss = None
        for _ in range(n):
            k = tr["i"] % self.POOL
            tr["i"] += 1
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xs[k]), ys[k])
            loss.backward()
            opt.step()
        return loss

    def train_rate(self, name, steps):
        tr = self._trainer(name)
        self.sync()
        t0 = self.now()
        loss = self._steps(tr, steps)
        self.sync()
        dt = self.now() - t0
        if loss is not None and not self.torch.isfinite(loss).item():
            raise RuntimeError("non-finite loss")
        return steps * self.batch / dt

    def matmul_gflops(self, reps):
        torch = self.torch
        n = 1024
        if self.mm is None:
            self.mm = (torch.randn(n, n, device=self.dev), torch.randn(n, n, device=self.dev))
            for _ in range(3):
                torch.mm(*self.mm)
        a, b = self.mm
        self.sync()
        t0 = self.now()
        for _ in range(reps):
            torch.mm(a, b)
        self.sync()
        dt = (self.now() - t0) / reps
        return 2 * n**3 / dt / 1e9

    def op_overhead_us(self, calls):
        torch = self.torch
        if self.tiny is None:
            self.tiny = (torch.ones(1, device=self.dev), torch.ones(1, device=self.dev))
            for _ in range(1000):
                torch.add(*self.tiny)
        a, b = self.tiny
        best = float("inf")
        for _ in range(3):
            t0 = self.now()
            for _ in range(calls):
                torch.add(a, b)
            self.sync()
            best = min(best, (self.now() - t0) / calls)
        return best * 1e6

    def request(self, op, n):
        if op in ("mlp", "cnn"):
            return self.train_rate(op, n)
        if op == "matmul":
            return self.matmul_gflops(n)
        if op == "overhead":
            return self.op_overhead_us(n)
        raise ValueError("unknown op " + str(op))


def main():
    args = parse()
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    bench = Bench(torch, args.device, args.batch, args.warmup, args.clock)
    info = {"torch_version": torch.__version__, "threads": torch.get_num_threads(), "device": bench.dev.type}

    if args.serve:
        sys.stdout.write(json.dumps(dict(info, ready=True)) + "\n")
        sys.stdout.flush()
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            req = json.loads(line)
            if req.get("op") == "quit":
                break
            try:
                out = {"op": req["op"], "value": bench.request(req["op"], int(req["n"]))}
            except Exception as e:  # reported to the caller, which decides what to do
                out = {"op": req.get("op"), "error": "%s: %s" % (type(e).__name__, e)}
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
        return

    only = set(s for s in args.only.split(",") if s)
    out = dict(info)
    if "mlp" in only:
        out["mlp"] = bench.request("mlp", args.mlp_steps)
    if "cnn" in only:
        out["cnn"] = bench.request("cnn", args.cnn_steps)
    if "matmul" in only:
        out["matmul_gflops"] = bench.request("matmul", args.matmul_reps)
    if "overhead" in only:
        out["op_overhead_us"] = bench.request("overhead", args.overhead_calls)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
