"""Atomic file writes: a file is either complete or absent, never half-written.

Every output is written to a temporary file in the same folder and then renamed over its final
name (`os.replace` is atomic on POSIX), so a run killed at any moment leaves no partial table.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)  # read the process's umask (the only way is to set it) and put it back


def atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` on a temporary path beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private (0600); outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    # No pandas index and a fixed writer: the same table gives the same bytes.
    return atomic(path, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd"))


def write_parquet_parts(parts, path: Path) -> Path:
    """A Parquet table written part by part (an iterable of DataFrames with the same columns and
    types, e.g. `Recorder.rounds_parts`): each part one row group, so only one part is ever in
    memory. One part gives the very bytes `write_parquet` gives; read back, many give the same
    table as their concatenation."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def write(tmp: Path) -> None:
        writer = None
        try:
            for frame in parts:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                del frame
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
                writer.write_table(table)
                del table
        finally:
            if writer is not None:
                writer.close()

    return atomic(path, write)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def write_text(text: str, path: Path) -> Path:
    return atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_figure(figure, path: Path) -> Path:
    return atomic(path, lambda tmp: figure.savefig(tmp, format="png", dpi=110, metadata={"Software": None}))
