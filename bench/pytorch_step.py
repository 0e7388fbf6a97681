#!/usr/bin/env python3
"""The comparison peer of benchmark B1: the same small ResNet and the same MoCo v2 / SimCLR step as
contrastream's recipes, in plain eager PyTorch. Prints one line per (method, batch):
    pytorch method=M batch=B median_s=... p25_s=... p75_s=... images_per_s=...
Run with Debian's python3-torch:  OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_step.py
"""
import argparse, statistics, time
import torch, torch.nn as nn, torch.nn.functional as F


class Basic(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.c1 = nn.Conv2d(i, o, 3, s, 1, bias=False); self.b1 = nn.BatchNorm2d(o)
        self.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); self.b2 = nn.BatchNorm2d(o)
        self.sc = (nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o))
                   if (i != o or s != 1) else nn.Identity())

    def forward(self, x):
        return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + self.sc(x))


def encoder():  # resnet-small: 3x3 stem of 16, stages 32/64/128 stride 2, global average pool
    return nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         Basic(16, 32, 2), Basic(32, 64, 2), Basic(64, 128, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten())


def projector(bn):
    if bn:
        return nn.Sequential(nn.Linear(128, 512, bias=False), nn.BatchNorm1d(512), nn.ReLU(), nn.Linear(512, 128))
    return nn.Sequential(nn.Linear(128, 512), nn.ReLU(), nn.Linear(512, 128))


def simclr_step(b):
    f, g = encoder(), projector(True)
    opt = torch.optim.SGD(list(f.parameters()) + list(g.parameters()), lr=0.03, momentum=0.9, weight_decay=1e-4)
    x = torch.rand(2 * b, 1, 28, 28)
    target = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)])

    def step():
        z = F.normalize(g(f(x)), dim=1)                  # z: 2N x 128
        s = z @ z.t() / 0.5                               # s: 2N x 2N
        s = s - torch.eye(2 * b) * 1e9
        loss = F.cross_entropy(s, target)
        opt.zero_grad(); loss.backward(); opt.step()
    return step


def moco_v2_step(b):
    fq, gq = encoder(), projector(False)
    q_net = nn.Sequential(fq, gq)
    k_net = nn.Sequential(encoder(), projector(False))
    k_net.load_state_dict(q_net.state_dict())
    for p in k_net.parameters():
        p.requires_grad = False
    opt = torch.optim.SGD(q_net.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    queue = F.normalize(torch.randn(4096, 128), dim=1)
    ptr = [0]
    x1, x2 = torch.rand(b, 1, 28, 28), torch.rand(b, 1, 28, 28)

    def step():
        with torch.no_grad():
            k = F.normalize(k_net(x2), dim=1)             # k: N x 128
        q = F.normalize(q_net(x1), dim=1)                 # q: N x 128
        logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue.t()], 1) / 0.2   # N x (1+K)
        loss = F.cross_entropy(logits, torch.zeros(b, dtype=torch.long))
        opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            for pk, pq in zip(k_net.parameters(), q_net.parameters()):
                pk.mul_(0.99).add_(pq.detach(), alpha=0.01)
            queue[ptr[0]:ptr[0] + b] = k
            ptr[0] = (ptr[0] + b) % 4096
    return step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", default="moco-v2,simclr")
    ap.add_argument("--batches", default="64,128,256")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--profile", metavar="DIR", help="write a torch.profiler Chrome trace per (method, batch) to DIR")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for m in a.methods.split(","):
        for b in map(int, a.batches.split(",")):
            step = (moco_v2_step if m == "moco-v2" else simclr_step)(b)
            for _ in range(a.warmup):
                step()
            if a.profile:
                from torch.profiler import profile, ProfilerActivity
                with profile(activities=[ProfilerActivity.CPU]) as prof:
                    t = time.perf_counter()
                    for _ in range(a.reps):
                        step()
                    wall = time.perf_counter() - t
                out = f"{a.profile}/trace-pytorch-{m}-{b}.json"
                prof.export_chrome_trace(out)
                print(f"profile pytorch method={m} batch={b} steps={a.reps} wall_s={wall:.3f} trace={out}", flush=True)
                continue
            times = []
            for _ in range(a.reps):
                t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
            q = statistics.quantiles(times, n=4)
            med = statistics.median(times)
            print(f"pytorch method={m} batch={b} median_s={med:.4f} p25_s={q[0]:.4f} p75_s={q[2]:.4f} "
                  f"images_per_s={b / med:.1f}", flush=True)


if __name__ == "__main__":
    main()
