"""Sweeps: a Hydra multirun over any config values, gathered into one tidy table.

By default a sweep runs in this process (`sweep_points.py`): its numeric axes as points of one
model, its other axes as groups composed once each. With `--jobs` or a Hydra launcher each point
is one Hydra job that simulates its worlds in one model (0.45-0.9 s of overhead a job with the
basic launcher). Either way a unit of work writes its outputs atomically and a `done` marker last,
so re-running the same sweep skips finished work and a killed sweep loses none; the folder is
locked while a sweep writes it. `gather` stacks every job's worlds into `sweep.parquet` (one
column per swept key) and its per-round quantiles into `sweep_rounds.parquet`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser

from quidproquo.config import ConfigError
from quidproquo.config.overrides import own
from quidproquo.experiments import plots, sweep_points
from quidproquo.runs import storage
from quidproquo.runs.lock import day, hold
from quidproquo.runs.markers import DONE, FAILED, is_done


def expand(overrides: list[str]) -> tuple[list[str], list[list[str]]]:
    """The swept keys and every sweep point as a list of plain `key=value` overrides."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    swept, choices = [], []
    for override in parsed:
        key = override.get_key_element()
        if override.is_sweep_override():
            swept.append(key)
            choices.append([f"{key}={value}" for value in override.sweep_string_iterator()])
        else:
            choices.append([override.input_line])
    return swept, [list(point) for point in itertools.product(*choices)]


def unparsable(overrides: list[str], err: Exception) -> str:
    """The override Hydra's grammar refused, with the reason, as one line naming its key."""
    for override in overrides:
        try:
            expand([override])
        except Exception as own_err:
            key = override.split("=", 1)[0]
            reason = " ".join(str(own_err).split("See https://")[0].split()) or type(own_err).__name__
            if "ConfigLoader is not set" in reason:
                return f"{key}: glob() choices are not supported; list them, e.g. {key}=thaw,freeze"
            return f"{override}: {reason}"
    return " ".join(str(err).split())


def default_folder(overrides: list[str], swept: list[str], today: str | None = None) -> Path:
    """`sweeps/<date>_<swept keys>_<hash>`: readable, and named after the sweep itself, so
    re-running the same command (another day too) finds and resumes the same folder."""
    digest = hashlib.sha1("\n".join(sorted(overrides)).encode()).hexdigest()[:6]
    existing = sorted(Path("sweeps").glob(f"*_{digest}"))
    if existing:
        return existing[0]
    label = "-".join(key.rsplit(".", 1)[-1] for key in swept)[:60] or "sweep"
    return Path("sweeps") / f"{today or day()}_{label}_{digest}"


def job_folder(overrides: str) -> str:
    """A sweep job's folder name: its overrides, readable, unless they would make a name too long
    for the file system (255 bytes); then a hash of them. A resumed sweep finds the same name."""
    if len(overrides.encode()) <= 200:
        return overrides
    return f"job_{hashlib.sha1(overrides.encode()).hexdigest()[:16]}"


def summary_markdown(
    folder: Path, swept: list[str], table: pd.DataFrame, figures: list[str], jobs: int, failed: int
) -> str:
    """The sweep's summary: its axes, the median outcomes per point, and its figures."""
    lines = [
        f"# Sweep: {', '.join(swept)}",
        "",
        f"{jobs} jobs ({failed} failed); tables `sweep.parquet` (one row per "
        f"point and world) and `sweep_rounds.parquet` (per-round quantiles).",
        "",
        "## Axes",
        "",
    ]
    lines += [f"- `{key}`: {', '.join(str(v) for v in table[key].drop_duplicates())}" for key in swept]
    outcomes = [
        c for c in ("net_change", "total_released", "total_arrested", "deals", "prisoners_held_final") if c in table
    ]
    medians = table.groupby(swept, sort=True)[outcomes].median().reset_index()
    lines += [
        "",
        "## Median outcomes per point",
        "",
        "| " + " | ".join([*swept, *outcomes]) + " |",
        "|" + "---|" * len(swept) + "---:|" * len(outcomes),
    ]
    for row in medians.itertuples(index=False):
        lines.append(
            "| "
            + " | ".join(
                f"{v:,.0f}" if isinstance(v, float) and k in outcomes else str(v)
                for k, v in zip([*swept, *outcomes], row)
            )
            + " |"
        )
    if figures:
        lines += ["", "## Figures", ""] + [f"![{name}](figures/{name})" for name in figures]
    return "\n".join(lines) + "\n"


class JobsFailed(Exception):
    """Some of a sweep's jobs failed (each is named on stderr); the table holds the others."""


def run_sweep(overrides: list[str], check, launch, jobs: bool = False) -> None:
    """`qpq sweep`: check every point, run them -- in this process (`sweep_points.py`), or as one
    Hydra job a point (`launch(overrides)`, a multirun, for a launcher or with `jobs`) gathered from their folders
    -- into sweep.parquet, draw the figures and write summary.md. `check` composes and checks
    the points (exiting on a mistake)."""
    try:
        swept, points = expand(own(overrides))
    except Exception as err:  # Hydra's override grammar errors
        raise ConfigError(f"cannot parse the sweep: {unparsable(own(overrides), err)}") from None
    if not swept:
        raise ConfigError("qpq sweep needs a key with several values, e.g. scenario=thaw,freeze")
    if not points:
        raise ConfigError("qpq sweep: the sweep has no points (an empty range or list)")
    seen = {tuple(sorted(point)) for point in points}
    if len(seen) < len(points):
        raise ConfigError(
            "qpq sweep: some points repeat (a value given twice); each point runs once: give each value once"
        )
    given = [o.split("=", 1)[1] for o in overrides if o.startswith("hydra.sweep.dir=")]
    folder = Path(given[-1]) if given else default_folder(own(overrides), swept)
    if jobs or any(o.startswith(("hydra/launcher=", "hydra.launcher.")) for o in overrides):
        # One Hydra job a point: for launchers that spread jobs over machines (Ray, Slurm).
        launcher = _launcher(overrides)
        if launcher == "submitit_slurm":
            slurm_ready()
        configs = check(*points)
        if launcher == "ray":
            ray_ready(overrides)
        hold(folder)
        finished = finished_jobs(folder, points)
        if finished:
            print(
                f"qpq: {finished} of {len(points)} points already finished in {folder}; running the other "
                f"{len(points) - finished}",
                file=sys.stderr,
            )
        extra = [] if given else [f"hydra.sweep.dir={folder}"]
        with Progress(folder, len(points), configs[0].engine.worlds):
            launch(
                [
                    *overrides,
                    *extra,
                    "hydra.sweep.subdir='${qpq_job_folder:${hydra.job.override_dirname}}'",
                    "hydra/hydra_logging=disabled",
                    "hydra/job_logging=disabled",
                ]
            )
        failed = failures(folder, points)
        for point, error in failed:
            print(f"qpq: job failed: {' '.join(point)}: {error}", file=sys.stderr)
        table, rounds = gather(folder, swept, points)
    else:
        # The numeric axes as points of one model, the others composed once each (sweep_points.py):
        # every group checked before any runs; finished groups in the folder are reused.
        every = sweep_points.groups(swept, points, _value, lambda fixed: check(fixed)[0])
        hold(folder)
        configs = [every[0].cfg]
        before = sweep_points.reused(folder, every)
        if before:
            print(
                f"qpq: {before} of {len(points)} points already finished in {folder}; running the other "
                f"{len(points) - before}",
                file=sys.stderr,
            )
        started = time.perf_counter()
        bar = _bar(len(points), configs[0].engine.worlds)
        table, rounds, failed = sweep_points.run_in_process(
            folder, swept, every, _value, lambda n: bar.update(n - bar.n)
        )
        bar.close()
        if bar.disable:  # not a terminal: one line instead of a bar
            print(
                f"qpq: sweep: {len(points) - before} points x {configs[0].engine.worlds:,} worlds run in "
                f"{time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
        for point, error in failed:
            print(f"qpq: job failed: {' '.join(point)}: {error}", file=sys.stderr)
    if table.empty:
        print(
            f"qpq: all {len(points)} jobs failed; nothing to gather in {folder}. Fix the cause and run the same "
            f"command again.",
            file=sys.stderr,
        )
        raise JobsFailed(len(failed))
    storage.write_parquet(table, folder / "sweep.parquet")
    storage.write_parquet(rounds, folder / "sweep_rounds.parquet")
    numeric = [k for k in swept if k != "scenario" and table[k].dtype.kind in "if"]
    by = "scenario" if "scenario" in swept else None
    drawn = []
    # Drawn as a run draws its own (output.figures, on by default): `output.figures=false` leaves
    # the sweep's figures out, and its summary links none; the tables are the same either way.
    drawing = bool(configs[0].output.figures)
    if drawing and numeric:
        fig = plots.outcome_by_parameter(table, numeric[0], "net_change", by)
        storage.write_figure(fig, folder / "figures" / "net_change_by_parameter.png")
        plots.close(fig)
        drawn.append("net_change_by_parameter.png")
    if drawing and len(numeric) >= 2:
        for name, part in table.groupby("scenario") if by else [(None, table)]:
            fig = plots.outcome_heatmap(
                part,
                numeric[0],
                numeric[1],
                "net_change",
                f"median net change in prisoners held{f' under {name}' if name else ''}",
            )
            filename = f"net_change_heatmap{f'_{name}' if name else ''}.png"
            storage.write_figure(fig, folder / "figures" / filename)
            plots.close(fig)
            drawn.append(filename)
    if len(table):
        storage.write_text(
            summary_markdown(folder, swept, table, drawn, len(points), len(failed)), folder / "summary.md"
        )
    print(f"qpq: sweep of {len(points)} jobs x {configs[0].engine.worlds:,} worlds -> {folder / 'sweep.parquet'}")
    print(f"qpq: summary -> {folder / 'summary.md'}")
    if failed:
        print(
            f"qpq: {len(failed)} of {len(points)} jobs failed; the table holds the others. "
            f"Fix the cause and run the same command again to finish them.",
            file=sys.stderr,
        )
        raise JobsFailed(len(failed))


def _launcher(overrides: list[str]) -> str:
    chosen = [o.split("=", 1)[1] for o in overrides if o.startswith("hydra/launcher=")]
    return chosen[-1] if chosen else "basic"


def slurm_ready() -> None:
    """Refuse, in one line and before any job, a Slurm sweep on a machine without Slurm's commands
    (submitit needs `sbatch` to submit and `srun` inside the jobs)."""
    import shutil

    missing = [name for name in ("sbatch", "srun") if shutil.which(name) is None]
    if missing:
        raise ConfigError(
            f"hydra/launcher=submitit_slurm: {' and '.join(missing)} not found on PATH; run the sweep on a "
            f"Slurm login node (where `sbatch --version` works), or choose a launcher for this machine: "
            f"hydra/launcher=joblib (all cores) or no launcher at all"
        )


def ray_options(overrides: list[str]) -> dict:
    """`ray.init`'s arguments as the ray launcher will pass them: conf/hydra/launcher/ray.yaml's,
    then each `hydra.launcher.ray.init.KEY=VALUE` (or `+...`) override."""
    from quidproquo.config import conf_dir

    preset = yaml.safe_load((conf_dir() / "hydra" / "launcher" / "ray.yaml").read_text()) or {}
    options = dict((preset.get("ray") or {}).get("init") or {})
    for override in overrides:
        key, _, text = override.lstrip("+").partition("=")
        if key.startswith("hydra.launcher.ray.init."):
            options[key.removeprefix("hydra.launcher.ray.init.")] = yaml.safe_load(text) if text else None
    return options


def ray_ready(overrides: list[str]) -> None:
    """Start (or join) Ray here, before any job, as the launcher would: the launcher then finds it
    running and uses it. A Ray that cannot start is one line naming why and what to do."""
    options = ray_options(overrides)
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "hydra/launcher=ray: Ray is not installed; pip install 'quidproquo[ray]' (make installs it), "
            "or choose hydra/launcher=joblib"
        ) from None
    if ray.is_initialized():
        return
    import logging
    import warnings

    address = options.get("address")
    logging.disable(logging.WARNING)  # Ray's INFO lines and its client's warnings would bury the one line
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ray.init(**options)
    except Exception as err:  # ConnectionError, RuntimeError, TimeoutError: Ray's own, many-lined
        reason = " ".join(str(err).split())[:160] or type(err).__name__
        if address in (None, "local"):
            fix = (
                "a local Ray could not start on this machine (under heavy load its node can time out): try again when "
                "the machine is quieter, or sweep with hydra/launcher=joblib"
            )
        elif address == "auto":
            fix = (
                "no running Ray cluster was found on this machine: start one with `ray start --head`, or start a local "
                "Ray for this sweep with hydra.launcher.ray.init.address=null, or sweep with hydra/launcher=joblib"
            )
        else:
            fix = (
                f"the cluster at {address} cannot be reached: check the address (ray://HOST:10001 or HOST:6379) and that "
                f"the cluster is up (`ray status --address {address}`), or sweep with hydra/launcher=joblib"
            )
        raise ConfigError(f"hydra/launcher=ray: Ray could not start ({reason}); {fix}") from None
    finally:
        logging.disable(logging.NOTSET)


def finished_jobs(folder: Path, points: list[list[str]]) -> int:
    """How many of this sweep's points already have a finished job in `folder` (a re-run skips them)."""
    wanted = _wanted(points)
    return sum(
        1
        for marker in Path(folder).glob(f"*/{DONE}")
        if (marker.parent / ".hydra" / "overrides.yaml").exists()
        and tuple(sorted(job_overrides(marker.parent).items())) in wanted
    )


def _wanted(points: list[list[str]]) -> set:
    return {tuple(sorted((k, _value(v)) for k, v in (o.split("=", 1) for o in point))) for point in points}


def failures(folder: Path, points: list[list[str]]) -> list[tuple[list[str], str]]:
    """(overrides, error) of this sweep's jobs that failed and have not since succeeded."""
    wanted, out = _wanted(points), []
    for marker in sorted(Path(folder).glob(f"*/{FAILED}")):
        job = marker.parent
        if is_done(job) or tuple(sorted(job_overrides(job).items())) not in wanted:
            continue
        record = json.loads(marker.read_text())
        out.append((record["overrides"], record["error"]))
    return out


def _value(text: str):
    value = yaml.safe_load(text)
    return value if isinstance(value, (int, float, str, bool)) or value is None else text


def job_overrides(folder: Path) -> dict:
    lines = yaml.safe_load((folder / ".hydra" / "overrides.yaml").read_text()) or []
    return {key: _value(value) for key, value in (line.split("=", 1) for line in lines)}


def gather(folder: Path, swept: list[str], points: list[list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack the finished jobs of this sweep (those whose overrides are one of `points`)."""
    wanted = _wanted(points)
    worlds, rounds = [], []
    for job in sorted(p.parent for p in Path(folder).glob(f"*/{DONE}")):
        overrides = job_overrides(job)
        if tuple(sorted(overrides.items())) not in wanted:
            continue
        params = {key: overrides[key] for key in swept}
        for frame, name in ((worlds, "worlds.parquet"), (rounds, "quantiles.parquet")):
            table = pd.read_parquet(job / name)
            for key in reversed(swept):
                table.insert(0, key, params[key])
            frame.append(table)
    if not worlds:
        return pd.DataFrame(), pd.DataFrame()
    order = [*swept, "world"]
    sweep = pd.concat(worlds, ignore_index=True).sort_values(order, kind="stable", ignore_index=True)
    sweep_rounds = pd.concat(rounds, ignore_index=True).sort_values(
        [*swept, "series", "round"], kind="stable", ignore_index=True
    )
    return sweep, sweep_rounds


def _bar(points: int, worlds: int):
    """A progress bar of points run in this process (stderr)."""
    from tqdm import tqdm

    return tqdm(
        total=points,
        unit="point",
        desc="sweep",
        dynamic_ncols=True,
        postfix=f"{worlds:,} worlds a point",
        disable=not sys.stderr.isatty(),
    )


class Progress:
    """A progress bar for a running sweep: jobs done of total, and worlds per second.

    It watches the sweep folder for `done` markers, so it works with every launcher, in-process
    or not.
    """

    def __init__(self, folder: Path, total: int, worlds_per_job: int):
        from tqdm import tqdm

        self.folder, self.total, self.worlds = Path(folder), total, worlds_per_job
        self.already = self.count()
        self.bar = tqdm(
            total=total,
            initial=self.already,
            unit="job",
            desc="sweep",
            dynamic_ncols=True,
            disable=not sys.stderr.isatty(),
        )
        self.start = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def count(self) -> int:
        return sum(1 for _ in self.folder.glob(f"*/{DONE}"))

    def _update(self) -> None:
        done = min(self.count(), self.total)
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        self.bar.set_postfix_str(f"{(done - self.already) * self.worlds / elapsed:,.0f} worlds/s")

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            self._update()

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._update()
        self.bar.close()
        if self.bar.disable:  # not a terminal: one line instead of a bar
            print(
                f"qpq: sweep: {self.count() - self.already} jobs x {self.worlds:,} worlds run in "
                f"{time.perf_counter() - self.start:.0f} s",
                file=sys.stderr,
            )
