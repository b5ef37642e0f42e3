"""Whole-archive build speed and memory against bare jieba, on one large generated corpus.

Not a test: it prints figures (and writes them as JSON beside the corpus). In one run on the
same corpus (benchmarks/make_corpus.py, >= 50 MB by default) it measures, each in its own
process with the peak memory of its whole process tree (main + workers, RSS sampled every 50 ms,
so pages shared between processes count more than once) and of its main process alone:

1. jieba      bare `jieba.lcut` over every document, one core (dictionary load not counted);
2. jobs1      `kg build --jobs 1` from an empty cache;
3. jobs2      `kg build --jobs 2` from an empty cache;
4. rebuild    `kg build --jobs 2` again after one document was edited (warm cache);
5. nochange   the same once more, nothing changed since (graph.json is kept as it is).

and prints jobs2 / jieba (the project holds it to <= 1.0) and rebuild / jobs2 (<= 0.05). Builds
write graph.json only (`--formats json`); the jobs1 and jobs2 graphs must be byte-identical. The
rules folder is copied first, so rule edits made during the run do not invalidate the cache.

    .venv/bin/python benchmarks/bench_scale.py                       # 55 MB under output/bench/
    .venv/bin/python benchmarks/bench_scale.py --mb 5 --skip jobs1   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_corpus import make_corpus  # noqa: E402

KG = [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())"]
JIEBA = r"""
import json, sys, time
from pathlib import Path
import jieba
jieba.setLogLevel(60)
jieba.initialize()
seconds = chars = docs = 0
for path in sorted(Path(sys.argv[1]).rglob("*.txt")):
    text = path.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    jieba.lcut(text)
    seconds += time.perf_counter() - t0
    chars += len(text)
    docs += 1
print(json.dumps({"lcut_seconds": seconds, "chars": chars, "docs": docs}))
"""
SUMMARY = re.compile(r"kg: (\d+) document\(s\) \((\d+) extracted, (\d+) from cache")


def run(cmd: list[str], label: str) -> dict:
    """Run `cmd`; wall time and the peak summed RSS of its process tree."""
    t0 = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = main_peak = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            rss = [p.memory_info().rss for p in tree if p.is_running()]
            peak, main_peak = max(peak, sum(rss)), max(main_peak, rss[0])
        except (psutil.Error, IndexError):
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"{label} failed ({proc.returncode}):\n{err[-3000:]}")
    load = os.getloadavg()[1]  # other people's work on a shared machine shows here
    row = {"label": label, "seconds": round(wall, 2), "peak_mb": round(peak / 2**20),
           "main_peak_mb": round(main_peak / 2**20), "load5": round(load, 2), "stdout": out, "stderr": err}
    m = SUMMARY.search(err)
    if m:
        row.update(documents=int(m[1]), extracted=int(m[2]), cached=int(m[3]))
    print(f"  {label:<8} {wall:8.1f} s  {peak / 2**20:7.0f} MB (main {main_peak / 2**20:.0f} MB)  load {load:.1f}"
          + (f"  ({m[2]} extracted, {m[3]} from cache)" if m else ""), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=ROOT / "output" / "bench", help="work folder (default output/bench)")
    ap.add_argument("--mb", type=float, default=55, help="corpus size in MB of UTF-8 (default 55)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--skip", action="append", default=[], choices=["jieba", "jobs1"], help="leave a step out")
    args = ap.parse_args()

    work = args.work.resolve()
    corpus = work / f"corpus-{args.mb:g}mb-{args.seed}"
    if not corpus.exists():
        print(f"making {corpus} ...", flush=True)
        tmp = corpus.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        make_corpus(tmp, args.mb, args.seed)
        tmp.rename(corpus)
    files = sorted(corpus.rglob("*.txt"))
    size = sum(p.stat().st_size for p in files)
    rules = work / "rules"
    shutil.rmtree(rules, ignore_errors=True)
    from kg.rules import load_rules

    shutil.copytree(load_rules().root, rules)
    print(f"corpus: {len(files)} documents, {size / 1e6:.1f} MB; {os.cpu_count()} cores", flush=True)

    def build(label: str, jobs: int, out: str, fresh: bool) -> dict:
        if fresh:
            shutil.rmtree(work / out, ignore_errors=True)
        return run([*KG, "build", str(corpus), "--out", str(work / out), "--rules", str(rules),
                    "--formats", "json", "--jobs", str(jobs)], label)

    rows = {}
    if "jieba" not in args.skip:
        rows["jieba"] = run([sys.executable, "-c", JIEBA, str(corpus)], "jieba")
        ref = json.loads(rows["jieba"]["stdout"])
        rows["jieba"]["lcut_seconds"] = round(ref["lcut_seconds"], 2)
        speed = ref["chars"] / ref["lcut_seconds"] / 1e3
        print(f"           lcut alone {ref['lcut_seconds']:.1f} s = {speed:.0f}k chars/s "
              f"over {ref['chars'] / 1e6:.1f}M characters", flush=True)
    if "jobs1" not in args.skip:
        rows["jobs1"] = build("jobs1", 1, "jobs1", fresh=True)
    rows["jobs2"] = build("jobs2", 2, "jobs2", fresh=True)
    same = None
    if "jobs1" in rows:
        same = (work / "jobs1" / "graph.json").read_bytes() == (work / "jobs2" / "graph.json").read_bytes()

    edited = files[len(files) // 2]
    original = edited.read_bytes()
    edited.write_bytes(original + "全国总工会会同江苏省总工会开展职工技能竞赛。\n".encode())
    try:
        rows["rebuild"] = build("rebuild", 2, "jobs2", fresh=False)
        rows["nochange"] = build("nochange", 2, "jobs2", fresh=False)
    finally:
        edited.write_bytes(original)
    if rows["rebuild"].get("extracted") != 1:
        print("  warning: the rebuild did not re-extract exactly one document (were kg/ modules edited meanwhile?)")

    print("\nratios:")
    ratios = {}
    if "jieba" in rows:
        lcut = rows["jieba"]["lcut_seconds"]
        for k in ("jobs1", "jobs2"):
            if k in rows:
                ratios[f"{k}/jieba"] = round(rows[k]["seconds"] / lcut, 2)
    for k in ("rebuild", "nochange"):
        ratios[f"{k}/jobs2"] = round(rows[k]["seconds"] / rows["jobs2"]["seconds"], 3)
    if "jobs1" in rows:
        ratios["jobs1/jobs2"] = round(rows["jobs1"]["seconds"] / rows["jobs2"]["seconds"], 2)
        print(f"  jobs1 and jobs2 graph.json identical: {same}")
    for k, v in ratios.items():
        goal = {"jobs2/jieba": " (goal <= 1.0)", "rebuild/jobs2": " (goal < 0.05)"}.get(k, "")
        print(f"  {k:<14} {v}{goal}")
    report = {"corpus": {"path": str(corpus), "documents": len(files), "bytes": size}, "ratios": ratios,
              "identical": same,
              "runs": {k: {f: v for f, v in r.items() if f not in ("stdout", "stderr")} for k, r in rows.items()}}
    (work / "bench_scale.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"\nwrote {work / 'bench_scale.json'}")


if __name__ == "__main__":
    main()
