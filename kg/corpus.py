"""Load the corpus: files and folders in, Documents (or LoadErrors) out.

Inputs are any mix of files and folders (folders are walked recursively in sorted order):
`.txt` and `.md` files are one document each, a `.jsonl` archive holds one document per line,
and a `SOURCES.jsonl` in a folder gives metadata for the files beside it. Bytes are decoded
without silent guesses (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16), YAML front matter is read,
and bylines inside the text (原标题：…, 来源：…, 责任编辑：…, datelines, "office name" author
lines) are marked as metadata spans: they stay in `Document.text`, so graph offsets stay true.
The byline words are data, in `ontology/rules/metadata.yaml`.

A file that cannot be read gives one LoadError with a reason and the others are still loaded.
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from .model import Document, LoadError
from .rules import DEFAULT_ONTOLOGY, Rules, RulesError

TEXT_SUFFIXES = frozenset({".txt", ".md"})
ARCHIVE_SUFFIX = ".jsonl"
LOADABLE_SUFFIXES = TEXT_SUFFIXES | {ARCHIVE_SUFFIX}
SIDECAR_NAME = "sources.jsonl"  # compared case-insensitively
METADATA_RULES = Path("rules") / "metadata.yaml"  # inside the ontology folder

# meta_spans key of the words that introduce a byline (来源：, 消息, 电, brackets): not a value.
MARKER = "marker"

# A file changed this recently (ns) is read again by the next build, whatever its stamp says.
SETTLE_NS = 2_000_000_000

CANNOT_DECODE = "cannot decode: not UTF-8, GB18030 or UTF-16"


class _Unreadable(Exception):
    """Why a file is not a usable document; the message becomes the LoadError reason."""


# --------------------------------------------------------------------------- public entry point


def iter_documents(inputs: Iterable[str], *, rules: Rules | None = None) -> Iterator[Document | LoadError]:
    """Documents of every input, lazily, in input order; unreadable files give a LoadError.

    `rules` names the ontology folder whose `rules/metadata.yaml` holds the byline words
    (default: KG_ONTOLOGY or the project's ontology/).
    """
    for item in scan_documents(inputs, rules=rules):
        if not isinstance(item, Source):
            yield item  # type: ignore[misc]


@dataclass(frozen=True)
class Source:
    """A file read in full without an error, reported after its documents (scan_documents):
    `stamp` is what the next build compares to skip reading it; `docs` its (id, characters)."""

    path: str
    stamp: tuple[Any, ...]
    docs: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Unchanged:
    """A file whose stamp is the one `known` gave (scan_documents): its documents, not read again."""

    path: str
    docs: tuple[tuple[str, int], ...]


def scan_documents(
    inputs: Iterable[str], *, rules: Rules | None = None, known: Mapping[str, Source] | None = None,
) -> Iterator[Document | LoadError | Source | Unchanged]:
    """iter_documents for a build that keeps what it read (kg.pipeline): after each file read in
    full without an error, a Source with its stamp; a file whose stamp is that of its Source in
    `known` (a previous build's) is not read: an Unchanged stands for its documents.

    Why: reading, decoding and hashing an archive is seconds a rebuild spends on files that did
    not change. The stamp is the file's size, modification and change times (ns) and inode, and
    the metadata SOURCES.jsonl gives it, taken before the file is read; like make and git, files
    changed in the last seconds are not stamped (an edit in the same clock tick would not show).
    """
    root = rules.root if rules is not None else Path(os.environ.get("KG_ONTOLOGY") or DEFAULT_ONTOLOGY)
    path = _metadata_rules_path(root)
    byline_rules = load_metadata_rules(path)
    digest = ""
    if known is not None:  # the byline words make the metadata too: other words, other documents
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            known = {}
    yield from _Loader(byline_rules, known, digest).run(inputs)


def _metadata_rules_path(ontology: str | os.PathLike[str]) -> Path:
    """The byline rules file of an ontology folder, or the project's own if it has none."""
    path = Path(ontology) / METADATA_RULES
    return path if path.is_file() else DEFAULT_ONTOLOGY / METADATA_RULES


# --------------------------------------------------------------------------- walking the inputs


def _is_sidecar(path: Path) -> bool:
    return path.name.lower() == SIDECAR_NAME


def _loadable(path: Path) -> bool:
    return path.suffix.lower() in LOADABLE_SUFFIXES


def iter_paths(inputs: Iterable[str]) -> Iterator[tuple[Path, Path] | LoadError]:
    """(file, the input folder it was found under) for every file to load, in order.

    Folders are walked recursively in sorted path order (symbolic links to folders are not
    followed); hidden files and folders, SOURCES.jsonl and other suffixes are skipped there. A
    file named explicitly must be loadable.
    """
    for item in _walk_inputs(inputs):
        yield item if isinstance(item, LoadError) else item[:2]


def _walk_inputs(inputs: Iterable[str]) -> Iterator[tuple[Path, Path, str] | LoadError]:
    """iter_paths, each file with its real path (to notice a file named twice): made from the
    folder's for a file reached without a symbolic link, which is much quicker than resolving it."""
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            real = str(path.resolve())
            for found, rel, link in _walk(str(path), ""):
                yield Path(found), path, str(Path(found).resolve()) if link else real + os.sep + rel
        elif path.is_file():
            if _is_sidecar(path):
                yield LoadError(item, "a SOURCES.jsonl file holds metadata for the files beside it, not documents")
            elif not _loadable(path):
                yield LoadError(item, f"unsupported file type '{path.suffix or '(no suffix)'}': "
                                      "expected .txt, .md or .jsonl")
            else:
                yield path, path.parent, str(path.resolve())
        elif path.exists():
            yield LoadError(item, "not a regular file or folder")
        else:
            yield LoadError(item, "no such file or folder")


def _walk(folder: str, rel: str) -> Iterator[tuple[str, str, bool]]:
    """(path, path relative to the input folder, whether it is a symbolic link) of each loadable
    file under `folder`, in the order of sorted(Path(folder).rglob("*")): entries by name, a
    folder's files where its name sorts. One scandir per folder, no stat per file."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:  # unreadable folder: skipped, as rglob does
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        sub = rel + os.sep + name if rel else name
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(entry.path, sub)
            elif entry.is_file():
                path = Path(name)
                if _loadable(path) and not _is_sidecar(path):
                    yield entry.path, sub, entry.is_symlink()
        except OSError:
            continue


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters, surrogates and private-use characters: a wrong decoding's fingerprints.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff]")
# A non-ASCII character that is not CJK (ideographs, punctuation, kana, full-width forms) nor
# one of the symbols Chinese texts use (·×÷°±§¥, general punctuation, ①, ■, ★, arrows, boxes).
_NOT_CJK = re.compile(
    "[^\x00-\x7f\u00a5\u00a7\u00b0\u00b1\u00b7\u00d7\u00f7\u2000-\u206f\u2100-\u21ff"
    "\u2460-\u24ff\u2500-\u27bf\u2e80-\u2fdf\u3000-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)
_SAMPLE = 500_000  # characters: enough to judge a decoding, and cheap on a large archive
_HANZI = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # ideographs: common, ext. A, compatibility


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _few_controls(text: str) -> bool:
    return len(_CONTROL.findall(text, 0, _SAMPLE)) * 1000 <= min(len(text), _SAMPLE)


def _mostly_cjk_or_ascii(text: str) -> bool:
    """No control characters, and what is not ASCII is (90%) Chinese or Japanese text."""
    other = len(_NOT_CJK.findall(text, 0, _SAMPLE))
    sample = text[:_SAMPLE]
    non_ascii = len(sample) - len(sample.encode("ascii", "ignore"))  # a regex would list every hanzi
    return _few_controls(text) and other * 10 <= non_ascii


def _mostly_common_hanzi(text: str) -> bool:
    """Real Chinese uses GB2312's 6,763 common characters; a wrong decoding lands on rare ones."""
    sample = _HANZI.findall(text, 0, _SAMPLE)
    common = 0
    for ch in sample:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.8 * len(sample)


def _utf16_orders(data: bytes) -> tuple[str, ...]:
    """UTF-16 byte orders to try, likelier first: an ASCII character's NUL byte is its high byte."""
    if len(data) % 2:
        return ()
    odd, even = data[1::2].count(0), data[0::2].count(0)
    return ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a file's bytes; raises ValueError when nothing is credible.

    Order: a BOM decides; then strict UTF-8 (unless there are NUL bytes, which only UTF-16 or
    binary data have); then GB18030, UTF-16 either way round, and charset-normalizer. Every
    guess past UTF-8 must read as Chinese or ASCII text made of common characters, so a wrong
    guess is an error, never garbage.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec)
            if text is None:
                raise ValueError(CANNOT_DECODE)
            return text, codec
    utf8 = None if b"\0" in data else _strict(data, "utf-8")
    if utf8 is not None and _few_controls(utf8):
        if _mostly_cjk_or_ascii(utf8):
            return utf8, "utf-8"
        gb = _strict(data, "gb18030")  # a few GBK characters can happen to be valid UTF-8 too
        if gb is not None and _mostly_cjk_or_ascii(gb) and _mostly_common_hanzi(gb):
            return gb, "gb18030"
        return utf8, "utf-8"
    codecs_to_try = _utf16_orders(data) if b"\0" in data else ("gb18030", "utf-16-le", "utf-16-be")
    for codec in codecs_to_try:
        text = _strict(data, codec)
        if text is not None and _mostly_cjk_or_ascii(text) and _mostly_common_hanzi(text):
            return text, codec
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _mostly_cjk_or_ascii(str(best)):
        return str(best), best.encoding
    raise ValueError(CANNOT_DECODE)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- metadata values


def _meta_value(value: Any) -> str | None:
    """Metadata as a string: dates in ISO form, lists joined, nothing for null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(v for v in (_meta_value(x) for x in value) if v)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value).strip()


def _meta_dict(data: dict[Any, Any], skip: Iterable[str] = ()) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        name = str(key).strip().lower()
        text = _meta_value(value)
        if name and name not in skip and text:
            out[name] = text
    return out


_FRONT_OPEN = re.compile(r"---[ \t]*\n")
_FRONT_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(metadata, body) of a text that may open with a `---` YAML block; raises _Unreadable."""
    opening = _FRONT_OPEN.match(text)
    if not opening:
        return {}, text
    closing = _FRONT_CLOSE.search(text, opening.end())
    if not closing:
        raise _Unreadable("malformed front matter: the opening '---' line has no closing '---'")
    try:
        data = yaml.safe_load(text[opening.end():closing.start()])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _Unreadable(f"malformed front matter: {problem}{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _Unreadable("malformed front matter: expected 'key: value' lines")
    body_start = closing.end() + (1 if text.startswith("\n", closing.end()) else 0)
    return _meta_dict(data), text[body_start:]


# --------------------------------------------------------------------------- byline rules


@dataclass(frozen=True)
class BylineRule:
    key: str  # metadata field
    words: tuple[str, ...]  # words that introduce it before a colon
    value: str  # "line" | "publication" | "name": how far a value runs into following text


VALUE_KINDS = ("line", "publication", "name")


@dataclass(frozen=True)
class MetadataRules:
    """ontology/rules/metadata.yaml, with the patterns built from its word lists."""

    bylines: tuple[BylineRule, ...]
    publication_suffixes: tuple[str, ...]
    office_words: tuple[str, ...]
    news_words: tuple[str, ...]
    wire_words: tuple[str, ...]
    sentence_punctuation: str
    title_max_chars: int
    value_max_chars: int
    source_max_chars: int
    name_length: tuple[int, int]

    @cached_property
    def rule_of_word(self) -> dict[str, BylineRule]:
        return {w: rule for rule in self.bylines for w in rule.words}

    @cached_property
    def prefix_re(self) -> re.Pattern[str]:
        """A byline word and its colon: 来源：, 责任编辑: ."""
        return re.compile(rf"(?P<word>{_alternation(self.rule_of_word)})[ \t\u3000]*[：:][ \t\u3000]*")

    @cached_property
    def publication_re(self) -> re.Pattern[str]:
        """The shortest run of text that ends in a publication suffix (学习时报, 央视网)."""
        suffix = _alternation(self.publication_suffixes)
        return re.compile(rf"[^\s，,。！？!?；;、：:（()）]{{1,{self.source_max_chars}}}?(?:{suffix})")

    @cached_property
    def suffix_re(self) -> re.Pattern[str]:
        return re.compile(_alternation(self.publication_suffixes))

    @cached_property
    def news_re(self) -> re.Pattern[str]:
        """央视网消息（新闻联播）：   本报讯（记者 张三）"""
        return re.compile(
            rf"(?P<source>{self.publication_re.pattern})(?P<word>{_alternation(self.news_words)})"
            rf"{_BRACKET}(?:[ \t\u3000]*[：:])?"
        )

    @cached_property
    def wire_re(self) -> re.Pattern[str]:
        """新华社北京11月24日电（记者 张三）"""
        num = r"(?:\d{1,2}|[〇一二三四五六七八九十]{1,3})"
        return re.compile(
            rf"(?P<source>{self.publication_re.pattern})"
            rf"(?P<dateline>[\u4e00-\u9fff]{{0,10}}?(?:\d{{4}}年)?{num}月{num}日)"
            rf"(?P<word>{_alternation(self.wire_words)}){_BRACKET}"
        )

    @cached_property
    def office_re(self) -> re.Pattern[str]:
        """An office that ends in an office word, then white space: 全国总工会党组书记、…第一书记 """
        return re.compile(
            rf"(?P<office>[^\s，,。！？!?；;：:]{{0,40}}?(?:{_alternation(self.office_words)}))[ \t\u3000]+"
        )

    @cached_property
    def author_words_re(self) -> re.Pattern[str]:
        words = [w for rule in self.bylines if rule.key == "author" for w in rule.words]
        return re.compile(rf"(?:{_alternation(words)})[ \t\u3000：:]*" if words else r"(?!)")

    def short_value(self, value: str, limit: int | None = None) -> bool:
        return 0 < len(value) <= (limit or self.value_max_chars) and not any(
            ch in self.sentence_punctuation for ch in value
        )


_BRACKET = r"(?:(?P<open>[（(])(?P<inner>[^）)\n]{1,30})(?P<close>[）)]))?"


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation, longest word first so 责任编辑 wins over 编辑."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _word_list(path: Path, data: dict[str, Any], key: str) -> tuple[str, ...]:
    words = data.get(key)
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
        raise RulesError(f"{path}: '{key}' must be a non-empty list of words")
    return tuple(w.strip() for w in words)


def _number(path: Path, data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RulesError(f"{path}: '{key}' must be a positive whole number")
    return value


@lru_cache(maxsize=8)
def _load_metadata_rules(path: Path, _mtime: int) -> MetadataRules:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read metadata rules: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    bylines = []
    for i, spec in enumerate(data.get("bylines") or [], start=1):
        if not isinstance(spec, dict) or not isinstance(spec.get("key"), str):
            raise RulesError(f"{path}: byline {i} needs 'key', 'words' and 'value'")
        if spec.get("value") not in VALUE_KINDS:
            raise RulesError(f"{path}: byline '{spec['key']}': value must be one of {', '.join(VALUE_KINDS)}")
        bylines.append(BylineRule(spec["key"].strip(), _word_list(path, spec, "words"), spec["value"]))
    if not bylines:
        raise RulesError(f"{path}: 'bylines' must list at least one byline")
    lengths = data.get("name_length")
    if not (isinstance(lengths, list) and len(lengths) == 2 and all(isinstance(n, int) for n in lengths)
            and 1 <= lengths[0] <= lengths[1]):
        raise RulesError(f"{path}: 'name_length' must be [min, max], e.g. [2, 4]")
    punctuation = data.get("sentence_punctuation")
    if not isinstance(punctuation, str) or not punctuation:
        raise RulesError(f"{path}: 'sentence_punctuation' must be a string of punctuation marks")
    return MetadataRules(
        bylines=tuple(bylines),
        publication_suffixes=_word_list(path, data, "publication_suffixes"),
        office_words=_word_list(path, data, "office_words"),
        news_words=_word_list(path, data, "news_words"),
        wire_words=_word_list(path, data, "wire_words"),
        sentence_punctuation=punctuation,
        title_max_chars=_number(path, data, "title_max_chars"),
        value_max_chars=_number(path, data, "value_max_chars"),
        source_max_chars=_number(path, data, "source_max_chars"),
        name_length=(lengths[0], lengths[1]),
    )


def load_metadata_rules(path: str | os.PathLike[str]) -> MetadataRules:
    """Read a metadata.yaml (cached while the file is unchanged); raises RulesError."""
    p = Path(path).resolve()
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        raise RulesError(f"{p}: metadata rules not found ({exc.strerror})") from None
    return _load_metadata_rules(p, mtime)


# --------------------------------------------------------------------------- bylines


@dataclass
class Bylines:
    """What a text says about itself: metadata values and the spans of text that hold them."""

    text: str
    meta: dict[str, str] = field(default_factory=dict)
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, start: int, end: int, key: str = MARKER) -> None:
        """Mark text[start:end] as metadata; for a value key, the first value found is kept."""
        if end <= start:
            return
        self.spans.append((start, end, key))
        if key != MARKER:
            self.meta.setdefault(key, self.text[start:end])


_HANZI_RUN = re.compile("[\u4e00-\u9fff·]+")


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    """A jieba part-of-speech tokenizer of our own (its model knows more names than plain cut).

    Its own, so that words the extractor adds to jieba's shared dictionary cannot change where
    a name ends: the loader gives the same spans in every process and every build order.
    """
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


def _first_word(text: str) -> str:
    """jieba's first word of `text`."""
    for pair in _segmenter().cut(text[:12]):
        return str(pair.word)
    return ""


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


class BylineFinder:
    """Finds bylines at the top and the bottom of a text, by the rules of metadata.yaml."""

    def __init__(self, rules: MetadataRules) -> None:
        self.rules = rules

    def find(self, text: str) -> Bylines:
        found = Bylines(text)
        header_end, title = self._header(text, found)
        self._footer(text, found, header_end)
        if title and "title" not in found.meta:
            found.meta["title"] = title  # a title line stays content: no span
        found.spans.sort()
        return found

    # -- the top: a title line, then bylines one after another

    def _header(self, text: str, found: Bylines) -> tuple[int, str]:
        pos = _skip_space(text, 0)
        title = ""
        end = self._byline_at(text, pos, found)
        if end is None:
            title = self._title_line(text, pos)
            if not title:
                return pos, ""
            pos = _skip_space(text, _line_end(text, pos))
            end = self._byline_at(text, pos, found)
        while end is not None:
            pos = _skip_space(text, end)
            end = self._byline_at(text, pos, found)
        return pos, title

    def _title_line(self, text: str, pos: int) -> str:
        """The first line as a title: short, no sentence punctuation, and more text follows."""
        end = _line_end(text, pos)
        line = text[pos:end].strip().lstrip("#").strip()
        more = _skip_space(text, end) < len(text)
        if more and self.rules.short_value(line, self.rules.title_max_chars) and re.search(r"\w", line):
            return line
        return ""

    def _byline_at(self, text: str, pos: int, found: Bylines) -> int | None:
        """End of the byline that starts at `pos` (recorded in `found`), or None."""
        for recognise in (self._prefixed, self._news_dateline, self._wire_dateline, self._office_name):
            end = recognise(text, pos, found)
            if end is not None:
                return end
        return None

    def _prefixed(self, text: str, pos: int, found: Bylines, limit: int | None = None) -> int | None:
        """来源：学习时报 — a byline word, a colon and a value."""
        m = self.rules.prefix_re.match(text, pos)
        if not m:
            return None
        rule = self.rules.rule_of_word[m.group("word")]
        start = m.end()
        stop = _line_end(text, start) if limit is None else limit
        following = self.rules.prefix_re.search(text, start, stop)
        raw = text[start:following.start() if following else stop].rstrip()
        length = self._value_length(rule, raw)
        if not length:
            return None
        found.add(m.start(), m.end())
        found.add(start, start + length, rule.key)
        return start + length

    def _value_length(self, rule: BylineRule, raw: str) -> int:
        limit = self.rules.title_max_chars if rule.value == "line" else self.rules.value_max_chars
        if self.rules.short_value(raw, limit):
            return len(raw)
        if rule.value == "publication":
            return self._publication_length(raw)
        if rule.value == "name":
            return self._name_length(raw)
        return 0

    def _publication_length(self, text: str, pos: int = 0) -> int:
        m = self.rules.publication_re.match(text, pos)
        if not m:
            return 0
        end = m.end()
        while (more := self.rules.suffix_re.match(text, end)) and more.end() - pos <= self.rules.source_max_chars:
            end = more.end()
        return end - pos

    def _name_length(self, text: str) -> int:
        """A personal name at the start of `text`: up to a boundary, else jieba's first word."""
        low, high = self.rules.name_length
        run = _HANZI_RUN.match(text)
        if not run:
            return 0
        if low <= run.end() <= high:
            return run.end()
        word = _first_word(run.group())
        return len(word) if low <= len(word) <= high and _HANZI_RUN.fullmatch(word) else 0

    def _news_dateline(self, text: str, pos: int, found: Bylines) -> int | None:
        m = self.rules.news_re.match(text, pos)
        if not m:
            return None
        found.add(m.start("source"), m.end("source"), "source")
        self._bracket(m, found, m.start("word"))
        return m.end()

    def _wire_dateline(self, text: str, pos: int, found: Bylines) -> int | None:
        m = self.rules.wire_re.match(text, pos)
        if not m:
            return None
        found.add(m.start("source"), m.end("source"), "source")
        found.add(m.start("dateline"), m.end("dateline"), "dateline")
        self._bracket(m, found, m.start("word"))
        return m.end()

    def _bracket(self, m: re.Match[str], found: Bylines, marker_start: int) -> None:
        """The rest of a dateline: （记者 张三） gives the author, （新闻联播） the programme."""
        if m.group("inner") is None:
            found.add(marker_start, m.end())
            return
        inner = m.start("inner")
        author = self.rules.author_words_re.match(m.string, inner, m.end("inner"))
        value_start = author.end() if author else inner
        found.add(marker_start, value_start)
        found.add(value_start, m.end("inner"), "author" if author else "programme")
        found.add(m.start("close"), m.end())

    def _office_name(self, text: str, pos: int, found: Bylines) -> int | None:
        """全国总工会党组书记、副主席、书记处第一书记 陈刚 — an office, a space, a name."""
        m = self.rules.office_re.match(text, pos, _line_end(text, pos))
        if not m:
            return None
        name = self._name_length(text[m.end():_line_end(text, m.end())])
        if not name:
            return None
        found.add(m.start("office"), m.end("office"), "author_title")
        found.add(m.end(), m.end() + name, "author")
        return m.end() + name

    # -- the bottom: bylines after the last sentence (…贴心人。责任编辑：邓健)

    def _footer(self, text: str, found: Bylines, header_end: int) -> None:
        end = len(text.rstrip())
        while end > header_end:
            line_start = max(text.rfind("\n", 0, end) + 1, header_end)
            start = self._footer_start(text, line_start, end)
            if start is None:
                return
            pos = start
            while pos < end:
                stop = self._prefixed(text, pos, found, limit=end)
                if stop is None:
                    return
                pos = _skip_space(text, stop)
            if start > line_start:
                return
            end = len(text[:line_start].rstrip())

    def _footer_start(self, text: str, line_start: int, end: int) -> int | None:
        """Where the bylines at the end of a line begin: after a sentence, short, no punctuation."""
        for m in self.rules.prefix_re.finditer(text, line_start, end):
            before = text[line_start:m.start()].rstrip()
            after_sentence = not before or before[-1] in self.rules.sentence_punctuation + "”’」』）)】"
            tail = text[m.start():end]
            if after_sentence and self.rules.short_value(tail, self.rules.value_max_chars * 2):
                return m.start()
        return None


def find_bylines(text: str, rules: MetadataRules) -> Bylines:
    """Bylines of `text` by `rules` (see BylineFinder)."""
    return BylineFinder(rules).find(text)


# --------------------------------------------------------------------------- SOURCES.jsonl sidecars


class _Sidecars:
    """SOURCES.jsonl files, each read once: the metadata they give each file beside them."""

    def __init__(self) -> None:
        self._tables: dict[Path, dict[str, dict[str, str]]] = {}
        # (folder, root) -> the folders from root down with a sidecar that names files, and their tables
        self._chains: dict[tuple[Path, Path], list[tuple[Path, dict[str, dict[str, str]]]]] = {}

    def meta_for(self, path: Path, root: Path) -> tuple[dict[str, str], list[LoadError]]:
        """Metadata for `path` from sidecars in its folder and above it up to `root` (nearest wins)."""
        errors: list[LoadError] = []
        chain = self._chains.get((path.parent, root))
        if chain is None:
            folders = [path.parent]
            while folders[-1] != root and folders[-1] != folders[-1].parent:
                folders.append(folders[-1].parent)
            chain = []
            for folder in reversed(folders):
                errors += self._load(folder)
                if self._tables[folder]:
                    chain.append((folder, self._tables[folder]))
            self._chains[(path.parent, root)] = chain
        meta: dict[str, str] = {}
        for folder, table in chain:
            meta.update(table.get(path.relative_to(folder).as_posix(), {}))
        return meta, errors

    def _load(self, folder: Path) -> list[LoadError]:
        if folder in self._tables:
            return []
        table: dict[str, dict[str, str]] = {}
        self._tables[folder] = table
        try:
            candidates = sorted(p for p in folder.iterdir() if _is_sidecar(p) and p.is_file())
        except OSError:
            return []
        if not candidates:
            return []
        path = candidates[0]
        errors: list[LoadError] = []
        try:
            lines = _read_text(path)[1].split("\n")
        except _Unreadable as exc:
            return [LoadError(str(path), str(exc))]
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(LoadError(str(path), f"line {n}: not valid JSON ({exc.msg})"))
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                errors.append(LoadError(str(path), f"line {n}: expected an object with a \"file\" name"))
                continue
            table[Path(entry["file"]).as_posix()] = _meta_dict(entry, skip=("file",))
        return errors


# --------------------------------------------------------------------------- loading files


def _read_text(path: Path, stat: list[os.stat_result] | None = None) -> tuple[str, str]:
    """(encoding, text with LF newlines) of a file; raises _Unreadable. Appends the file's
    stat, taken before reading, to `stat` if given."""
    try:
        with open(path, "rb") as fh:
            if stat is not None:
                stat.append(os.fstat(fh.fileno()))
            data = fh.read()
    except OSError as exc:
        raise _Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if not data:
        raise _Unreadable("empty file")
    try:
        text, encoding = decode_bytes(data)
    except ValueError as exc:
        raise _Unreadable(str(exc)) from None
    text = normalise_newlines(text)
    if not text.strip():
        raise _Unreadable("no text: the file holds only white space")
    return encoding, text


def _stamp(st: os.stat_result, sidecar_meta: dict[str, str], rules_digest: str) -> tuple[Any, ...]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, tuple(sorted(sidecar_meta.items())), rules_digest)


class _Loader:
    """One pass over the inputs: walks, reads, decodes, and never yields the same id twice."""

    def __init__(self, rules: MetadataRules, known: Mapping[str, Source] | None = None, rules_digest: str = "") -> None:
        self.bylines = BylineFinder(rules)
        self.rules_digest = rules_digest  # of the byline rules' file, part of every stamp
        self.sidecars = _Sidecars()
        self.seen_files: set[str] = set()
        self.seen_ids: dict[str, str] = {}
        self.known = known
        self.stat: list[os.stat_result] | None = [] if known is not None else None
        # files modified since then are not stamped: an edit within the same clock tick would not show
        self.recent = time.time_ns() - SETTLE_NS

    def run(self, inputs: Iterable[str]) -> Iterator[Document | LoadError | Source | Unchanged]:
        for item in _walk_inputs(inputs):
            if isinstance(item, LoadError):
                yield item
                continue
            path, root, real = item
            if real in self.seen_files:  # named twice (a folder and a file in it)
                continue
            self.seen_files.add(real)
            sidecar_meta, errors = self.sidecars.meta_for(path, root)
            yield from errors
            if self.known is not None:
                same = self._unchanged(path, sidecar_meta)
                if same is not None:
                    yield same
                    continue
            if self.stat is not None:
                self.stat.clear()
            if path.suffix.lower() == ARCHIVE_SUFFIX:
                items: Iterable[Document | LoadError] = self._archive(path, sidecar_meta)
            else:
                items = (self._text_file(path, sidecar_meta),)
            docs: list[tuple[str, int]] | None = []
            for doc in items:  # one at a time: an archive can be most of the corpus
                if not isinstance(doc, Document):
                    docs = None  # not stamped: the next build reads it again and reports the error again
                elif docs is not None:
                    docs.append((doc.id, len(doc.text)))
                yield doc
            if docs is not None and self.stat and self._settled(self.stat[0]):
                yield Source(str(path), _stamp(self.stat[0], sidecar_meta, self.rules_digest), tuple(docs))

    def _settled(self, st: os.stat_result) -> bool:
        return st.st_mtime_ns < self.recent and st.st_ctime_ns < self.recent

    def _unchanged(self, path: Path, sidecar_meta: dict[str, str]) -> Unchanged | None:
        """The file's Unchanged if its stamp is the known one and none of its ids is taken."""
        assert self.known is not None
        before = self.known.get(str(path))
        if before is None:
            return None
        try:
            stamp = _stamp(os.stat(path), sidecar_meta, self.rules_digest)
        except OSError:
            return None
        if stamp != before.stamp or any(d in self.seen_ids for d, _ in before.docs):
            return None  # read it: a changed file, or the duplicate-id error must be reported
        for d, _ in before.docs:
            self.seen_ids[d] = str(path)
        return Unchanged(before.path, before.docs)

    def _text_file(self, path: Path, sidecar_meta: dict[str, str]) -> Document | LoadError:
        try:
            encoding, raw = _read_text(path, self.stat)
            front, text = split_front_matter(raw)
        except _Unreadable as exc:
            return LoadError(str(path), str(exc))
        if not text.strip():
            return LoadError(str(path), "no text after the front matter")
        return self._document(path.stem, path, text, encoding, sidecar_meta, front, "")

    def _archive(self, path: Path, sidecar_meta: dict[str, str]) -> Iterator[Document | LoadError]:
        """One document per line: {"text": ..., "id": ..., other metadata fields}."""
        try:
            encoding, raw = _read_text(path, self.stat)
        except _Unreadable as exc:
            yield LoadError(str(path), str(exc))
            return
        for n, line in enumerate(raw.split("\n"), start=1):
            if not line.strip():
                continue
            where = f"line {n}: "
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield LoadError(str(path), f"{where}not valid JSON ({exc.msg})")
                continue
            if not isinstance(record, dict):
                yield LoadError(str(path), f"{where}expected a JSON object with a \"text\" field")
                continue
            text = record.get("text")
            if not isinstance(text, str):
                yield LoadError(str(path), f"{where}no \"text\" field")
                continue
            text = normalise_newlines(text)
            if not text.strip():
                yield LoadError(str(path), f"{where}empty \"text\"")
                continue
            doc_id = _meta_value(record.get("id")) or f"{path.stem}:{n}"
            fields = _meta_dict(record, skip=("text", "id"))
            yield self._document(doc_id, path, text, encoding, sidecar_meta, fields, where)

    def _document(
        self, doc_id: str, path: Path, text: str, encoding: str,
        sidecar_meta: dict[str, str], explicit: dict[str, str], where: str,
    ) -> Document | LoadError:
        """Metadata, weakest first: bylines in the text, SOURCES.jsonl, the file's own fields."""
        if doc_id in self.seen_ids:
            return LoadError(str(path), f"{where}duplicate document id '{doc_id}' "
                                        f"(already used by {self.seen_ids[doc_id]})")
        self.seen_ids[doc_id] = str(path)
        found = self.bylines.find(text)
        meta = {**found.meta, **sidecar_meta, **explicit}
        return Document(id=doc_id, path=str(path), text=text, meta=meta, meta_spans=found.spans,
                        encoding=encoding)
