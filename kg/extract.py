"""Per-document extraction: Document + Rules -> DocResult (pure; safe in any process).

Stages, each in its own module: sentences (kg.sentences) → segmentation (kg.segment) →
entities (kg.entities) → relations (kg.relations) → resolution of aliases, self-references
and the speaker (kg.resolve). Heavy per-process state (jieba dictionary, automaton) is
built once per rules version by `get_context`.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass

from .entities import EntityFinder
from .model import DocResult, Document, EntityInfo, Relation
from .relations import DocState, Found, RelationFinder
from .resolve import Anaphora, Resolver, byline_relations, heading_cuts, infer_speaker
from .rules import Rules
from .segment import Segmenter, get_segmenter
from .sentences import Sentence, split_sentences
from .spans import Analysis, Span


@dataclass
class Context:
    segmenter: Segmenter
    entities: EntityFinder
    relations: RelationFinder


_CONTEXTS: dict[str, Context] = {}


def get_context(rules: Rules, cache_dir: str | os.PathLike[str] | None = None) -> Context:
    """Build (once per process and rules version) the segmenter, automaton and tables.

    `cache_dir` (the build's cache folder for these rules) holds a snapshot of the segmenter's
    tables: loaded if there, else written there for the next process (kg.segment.startup_tables);
    None builds them from jieba. Only the first call for a rules version looks at it."""
    ctx = _CONTEXTS.get(rules.version)
    if ctx is None:
        segmenter = get_segmenter(rules, cache_dir)  # first: the entity finder takes its tag table (word_tags)
        ctx = _CONTEXTS[rules.version] = Context(segmenter, EntityFinder(rules), RelationFinder(rules))
    return ctx


def warm_up(rules: Rules, cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Pay the start-up cost (jieba dictionary, automaton; or loading them from the snapshot in
    `cache_dir`, see `get_context`) now, e.g. in a worker initializer.

    What exists by then lives as long as the process, so it is moved out of the cyclic GC's
    reach (`gc.freeze`): full collections during extraction no longer re-scan the segmenter's and
    the entity finder's tables (about 10 % of extraction time otherwise). Extraction makes many
    short-lived containers and (almost) no cycles, so the youngest generation is collected after
    50,000 net allocations instead of 700: on generated news that is no collection at all per few
    hundred documents instead of ~1,800 (~3 % of extraction time). Only worker processes (and
    benchmarks) call this.
    """
    get_context(rules, cache_dir)
    gc.freeze()
    gc.set_threshold(50_000, *gc.get_threshold()[1:])


def analyse(doc: Document, rules: Rules) -> tuple[list[Sentence], list[Analysis]]:
    """Sentences (run-on headings cut) and their chunk analyses."""
    ctx = get_context(rules)
    text = doc.text
    sentences: list[Sentence] = []
    analyses: list[Analysis] = []
    for sent in split_sentences(text, doc.meta_spans):
        if sent.meta:
            sentences.append(sent)
            analyses.append(Analysis([], []))
            continue
        sub = text[sent.start : sent.end]
        an = ctx.entities.analyse(sub, sent.start, ctx.segmenter.tokens(sub))
        for piece, part in heading_cuts(text, sent, an, rules):
            sentences.append(piece)
            analyses.append(part)
    return sentences, analyses


def extract(doc: Document, rules: Rules) -> DocResult:
    ctx = get_context(rules)
    text = doc.text
    sentences, analyses = analyse(doc, rules)
    resolver = Resolver(doc, rules, ctx.entities)
    speaker = infer_speaker(doc, sentences, analyses, resolver)
    state = DocState(speaker=speaker)
    found: list[Found] = []
    mentions: list[tuple[Span, int]] = []
    nested: list[tuple[Span, int]] = []  # names inside names: nodes only when a relation needs them
    anaphora = Anaphora(rules)
    for si, (sent, an) in enumerate(zip(sentences, analyses, strict=False)):
        if sent.meta:
            continue
        anaphora.resolve(an.chunks)
        for ch in an.chunks:
            main = ch.main
            if main is not None:
                if not main.type and main.source == "quote" and len(main.name) >= 4:
                    main.type = "Concept"  # a quoted slogan no verb types: a formulation
                if main.type and main.source != "token":
                    mentions.append((main, si))
            for sp in ch.spans:
                if sp.type and (sp is not main or sp.source == "token"):
                    nested.append((sp, si))
                if sp.issuers:
                    found += [Found(iss, "issues", sp, si) for iss in sp.issuers]
        found += ctx.relations.sentence(text, sent.start, sent.end, si, an, state)
    found += ctx.relations.from_names(mentions + nested)
    # names inside names, and words a construction names (在党的领导下), are nodes when related
    seen = {id(sp) for sp, _ in mentions}
    for f in found:
        for sp in (f.s, f.o):
            if id(sp) not in seen:
                seen.add(id(sp))
                mentions.append((sp, f.sentence))
    meta_mentions, meta_found = byline_relations(doc, sentences, resolver)
    mentions += meta_mentions
    found += meta_found
    if speaker is not None and speaker.start == speaker.end:
        mentions.append((speaker, -1))

    entities: dict[str, EntityInfo] = {}
    for sp, si in mentions:
        name = resolver.canonical(sp)
        if not name:
            continue
        info = entities.get(name)
        if info is None:
            info = entities[name] = EntityInfo(
                type=resolver.type_of(sp, name),
                label_en=resolver.label_en(sp, name),
                lexicon_id=resolver.lexicon_id(sp, name),
                first=(max(si, 0), sp.start, sp.end),
            )
        if si >= 0:
            info.mentions += 1
        info.aliases |= resolver.aliases(sp, name)
    relations: dict[tuple[str, str, str], Relation] = {}
    for f in found:
        s, o = resolver.canonical(f.s), resolver.canonical(f.o)
        if not s or not o or s == o or s not in entities or o not in entities:
            continue
        relations.setdefault((s, f.p, o, f.sentence), Relation(s, f.p, o, f.sentence))
    spans = [(s.start, s.end) for s in sentences]
    return DocResult(
        doc_id=doc.id,
        path=doc.path,
        meta=dict(doc.meta),
        chars=len(text),
        sentences=spans,
        sentence_texts=[text[a:b] for a, b in spans],
        entities=entities,
        relations=sorted(relations.values(), key=lambda r: (r.sentence, r.s, r.p, r.o)),
    )
