"""Setup checks a newcomer meets before any test: the browser check stops at once, in one line,
where it can neither find nor install a Chromium."""

from __future__ import annotations

import os
import subprocess
import time

from tests_support import ROOT


def test_without_chromium_and_without_root_the_check_stops_at_once_saying_what_to_install(tmp_path):
    # A PATH with the shell's basic tools but no chromium; QPQ_NO_INSTALL stands for "cannot install".
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "env"):
        target = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip()
        (bin_dir / tool).symlink_to(target)
    started = time.monotonic()
    done = subprocess.run([str(ROOT / "scripts" / "ensure-browser")], capture_output=True, text=True,
                          env={"PATH": str(bin_dir), "QPQ_NO_INSTALL": "1"}, timeout=30)
    assert time.monotonic() - started < 5
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs Chromium" in lines[0] and "apt-get install chromium" in lines[0]


def test_with_chromium_on_the_path_the_check_passes(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "chromium").write_text("#!/bin/sh\n")
    (bin_dir / "chromium").chmod(0o755)
    bash = subprocess.run(["bash", "-c", "command -v bash"], capture_output=True, text=True).stdout.strip()
    (bin_dir / "bash").symlink_to(bash)
    done = subprocess.run([str(ROOT / "scripts" / "ensure-browser")], capture_output=True, text=True,
                          env={"PATH": str(bin_dir)}, timeout=30)
    assert done.returncode == 0, done.stderr
    assert os.access(ROOT / "scripts" / "ensure-browser", os.X_OK)
