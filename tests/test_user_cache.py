"""The segmenter's snapshot lives in the user's cache folder (kg.cache.snapshot_folder): a build into
a new output folder loads it instead of building the tables again; old snapshots are pruned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import kg.extract
from kg import segment
from kg.cache import prune_snapshots, snapshot_folder
from kg.pipeline import run_build
from kg.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent


def test_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_HOME", str(tmp_path / "kg-home"))
    assert snapshot_folder(tmp_path / "fallback") == tmp_path / "kg-home" / "segmenter"
    assert (tmp_path / "kg-home" / "CACHEDIR.TAG").is_file()
    monkeypatch.delenv("KG_CACHE_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert snapshot_folder(tmp_path / "fallback") == tmp_path / "xdg" / "kg" / "segmenter"


def test_unusable_folder_falls_back_to_the_build_cache(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KG_CACHE_HOME", str(blocker))
    assert snapshot_folder(tmp_path / "fallback") == tmp_path / "fallback"


def test_prune_keeps_the_current_and_most_recent(tmp_path):
    paths = [tmp_path / f"segmenter-{i:016x}.snapshot" for i in range(6)]
    for i, path in enumerate(paths):
        path.write_bytes(b"x")
        os.utime(path, ns=(i * 10**9, i * 10**9))
    (tmp_path / "other.txt").write_text("kept")
    prune_snapshots(tmp_path, paths[0], keep=3)  # the oldest is the one in use
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([paths[0].name, paths[5].name, paths[4].name,
                                                                   "other.txt"])


def test_a_build_into_a_new_folder_loads_the_snapshot(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_HOME", str(tmp_path / "home"))
    rules = load_rules()
    corpus = ROOT / "corpus"
    monkeypatch.setattr(segment, "_CACHE", {})
    monkeypatch.setattr(kg.extract, "_CONTEXTS", {})
    first = run_build([str(corpus)], rules=rules, jobs=1, cache_dir=tmp_path / "a")
    snapshots = list((tmp_path / "home" / "segmenter").iterdir())
    assert [p.name for p in snapshots] == [segment.snapshot_path(rules, tmp_path).name]
    assert not list((tmp_path / "a").rglob("*.snapshot"))
    monkeypatch.setattr(segment, "_CACHE", {})
    monkeypatch.setattr(kg.extract, "_CONTEXTS", {})
    monkeypatch.setattr(segment, "build_tables", lambda rules: pytest.fail("built instead of loaded"))
    second = run_build([str(corpus)], rules=rules, jobs=1, cache_dir=tmp_path / "b")
    assert second.extracted == first.extracted > 0
    assert sorted(second.graph.nodes) == sorted(first.graph.nodes)
