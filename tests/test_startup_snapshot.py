"""The segmenter's start-up snapshot (kg.segment.startup_tables): a process that loads it
segments, tags and extracts exactly as one that built its tables from jieba; a snapshot that is
missing, truncated, corrupt, unwritable or made for other rules is never used and never an error.

Building tables from jieba takes seconds, so the bookkeeping tests count `build_tables` calls
(with the module's real tables standing in) instead of building.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kg.extract
import kg.segment as segment
from kg.model import Document
from kg.rules import load_rules
from kg.segment import Segmenter, get_segmenter, load_snapshot, save_snapshot, snapshot_key, snapshot_path
from kg.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def fresh(rules) -> Segmenter:
    """The process's segmenter, its tables built from jieba."""
    return get_segmenter(rules)


@pytest.fixture(scope="module")
def snap_dir(tmp_path_factory, rules, fresh) -> Path:
    folder = tmp_path_factory.mktemp("snapshot")
    save_snapshot(snapshot_path(rules, folder), snapshot_key(rules), fresh.tables)
    return folder


@pytest.fixture(scope="module")
def loaded(rules, snap_dir) -> Segmenter:
    tables = load_snapshot(snapshot_path(rules, snap_dir), snapshot_key(rules))
    assert tables is not None
    return Segmenter(rules, tables)


@pytest.fixture
def builds(monkeypatch, fresh) -> list[str]:
    """Calls of `build_tables` (each answered with the real tables, without building)."""
    calls: list[str] = []

    def build(rules):
        calls.append(rules.version)
        return fresh.tables

    monkeypatch.setattr(segment, "build_tables", build)
    return calls


def _sentences() -> list[str]:
    out = ["全国总工会2021年工作要点 GDP增长8.5%，C++ & Python_3 a-b\r\n第十七次  代表大会\u3000召开。"]
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[s.start : s.end] for s in split_sentences(text)]
    return out


def test_snapshot_segments_and_tags_like_jieba_tables(fresh, loaded) -> None:
    words = set()
    for text in _sentences():
        tokens = loaded.tokens(text)
        assert tokens == fresh.tokens(text), text
        words |= {text[a:b] for a, b in tokens}
    for word in sorted(words | {"洪家光", "丁薛祥", "走深走实", "高婷强", "党组（党委）", "第10次"}):
        assert loaded.guess_tag(word) == fresh.guess_tag(word), word
    assert loaded.tags == fresh.tags


def test_snapshot_extracts_the_same(monkeypatch, rules, snap_dir) -> None:
    docs = [Document(id=p.stem, path=str(p), text=p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "corpus").glob("*.txt"))]
    expected = [kg.extract.extract(doc, rules) for doc in docs]  # the process's context: built from jieba
    monkeypatch.setattr(segment, "_CACHE", {})
    monkeypatch.setattr(kg.extract, "_CONTEXTS", {})
    monkeypatch.setattr(segment, "build_tables", lambda rules: pytest.fail("built instead of loaded"))
    kg.extract.get_context(rules, snap_dir)
    assert [kg.extract.extract(doc, rules) for doc in docs] == expected


def test_finalseg_matches_jieba(fresh) -> None:
    from jieba import finalseg

    runs = {t[i : i + n] for t in _sentences()[:300] for i in range(0, len(t), 5) for n in (2, 3, 4, 7, 12)}
    runs |= {"张建国同志", "GDP增长8.5%", "ab12.5%cd", "李秀英", "x"}
    for run in sorted(runs):
        assert segment._finalseg_lengths(run, *fresh.tables.hmm) == tuple(map(len, finalseg.cut(run))), run


def test_finalseg_viterbi_matches_jieba(fresh) -> None:
    """Random runs of common characters and of characters the HMM has no emission for (whose
    scores tie once jieba's stand-in for log(0) swamps them): the same path as jieba's viterbi."""
    import random

    from jieba import finalseg

    rnd = random.Random(5)
    common = "".join(sorted({c for t in _sentences()[:100] for c in t if "\u4e00" <= c <= "\u9fd5"}))
    rare = [chr(c) for c in range(0x9FA0, 0x9FD6)]
    for _ in range(5000):
        run = "".join(rnd.choice(common) if rnd.random() < 0.6 else rnd.choice(rare) for _ in range(rnd.randint(1, 12)))
        expected = finalseg.viterbi(run, "BMES", finalseg.start_P, finalseg.trans_P, finalseg.emit_P)[1]
        assert segment._finalseg_viterbi(run, *fresh.tables.hmm) == expected, run


def test_snapshot_is_written_then_loaded(tmp_path, rules, builds) -> None:
    first = segment.startup_tables(rules, tmp_path)
    assert builds == [rules.version]
    assert [p.name for p in tmp_path.iterdir()] == [snapshot_path(rules, tmp_path).name]
    again = segment.startup_tables(rules, tmp_path)
    assert builds == [rules.version]  # loaded, not built
    assert again is not first and again.logps == first.logps and again.base == first.base


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "other key"])
def test_damaged_snapshot_is_rebuilt_silently(tmp_path, rules, fresh, builds, damage, capsys) -> None:
    path = snapshot_path(rules, tmp_path)
    save_snapshot(path, snapshot_key(rules), fresh.tables)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:-1000] + bytes([data[-1000] ^ 1]) + data[-999:])
    elif damage == "garbage":
        path.write_bytes(b"\x80\x05not a snapshot" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # a snapshot of other tables renamed into place: its own key is in it
        save_snapshot(path, "0" * 16, fresh.tables)
    assert segment.startup_tables(rules, tmp_path) is fresh.tables
    assert builds == [rules.version]
    assert load_snapshot(path, snapshot_key(rules)) is not None  # rewritten whole
    assert capsys.readouterr() == ("", "")


def test_unwritable_cache_folder_only_costs_time(tmp_path, rules, fresh, builds) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert segment.startup_tables(rules, blocker / "cache") is fresh.tables
    assert segment.startup_tables(rules, blocker) is fresh.tables
    assert builds == [rules.version] * 2


def test_other_rules_do_not_use_the_snapshot(tmp_path, rules, fresh, builds) -> None:
    shutil.copytree(rules.root, tmp_path / "rules")
    with open(tmp_path / "rules" / "rules" / "patterns.yaml", "a", encoding="utf-8") as fh:
        fh.write("\n# an edit that changes no rule, only the version\n")
    other = load_rules(tmp_path / "rules")
    assert other.version != rules.version
    cache = tmp_path / "cache"
    segment.startup_tables(rules, cache)
    segment.startup_tables(other, cache)
    assert builds == [rules.version, other.version]
    assert snapshot_path(rules, cache) != snapshot_path(other, cache)
    assert len(list(cache.iterdir())) == 2


def test_snapshot_process_does_not_import_jieba(rules, snap_dir) -> None:
    text = "郑州圆方集团全体职工、张建国同志和李秀英出席大会。高婷强讲话。"  # HMM runs, guessed tags
    code = ("import sys; from kg.rules import load_rules; from kg.extract import get_context, extract; "
            "from kg.model import Document; r = load_rules(); get_context(r, sys.argv[1]); "
            f"extract(Document(id='d', path='', text='{text}'), r); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jieba', 'spacy', 'pkg_resources')))")
    proc = subprocess.run([sys.executable, "-c", code, str(snap_dir)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_workers_write_then_load_the_snapshot(tmp_path, rules) -> None:
    """kg.engines passes the cache folder to its workers: the first pool's worker writes the
    snapshot, the next pool's loads it (the file is not rewritten); results are the same."""
    import pickle

    from kg.engines import LocalEngine

    docs = [Document(id=p.stem, path=str(p), text=p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "corpus").glob("*.txt"))]
    expected = [kg.extract.extract(doc, rules) for doc in docs]
    path = snapshot_path(rules, tmp_path)
    stamps = []
    for _ in range(2):
        engine = LocalEngine(rules, 2, cache_dir=tmp_path)
        try:
            outcomes = engine.submit(docs, None).result(timeout=300)
        finally:
            engine.close()
        assert [pickle.loads(o) for o in outcomes] == expected
        st = path.stat()
        stamps.append((st.st_ino, st.st_mtime_ns))
    assert stamps[0] == stamps[1]
    assert load_snapshot(path, snapshot_key(rules)) is not None


def test_tables_are_jiebas(rules, fresh) -> None:
    """`build_tables` reads jieba's files itself: its dictionary, total, overlay, tag table and
    HMMs are exactly those of a jieba.Tokenizer with the rules' words added and of jieba.posseg."""
    import jieba
    import jieba.finalseg as finalseg
    import jieba.posseg as posseg

    t = fresh.tables
    plain = jieba.Tokenizer()
    plain.initialize()
    extended = segment._extended_tokenizer(rules)
    expected = {w: f for w, f in extended.FREQ.items() if f}
    got = {w: t.freqs[i] for w, i in t.singles.items()}
    for reversed_word, value in t.words.items():
        assert (value & segment._LEN_MASK) + 1 == len(reversed_word)
        got[reversed_word[::-1]] = t.freqs[value >> segment._LEN_BITS]
    assert got == expected
    assert t.logps == [segment.log(f) - segment.log(extended.total) for f in t.freqs]
    assert (t.total, t.base_total) == (extended.total, plain.total)
    prefixes = {w[:i] for w in rules.dictionary_words if len(w) > 1 and " " not in w for i in range(1, len(w) + 1)}
    assert t.base == {p: plain.FREQ.get(p) or None for p in prefixes}
    assert t.tags == posseg.dt.word_tag_tab
    assert t.hmm == (finalseg.start_P, finalseg.trans_P, finalseg.emit_P)
    assert t.pos_hmm == (posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)

