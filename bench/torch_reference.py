#!/usr/bin/python3
"""PyTorch side of `headroom bench`: the same workloads as src/bench/workloads.ts, timed the same way.

Trains the Keras reference MLP and CNN on MNIST-shaped random data (batch 128, the Keras optimizers),
times torch.mm at 1024^3 and the per-call overhead of a tiny add.

Threads: the caller sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / OPENBLAS_CORETYPE in the environment (the same
values headroom's side runs with) and passes --threads, which goes to torch.set_num_threads.

Modes:
  one-shot (default): runs the workloads named by --only once and prints one JSON line.
  --fit MANIFEST: `headroom bench --fit`'s reference: trains --model (keras-mlp or keras-cnn, Keras init) for --epochs
           epochs on the exact split headroom wrote (MANIFEST: see src/bench/fit-data.ts) with the optimizer given by
           --optimizer (the model spec's defaultOptimizer, as JSON), the way a plain PyTorch script would: data kept as
           tensors on the device, a shuffled permutation per epoch, batches by index_select, then softmax-argmax
           accuracy on validation and test (batches of 1000). Prints one JSON line per epoch with its seconds
           (shuffle, training and both evaluations), then {"done": true}. With --fifo REQUEST REPLY it trains one
           epoch per request instead, so that headroom can run its epochs in between (one of each, alternating).
  --serve: prints {"ready": true, ...}, then answers one JSON request per stdin line, e.g. {"op": "mlp", "steps": 40}
           -> {"op": "mlp", "value": examples_per_s}. Models and optimizers persist across requests, so the caller can
           alternate short timing windows with headroom's side without paying torch's import each time.
"""
import argparse
import json
import math
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
    p.add_argument("--fit", metavar="MANIFEST", help="fit mode: the split's manifest.json")
    p.add_argument("--model", default="keras-mlp", help="fit mode: keras-mlp or keras-cnn")
    p.add_argument("--epochs", type=int, default=2, help="fit mode without --fifo: epochs, each timed and reported")
    p.add_argument("--fifo", nargs=2, metavar=("REQUEST", "REPLY"),
                   help="fit mode: train one epoch per 'epoch' line on the REQUEST FIFO, reply on the REPLY FIFO")
    p.add_argument("--optimizer", default='{"kind": "rmsprop", "lr": 0.001}', help="fit mode: optimizer as JSON")
    p.add_argument("--eval-batch", type=int, default=1000, help="fit mode: evaluation batch (fit.ts's EVAL_BATCH)")
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


def load_split(torch, manifest_path, device):
    """The split headroom wrote: {name: (x float32 [n, *sample_shape], y int64 [n])} on `device`, plus the manifest."""
    import os

    with open(manifest_path) as f:
        man = json.load(f)
    if man.get("format") != "headroom-bench-split/1":
        raise ValueError("unknown split format %r" % man.get("format"))
    base = os.path.dirname(os.path.abspath(manifest_path))
    shape = tuple(man["sample_shape"])
    per = 1
    for d in shape:
        per *= d
    out = {}
    for name, part in man["splits"].items():
        n = part["n"]

        def read(file, dtype, count):
            with open(os.path.join(base, file), "rb") as f:
                buf = bytearray(f.read())  # writable, so frombuffer does not warn; the files are little-endian
            if len(buf) != count * 4:
                raise ValueError("%s: expected %d bytes, got %d" % (file, count * 4, len(buf)))
            if count == 0:
                return torch.empty(0, dtype=dtype)
            return torch.frombuffer(buf, dtype=dtype)

        x = read(part["x"], torch.float32, n * per).reshape(n, *shape)
        y = read(part["y"], torch.int32, n).long()
        out[name] = (x.to(device), y.to(device))
    return out, man


def keras_model(torch, name, sample_shape, num_classes):
    """src/nn/models' keras-mlp / keras-cnn bodies + the linear output layer; Keras init (glorot-uniform, zero bias)."""
    nn = torch.nn
    if name == "keras-mlp":
        per = 1
        for d in sample_shape:
            per *= d
        model = nn.Sequential(
            nn.Flatten(),
            nn.Linear(per, 512), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(512, num_classes),
        )
    elif name == "keras-cnn":
        c, h, w = sample_shape
        model = nn.Sequential(
            nn.Conv2d(c, 32, 3), nn.ReLU(),
            nn.Conv2d(32, 64, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
            nn.Linear(64 * ((h - 4) // 2) * ((w - 4) // 2), 128), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(128, num_classes),
        )
    else:
        raise ValueError("unknown model " + name)
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def make_optimizer(torch, params, spec):
    """headroom's optimizer config (camelCase, Keras synonyms) as the torch.optim optimizer it mirrors."""
    spec = dict(spec)
    kind = spec.pop("kind")
    names = {"weightDecay": "weight_decay", "weight_decay": "weight_decay", "epsilon": "eps", "learningRate": "lr"}
    kw = {}
    betas = [0.9, 0.999]
    for k, v in spec.items():
        if k in ("beta1", "beta2"):
            betas[0 if k == "beta1" else 1] = v
            kw["betas"] = tuple(betas)
        elif kind == "rmsprop" and k == "rho":
            kw["alpha"] = v
        else:
            kw[names.get(k, k)] = v
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adadelta": torch.optim.Adadelta}[kind]
    return cls(params, **kw)


class FitRun:
    """One model trained epoch by epoch on the split headroom wrote (see the module docstring's --fit)."""

    def __init__(self, torch, args):
        self.torch = torch
        self.args = args
        self.F = torch.nn.functional
        self.dev = torch.device(args.device)
        self.now = time.process_time if args.clock == "cpu" else time.perf_counter
        self.data, man = load_split(torch, args.fit, self.dev)
        self.model = keras_model(torch, args.model, man["sample_shape"], man["num_classes"]).to(self.dev)
        self.params = list(self.model.parameters())
        self.opt = make_optimizer(torch, self.params, json.loads(args.optimizer))
        self.gen = torch.Generator(device=self.dev)
        self.gen.manual_seed(args.seed)
        self.epoch_no = 0

    def accuracy(self, x, y):
        torch, F, b = self.torch, self.F, self.args.eval_batch
        if x.shape[0] == 0:
            return float("nan")
        # Counted on the device and read once, as headroom's evaluation does (no sync per batch).
        correct = torch.zeros((), dtype=torch.int64, device=self.dev)
        with torch.no_grad():
            for s in range(0, x.shape[0], b):
                # softmax before argmax, as the softmax-ce head's scores are: the same work as headroom's evaluation
                pred = F.softmax(self.model(x[s:s + b]), dim=1).argmax(1)
                correct += (pred == y[s:s + b]).sum()
        return correct.item() / x.shape[0]

    def epoch(self):
        torch, F, model, opt = self.torch, self.F, self.model, self.opt
        xtr, ytr = self.data["train"]
        n = xtr.shape[0]
        self.epoch_no += 1
        t0 = self.now()
        model.train()
        perm = torch.randperm(n, device=self.dev, generator=self.gen)
        # The running loss stays on the device and is read once per epoch, as in headroom's fit (a loss.item() per
        # step would sync every step and make this loop slower than it needs to be on a GPU).
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.dev)
        for s in range(0, n, self.args.batch):
            idx = perm[s:s + self.args.batch]
            xb = xtr.index_select(0, idx)
            yb = ytr.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            loss_sum += loss.detach() * idx.shape[0]
        train_loss = loss_sum.item() / max(1, n)
        if not math.isfinite(train_loss) or not all(bool(torch.isfinite(p).all()) for p in self.params):
            raise RuntimeError("non-finite loss or parameters in epoch %d" % self.epoch_no)
        model.eval()
        val_acc = self.accuracy(*self.data["val"])
        test_acc = self.accuracy(*self.data["test"])
        dt = self.now() - t0
        return {"epoch": self.epoch_no, "seconds": dt, "train_loss": train_loss, "val_acc": val_acc,
                "test_acc": test_acc}


def serve_fit(run, req_path, rep_path, ready):
    """Answers one epoch per "epoch" line on the request FIFO, with one JSON line on the reply FIFO.

    The caller (src/bench/fit-bench.ts) already holds the reply FIFO's read end, so opening it for writing does not
    block; the request FIFO is opened non-blocking and polled, because reading a FIFO whose writer has not connected
    yet returns EOF at once. EOF after that (the caller closed it, or died) ends the loop.
    """
    import os
    import select

    req = os.open(req_path, os.O_RDONLY | os.O_NONBLOCK)
    rep = os.open(rep_path, os.O_WRONLY)
    ready()
    buf = b""
    while True:
        select.select([req], [], [])
        chunk = os.read(req, 4096)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            cmd = line.decode().strip()
            if cmd == "quit":
                return
            if cmd != "epoch":
                continue
            try:
                out = run.epoch()
            except Exception as e:  # reported to the caller, which stops asking
                out = {"error": "%s: %s" % (type(e).__name__, e)}
            os.write(rep, (json.dumps(out) + "\n").encode())


def main():
    args = parse()
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.fit:
        info = {"torch_version": torch.__version__, "threads": torch.get_num_threads(), "device": args.device}

        def say(obj):
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()

        try:
            run = FitRun(torch, args)
            if args.fifo:
                req, rep = args.fifo
                serve_fit(run, req, rep, lambda: say(dict(info, ready=True)))
            else:
                say(dict(info, ready=True))
                for _ in range(args.epochs):
                    say(run.epoch())
        except Exception as e:  # reported to the caller, which prints it on the torch side's row
            say({"error": "%s: %s" % (type(e).__name__, e), "cpu_s": time.process_time()})
            sys.exit(1)
        # The process's own CPU time lets the caller tell its work from other processes' on a shared machine.
        say({"done": True, "cpu_s": time.process_time()})
        return
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
