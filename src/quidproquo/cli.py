"""The `qpq` command: run, sweep, compare, list scenarios and serve the dashboard.

`qpq run` and `qpq sweep` are thin wrappers around Hydra: they first compose and check the
config themselves, so a user mistake ends in one line on stderr and exit code 2 before any
output folder exists; then they hand the same overrides to `@hydra.main` (with `-m` for a
sweep), which makes the run folders and `.hydra/`.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from quidproquo.config import ConfigError, conf_dir, from_dictconfig, keep_overrides, load_many, register, scenario_names
from quidproquo.model import BargainingModel

USAGE = """usage: qpq COMMAND [KEY=VALUE ...]

commands:
  run        run a scenario: qpq run scenario=thaw engine.worlds=1000 hydra.run.dir=DIR
  sweep      run a grid of sweep points: qpq sweep scenario=thaw,freeze actors.washington.channel_value=0.5,1,2
  compare    compare two scenarios (or run folders) world by world: qpq compare thaw freeze engine.worlds=5000 [--out DIR]
  rerun      run again from a run folder's own config.yaml: qpq rerun DIR [--out DIR2]
  plot       draw a run folder's figures again from its tables: qpq plot DIR [--out DIR2]
  scenarios  list the scenarios with their descriptions
  theory     the engine against bargaining theory (Rubinstein, Nash, time-dependent offers)
  calibrate  fit belarus_2025 to the data up to 2025-06-30 and forecast: qpq calibrate [--budget default|small] [--out DIR] [--scenario-dir DIR]
  dashboard  serve the browser dashboard: qpq dashboard [scenario=thaw] [--host 127.0.0.1] [--port 8765]
"""
EXIT_USAGE = 2
EXIT_JOBS_FAILED = 1


def fail(message: str) -> None:
    print(f"qpq: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def own(overrides: list[str]) -> list[str]:
    """The overrides that shape our config: ours, and Hydra's search path (a user's own
    scenario folder), but not Hydra's run settings or flags."""
    return [o for o in overrides
            if o.startswith("hydra.searchpath=") or not o.lstrip("+~").startswith(("hydra.", "hydra/", "-"))]


def check_config(cfg) -> None:
    """Build a one-world model from `cfg`: utilities and strategies are imported and checked."""
    worlds, cfg.engine.worlds = cfg.engine.worlds, 1
    try:
        BargainingModel(config=cfg)
    finally:
        cfg.engine.worlds = worlds


def check(*points: list[str]) -> list:
    """Compose each point's config and build a one-world model, so every user mistake surfaces here."""
    try:
        configs = load_many([own(point) for point in points])
        for cfg in configs:
            check_config(cfg)
        return configs
    except ConfigError as err:
        fail(str(err))


register()


@hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")
def _job(dict_cfg: DictConfig) -> None:
    """One Hydra job: a run, or one point of a sweep (skipped when already complete)."""
    from quidproquo.runner import run
    from quidproquo.sweep import is_done, mark_failed

    try:
        cfg = from_dictconfig(dict_cfg)
    except ConfigError as err:
        fail(str(err))
    # The same rule as the check before the run (which printed the notices): a command-line
    # value holds over a dated event that sets the same key.
    keep_overrides(cfg, list(HydraConfig.get().overrides.task), notify=False)
    folder = Path(HydraConfig.get().runtime.output_dir)
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        if not is_done(folder):
            try:
                run(cfg, folder, lean=True)
            except Exception as err:  # one job's fault must not stop the others: report it, go on
                mark_failed(folder, list(HydraConfig.get().overrides.task), err)
        return
    run(cfg, folder)
    print(f"qpq: {cfg.name}: {cfg.engine.worlds:,} worlds x {cfg.engine.rounds} rounds -> {folder}")


def run(overrides: list[str]) -> None:
    check(overrides)
    sys.argv = ["qpq run", *overrides]
    _job()


def sweep(overrides: list[str]) -> None:
    from quidproquo import plots, storage
    from quidproquo.sweep import Progress, default_folder, expand, failures, gather

    try:
        swept, points = expand(own(overrides))
    except Exception as err:  # Hydra's override grammar errors
        fail(f"cannot parse the sweep: {' '.join(str(err).split())}")
    if not swept:
        fail("qpq sweep needs a key with several values, e.g. scenario=thaw,freeze")
    configs = check(*points)
    given = [o.split("=", 1)[1] for o in overrides if o.startswith("hydra.sweep.dir=")]
    folder = Path(given[-1]) if given else default_folder(own(overrides))
    extra = [] if given else [f"hydra.sweep.dir={folder}"]
    sys.argv = ["qpq sweep", "-m", *overrides, *extra, "hydra.sweep.subdir=${hydra.job.override_dirname}",
                "hydra/hydra_logging=disabled", "hydra/job_logging=disabled"]
    with Progress(folder, len(points), configs[0].engine.worlds):
        _job()
    failed = failures(folder, points)
    for overrides, error in failed:
        print(f"qpq: job failed: {' '.join(overrides)}: {error}", file=sys.stderr)
    table, rounds = gather(folder, swept, points)
    storage.write_parquet(table, folder / "sweep.parquet")
    storage.write_parquet(rounds, folder / "sweep_rounds.parquet")
    numeric = [k for k in swept if k != "scenario" and table[k].dtype.kind in "if"]
    by = "scenario" if "scenario" in swept else None
    if numeric:
        fig = plots.outcome_by_parameter(table, numeric[0], "net_change", by)
        storage.write_figure(fig, folder / "figures" / "net_change_by_parameter.png")
        plots.close(fig)
    if len(numeric) >= 2:
        for name, part in (table.groupby("scenario") if by else [(None, table)]):
            fig = plots.outcome_heatmap(part, numeric[0], numeric[1], "net_change",
                                        f"median net change{f' under {name}' if name else ''}")
            storage.write_figure(fig, folder / "figures" / f"net_change_heatmap{f'_{name}' if name else ''}.png")
            plots.close(fig)
    print(f"qpq: sweep of {len(points)} jobs x {configs[0].engine.worlds:,} worlds -> {folder / 'sweep.parquet'}")
    if failed:
        print(f"qpq: {len(failed)} of {len(points)} jobs failed; the table holds the others. "
              f"Fix the cause and run the same command again to finish them.", file=sys.stderr)
        raise SystemExit(EXIT_JOBS_FAILED)


def take_out(args: list[str]) -> tuple[Path | None, list[str]]:
    """Split `--out FOLDER` from the other arguments."""
    if "--out" not in args:
        return None, args
    at = args.index("--out")
    if at + 1 >= len(args):
        fail("--out needs a folder")
    return Path(args[at + 1]), args[:at] + args[at + 2:]


def compare(args: list[str]) -> None:
    from quidproquo.compare import gap_text, run_comparison

    out, args = take_out(args)
    specs = [a for a in args if "=" not in a]
    overrides = [a for a in args if "=" in a]
    if len(specs) != 2:
        fail(f"qpq compare takes two scenarios or run folders, got {len(specs)}: {' '.join(specs) or 'none'}")
    check(overrides)
    folder = out or Path("comparisons") / f"{Path(specs[0]).name}_vs_{Path(specs[1]).name}" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        report = run_comparison(specs[0], specs[1], overrides, folder)
    except ConfigError as err:
        fail(str(err))
    print(gap_text(folder, (Path(specs[0]).name, Path(specs[1]).name)))
    print(f"qpq: {specs[0]} vs {specs[1]} -> {report}")


def rerun(args: list[str]) -> None:
    """Run again from a run folder's own config.yaml, into `--out` (default DIR/rerun)."""
    from quidproquo.provenance import load_config
    from quidproquo.runner import run as run_config

    out, args = take_out(args)
    if len(args) != 1:
        fail(f"qpq rerun takes one run folder, got {len(args)}")
    folder = Path(args[0])
    try:
        cfg = load_config(folder)
        check_config(cfg)
    except ConfigError as err:
        fail(str(err))
    target = out or folder / "rerun"
    logging.getLogger("MESA").setLevel(logging.WARNING)
    run_config(cfg, target)
    print(f"qpq: reran {folder} -> {target}")


def plot(args: list[str]) -> None:
    """Redraw a finished run's figures from its tables, into `--out` (default DIR/figures)."""
    from quidproquo.compare import load_side, prepare_side
    from quidproquo.runner import draw

    out, args = take_out(args)
    if len(args) != 1:
        fail(f"qpq plot takes one run folder, got {len(args)}")
    try:
        folder = prepare_side(args[0] if "/" in args[0] else f"./{args[0]}", [])
    except ConfigError as err:
        fail(str(err))
    name, _, rounds = load_side(folder, folder)
    written = draw(rounds, name, out or folder / "figures")
    print(f"qpq: {len(written)} figures -> {written[0].parent}")


def take_option(args: list[str], name: str) -> tuple[str | None, list[str]]:
    """Split `--name VALUE` (or `--name=VALUE`) from the other arguments."""
    for at, arg in enumerate(args):
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1], args[:at] + args[at + 1:]
        if arg == name:
            if at + 1 >= len(args):
                fail(f"{name} needs a value")
            return args[at + 1], args[:at] + args[at + 2:]
    return None, args


def dashboard(args: list[str]) -> None:
    """Serve the dashboard; it binds 127.0.0.1 unless --host says otherwise (e.g. 0.0.0.0 for a classroom)."""
    from quidproquo.dashboard.controls import scenarios as dashboard_scenarios
    from quidproquo.dashboard.serve import serve

    host, args = take_option(args, "--host")
    port_text, args = take_option(args, "--port")
    scenario = "thaw"
    for arg in args:
        if arg.startswith("scenario="):
            scenario = arg.split("=", 1)[1]
        else:
            fail(f"qpq dashboard takes scenario=NAME, --host and --port, not {arg!r}")
    if scenario not in dashboard_scenarios():
        fail(f"scenario={scenario}: no such scenario; allowed: {', '.join(dashboard_scenarios())}")
    try:
        port = int(port_text) if port_text is not None else 8765
    except ValueError:
        fail(f"--port={port_text!r}: must be a whole number within 1..65535")
    if not 1 <= port <= 65535:
        fail(f"--port={port}: must be within 1..65535")
    if host is not None and not host.strip():
        fail("--host needs an address, e.g. 127.0.0.1 or 0.0.0.0")
    serve(host or "127.0.0.1", port, scenario)


def scenarios() -> None:
    """Print each scenario's name and one-line description."""
    for name in scenario_names():
        description = (yaml.safe_load((conf_dir() / "scenario" / f"{name}.yaml").read_text()) or {}).get("description", "")
        print(f"{name:<24} {description}")


def theory(args: list[str]) -> None:
    """Print the analytic reductions: the theory's value beside the engine's."""
    from quidproquo.theory import table

    if args:
        fail(f"qpq theory takes no arguments, got: {' '.join(args)}")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    rows = table()
    width = rows.parameters.str.len().max()
    print(f"{'game':<24} {'parameters':<{width}} {'analytic':>10} {'engine':>10} {'difference':>11}")
    for r in rows.itertuples(index=False):
        print(f"{r.game:<24} {r.parameters:<{width}} {r.analytic:>10.6f} {r.engine:>10.6f} {r.difference:>11.1e}")
    print(f"largest difference: {rows.difference.abs().max():.1e}")


def calibrate(args: list[str]) -> None:
    """Fit belarus_2025 to the record, write the calibrated scenario, the forecast and a report."""
    from quidproquo.calibrate import BUDGETS
    from quidproquo.calibrate import calibrate as fit_and_forecast

    out, args = take_out(args)
    budget, args = take_option(args, "--budget")
    scenario_dir, args = take_option(args, "--scenario-dir")
    budget = budget or "default"
    if args:
        fail(f"qpq calibrate takes --budget, --out and --scenario-dir, got: {' '.join(args)}")
    if budget not in BUDGETS:
        fail(f"--budget={budget!r}: allowed: {', '.join(BUDGETS)}")
    out = out or Path("calibration")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        numbers = fit_and_forecast(out, Path(scenario_dir or conf_dir() / "scenario"), budget)
    except ConfigError as err:
        fail(str(err))
    print(f"qpq: calibrated scenario -> {numbers['scenario']} ({numbers['evaluations']} evaluations, {numbers['seconds']:.0f} s)")
    print(f"qpq: forecast for {numbers['date']}: prisoners held median {numbers['prisoners_median']:,.0f} "
          f"(90% band {numbers['prisoners_q05']:,.0f}-{numbers['prisoners_q95']:,.0f}); "
          f"released 2025-07..12 median {numbers['released_median']:,.0f}")
    print(f"qpq: report -> {out / 'calibration.md'}, figure -> {out / 'forecast.png'}")


COMMANDS = {"run": run, "sweep": sweep, "compare": compare, "rerun": rerun, "plot": plot,
            "scenarios": lambda args: scenarios(), "theory": theory, "calibrate": calibrate, "dashboard": dashboard}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    command = COMMANDS.get(argv[0])
    if command is None:
        fail(f"unknown command {argv[0]!r}; allowed: {', '.join(COMMANDS)}")
    command(argv[1:])


if __name__ == "__main__":
    main()
