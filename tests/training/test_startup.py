"""What `ganforge train` imports before its first step: nothing a DCGAN run does not use."""

from __future__ import annotations

import os
import subprocess
import sys


def test_training_imports_neither_timm_nor_scipy():
    # timm (the projected D's EfficientNet) and scipy (FID, IS) each add a second or more to the start.
    code = ("import sys; import ganforge.cli, ganforge.commands.train, ganforge.training.loop, ganforge.models;"
            "print(sorted(m for m in ('timm', 'scipy') if m in sys.modules))")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
