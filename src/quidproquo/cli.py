"""The `qpq` command: run, sweep, compare, rerun, plot, scenarios, params, theory, calibrate, dashboard, classroom.

argparse reads every command's options (`qpq COMMAND --help` says what each takes, with
examples). `qpq run` and `qpq sweep` are thin wrappers around Hydra: they first compose and
check the config themselves, so a user mistake ends in one line on stderr and exit code 2 before
any output folder exists; then they hand the same KEY=VALUE overrides to `@hydra.main` (with
`-m` for a sweep), which makes the run folders and `.hydra/`.
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Only the standard library at import: `qpq --help` and a mistyped command answer at once. Hydra,
# pandas, Mesa, SciPy and matplotlib are imported by the commands that need them (a test holds
# `import quidproquo.cli` to that).

EXIT_USAGE = 2
EXIT_JOBS_FAILED = 1


def fail(message: str) -> None:
    print(f"qpq: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


class Parser(argparse.ArgumentParser):
    """argparse, with a mistake reported as the one line every `qpq` error is."""

    def error(self, message: str) -> None:
        fail(f"{self.prog.removeprefix('qpq ')}: {message}" if self.prog != "qpq" else message)


def check_config(cfg) -> None:
    """Build a one-world model from `cfg`: utilities and strategies are imported and checked."""
    from quidproquo.engine.model import BargainingModel

    worlds, cfg.engine.worlds = cfg.engine.worlds, 1
    try:
        BargainingModel(config=cfg)
    finally:
        cfg.engine.worlds = worlds


def check(*points: list[str]) -> list:
    """Compose each point's config and build a one-world model, so every user mistake surfaces
    here; and refuse a run the machine's memory cannot hold."""
    from quidproquo.config import ConfigError, is_value_override, load_many, own
    from quidproquo.config.hydra_node import check_hydra
    from quidproquo.config.limits import check_memory

    try:
        for point in points:  # the hydra node first: callbacks and log handlers act before any job
            check_hydra(tuple(o for o in point if not is_value_override(o) and not o.startswith(("-", "~"))))
        configs = load_many([own(point) for point in points])
        for cfg in configs:
            check_config(cfg)
            check_memory(cfg)
        return configs
    except ConfigError as err:
        fail(str(err))


def overrides_of(values: list[str], command: str) -> list[str]:
    """Positional arguments of run and sweep: each must be a KEY=VALUE override."""
    for value in values:
        if "=" not in value:
            fail(f"qpq {command} takes KEY=VALUE overrides, not {value!r} (see qpq {command} --help)")
    from quidproquo.config.scenarios import alone

    return alone(values)


def launch(overrides: list[str], multirun: bool = False) -> None:
    """Run the Hydra job (or, `multirun`, the sweep's jobs) of `overrides`: what `@hydra.main`
    does for a command line, but for the mode qpq's verb already names. `@hydra.main` composes the
    whole config once more only to read `hydra.mode` (Hydra's `get_mode`, ~0.2-0.3 s a command);
    here the mode is the verb's, set as `@hydra.main` itself would set it. Hydra's own entry points
    (`hydra._internal`): hydra-core is pinned below 1.4, where they are these."""
    from hydra._internal.utils import run_and_report
    from hydra.core.global_hydra import GlobalHydra

    from quidproquo.config.job_loader import job_hydra

    _prepare_hydra()
    # Hydra.create_main_hydra2, with a loader that composes a choice of files once a process
    hydra = run_and_report(job_hydra)
    GlobalHydra.instance().initialize(hydra)
    go = hydra.multirun if multirun else hydra.run
    try:
        run_and_report(
            lambda: go(
                config_name="config",
                task_function=_one_job,
                overrides=[*overrides, f"hydra.mode={'MULTIRUN' if multirun else 'RUN'}"],
            )
        )
    finally:
        GlobalHydra.instance().clear()


@functools.cache
def _prepare_hydra() -> None:
    """Once a process: our schema in Hydra's store, and the sweep's job-folder resolver."""
    from omegaconf import OmegaConf

    from quidproquo.config import register
    from quidproquo.experiments.sweep import job_folder

    register()
    OmegaConf.register_new_resolver("qpq_job_folder", lambda overrides: job_folder(overrides), replace=True)


def _one_job(dict_cfg) -> None:
    """One Hydra job: a run, or one point of a sweep (skipped when already complete)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from quidproquo.config import ConfigError, from_dictconfig, keep_overrides
    from quidproquo.experiments.runner import run
    from quidproquo.runs.markers import is_done, mark_failed

    try:
        cfg = from_dictconfig(dict_cfg)
    except ConfigError as err:
        fail(str(err))
    task = list(HydraConfig.get().overrides.task)
    # The same rule as the check before the run (which printed the notices): a command-line
    # value holds over a dated event that sets the same key.
    keep_overrides(cfg, task, notify=False)
    folder = Path(HydraConfig.get().runtime.output_dir)
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        from quidproquo.runs.lock import FolderHeld, hold, release

        try:
            hold(folder)  # two sweeps into one folder: a job runs once, in one of them
        except FolderHeld:
            return
        if not is_done(folder):
            try:
                run(cfg, folder, lean=True, overrides=task)
            except Exception as err:  # one job's fault must not stop the others: report it, go on
                mark_failed(folder, task, err)
        release(folder)
        return
    try:
        run(cfg, folder, overrides=task, progress=sys.stderr.isatty())
    except OSError as err:  # a full or read-only disk: the machine's fault; one line, exit 1
        print(f"qpq: error: {err.filename or folder}: {err.strerror or err}", file=sys.stderr)
        raise SystemExit(EXIT_JOBS_FAILED) from None
    except ConfigError as err:
        fail(str(err))
    except Exception as err:  # a user's utility or strategy raising mid-run: one line, exit 1, no done.json
        import os

        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(
            f"qpq: error: the run into {folder} failed in month-by-month simulation: {type(err).__name__}: "
            f"{' '.join(str(err).split())[:200]} (no done.json: the folder holds no result; HYDRA_FULL_ERROR=1 shows the traceback)",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_JOBS_FAILED) from None
    print(f"qpq: {cfg.name}: {cfg.engine.worlds:,} worlds x {cfg.engine.rounds} rounds -> {folder}")
    print(f"qpq: summary -> {folder / 'summary.md'}")


# ------------------------------------------------------------------------------ commands
@dataclass(frozen=True)
class Command:
    """One subcommand: its one-line help, examples, how it configures its parser and what it runs."""

    name: str
    help: str
    examples: tuple[str, ...]
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], None]


def _trust(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="MODULE",
        help="let _target_ nodes name functions of MODULE (your own code); repeatable; quidproquo.* is always trusted",
    )


def _scenario_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario-dir",
        dest="search_dirs",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of your own scenarios, DIR/scenario/NAME.yaml, chosen with scenario=NAME "
        "(repeatable; shorthand for hydra.searchpath=[file://DIR]); a scenario may inherit "
        "from another with 'defaults: [thaw, _self_]'",
    )


def searchpath(dirs: list[str]) -> str:
    """`--scenario-dir DIR ...` as the Hydra override it stands for, each folder checked."""
    urls = []
    for text in dirs:
        folder = Path(text).expanduser()
        if not folder.is_dir():
            fail(f"--scenario-dir {text}: no such folder")
        if not (folder / "scenario").is_dir():
            fail(f"--scenario-dir {text}: has no scenario/ sub-folder; put your scenarios in {text}/scenario/NAME.yaml")
        urls.append(f"file://{folder.resolve()}")
    return f"hydra.searchpath=[{','.join(urls)}]"


def _overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="Hydra overrides: scenario=NAME, engine.worlds=N, actors.minsk.goodwill=0.5, ... "
        "(qpq params lists every key)",
    )
    _trust(parser)
    _scenario_dir(parser)


def run_command(args: argparse.Namespace) -> None:
    from quidproquo.config import ConfigError
    from quidproquo.runs.lock import fresh_name, hold, release, stamp

    overrides = overrides_of(args.overrides, "run")
    cfg = check(overrides)[0]
    given = [o.split("=", 1)[1] for o in overrides if o.startswith("hydra.run.dir=")]
    # The folder is known and taken before Hydra writes anything into it: a second run into the
    # same folder stops here; a default folder gets a suffix no other run can have.
    folder = Path(given[-1]) if given else fresh_name(Path("outputs") / cfg.name / stamp())
    try:
        hold(folder)
    except ConfigError as err:
        fail(str(err))
    try:
        launch([*overrides, *([] if given else [f"hydra.run.dir={folder}"])])
    finally:
        release(folder)


def sweep_command(args: argparse.Namespace) -> None:
    from quidproquo.experiments.sweep import JobsFailed, run_sweep

    overrides = overrides_of(args.overrides, "sweep")
    from quidproquo.config import ConfigError
    from quidproquo.config.hydra_node import check_hydra_overrides

    try:  # the hydra settings of a sweep in this process too (its points' check sees only our keys)
        check_hydra_overrides(
            [o for o in overrides if o.lstrip("+~").startswith("hydra") and not o.startswith("hydra.searchpath=")]
        )
    except ConfigError as err:
        fail(str(err))
    try:
        run_sweep(overrides, check, lambda arguments: launch(arguments, multirun=True), jobs=args.jobs)
    except JobsFailed:
        raise SystemExit(EXIT_JOBS_FAILED) from None


def _folder_arg(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a file, not a folder")
    return path


def _out(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument("--out", type=_folder_arg, metavar="DIR", help=f"the folder to write into (default: {default})")


def compare_command(args: argparse.Namespace) -> None:
    from quidproquo.config import ConfigError
    from quidproquo.experiments.compare import gap_text, run_comparison
    from quidproquo.runs.lock import stamp

    specs = [a for a in args.sides if "=" not in a]
    overrides = [a for a in args.sides if "=" in a]
    if len(specs) != 2:
        fail(f"qpq compare takes two scenarios or run folders, got {len(specs)}: {' '.join(specs) or 'none'}")
    if any(o.startswith("hydra.run.dir=") for o in overrides):
        fail("qpq compare: hydra.run.dir does not apply to a comparison; give the folder with --out DIR")
    chosen = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") == "scenario"]
    if chosen:
        fail(
            f"qpq compare: {chosen[0]}: the two scenarios are the sides A B; an override may not choose a scenario "
            f"for both (e.g. qpq compare thaw freeze engine.worlds=500)"
        )
    check(overrides)
    if args.from_record:
        return _compare_from_record(specs, overrides, args)
    if args.grid:
        return _compare_grid(specs, overrides, args)
    folder = args.out or Path("comparisons") / f"{Path(specs[0]).name}_vs_{Path(specs[1]).name}" / stamp()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        from quidproquo.experiments.progress import Progress

        progress = Progress("compare")  # bars on a terminal, one line otherwise
        report = run_comparison(specs[0], specs[1], overrides, folder, progress=progress)
        progress.close()
    except ConfigError as err:
        fail(str(err))
    print(gap_text(folder, (Path(specs[0]).name, Path(specs[1]).name)))
    print(f"qpq: {specs[0]} vs {specs[1]} -> {report}")


def _compare_from_record(specs: list[str], overrides: list[str], args: argparse.Namespace) -> None:
    """`qpq compare thaw freeze --from-record 2025-12`: the policies over the posterior (experiments/policy_gap.py)."""
    from quidproquo.config import ConfigError
    from quidproquo.experiments.policy_gap import write
    from quidproquo.experiments.progress import Progress
    from quidproquo.runs.lock import stamp

    allowed = {"engine.worlds": 2000, "engine.seed": 0}
    for o in overrides:
        key, _, value = o.partition("=")
        if key not in allowed or not value.isdigit():
            fail(
                f"qpq compare --from-record: {o}: only engine.worlds=N and engine.seed=N apply (the start is the record's)"
            )
        allowed[key] = int(value)
    if args.grid:
        fail("qpq compare --from-record: --grid does not apply; the parameters vary over the posterior already")
    if allowed["engine.worlds"] < 1:
        fail("engine.worlds=0: must be at least 1")
    a, b = specs
    folder = args.out or Path("comparisons") / f"{a}_vs_{b}_from_{args.from_record}" / stamp()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    command = f"qpq compare {a} {b} --from-record {args.from_record} --months {args.months}"
    try:
        progress = Progress("compare")
        result = write(
            args.from_record,
            args.months,
            a,
            b,
            folder,
            allowed["engine.worlds"],
            allowed["engine.seed"],
            progress,
            command,
        )
        progress.close()
    except ConfigError as err:
        fail(str(err))
    h = result["headline"]
    flipping = result["flips"][result["flips"].end_flips | result["flips"].prisoner_months_flips].parameter.tolist()
    print(
        f"qpq: {a} minus {b} from the record at {h['origin']}, {h['months']} months: held at the end {h['end_mean']:+,.0f} "
        f"(90% of worlds {h['end_q05']:+,.0f} to {h['end_q95']:+,.0f}: chance and parameter uncertainty), "
        f"prisoner-months {h['prisoner_months_mean']:+,.0f}; sign flipped by: {', '.join(flipping) or 'none'}"
    )
    print(f"qpq: report -> {folder / 'report.md'} (done.json last)")


def _compare_grid(specs: list[str], overrides: list[str], args: argparse.Namespace) -> None:
    """`qpq compare A B --grid KEY=V1,V2 ...`: the gap and its decomposition at every grid point (experiments/grid.py)."""
    from quidproquo.config import ConfigError
    from quidproquo.experiments.grid import parse_axes, run_grid, text
    from quidproquo.runs.lock import stamp

    folder = args.out or Path("comparisons") / f"{Path(specs[0]).name}_vs_{Path(specs[1]).name}_grid" / stamp()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        about = run_grid(specs[0], specs[1], overrides, parse_axes(args.grid), folder)
    except ConfigError as err:
        fail(str(err))
    print(text(about, folder))
    print(
        f"qpq: {specs[0]} vs {specs[1]} over {about['points']} points -> {folder / 'grid.csv'}, {folder / 'grid.png'}"
    )


def rerun_command(args: argparse.Namespace) -> None:
    """Run again from a run folder's own config.yaml, into `--out` (default DIR/rerun)."""
    from quidproquo.config import ConfigError
    from quidproquo.config.limits import check_memory
    from quidproquo.experiments.runner import run as run_config
    from quidproquo.runs.provenance import load_config

    try:
        cfg = load_config(args.folder)
        check_config(cfg)
        check_memory(cfg)
    except ConfigError as err:
        fail(str(err))
    target = args.out or args.folder / "rerun"
    if target.resolve() == args.folder.resolve():
        fail(f"--out {target}: is the folder being rerun; a rerun writes into another folder")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from quidproquo.runs.lock import hold, release

    hold(target)  # as a run does: a second rerun into the same folder stops in one line, before it writes anything
    try:
        run_config(cfg, target)  # staged, done.json last (experiments/runner.write)
    finally:
        release(target)
    print(f"qpq: reran {args.folder} -> {target}")


def plot_command(args: argparse.Namespace) -> None:
    """Redraw a finished run's figures from its tables, into `--out` (default DIR/figures)."""
    from quidproquo.config import ConfigError
    from quidproquo.experiments.compare import load_side, prepare_side, side_shape
    from quidproquo.experiments.runner import draw

    given = str(args.folder)
    try:
        folder = prepare_side(given if "/" in given else f"./{given}", [])
    except ConfigError as err:
        fail(str(err))
    name, worlds, rounds = load_side(folder, folder)
    side_shape(folder, (name, worlds, rounds))  # a table that is not a run's whole: one line, no figure drawn
    written = draw(rounds, name, args.out or folder / "figures")
    print(f"qpq: {len(written)} figures -> {written[0].parent}")


def scenarios_command(args: argparse.Namespace) -> None:
    """Print each scenario's name and one-line description."""
    import yaml

    from quidproquo.config import conf_dir, scenario_names

    for name in scenario_names():
        description = (yaml.safe_load((conf_dir() / "scenario" / f"{name}.yaml").read_text()) or {}).get(
            "description", ""
        )
        print(f"{name:<24} {description}")


def params_command(args: argparse.Namespace) -> None:
    from quidproquo.config import ConfigError
    from quidproquo.config.params import table

    try:
        print(table(args.group, args.scenario, tuple(args.search)))
    except ConfigError as err:
        fail(str(err))


def theory_command(args: argparse.Namespace) -> None:
    """Print the analytic reductions: the theory's value beside the engine's."""
    from quidproquo.experiments.theory import table

    logging.getLogger("MESA").setLevel(logging.WARNING)
    rows = table()
    width = rows.parameters.str.len().max()
    print(f"{'game':<24} {'parameters':<{width}} {'analytic':>10} {'engine':>10} {'difference':>11}")
    for r in rows.itertuples(index=False):
        print(f"{r.game:<24} {r.parameters:<{width}} {r.analytic:>10.6f} {r.engine:>10.6f} {r.difference:>11.1e}")
    print(f"largest difference: {rows.difference.abs().max():.1e}")


def calibrate_command(args: argparse.Namespace) -> None:
    """Fit belarus_2025 to the record; write the calibrated scenario, the forecast and a report into a
    run folder of its own (and the scenario among the scenarios only with --write-scenario)."""
    from quidproquo.config import ConfigError, conf_dir
    from quidproquo.experiments.calibrate import calibrate as fit_and_forecast
    from quidproquo.runs.lock import day, fresh_name

    if args.cases is not None or args.hold_out is not None or args.write_behaviour:
        return cases_command(args)
    if args.posterior:
        return posterior_command(args)
    if args.until is not None:
        fail("--until: only with --posterior (the point fit's window is 2025-06)")
    out = args.out or fresh_name(Path("runs") / "calibrate" / f"{day()}_{args.budget}")
    scenario_dir = None if args.write_scenario is None else Path(args.write_scenario or conf_dir() / "scenario")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        from quidproquo.experiments.progress import Progress

        progress = Progress("calibrate")  # bars on a terminal, one line otherwise
        numbers = fit_and_forecast(out, scenario_dir, args.budget, progress=progress)
        progress.close()
    except ConfigError as err:
        fail(str(err))
    print(
        f"qpq: calibrated scenario -> {numbers['scenario']} ({numbers['evaluations']} evaluations, {numbers['seconds']:.0f} s)"
    )
    print(
        f"qpq: forecast for {numbers['date']}: prisoners held median {numbers['prisoners_median']:,.0f} "
        f"(90% band {numbers['prisoners_q05']:,.0f}-{numbers['prisoners_q95']:,.0f}); "
        f"released 2025-07..12 median {numbers['released_median']:,.0f}"
    )
    print(f"qpq: report -> {out / 'calibration.md'}, figure -> {out / 'forecast.png'} (done.json last)")


def _run_from_origin(args: argparse.Namespace, kind: str, job):
    """What `qpq forecast` and `qpq backtest` share: --worlds checked, the run folder (--out or
    runs/<kind>/<date>_<origin>_<random>), `job(out, progress)` run with a bar on a terminal, and
    a user's mistake as one line. Returns the folder and what the job returned."""
    from quidproquo.config import ConfigError
    from quidproquo.experiments.progress import Progress
    from quidproquo.runs.lock import day, fresh_name

    if args.worlds < 1:
        fail(f"--worlds={args.worlds}: must be at least 1")
    out = args.out or fresh_name(Path("runs") / kind / f"{day()}_{args.origin}")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        progress = Progress(kind)  # bars on a terminal, one line otherwise
        result = job(out, progress)
        progress.close()
    except ConfigError as err:
        fail(str(err))
    return out, result


def forecast_command(args: argparse.Namespace) -> None:
    """Forecast from the record's state at --origin, each world at a posterior draw."""
    from quidproquo.experiments.forecast import forecast

    command = f"qpq forecast --origin {args.origin} --months {args.months}"
    out, result = _run_from_origin(
        args,
        "forecast",
        lambda out, progress: forecast(args.origin, args.months, out, args.worlds, args.seed, progress, command),
    )
    last = result["table"].iloc[-1]
    print(
        f"qpq: forecast from the record at {args.origin}: held at the end of {last.month} median "
        f"{last.held_median:,.0f} (90% band {last.held_q05:,.0f}-{last.held_q95:,.0f}, chance and parameter "
        f"uncertainty); released by then median {last.released_total_median:,.0f}"
    )
    print(f"qpq: report -> {out / 'forecast.md'}, figure -> {out / 'forecast.png'} (done.json last)")


def _from_origin(parser: argparse.ArgumentParser, origin: str, out: str) -> None:
    """--origin, --worlds, --seed and --out: what a forecast and a backtest both take."""
    parser.add_argument("--origin", required=True, metavar="YYYY-MM", help=origin)
    parser.add_argument("--worlds", type=int, default=2000, help="worlds to simulate (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="the seed (default 0)")
    _out(parser, out)


def _forecast(parser: argparse.ArgumentParser) -> None:
    _from_origin(
        parser, "the record's month to start from (2025-06 or 2025-12)", "runs/forecast/<date>_<origin>_<random>"
    )
    parser.add_argument("--months", type=int, default=6, help="months to forecast (default 6)")


def cases_command(args: argparse.Namespace) -> None:
    """`qpq calibrate --cases A,B --hold-out C`: the shared behaviour fitted on some cases, scored on another."""
    from quidproquo.config import ConfigError, conf_dir
    from quidproquo.experiments import leave_one_out
    from quidproquo.experiments.cases import CASES, case_named
    from quidproquo.experiments.progress import Progress
    from quidproquo.runs.lock import day, fresh_name

    for flag, given in (
        ("--posterior", args.posterior),
        ("--until", args.until),
        ("--write-scenario", args.write_scenario),
    ):
        if given not in (None, False):
            fail(f"{flag}: not with --cases (the cases' fit writes no scenario and reads each record whole)")
    if not args.cases or not args.hold_out:
        fail("--cases A,B,... and --hold-out CASE|each go together (e.g. --cases all --hold-out each)")
    try:
        names = list(CASES) if args.cases == "all" else [case_named(n.strip()).name for n in args.cases.split(",")]
        if len(set(names)) != len(names) or len(names) < 2:
            raise ConfigError(f"--cases {args.cases}: name at least two different cases")
        if args.hold_out == "each":
            held = names
        elif args.hold_out in names:
            held = [args.hold_out]
        else:
            raise ConfigError(f"--hold-out {args.hold_out}: must be one of --cases ({', '.join(names)}) or each")
    except ConfigError as err:
        fail(str(err))
    out = args.out or fresh_name(Path("runs") / "calibrate" / f"{day()}_cases")
    behaviour = conf_dir() / "behaviour" / "posterior.yaml" if args.write_behaviour else None
    command = f"qpq calibrate --cases {args.cases} --hold-out {args.hold_out}" + (
        " --write-behaviour" if behaviour else ""
    )
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        progress = Progress("calibrate")
        result = leave_one_out.write(names, held, out, command, behaviour, progress=progress)
        progress.close()
    except ConfigError as err:
        fail(str(err))
    for r in leave_one_out.summary(result["table"]).itertuples():
        print(
            f"qpq: {r.held_out}: {int(r.in_90)} of {r.rows} rows in the 90% band; mean score {r.score:,.2f} (naive {r.naive:,.2f})"
        )
    print(f"qpq: report -> {out / 'leave_one_out.md'}, table -> {out / 'table.csv'} (done.json last)")
    if behaviour is not None:
        print(f"qpq: behaviour of every case's fit -> {behaviour}")


def posterior_command(args: argparse.Namespace) -> None:
    """`qpq calibrate --posterior`: the ABC-SMC posterior to --until, and its in-sample checks."""
    from quidproquo.config import ConfigError
    from quidproquo.experiments.posterior_checks import write
    from quidproquo.experiments.progress import Progress
    from quidproquo.runs.lock import day, fresh_name

    if args.write_scenario is not None:
        fail("--write-scenario: the posterior writes no scenario; leave it out with --posterior")
    until = args.until or "2025-12"
    out = args.out or fresh_name(Path("runs") / "calibrate" / f"{day()}_posterior_{until}")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        progress = Progress("calibrate")
        result = write(until, out, progress=progress, command=f"qpq calibrate --posterior --until {until}")
        progress.close()
    except ConfigError as err:
        fail(str(err))
    table, headline = result["checks"], result["headline"]
    print(
        f"qpq: posterior to {until}: {int(table.in_90.sum())} of {len(table)} in-sample checks in the 90% band; "
        f"no US relief before 2025-07 in {headline['no_us_relief_before_2025_07']:.0%} of worlds"
    )
    print(f"qpq: report -> {out / 'posterior.md'}, particles -> {out / 'posterior.csv'} (done.json last)")


def backtest_command(args: argparse.Namespace) -> None:
    """Score the forecast from --origin against the record after it."""
    from quidproquo.experiments.backtest import backtest

    out, result = _run_from_origin(
        args,
        "backtest",
        lambda out, progress: backtest(args.origin, out, worlds=args.worlds, seed=args.seed, progress=progress),
    )
    scores, relief = result["scores"], result["relief"]
    held = scores[scores.quantity == "held"]
    total = scores.iloc[-1]
    print(
        f"qpq: backtest from {args.origin}: {int(held.in_90.sum())} of {len(held)} counts in the 90% band; "
        f"stock CRPS {held.crps.mean():,.1f} (persistence {held.crps_base.mean():,.1f}, trend {held.crps_trend.mean():,.1f}); "
        f"released {total.period} {total.observed:,.0f} against a median {total['median']:,.0f} "
        f"(90% band {total.q05:,.0f}-{total.q95:,.0f})"
    )
    relieved = relief[relief.relieved]
    if len(relieved):
        print(
            "qpq: relieved by then: "
            + ", ".join(f"{r.instrument} (model {r.chance:.0%})" for r in relieved.itertuples())
        )
    print(f"qpq: report -> {out / 'backtest.md'} (done.json last)")


def _backtest(parser: argparse.ArgumentParser) -> None:
    _from_origin(parser, "the month the forecast starts after (2025-06)", "runs/backtest/<date>_<origin>_<random>")


BUDGETS = ("default", "small")  # experiments.calibrate.BUDGETS' names, here without importing it (a test checks)


def _calibrate(parser: argparse.ArgumentParser) -> None:
    def budget(text: str) -> str:
        if text not in BUDGETS:
            fail(f"--budget={text!r}: allowed: {', '.join(BUDGETS)}")
        return text

    parser.add_argument(
        "--budget",
        default="default",
        type=budget,
        metavar="|".join(BUDGETS),
        help="how hard to search (default: default)",
    )
    _out(parser, "runs/calibrate/<date>_<budget>_<random>")

    def existing(text: str) -> str:
        if not Path(text).is_dir():
            fail(f"--write-scenario={text!r}: must be an existing folder")
        return text

    # One option, not two: a folder given to --write-scenario is where it writes; alone, the
    # scenarios. (--scenario-dir on the other commands is a folder scenarios are read from.)
    parser.add_argument(
        "--write-scenario",
        nargs="?",
        const="",
        default=None,
        metavar="DIR",
        type=existing,
        help="also write belarus_2025_calibrated.yaml once the run folder is complete: among the "
        "scenarios (a tracked file), or into DIR",
    )
    parser.add_argument(
        "--posterior",
        action="store_true",
        help="fit the posterior (ABC-SMC, a particle a world) instead of the point fit, and check it in sample",
    )
    parser.add_argument(
        "--until",
        metavar="YYYY-MM",
        help="with --posterior: the record's last month to fit (2025-06 or 2025-12; default 2025-12)",
    )
    parser.add_argument(
        "--cases",
        metavar="A,B,...",
        help="fit the behaviour the cases share on these episodes (belarus_2024_25, venezuela_2023, cuba_2025, "
        "belarus_2015, or all) and score the one --hold-out names",
    )
    parser.add_argument(
        "--hold-out",
        metavar="CASE|each",
        help="with --cases: the case left out of the fit and scored (each: every case in turn, and the fit on all)",
    )
    parser.add_argument(
        "--write-behaviour",
        action="store_true",
        help="with --cases: also write the fit on every case's draws to conf/behaviour/posterior.yaml",
    )


def served_scenario(args: argparse.Namespace, takes: str) -> str | None:
    """A server command's scenario=NAME (None when not given), its --port and --host checked;
    `takes` words the error for anything else."""
    scenario = None
    for arg in args.choice:
        if not arg.startswith("scenario="):
            fail(f"{takes}, not {arg!r}")
        scenario = arg.split("=", 1)[1]
    if not 1 <= args.port <= 65535:
        fail(f"--port={args.port}: must be within 1..65535")
    if args.host is not None and not args.host.strip():
        fail("--host needs an address, e.g. 127.0.0.1 or 0.0.0.0")
    return scenario


def dashboard_command(args: argparse.Namespace) -> None:
    """Serve the dashboard; it binds 127.0.0.1 unless --host says otherwise (e.g. 0.0.0.0 for a classroom)."""
    from quidproquo.config.schema import DEFAULT_SCENARIO
    from quidproquo.teaching.dashboard.controls import scenarios as dashboard_scenarios
    from quidproquo.teaching.dashboard.serve import serve

    scenario = served_scenario(args, "qpq dashboard takes scenario=NAME, --host and --port") or DEFAULT_SCENARIO
    if scenario not in dashboard_scenarios():
        fail(f"scenario={scenario}: no such scenario; allowed: {', '.join(dashboard_scenarios())}")
    serve(args.host or "127.0.0.1", args.port, scenario)


def _port(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number within 1..65535") from None


def _dashboard(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "choice", nargs="*", metavar="scenario=NAME", help="the scenario the page opens with (default thaw)"
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=_port, default=8765, help="port (default 8765)")


def classroom_command(args: argparse.Namespace) -> None:
    """Serve a classroom session (127.0.0.1 unless --host): students bargain in pairs, the instructor's page shows them."""
    from quidproquo.teaching.classroom.server import listen, open_room, serve

    scenario = served_scenario(
        args, "qpq classroom takes scenario=NAME, --months, --idle, --host, --port and --session"
    )
    if args.months is not None and args.months < 1:
        fail(f"--months={args.months}: must be at least 1")
    if args.session is not None and args.session.exists() and not args.session.is_dir():
        fail(f"--session {args.session}: is a file, not a folder")
    sock = listen(args.host or "127.0.0.1", args.port)  # a busy port is refused before any session folder is made
    room, resumed = open_room(args.session, scenario, args.months, args.idle)
    serve(room, resumed, args.host or "127.0.0.1", args.port, sock)


def _classroom(parser: argparse.ArgumentParser) -> None:
    def months(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            fail(f"--months={text!r}: must be a whole number of months, e.g. 6")

    def seconds(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            fail(f"--idle={text!r}: must be a whole number of seconds, e.g. 60")

    parser.add_argument(
        "choice", nargs="*", metavar="scenario=NAME", help="the scenario every pair plays (default thaw)"
    )
    parser.add_argument("--months", type=months, help="months each pair bargains (default 6)")
    parser.add_argument(
        "--idle",
        type=seconds,
        metavar="SECONDS",
        help="seconds without a move after which a seat passes to the built-in strategy (default 60)",
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for a room)")
    parser.add_argument("--port", type=_port, default=8766, help="port (default 8766)")
    parser.add_argument(
        "--session",
        type=Path,
        metavar="DIR",
        help="the session folder: resumed if it holds classroom.sqlite, else a new session starts there "
        "(default: classrooms/<date>_<random>)",
    )


def _folder(parser: argparse.ArgumentParser, out_default: str) -> None:
    parser.add_argument("folder", type=Path, metavar="DIR", help="a finished run folder")
    _out(parser, out_default)
    _trust(parser)


COMMANDS = (
    Command(
        "run",
        "run a scenario over many worlds into a run folder",
        ("qpq run scenario=thaw engine.worlds=1000", "qpq run scenario=freeze engine.seed=3 hydra.run.dir=runs/freeze"),
        _overrides,
        run_command,
    ),
    Command(
        "sweep",
        "run every combination of several values (a Hydra multirun) and gather one table",
        (
            "qpq sweep scenario=thaw,freeze engine.worlds=500",
            "qpq sweep actors.minsk.hostage_elasticity=0,0.5,1 engine.seed=range(0,3)",
        ),
        lambda p: (
            _overrides(p),
            p.add_argument(
                "--jobs",
                action="store_true",
                help="one Hydra job a point, each in its own folder (the default runs numeric axes as points of one "
                "model in this process; a hydra/launcher= choice implies --jobs)",
            ),
        ),
        sweep_command,
    ),
    Command(
        "compare",
        "compare two scenarios (or run folders) world by world: the gap, over time and by mechanism",
        (
            "qpq compare thaw freeze engine.worlds=5000",
            "qpq compare runs/a runs/b --out cmp",
            "qpq compare thaw freeze --grid actors.minsk.goodwill=0,1 --grid actors.opposition.exile_effect=0,0.5,1",
            "qpq compare thaw freeze --from-record 2025-12 --months 36",
        ),
        lambda p: (
            p.add_argument(
                "sides",
                nargs="+",
                metavar="ARG",
                help="two scenarios or finished run folders (A B), then KEY=VALUE overrides for both",
            ),
            p.add_argument(
                "--grid",
                action="append",
                default=[],
                metavar="KEY=V1,V2,...",
                help="the gap and its decomposition at every combination of these values (repeatable; "
                "keys that may vary by world), paired world by world, in grid.csv and grid.png",
            ),
            p.add_argument(
                "--from-record",
                metavar="YYYY-MM",
                help="thaw against freeze as policies from the record's state at this month, each world at "
                "its own posterior draw (intervals with parameter uncertainty; the sign-flipping parameters)",
            ),
            p.add_argument("--months", type=int, default=36, help="with --from-record: months to run (default 36)"),
            _out(p, "comparisons/A_vs_B/<time>"),
            _trust(p),
            _scenario_dir(p),
        ),
        compare_command,
    ),
    Command(
        "rerun",
        "run again from a run folder's own config.yaml: the same tables",
        ("qpq rerun runs/freeze", "qpq rerun runs/freeze --out runs/freeze-again"),
        lambda p: _folder(p, "DIR/rerun"),
        rerun_command,
    ),
    Command(
        "plot",
        "draw a run folder's figures again from its tables",
        ("qpq plot runs/freeze", "qpq plot runs/freeze --out figures-again"),
        lambda p: _folder(p, "DIR/figures"),
        plot_command,
    ),
    Command(
        "scenarios",
        "list the scenarios with their descriptions",
        ("qpq scenarios", "qpq scenarios | grep belarus"),
        lambda p: None,
        scenarios_command,
    ),
    Command(
        "params",
        "list every parameter: its default, what it allows and what it means",
        ("qpq params actors.minsk", "qpq params actors.washington --scenario thaw"),
        lambda p: (
            p.add_argument("group", nargs="?", help="only the keys under this prefix, e.g. actors.minsk or engine"),
            p.add_argument(
                "--scenario",
                metavar="NAME",
                help="show the value scenario NAME uses beside each default (its tiers, instruments "
                "and EU members by name); * marks what it changes",
            ),
            _scenario_dir(p),
        ),
        params_command,
    ),
    Command(
        "theory",
        "the engine against bargaining theory (Rubinstein, Nash, time-dependent offers)",
        ("qpq theory", "qpq theory | grep Nash"),
        lambda p: None,
        theory_command,
    ),
    Command(
        "calibrate",
        "fit belarus_2025 to the record: the point fit to 2025-06 and its forecast, or with --posterior the posterior",
        (
            "qpq calibrate --budget small --out /tmp/cal",
            "qpq calibrate --write-scenario",
            "qpq calibrate --posterior --until 2025-12",
        ),
        _calibrate,
        calibrate_command,
    ),
    Command(
        "forecast",
        "forecast from the record's state at an origin, with parameter uncertainty (a posterior fitted up to it)",
        ("qpq forecast --origin 2025-12 --months 6", "qpq forecast --origin 2025-06 --months 12 --worlds 5000"),
        _forecast,
        forecast_command,
    ),
    Command(
        "backtest",
        "score the forecast from an origin (qpq forecast) against the record after it",
        ("qpq backtest --origin 2025-06", "qpq backtest --origin 2025-06 --worlds 5000 --out bt"),
        _backtest,
        backtest_command,
    ),
    Command(
        "dashboard",
        "serve the browser dashboard (127.0.0.1 unless --host)",
        ("qpq dashboard", "qpq dashboard scenario=freeze --port 8800"),
        _dashboard,
        dashboard_command,
    ),
    Command(
        "classroom",
        "serve a classroom session: students bargain in pairs, the instructor sees them and debriefs",
        (
            "qpq classroom scenario=thaw --months 6",
            "qpq classroom --session classrooms/2025-10-07_3fa2c1 --host 0.0.0.0",
        ),
        _classroom,
        classroom_command,
    ),
)


def parser() -> Parser:
    from quidproquo import __version__

    top = Parser(
        prog="qpq",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="quidproquo: a sanctions-and-concessions bargaining simulator.",
        epilog="Run `qpq COMMAND --help` for a command's options and examples.",
    )
    top.add_argument("--version", action="version", version=f"qpq {__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.help,
            description=command.help,
            epilog="examples:\n" + "\n".join(f"  {e}" for e in command.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.configure(sub)
        sub.set_defaults(handler=command.run)
    return top


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    known = [c.name for c in COMMANDS]
    if argv and not argv[0].startswith("-") and argv[0] not in known:
        fail(f"unknown command {argv[0]!r}; allowed: {', '.join(known)}")
    top = parser()
    # KEY=VALUE overrides may follow an option (`qpq compare a b --out c engine.worlds=10`):
    # argparse leaves them over, and they join the command's own.
    args, extra = top.parse_known_args(argv)
    if extra:
        words = [e for e in extra if "=" not in e or e.startswith("-")]
        if words or args.command not in ("run", "sweep", "compare"):
            top.error(f"unrecognized arguments: {' '.join(words or extra)}")
        getattr(args, "sides", getattr(args, "overrides", [])).extend(extra)
    if args.command is None:
        top.print_help()
        return
    if hasattr(args, "search_dirs"):  # the verbs that compose a scenario
        given = getattr(args, "sides", getattr(args, "overrides", []))
        args.search = []
        if args.search_dirs:
            if any(o.startswith("hydra.searchpath=") for o in given):
                fail("give your scenario folder once: --scenario-dir DIR or hydra.searchpath=[file://DIR], not both")
            args.search = [searchpath(args.search_dirs)]
            given.extend(args.search)
        if args.command == "params" and args.search and args.scenario is None:
            fail("--scenario-dir needs --scenario NAME with qpq params (the value of which scenario?)")
    try:
        if getattr(args, "trust", None):
            from quidproquo.config.trust import trust

            trust(args.trust)
        args.handler(args)
    except OSError as err:  # the machine's fault, not the user's input: a full or read-only disk
        print(f"qpq: error: {err.filename or 'writing'}: {err.strerror or err}", file=sys.stderr)
        raise SystemExit(EXIT_JOBS_FAILED) from None
    except Exception as err:
        if _is_config_error(err):  # any user mistake a command finds late: still one line
            fail(str(err))
        raise


def _is_config_error(err: Exception) -> bool:
    """Is `err` a ConfigError? (Asked without importing the config: if one was raised, it is loaded.)"""
    checks = sys.modules.get("quidproquo.config.checks")
    return checks is not None and isinstance(err, checks.ConfigError)


def __getattr__(name: str):
    """`cli.own` and `cli.ConfigError`, as before the imports were deferred."""
    if name in ("own", "ConfigError"):
        import quidproquo.config

        return getattr(quidproquo.config, name)
    raise AttributeError(f"module 'quidproquo.cli' has no attribute {name!r}")


if __name__ == "__main__":
    main()
