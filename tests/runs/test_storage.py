"""Atomic writes: a file is complete or absent, and the same table gives the same bytes."""

import os
import stat

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from quidproquo.runs import storage


def leftovers(folder):
    """Temporary files `atomic` would leave beside its targets."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_an_atomic_write_puts_the_whole_file_in_place_and_leaves_no_temporary(tmp_path):
    path = storage.atomic(tmp_path / "deep" / "er" / "out.txt", lambda tmp: tmp.write_text("all of it"))
    assert path == tmp_path / "deep" / "er" / "out.txt" and path.read_text() == "all of it"
    assert leftovers(path.parent) == []


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_a_writer_that_raises_leaves_no_temporary_and_the_old_file_as_it_was(tmp_path, error):
    path = tmp_path / "table.csv"
    path.write_text("the old table")

    def half_then_fail(tmp):
        tmp.write_text("half a tab")
        raise error

    with pytest.raises(type(error)):
        storage.atomic(path, half_then_fail)
    assert path.read_text() == "the old table" and leftovers(tmp_path) == []
    with pytest.raises(type(error)):
        storage.atomic(tmp_path / "new.csv", half_then_fail)
    assert not (tmp_path / "new.csv").exists() and leftovers(tmp_path) == []


def test_written_files_are_ordinary_files_under_the_processs_umask(tmp_path):
    """mkstemp makes its files private (0600); an output is readable as any file the user writes."""
    umask = os.umask(0)
    os.umask(umask)
    path = storage.write_text("x", tmp_path / "a.txt")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_the_same_table_gives_the_same_bytes_and_reads_back_equal(tmp_path):
    frame = pd.DataFrame(
        {"world": [0, 1, 2], "net_change": [-3, 0, 12], "label": ["a", "b", "ü"], "share": [0.1, 0.25, 1 / 3]}
    )
    a, b = storage.write_parquet(frame, tmp_path / "a.parquet"), storage.write_parquet(frame, tmp_path / "b.parquet")
    assert a.read_bytes() == b.read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(a), frame)
    csv = storage.write_csv(frame, tmp_path / "t.csv")
    assert csv.read_text().splitlines()[0] == "world,net_change,label,share"  # no index column
    pd.testing.assert_frame_equal(pd.read_csv(csv), frame)
    text = storage.write_text("2025-06: Минск releases 14\n", tmp_path / "log.txt")
    assert text.read_bytes() == "2025-06: Минск releases 14\n".encode()


def test_the_same_figure_gives_the_same_png(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [3, 1, 2])
    a, b = storage.write_figure(fig, tmp_path / "a.png"), storage.write_figure(fig, tmp_path / "b.png")
    plt.close(fig)
    assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and a.read_bytes() == b.read_bytes()
    assert b"matplotlib" not in a.read_bytes().lower(), "no Software stamp that changes with the version"
    assert leftovers(tmp_path) == []
