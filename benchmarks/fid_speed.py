"""Feature-extraction speed of the FID Inception: ganforge vs pytorch-fid vs torch-fidelity.

All extractors run in this one process, on the same uint8 images and the same real FID
Inception weights (installed by `make weights`; a zero 1008-class classifier is added for the
references, which load strictly and whose pool3 does not use it): pytorch-fid and torch-fidelity at 64 images per batch
(torch-fidelity's default; pytorch-fid's is 50), ganforge at its own internal batch size
(16 on CPU). Time includes each tool's resizing. Images are processed in
rounds — one chunk per extractor in turn — so that load from other processes on a shared
machine falls on all of them alike. Prints a markdown table, the agreement of the
features with each reference, and the command that produced them.

    python benchmarks/fid_speed.py [--n 256] [--data builtin:digits] [--chunk 64] [--threads T] [--plain] [--compile]
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from ganforge.data import open_source
from ganforge.data.decode import to_rgb_uint8
from ganforge.metrics.features.inception import DEFAULT_BATCH_SIZE, inception_features
from ganforge.metrics.weights import installed_weights, load_state_dict_file

Extract = Callable[[Tensor], Tensor]  # uint8 [N,3,H,W] -> pool3 float32 [N,2048]


def batched(extract_batch: Extract, batch_size: int) -> Extract:
    """Run `extract_batch` over chunks of `batch_size` images, as each tool's loader would."""
    return lambda images: torch.cat([extract_batch(part) for part in images.split(batch_size)])


def ganforge_extractor(weights: Path, resize: str = "tf1", **options) -> Extract:
    extractor = inception_features(weights, resize=resize, **options)
    return lambda images: extractor(images)["pool3"]


def pytorch_fid_extractor(weights: Path, batch_size: int = 64) -> Extract:
    """pytorch-fid's InceptionV3([3]) fed [0,1] floats (as its loader does), 64 per batch."""
    import pytorch_fid.inception

    original = pytorch_fid.inception.load_state_dict_from_url
    pytorch_fid.inception.load_state_dict_from_url = lambda *args, **kwargs: torch.load(weights, weights_only=True)
    try:
        model = pytorch_fid.inception.InceptionV3([3]).eval()
    finally:
        pytorch_fid.inception.load_state_dict_from_url = original

    @torch.no_grad()
    def extract(images: Tensor) -> Tensor:
        return model(images.float() / 255)[0].flatten(1)

    return batched(extract, batch_size)


def torch_fidelity_extractor(weights: Path, batch_size: int = 64) -> Extract:
    """torch-fidelity's FeatureExtractorInceptionV3 (pool3 and logits), its default batch size 64."""
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    model = FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=str(weights)
    )

    @torch.no_grad()
    def extract(images: Tensor) -> Tensor:
        return model(images)[0]

    return batched(extract, batch_size)


def builtin_images(n: int, spec: str) -> Tensor:
    """The first n images of a built-in data set as uint8 RGB [n,3,H,W]."""
    source = open_source(spec)
    return torch.stack([torch.from_numpy(to_rgb_uint8(source.image(i % len(source)))) for i in range(n)])


def max_relative_difference(actual: Tensor, expected: Tensor) -> float:
    """max |actual - expected| / max |expected| over the whole [N,2048] tensor."""
    return ((actual - expected).abs().max() / expected.abs().max()).item()


def time_in_rounds(extractors: dict[str, Extract], images: Tensor, chunk: int) -> tuple[dict, dict]:
    """Wall seconds per extractor and its features, processing `chunk` images per turn."""
    seconds = dict.fromkeys(extractors, 0.0)
    features: dict[str, list[Tensor]] = {name: [] for name in extractors}
    for start in range(0, len(images), chunk):
        part = images[start : start + chunk]
        for name, extract in extractors.items():
            began = time.perf_counter()
            features[name].append(extract(part))
            seconds[name] += time.perf_counter() - began
        print(f"  {start + len(part)}/{len(images)} images", file=sys.stderr, flush=True)
    return seconds, {name: torch.cat(parts) for name, parts in features.items()}


def cpu_model() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="number of images (default 256)")
    parser.add_argument("--data", default="builtin:digits", help="built-in images (default builtin:digits, 32 px)")
    parser.add_argument("--chunk", type=int, default=64, help="images per extractor per turn (default 64)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE["cpu"], help="ganforge's internal batch")
    parser.add_argument("--plain", action="store_true", help="also time ganforge without its speed rewrites")
    parser.add_argument("--compile", action="store_true", help="also time ganforge with torch.compile")
    parser.add_argument("--threads", type=int, help="intra-op threads for all extractors (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    installed = installed_weights()
    if installed is None:
        sys.exit("fid_speed.py: no Inception weights installed; run `make weights` first")
    images = builtin_images(args.n, args.data)
    with tempfile.TemporaryDirectory() as folder:
        state = load_state_dict_file(installed.path)
        state.setdefault("fc.weight", torch.zeros(1008, 2048))
        state.setdefault("fc.bias", torch.zeros(1008))
        weights = Path(folder) / "inception-for-references.pth"
        torch.save(state, weights)
        extractors = {"ganforge (tf1)": ganforge_extractor(weights, batch_size=args.batch_size)}
        if args.plain:
            extractors["ganforge plain (tf1)"] = ganforge_extractor(weights, optimise=False, batch_size=args.batch_size)
        if args.compile:
            extractors["ganforge + compile (tf1)"] = ganforge_extractor(weights, compile=True, batch_size=args.batch_size)
        extractors["pytorch-fid 0.3.0"] = pytorch_fid_extractor(weights)
        extractors["torch-fidelity 0.4.0"] = torch_fidelity_extractor(weights)
        for extract in extractors.values():  # warm-up: oneDNN primitives, compilation
            extract(images[:2])
        load_before = os.getloadavg()
        seconds, features = time_in_rounds(extractors, images, args.chunk)
        load_after = os.getloadavg()
        pytorch_fid_mode = ganforge_extractor(weights, resize="pytorch-fid", batch_size=args.batch_size)
        agreement_images = images[: min(32, args.n)]
        pytorch_fid_agreement = max_relative_difference(
            pytorch_fid_mode(agreement_images), features["pytorch-fid 0.3.0"][: len(agreement_images)]
        )

    rates = {name: args.n / elapsed for name, elapsed in seconds.items()}
    agreement = {name: max_relative_difference(features[name], features["torch-fidelity 0.4.0"])
                 for name in rates if name.startswith("ganforge")}
    agreement["torch-fidelity 0.4.0"] = agreement["ganforge (tf1)"]
    agreement["pytorch-fid 0.3.0"] = pytorch_fid_agreement
    print(f"\n{args.n} images of {args.data} ({images.shape[-1]}×{images.shape[-2]}), weights {installed.sha256[:12]}, {cpu_model()}, {os.cpu_count()} CPUs, "
          f"torch {torch.__version__}, threads: {torch.get_num_threads()}, Python {platform.python_version()}")
    print(f"load average (1 min) at start/end of timing: {load_before[0]:.1f} / {load_after[0]:.1f}\n")
    print("| extractor | images/s | ganforge (tf1) speed-up | max rel. diff. of pool3 |")
    print("|---|---:|---:|---:|")
    ours = rates["ganforge (tf1)"]
    for name, rate in rates.items():
        print(f"| {name} | {rate:.2f} | {ours / rate:.2f}× | {agreement[name]:.1e} |")
    print("\nmax rel. diff. = max |a - b| / max |b| over all features; ganforge rows and torch-fidelity: "
          "ganforge row vs torch-fidelity; pytorch-fid: ganforge `--resize pytorch-fid` vs pytorch-fid "
          f"on the first {len(agreement_images)} images.")
    print(f"\ncommand: python benchmarks/fid_speed.py {shlex.join(sys.argv[1:] if argv is None else argv)}".rstrip())


if __name__ == "__main__":
    main()
