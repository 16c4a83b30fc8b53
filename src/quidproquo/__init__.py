"""quidproquo: a sanctions-and-concessions bargaining simulator.

Five actors -- Minsk, Washington, the EU bloc, Moscow and the Belarusian opposition -- trade
political-prisoner releases for sanctions relief over many parallel worlds.

The packages, by concern (imports go one way, down this list):
- `cli` -- the `qpq` command (imports everything; nothing imports it);
- `teaching` -- the dashboard and the classroom, over `teaching/play.py`;
- `experiments` -- runs, sweeps, comparisons, calibration, theory, figures;
- `engine` -- the month: the model, its actors and goods, the talks;
- `runs` -- a run folder's life: atomic writes, locks, provenance, markers;
- `config` -- the schema (every default), its checks, composition, limits and trust;
- `utility`, `strategies`, `labels` -- what users name directly (import nothing of quidproquo).

`BargainingModel` is importable from here; it is loaded on first use, so `qpq --help` and
`import quidproquo.config` do not pay for Mesa and SciPy.
"""

__all__ = ["BargainingModel"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "BargainingModel":
        from quidproquo.engine.model import BargainingModel

        return BargainingModel
    raise AttributeError(f"module 'quidproquo' has no attribute {name!r}")
