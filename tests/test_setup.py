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
    done = subprocess.run(
        [str(ROOT / "scripts" / "ensure-browser")],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir), "QPQ_NO_INSTALL": "1"},
        timeout=30,
    )
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
    done = subprocess.run(
        [str(ROOT / "scripts" / "ensure-browser")],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir)},
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert os.access(ROOT / "scripts" / "ensure-browser", os.X_OK)


def test_make_lab_opens_the_notebooks_in_jupyterlab_with_the_projects_own_kernel():
    """`make lab` serves notebooks/ in JupyterLab, and a kernel it starts is this environment's Python."""
    import json
    import secrets
    import signal
    import socket
    import sys
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(8)
    base = f"http://127.0.0.1:{port}/api"
    lab = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_ARGS=--no-browser --port={port} --IdentityProvider.token={token}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/contents?token={token}", timeout=5) as response:
                    listed = {item["name"] for item in json.load(response)["content"]}
                break
            except OSError:
                assert lab.poll() is None, lab.stderr.read()
                assert time.monotonic() < deadline, "JupyterLab did not answer within 120 s"
                time.sleep(0.5)
        assert {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} <= listed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=30) as response:
            assert response.status == 200 and b"JupyterLab" in response.read()

        request = urllib.request.Request(
            f"{base}/kernels?token={token}", data=b"{}", method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            kernel = json.load(response)["id"]

        def command_lines():
            for path in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    yield path.read_bytes().decode(errors="replace").split("\0")
                except OSError:  # the process ended while we looked
                    continue

        while True:  # the kernel's process names its connection file after its id
            found = [argv for argv in command_lines() if any(kernel in arg for arg in argv)]
            if found:
                argv = found[0]
                break
            assert time.monotonic() < deadline, "no kernel process appeared"
            time.sleep(0.3)
        assert Path(argv[0]).resolve() == Path(sys.executable).resolve(), argv
        assert "ipykernel_launcher" in argv
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
