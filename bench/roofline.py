#!/usr/bin/env python3
"""Roofline figures for benchmark B1: FLOPs per image of the resnet-small encoder and projector
(counted from the layers' shapes, multiply-add = 2 FLOPs), FLOPs per training record of each
recipe's step, this CPU's peak (cores x clock x FLOPs/cycle) and a measured sgemm ceiling; with
--b1 FILE (the output of scripts/bench-b1-b5.sh) the achieved FLOP/s of every B1 line and its
fraction of the peak.
    OMP_NUM_THREADS=2 /usr/bin/python3 bench/roofline.py [--b1 runs/bench/b1.txt] [--flops-per-cycle 64]
"""
import argparse, re, statistics, time
import torch, torch.nn as nn
import importlib.util, os

spec = importlib.util.spec_from_file_location("peer", os.path.join(os.path.dirname(__file__), "pytorch_step.py"))
peer = importlib.util.module_from_spec(spec); spec.loader.exec_module(peer)


def forward_flops(model, x):
    """FLOPs of one forward pass over x, counted per conv / linear / batch-norm layer."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
            total[0] += 2 * k * out.numel()
        elif isinstance(m, nn.Linear):
            total[0] += 2 * m.in_features * out.numel()
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            total[0] += 4 * out.numel()  # normalise, scale, shift (+ statistics) ~ 4 per element
    hs = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    return total[0] / x.shape[0]


def sgemm_gflops(n=2048, reps=10):
    a, b = torch.rand(n, n), torch.rand(n, n)
    a @ b
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
    return 2 * n ** 3 / statistics.median(ts) / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--b1", help="B1 output with 'djl ...' and 'pytorch ...' lines")
    ap.add_argument("--flops-per-cycle", type=float, default=64,
                    help="FP32 FLOPs per cycle per core (2 x 512-bit FMA = 64 on Zen 5 / AVX-512 servers)")
    ap.add_argument("--ghz", type=float, help="clock (default: /proc/cpuinfo 'cpu MHz')")
    ap.add_argument("--cores", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.cores)
    x = torch.rand(64, 1, 28, 28)
    enc = peer.encoder().eval()
    f_enc = forward_flops(enc, x)
    f_proj_bn = forward_flops(peer.projector(True).eval(), torch.rand(64, 128))
    f_proj = forward_flops(peer.projector(False).eval(), torch.rand(64, 128))
    # backward ~ 2x forward (gradients of inputs and of weights)
    per_record = {"moco-v2": 3 * (f_enc + f_proj) + (f_enc + f_proj),   # query fwd+bwd, key fwd
                  "simclr": 2 * 3 * (f_enc + f_proj_bn)}                 # two views fwd+bwd
    ghz = a.ghz or float(re.search(r"cpu MHz\s*:\s*([\d.]+)", open("/proc/cpuinfo").read()).group(1)) / 1e3
    peak = a.cores * ghz * a.flops_per_cycle
    gemm = sgemm_gflops()
    print(f"roofline encoder_forward_mflops_per_image={f_enc / 1e6:.2f} projector_mflops={f_proj / 1e6:.3f}")
    for m, f in per_record.items():
        print(f"roofline step method={m} mflops_per_record={f / 1e6:.2f}")
    print(f"roofline peak cores={a.cores} ghz={ghz:.2f} flops_per_cycle={a.flops_per_cycle:.0f} "
          f"peak_gflops={peak:.0f} torch_sgemm_2048_gflops={gemm:.0f} ({100 * gemm / peak:.0f} % of peak)")
    if a.b1:
        for line in open(a.b1):
            m = re.match(r"(djl|pytorch) method=(\S+) batch=(\d+) .*images_per_s=([\d.]+)", line)
            if m:
                impl, method, batch, rps = m.group(1), m.group(2), int(m.group(3)), float(m.group(4))
                g = rps * per_record[method] / 1e9
                print(f"roofline achieved impl={impl} method={method} batch={batch} records_per_s={rps:.0f} "
                      f"gflops={g:.1f} of_peak={100 * g / peak:.1f}% of_sgemm={100 * g / gemm:.1f}%")


if __name__ == "__main__":
    main()
