"""Where the FID Inception's time goes on this CPU, per operator, and what that bounds.

Runs ganforge's optimised trunk (folded BN, fused ReLU, channels_last) on one batch under
torch.profiler, groups the time by operator and input shape, and prints for every convolution
shape its rate counted as direct convolution (2 * multiply-adds / second). Beside it the
machine's own rates measured in the same run: a 2048^3 matrix product and a channels_last 3x3
convolution (192->192, 35x35, batch 32). The last lines give the bound that follows: the
trunk's multiply-adds per image at the best convolution rate measured.

    python benchmarks/inception_ops.py [--batch 16] [--threads T] [--top 15]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections import defaultdict

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from ganforge.metrics.features.inception import build_fid_inception, fid_trunk, load_fid_inception
from ganforge.metrics.features.inception_fast import ConvReLU, optimised_trunk
from ganforge.metrics.weights import installed_weights

SIDE = 299


def _rate(fn, flops: float, repeats: int = 3) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return flops * repeats / (time.perf_counter() - start) / 1e9


def machine_rates() -> tuple[float, float]:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    x = torch.randn(32, 192, 35, 35).contiguous(memory_format=torch.channels_last)
    w = torch.randn(192, 192, 3, 3).contiguous(memory_format=torch.channels_last)
    matmul = _rate(lambda: a @ b, 2 * 2048**3)
    conv = _rate(lambda: F.conv2d(x, w, padding=1), 2 * 32 * 35 * 35 * 192 * 192 * 9)
    return matmul, conv


def conv_shapes(trunk: torch.nn.Module, batch: int) -> dict[str, float]:
    """Multiply-adds of every ConvReLU of the trunk, keyed like the profiler's input shapes."""
    macs: dict[str, float] = defaultdict(float)
    hooks = []

    def record(module, args, out):
        x = args[0]
        k = module.weight.shape
        key = f"{list(x.shape)} -> {list(k)}"
        macs[key] += out.numel() * k[1] * k[2] * k[3]

    for module in trunk.modules():
        if isinstance(module, ConvReLU):
            hooks.append(module.register_forward_hook(record))
    with torch.inference_mode():
        trunk(torch.rand(batch, 3, SIDE, SIDE).contiguous(memory_format=torch.channels_last))
    for hook in hooks:
        hook.remove()
    return macs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    weights = installed_weights()
    network = load_fid_inception(weights.path)[0] if weights else build_fid_inception()
    trunk = optimised_trunk(fid_trunk(network))
    macs = conv_shapes(trunk, args.batch)
    x = torch.rand(args.batch, 3, SIDE, SIDE).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        trunk(x)
        start = time.perf_counter()
        trunk(x)
        seconds = time.perf_counter() - start
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            trunk(x)
    by_op: dict[str, float] = defaultdict(float)
    conv_time: dict[str, float] = defaultdict(float)
    for event in prof.key_averages(group_by_input_shape=True):
        by_op[event.key] += event.self_cpu_time_total / 1e6
        if "conv" in event.key:  # the fused oneDNN op, or aten's convolutions without it
            shapes = event.input_shapes
            if len(shapes) >= 2 and len(shapes[0]) == 4:
                conv_time[f"{shapes[0]} -> {shapes[1]}"] += event.self_cpu_time_total / 1e6
    total_profiled = sum(by_op.values())
    matmul, conv = machine_rates()
    total_macs = sum(macs.values())
    print(f"python benchmarks/inception_ops.py --batch {args.batch}"
          + (f" --threads {args.threads}" if args.threads else ""))
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"trunk: {args.batch / seconds:.2f} images/s ({seconds:.3f} s per batch of {args.batch}), "
          f"{total_macs / args.batch / 1e9:.3f} G multiply-adds per image, "
          f"{2 * total_macs / seconds / 1e9:.1f} GFLOP/s counted as direct convolution")
    print(f"this machine: matmul 2048^3 {matmul:.0f} GFLOP/s; conv3x3 192->192 35x35 b32 channels_last {conv:.0f} GFLOP/s")
    print("\n| operator | seconds | share |")
    print("|---|---:|---:|")
    for name, secs in sorted(by_op.items(), key=lambda kv: -kv[1])[:6]:
        print(f"| {name} | {secs:.3f} | {secs / total_profiled:.1%} |")
    print("\n| convolution (input -> weight) | seconds | GFLOP/s (direct count) |")
    print("|---|---:|---:|")
    for key, secs in sorted(conv_time.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"| {key} | {secs:.3f} | {2 * macs.get(key, 0) / secs / 1e9:.0f} |")
    best = max(conv, matmul)
    bound = best * 1e9 / (2 * total_macs / args.batch)
    print(f"\nbound: at the best rate measured here ({best:.0f} GFLOP/s) for every operator, the trunk would "
          f"run {bound:.2f} images/s; it runs {args.batch / seconds:.2f} ({args.batch / seconds / bound:.0%} of that)")


if __name__ == "__main__":
    main()
