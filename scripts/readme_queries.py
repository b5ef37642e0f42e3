"""Print Markdown for the README: example queries with their actual output on the bundled corpus.

    .venv/bin/python scripts/readme_queries.py > /tmp/queries.md        # builds corpus/ in a temp folder
    .venv/bin/python scripts/readme_queries.py --build output/           # use an existing build
    .venv/bin/python scripts/readme_queries.py --queries acftu-partners,documents

Run it again whenever extraction changes, and paste the output over the old example section
(docs/rdf.md, "Example queries"), so the README shows what `kg query` really prints.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.cli import main as kg_main  # noqa: E402
from kg.query import build_prefixes, open_store, render, run_query  # noqa: E402

DEFAULT = "programmes-for-group,acftu-partners,who-leads-whom"


def section(name: str, build: Path, max_width: int) -> str:
    path = ROOT / "queries" / f"{name}.rq"
    text = path.read_text(encoding="utf-8")
    comment = " ".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
    store = open_store(build)
    prefixes = build_prefixes(store)
    out, note = render(run_query(store, text, prefixes), "table", prefixes, max_width)
    return (f"**{comment}**\n\n```sparql\n{body}\n```\n\n```console\n$ kg query queries/{name}.rq\n```\n\n"
            f"{out.decode('utf-8').rstrip()}\n\n{note}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", help="an existing build folder (default: build corpus/ into a temp folder)")
    ap.add_argument("--queries", default=DEFAULT, help=f"comma-separated names in queries/ (default: {DEFAULT})")
    ap.add_argument("--max-width", type=int, default=40, help="truncate table cells (default 40)")
    args = ap.parse_args()
    tmp = None
    if args.build:
        build = Path(args.build)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="readme-queries-"))
        build = tmp
        status = kg_main(["build", str(ROOT / "corpus"), "--out", str(build), "--formats", "json,nt", "-q"])
        if status not in (0, 1):
            return status
    try:
        for name in [q.strip() for q in args.queries.split(",") if q.strip()]:
            sys.stdout.write(section(name, build, args.max_width) + "\n")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
