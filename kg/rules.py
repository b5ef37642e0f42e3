"""Load the extraction rules from `ontology/`: lexicons, patterns and triggers are data.

A domain expert edits the TSV/YAML files; nothing here names an entity.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .model import ENTITY_TYPES

DEFAULT_ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"


class RulesError(ValueError):
    """A rule file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class LexEntry:
    name: str
    type: str
    label_en: str = ""
    aliases: tuple[str, ...] = ()
    id: str = ""


@dataclass
class Rules:
    root: Path
    lexicon: list[LexEntry] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @cached_property
    def version(self) -> str:
        """Hash of every rule file: a cache entry made under other rules is stale."""
        h = hashlib.sha256()
        for path in self.files:
            h.update(str(path.relative_to(self.root)).encode())
            h.update(b"\0")
            h.update(path.read_bytes())
        return h.hexdigest()[:16]

    @cached_property
    def surface_index(self) -> dict[str, LexEntry]:
        """Every name and alias -> its entry (later files do not override earlier ones)."""
        index: dict[str, LexEntry] = {}
        for entry in self.lexicon:
            for form in (entry.name, *entry.aliases):
                index.setdefault(form, entry)
        return index


def _read_tsv(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8-sig").splitlines() if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows


def load_lexicon(path: Path) -> list[LexEntry]:
    entries = []
    for i, row in enumerate(_read_tsv(path), start=2):
        name = (row.get("name") or "").strip()
        typ = (row.get("type") or "").strip()
        if not name:
            continue
        if typ not in ENTITY_TYPES:
            raise RulesError(f"{path}: entry {name!r} has unknown type {typ!r} (row {i})")
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        entries.append(
            LexEntry(name, typ, (row.get("label_en") or "").strip(), aliases, (row.get("id") or "").strip())
        )
    return entries


def load_rules(root: str | os.PathLike[str] | None = None) -> Rules:
    base = Path(root or os.environ.get("KG_ONTOLOGY") or DEFAULT_ONTOLOGY).resolve()
    if not base.is_dir():
        raise RulesError(f"{base}: rules folder not found (pass --rules DIR or set KG_ONTOLOGY)")
    rules = Rules(root=base)
    for path in sorted((base / "lexicon").glob("*.tsv")):
        rules.lexicon.extend(load_lexicon(path))
        rules.files.append(path)
    return rules
