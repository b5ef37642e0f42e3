"""kg.atomic.atomic_write_bytes (every cache entry goes through it): the whole file or nothing,
the folder made when missing, the mode a plain open() gives, no temporary file left behind."""

from __future__ import annotations

import os
import stat

import pytest

from kg.atomic import atomic_write_bytes


def test_writes_replaces_and_makes_the_folder(tmp_path) -> None:
    path = tmp_path / "ab" / "entry.pkl"
    atomic_write_bytes(path, b"x" * 100_000)
    assert path.read_bytes() == b"x" * 100_000
    atomic_write_bytes(str(path), b"second")
    assert path.read_bytes() == b"second"
    assert os.listdir(path.parent) == ["entry.pkl"]


def test_mode_is_that_of_open(tmp_path) -> None:
    plain = tmp_path / "plain"
    with open(plain, "wb"):
        pass
    atomic_write_bytes(tmp_path / "atomic", b"")
    assert stat.S_IMODE((tmp_path / "atomic").stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_failure_leaves_the_target_and_no_temporary_file(tmp_path) -> None:
    target = tmp_path / "entry"
    target.mkdir()  # os.replace cannot put a file over a folder
    (target / "inside").write_bytes(b"kept")
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"data")
    assert sorted(os.listdir(tmp_path)) == ["entry"]
    assert (target / "inside").read_bytes() == b"kept"
