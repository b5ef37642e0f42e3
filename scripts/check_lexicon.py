#!/usr/bin/env python3
"""Check the domain lexicon in ontology/lexicon/*.tsv.

Usage:
    python scripts/check_lexicon.py [LEXICON_DIR] [--scan TEXT_DIR] [--short N]

Checks (exit status 1 if any error):
  * every data row has 4 or 5 tab-separated columns (name, type, label_en, aliases, id),
    a non-empty name and one of the 10 entity types;
  * no surface form (name or alias, compared after removing 《》“”"" and white space) belongs
    to more than one entry, within a file or across files;
  * ids are short ASCII slugs ([a-z0-9-]) and unique;
  * no one-character surface forms; names carry no 《》 or enclosing “”.
Warnings: two-character surface forms not mentioned in a comment of their file (flag them there).

--scan TEXT_DIR runs a leftmost-longest match of all surface forms over the *.txt files in TEXT_DIR
and prints every match of a form of at most N characters (default 3) with its context, so that a
reviewer can spot short forms that fire inside unrelated words.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TYPES = ("Person", "PartyBody", "StateBody", "Union", "Organization", "WorkerGroup",
         "Program", "Policy", "Event", "Concept")
HEADER = ["name", "type", "label_en", "aliases", "id"]
_STRIP = re.compile(r"[《》“”\"\s]")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def norm(form: str) -> str:
    return _STRIP.sub("", form)


def read(lexdir: Path):
    """Yield (path, line_no, columns) for every data row; comments collected per file."""
    rows, comments, errors = [], {}, []
    for path in sorted(lexdir.glob("*.tsv")):
        comments[path] = ""
        header_seen = False
        for no, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if not line.strip():
                continue
            if line.startswith("#"):
                comments[path] += line + "\n"
                continue
            cols = line.split("\t")
            if not header_seen:
                header_seen = True
                if cols[:5] != HEADER[: len(cols[:5])] or len(cols) < 4:
                    errors.append(f"{path.name}:{no}: header must be {' '.join(HEADER)}")
                continue
            rows.append((path, no, cols))
        if not header_seen:
            errors.append(f"{path.name}: no header row")
    return rows, comments, errors


def check(lexdir: Path) -> tuple[list[str], list[str], list[tuple[str, str, str]]]:
    rows, comments, errors = read(lexdir)
    warnings: list[str] = []
    owner: dict[str, tuple[str, str]] = {}
    ids: dict[str, str] = {}
    entries = []
    for path, no, cols in rows:
        where = f"{path.name}:{no}"
        if not 4 <= len(cols) <= 5:
            errors.append(f"{where}: {len(cols)} columns (want 4 or 5)")
            continue
        name, typ, _label, aliases = (c.strip() for c in cols[:4])
        ident = cols[4].strip() if len(cols) == 5 else ""
        if not name:
            errors.append(f"{where}: empty name")
            continue
        if typ not in TYPES:
            errors.append(f"{where}: {name}: unknown type {typ!r}")
        if re.search(r"[《》]", name) or (name.startswith("“") and name.endswith("”")):
            errors.append(f"{where}: {name}: name must not carry 《》 or enclosing “”")
        if ident:
            if not _ID.match(ident):
                errors.append(f"{where}: {name}: id {ident!r} is not a lower-case ASCII slug")
            elif ident in ids:
                errors.append(f"{where}: {name}: id {ident!r} already used by {ids[ident]}")
            else:
                ids[ident] = name
        forms = [name] + [a.strip() for a in aliases.split("|") if a.strip()]
        seen_here: set[str] = set()
        for form in forms:
            key = norm(form)
            if len(key) <= 1:
                errors.append(f"{where}: {name}: one-character surface form {form!r}")
            entries.append((form, name, typ))
            if key in seen_here:
                continue
            seen_here.add(key)
            if key in owner:
                errors.append(f"{where}: surface form {form!r} of {name} already belongs to {owner[key]}")
            else:
                owner[key] = f"{name} ({where})"
            if len(key) == 2 and not re.fullmatch(r"[A-Za-z0-9]+", key) and form not in comments[path]:
                warnings.append(f"{where}: two-character form {form!r} ({name}) is not flagged in a comment")
    return errors, warnings, entries


def scan(entries, textdir: Path, short: int) -> None:
    index = {}
    for form, name, typ in entries:
        index.setdefault(form, (name, typ))
    maxlen = max(len(f) for f in index)
    for path in sorted(textdir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        i = 0
        while i < len(text):
            for n in range(min(maxlen, len(text) - i), 0, -1):
                hit = index.get(text[i:i + n])
                if hit:
                    if n <= short:
                        ctx = text[max(0, i - 8): i + n + 8].replace("\n", " ")
                        print(f"{path.name}:{i}: {text[i:i+n]} -> {hit[0]} [{hit[1]}]   …{ctx}…")
                    i += n
                    break
            else:
                i += 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lexdir", nargs="?", default=Path(__file__).resolve().parent.parent / "ontology" / "lexicon",
                    type=Path)
    ap.add_argument("--scan", type=Path, help="folder of .txt files to scan with the lexicon")
    ap.add_argument("--short", type=int, default=3, help="report scanned matches of at most this many characters")
    ap.add_argument("-q", "--quiet", action="store_true", help="do not print warnings")
    args = ap.parse_args(argv)
    errors, warnings, entries = check(args.lexdir)
    names = {(n, t) for _f, n, t in entries}
    counts: dict[str, int] = {}
    for _n, t in names:
        counts[t] = counts.get(t, 0) + 1
    if not args.quiet:
        for w in warnings:
            print("warning:", w)
    for e in errors:
        print("error:", e)
    print(f"{len(names)} entries, {len(entries)} surface forms: "
          + ", ".join(f"{t} {counts.get(t, 0)}" for t in TYPES))
    if args.scan:
        scan(entries, args.scan, args.short)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
