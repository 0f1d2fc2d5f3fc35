"""A sandbox standing in for an app's file system, to run the lifecycle scripts under bash:
stub Python, pip, aws and restart-jupyter-server on PATH that record their calls."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from jupyter_smcost.admin.lcc import (
    SERVER_PYTHON,
)

SHELLCHECK = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")


def stub(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)


class Sandbox:
    """A temporary root for the script, with recording stubs."""

    def __init__(self, tmp_path: Path, app_type: str) -> None:
        self.root = tmp_path / "root"
        self.bin = tmp_path / "bin"
        self.calls = tmp_path / "calls.log"
        self.python = self.root / SERVER_PYTHON[app_type].lstrip("/")
        record = f'echo "$(basename "$0") $*" >> {self.calls}\n'
        stub(self.python, record)
        stub(self.bin / "restart-jupyter-server", record)
        stub(self.bin / "systemctl", record + "exit 3\n")  # the unit is not active
        # `aws s3 cp SRC DEST`: copies from the sandbox's fake bucket.
        stub(
            self.bin / "aws",
            record + f'src="{tmp_path}/bucket/${{4#s3://}}"; cp "$src" "$5"\n',
        )
        self.bucket = tmp_path / "bucket"

    def run(self, script: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": f"{self.bin}{os.pathsep}/usr/bin:/bin",
            "SMCOST_LCC_ROOT": str(self.root),
            "HOME": str(self.root / "home"),
        }
        return subprocess.run(
            ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60
        )

    def recorded(self) -> list[str]:
        """The stubs' calls, with the script's own temporary directory named WORK."""
        text = self.calls.read_text() if self.calls.exists() else ""
        return re.sub(r"/tmp/tmp\.\w+", "WORK", text).splitlines()

    def policy_dir(self) -> Path:
        return self.python.parent.parent / "share/jupyter_smcost"

    def files(self) -> dict[str, str]:
        return {
            str(p.relative_to(self.root)): p.read_text()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and p != self.python
        }
