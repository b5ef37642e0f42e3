"""Load the extraction rules from `ontology/`: lexicons, patterns and triggers are data.

A domain expert edits the TSV/YAML files; nothing here names an entity. `Rules.version`
hashes every file, so caches know when the rules changed.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .model import ENTITY_TYPES, PREDICATES

DEFAULT_ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"


class RulesError(ValueError):
    """A rule file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class LexEntry:
    name: str
    type: str
    label_en: str = ""
    aliases: tuple[str, ...] = ()
    id: str = ""


@dataclass(frozen=True)
class Template:
    """A fixed construction such as 在{A}领导下: a regex with slots A/B and a relation."""

    pattern: str
    regex: re.Pattern[str]
    s: str
    p: str
    o: str


@dataclass
class Rules:
    root: Path
    lexicon: list[LexEntry] = field(default_factory=list)
    patterns: dict[str, Any] = field(default_factory=dict)
    triggers: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        # Ship only the source data to other processes; derived tables are rebuilt there.
        return {k: self.__dict__[k] for k in ("root", "lexicon", "patterns", "triggers", "files")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

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
        """Every name and alias -> its entry (the first file that lists a form wins)."""
        index: dict[str, LexEntry] = {}
        for entry in self.lexicon:
            for form in (entry.name, *entry.aliases):
                index.setdefault(form, entry)
        return index

    @cached_property
    def suffixes(self) -> list[tuple[str, str]]:
        """(suffix, type), longest first, so the most specific head wins."""
        pairs = [(suf, typ) for typ, sufs in (self.patterns.get("suffixes") or {}).items() for suf in sufs]
        return sorted(pairs, key=lambda p: (-len(p[0]), p[0]))

    @cached_property
    def suffix_words(self) -> frozenset[str]:
        return frozenset(s for s, _ in self.suffixes)

    def words(self, key: str) -> frozenset[str]:
        """A word list from patterns.yaml as a set."""
        return frozenset(self.patterns.get(key) or ())

    @cached_property
    def verbs(self) -> dict[str, tuple[str, ...]]:
        return {w: tuple(ps) for w, ps in (self.triggers.get("verbs") or {}).items()}

    @cached_property
    def constraints(self) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        """predicate -> (allowed subject types, allowed object types)."""
        out = {}
        for p, spec in (self.triggers.get("predicates") or {}).items():
            out[p] = (frozenset(spec.get("subject") or ENTITY_TYPES), frozenset(spec.get("object") or ENTITY_TYPES))
        return out

    @cached_property
    def actor_types(self) -> frozenset[str]:
        return frozenset(self.triggers.get("actor_types") or ())

    @cached_property
    def templates(self) -> list[Template]:
        out = []
        for spec in self.triggers.get("templates") or []:
            pat = spec["pattern"]
            rx = pat
            for slot in ("A", "B"):
                rx = rx.replace("{" + slot + "}", f"(?P<{slot}>[^，。；！？：]+?)", 1)
            if rx.endswith("?)"):  # a slot at the very end takes the rest of the clause
                rx = rx[:-2] + ")"
            out.append(Template(pat, re.compile(rx), spec["s"], spec["p"], spec["o"]))
        return out

    @cached_property
    def dictionary_words(self) -> frozenset[str]:
        """Words added to jieba's dictionary: names, aliases, suffixes, triggers, breakers."""
        words = set(self.surface_index) | set(self.suffix_words) | set(self.verbs)
        words |= self.words("breakers") | self.words("person_titles") | self.words("self_references")
        return frozenset(w for w in words if len(w) > 1)


def _read_tsv(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8-sig").splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_lexicon(path: Path) -> list[LexEntry]:
    entries = []
    for i, row in enumerate(_read_tsv(path), start=2):
        name = (row.get("name") or "").strip()
        typ = (row.get("type") or "").strip()
        if not name:
            continue
        if typ not in ENTITY_TYPES:
            raise RulesError(f"{path}: entry {name!r} has unknown type {typ!r} (data row {i - 1})")
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        entries.append(LexEntry(name, typ, (row.get("label_en") or "").strip(), aliases, (row.get("id") or "").strip()))
    return entries


def _load_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    return data


def _check_triggers(path: Path, data: dict[str, Any]) -> None:
    for word, preds in (data.get("verbs") or {}).items():
        for p in preds or ():
            if p not in PREDICATES:
                raise RulesError(f"{path}: trigger {word!r} names unknown relation {p!r}")
    for spec in data.get("templates") or []:
        if spec.get("p") not in PREDICATES:
            raise RulesError(f"{path}: template {spec.get('pattern')!r} names unknown relation {spec.get('p')!r}")
        try:
            re.compile(spec["pattern"].replace("{A}", "A").replace("{B}", "B"))
        except (re.error, KeyError) as exc:
            raise RulesError(f"{path}: template {spec!r} is not a valid pattern: {exc}") from None


def load_rules(root: str | os.PathLike[str] | None = None) -> Rules:
    base = Path(root or os.environ.get("KG_ONTOLOGY") or DEFAULT_ONTOLOGY).resolve()
    if not base.is_dir():
        raise RulesError(f"{base}: rules folder not found (pass --rules DIR or set KG_ONTOLOGY)")
    rules = Rules(root=base)
    for path in sorted((base / "lexicon").glob("*.tsv")):
        rules.lexicon.extend(load_lexicon(path))
        rules.files.append(path)
    for name, attr in (("patterns.yaml", "patterns"), ("triggers.yaml", "triggers")):
        path = base / "rules" / name
        data = _load_yaml(path)
        if attr == "triggers":
            _check_triggers(path, data)
        setattr(rules, attr, data)
        if path.exists():
            rules.files.append(path)
    return rules
