"""Distributed sweeps for real: a 2 x 2 `qpq sweep` on a local Ray instance bound to 127.0.0.1
gives the same sweep.parquet, byte for byte, as the basic launcher in this process."""

from __future__ import annotations

import subprocess

from tests_support import qpq

SWEEP = ["sweep", "scenario=thaw,freeze", "engine.seed=0,1", "engine.worlds=30", "engine.rounds=6"]
LOCAL_RAY = [
    "hydra/launcher=ray",
    "hydra.launcher.ray.init.address=null",
    "+hydra.launcher.ray.init._node_ip_address=127.0.0.1",
    "+hydra.launcher.ray.init.include_dashboard=false",
    "+hydra.launcher.ray.init.num_cpus=2",
]


def test_a_sweep_on_ray_gives_the_basic_launchers_table_byte_for_byte(tmp_path, env):
    basic = subprocess.run(
        [qpq(), *SWEEP, f"hydra.sweep.dir={tmp_path / 'basic'}"], capture_output=True, text=True, env=env, timeout=600
    )
    assert basic.returncode == 0, basic.stderr
    ray = subprocess.run(
        [qpq(), *SWEEP, *LOCAL_RAY, f"hydra.sweep.dir={tmp_path / 'ray'}"],
        capture_output=True,
        text=True,
        env={**env, "RAY_USAGE_STATS_ENABLED": "0"},
        timeout=600,
    )
    assert ray.returncode == 0, ray.stderr
    assert (tmp_path / "ray" / "sweep.parquet").read_bytes() == (tmp_path / "basic" / "sweep.parquet").read_bytes()
    assert len(list((tmp_path / "ray").glob("*/done.json"))) == 4
