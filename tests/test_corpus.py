"""The corpus loader: inputs, encodings, front matter, bylines, archives, sidecars, errors."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from kg.corpus import iter_documents
from kg.model import Document, LoadError
from kg.rules import DEFAULT_ONTOLOGY, Rules, RulesError

ROOT = Path(__file__).resolve().parent.parent

# 镕 and 喆 are in GBK but not in GB2312; the rest is ordinary simplified Chinese.
CHINESE = ("朱镕基和王喆参加了会议。\n"
           "全国总工会会同有关部门开展职工技能竞赛，服务农民工和新就业形态劳动者。\n2021年12月24日。\n")


def load(*inputs: str | Path, rules: Rules | None = None) -> list[Document | LoadError]:
    return list(iter_documents([str(i) for i in inputs], rules=rules))


def docs(items: list[Document | LoadError]) -> list[Document]:
    return [d for d in items if isinstance(d, Document)]


def errors(items: list[Document | LoadError]) -> list[LoadError]:
    return [e for e in items if isinstance(e, LoadError)]


def only_doc(*inputs: str | Path) -> Document:
    items = load(*inputs)
    assert errors(items) == []
    (doc,) = items
    assert isinstance(doc, Document)
    return doc


def only_error(path: Path) -> str:
    (err,) = load(path)
    assert isinstance(err, LoadError), err
    assert err.path == str(path)
    return err.reason


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def spans(doc: Document) -> list[tuple[str, str]]:
    """(key, text) of every metadata span."""
    return [(key, doc.text[a:b]) for a, b, key in doc.meta_spans]


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("codec", "bom", "reported"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("gbk", b"", "gb18030"),
        ("gb18030", b"", "gb18030"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
        ("utf-16-be", b"\xfe\xff", "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),
        ("utf-16-be", b"", "utf-16-be"),
    ],
)
def test_each_encoding_is_detected(tmp_path: Path, codec: str, bom: bytes, reported: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(bom + CHINESE.encode(codec))
    doc = only_doc(path)
    assert doc.text == CHINESE
    assert doc.encoding == reported


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_or_ascii_is_detected(tmp_path: Path, codec: str) -> None:
    """Pure Chinese in UTF-16 has no NUL bytes to give it away."""
    text = "全国总工会会同有关部门开展职工技能竞赛。各级工会服务农民工。"
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(codec))
    assert only_doc(path).text == text


def test_gbk_only_characters_in_a_short_file(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_bytes("朱镕基 王喆".encode("gbk"))
    doc = only_doc(path)
    assert (doc.text, doc.encoding) == ("朱镕基 王喆", "gb18030")


def test_crlf_and_cr_become_lf(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes("第一行\r\n第二行\r第三行\n".encode("gbk"))
    assert only_doc(path).text == "第一行\n第二行\n第三行\n"


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", " \n\t\r\n\u3000".encode(), "only white space"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)),
         "cannot decode: not UTF-8, GB18030 or UTF-16"),
        ("latin1.txt", "Comité d'entreprise, café, élève".encode("latin-1"),
         "cannot decode: not UTF-8, GB18030 or UTF-16"),
        ("noise.txt", bytes(range(0x80, 0x100)) * 3, "cannot decode: not UTF-8, GB18030 or UTF-16"),
        ("open.md", "---\ntitle: 标题\n正文。\n".encode(),
         "malformed front matter: the opening '---' line has no closing"),
        ("yaml.md", "---\ntitle: [未闭合\n---\n正文。\n".encode(), "malformed front matter:"),
        ("list.md", "---\n- 一\n- 二\n---\n正文。\n".encode(), "malformed front matter: expected 'key: value' lines"),
        ("bare.md", "---\ntitle: 只有元数据\n---\n\n".encode(), "no text after the front matter"),
        ("report.pdf", b"%PDF-1.4", "unsupported file type '.pdf': expected .txt, .md or .jsonl"),
    ],
)
def test_unreadable_file_gives_one_error_line(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert reason in only_error(path)


def test_bad_files_do_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\x00\x01\x02\x03binary\xff\xfe\x00")
    write(tmp_path / "b.txt", "全国总工会召开会议。")
    (tmp_path / "c.txt").write_bytes(b"")
    write(tmp_path / "d.md", "正文。")
    items = load(tmp_path)
    assert [type(i).__name__ for i in items] == ["LoadError", "Document", "LoadError", "Document"]
    assert [d.id for d in docs(items)] == ["b", "d"]


def test_missing_input_and_explicit_sidecar_are_errors(tmp_path: Path) -> None:
    sidecar = write(tmp_path / "SOURCES.jsonl", '{"file": "a.txt", "title": "甲"}\n')
    items = load(tmp_path / "missing.txt", sidecar)
    assert [e.reason for e in errors(items)] == [
        "no such file or folder",
        "a SOURCES.jsonl file holds metadata for the files beside it, not documents",
    ]


# --------------------------------------------------------------------------- front matter


def test_front_matter_is_metadata_and_text_starts_after_it(tmp_path: Path) -> None:
    path = write(tmp_path / "speech.md", (
        "---\n"
        "title: 在全国劳动模范表彰大会上的讲话\n"
        "date: 2020-11-24\n"
        "source: 新华社\n"
        "author: 张三\n"
        "speaker: 全国总工会\n"
        "tags: [劳模, 工会]\n"
        "Genre: 讲话\n"
        "---\n"
        "同志们：今天我们召开大会。\n"
    ))
    doc = only_doc(path)
    assert doc.text == "同志们：今天我们召开大会。\n"
    assert doc.meta == {"title": "在全国劳动模范表彰大会上的讲话", "date": "2020-11-24", "source": "新华社",
                        "author": "张三", "speaker": "全国总工会", "tags": "劳模, 工会", "genre": "讲话"}
    assert doc.meta_spans == []


def test_front_matter_wins_over_bylines_but_byline_spans_stay(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "---\nsource: 工人日报（编辑部核对）\n---\n来源：人民网\n全国总工会召开会议。\n")
    doc = only_doc(path)
    assert doc.meta["source"] == "工人日报（编辑部核对）"
    assert ("source", "人民网") in spans(doc)


# --------------------------------------------------------------------------- bylines


def test_run_on_byline_of_a_signed_article(tmp_path: Path) -> None:
    """Title, source and author byline on one line with the article, the editor at the end."""
    text = ("原标题：推进产业工人队伍建设改革来源：工人日报中华全国总工会党组成员、副主席 王小明"
            "近年来，各级工会深入推进改革。工会是职工之家。责任编辑：李华")
    doc = only_doc(write(tmp_path / "article.txt", text))
    assert doc.text == text  # bylines stay in the text; only marked
    assert doc.meta == {"title": "推进产业工人队伍建设改革", "source": "工人日报",
                        "author_title": "中华全国总工会党组成员、副主席", "author": "王小明", "editor": "李华"}
    assert spans(doc) == [
        ("marker", "原标题："), ("title", "推进产业工人队伍建设改革"),
        ("marker", "来源："), ("source", "工人日报"),
        ("author_title", "中华全国总工会党组成员、副主席"), ("author", "王小明"),
        ("marker", "责任编辑："), ("editor", "李华"),
    ]
    # content starts right after the name
    assert text[doc.meta_spans[5][1]:].startswith("近年来")


def test_bundled_article_bylines() -> None:
    """corpus/xxsb_chengang_gongyun.txt: the issue's example; SOURCES.jsonl gives title and source."""
    (doc,) = [d for d in docs(load(ROOT / "corpus")) if d.id == "xxsb_chengang_gongyun"]
    assert doc.meta["author"] == "陈刚"
    assert doc.meta["author_title"] == "全国总工会党组书记、副主席、书记处第一书记"
    assert doc.meta["editor"] == "邓健"
    assert doc.meta["title"] == "推动新时代党的工运事业创新发展"
    assert doc.meta["source"].startswith("学习时报")  # the sidecar's wording wins over the byline's
    found = spans(doc)
    assert ("source", "学习时报") in found and ("author", "陈刚") in found and ("editor", "邓健") in found
    assert doc.text[doc.meta_spans[-1][1]:] == ""  # the editor is the very end
    assert doc.text[doc.meta_spans[5][1]:].startswith("党的十八大以来")


def test_bylines_on_their_own_lines_and_first_line_title(tmp_path: Path) -> None:
    text = "工会改革取得新进展\n来源：人民网-人民日报\n作者：李强\n\n全国总工会召开会议。\n编辑：王五\n"
    doc = only_doc(write(tmp_path / "a.txt", text))
    assert doc.meta == {"title": "工会改革取得新进展", "source": "人民网-人民日报", "author": "李强", "editor": "王五"}
    assert spans(doc) == [("marker", "来源："), ("source", "人民网-人民日报"), ("marker", "作者："), ("author", "李强"),
                          ("marker", "编辑："), ("editor", "王五")]


def test_news_dateline_with_programme(tmp_path: Path) -> None:
    text = "全国劳动模范表彰大会隆重举行\n央视网消息（新闻联播）：表彰大会24日上午在北京举行。\n"
    doc = only_doc(write(tmp_path / "a.txt", text))
    assert doc.meta == {"title": "全国劳动模范表彰大会隆重举行", "source": "央视网", "programme": "新闻联播"}
    assert spans(doc) == [("source", "央视网"), ("marker", "消息（"), ("programme", "新闻联播"), ("marker", "）：")]


def test_wire_dateline_with_reporters(tmp_path: Path) -> None:
    text = "新华社北京11月24日电（记者 张三 李四）全国总工会24日召开会议。\n"
    doc = only_doc(write(tmp_path / "a.txt", text))
    assert doc.meta == {"source": "新华社", "dateline": "北京11月24日", "author": "张三 李四"}
    assert spans(doc) == [("source", "新华社"), ("dateline", "北京11月24日"), ("marker", "电（记者 "),
                          ("author", "张三 李四"), ("marker", "）")]


def test_local_paper_dateline(tmp_path: Path) -> None:
    doc = only_doc(write(tmp_path / "a.txt", "本报讯（记者 赵六）市总工会开展送温暖活动。"))
    assert doc.meta == {"source": "本报", "author": "赵六"}


def test_reporter_byline_without_colon(tmp_path: Path) -> None:
    doc = only_doc(write(tmp_path / "a.txt", "新华社记者 刘洋\n全国总工会开展送温暖活动。"))
    assert (doc.meta["author_title"], doc.meta["author"]) == ("新华社记者", "刘洋")


def test_plain_text_has_no_bylines(tmp_path: Path) -> None:
    text = "第一条 为保障工会的地位，制定本法。\n第二条 工会是职工自愿结合的工人阶级群众组织。\n"
    doc = only_doc(write(tmp_path / "law.txt", text))
    assert doc.meta == {} and doc.meta_spans == []


def test_byline_words_are_rules_an_expert_can_edit(tmp_path: Path) -> None:
    rules_dir = tmp_path / "ontology" / "rules"
    rules_dir.mkdir(parents=True)
    original = (DEFAULT_ONTOLOGY / "rules" / "metadata.yaml").read_text(encoding="utf-8")
    (rules_dir / "metadata.yaml").write_text(original.replace("[来源,", "[信息来源, 来源,"), encoding="utf-8")
    text = write(tmp_path / "a.txt", "信息来源：中国工会网\n全国总工会召开会议。")
    assert "source" not in docs(load(text))[0].meta
    doc = docs(load(text, rules=Rules(root=tmp_path / "ontology")))[0]
    assert doc.meta["source"] == "中国工会网"

    (rules_dir / "metadata.yaml").write_text("bylines: []\n", encoding="utf-8")
    with pytest.raises(RulesError, match="metadata.yaml"):
        load(text, rules=Rules(root=tmp_path / "ontology"))


# --------------------------------------------------------------------------- .jsonl archives


def test_jsonl_archive_one_document_per_line_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "n1", "text": "来源：工人日报\n全国总工会召开会议。", "title": "会议", "date": "2021-01-02"},
                   ensure_ascii=False),
        "{not json",
        "",
        json.dumps({"title": "无正文"}, ensure_ascii=False),
        json.dumps({"text": "各级工会开展送温暖活动。", "speaker": "全国总工会", "views": 12}, ensure_ascii=False),
        json.dumps({"text": "  "}),
        json.dumps(["text"]),
    ]
    path = tmp_path / "news.jsonl"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    items = load(path)
    assert [(e.path, e.reason) for e in errors(items)] == [
        (str(path), "line 2: not valid JSON (Expecting property name enclosed in double quotes)"),
        (str(path), "line 4: no \"text\" field"),
        (str(path), "line 6: empty \"text\""),
        (str(path), "line 7: expected a JSON object with a \"text\" field"),
    ]
    first, fifth = docs(items)
    assert (first.id, first.path) == ("n1", str(path))
    assert first.meta == {"title": "会议", "date": "2021-01-02", "source": "工人日报"}
    assert spans(first) == [("marker", "来源："), ("source", "工人日报")]
    assert (fifth.id, fifth.meta) == ("news:5", {"speaker": "全国总工会", "views": "12"})


# --------------------------------------------------------------------------- SOURCES.jsonl


def test_sidecar_gives_metadata_to_the_files_it_names(tmp_path: Path) -> None:
    write(tmp_path / "Sources.JSONL", "\n".join([
        json.dumps({"file": "a.txt", "title": "甲文", "source": "学习时报", "date": "2021-12-24", "chars": 10},
                   ensure_ascii=False),
        json.dumps({"file": "sub/b.md", "author": "张三"}, ensure_ascii=False),
        json.dumps({"file": "c.md", "title": "丙文"}, ensure_ascii=False),
        "oops",
    ]))
    write(tmp_path / "a.txt", "全国总工会召开会议。")
    write(tmp_path / "sub" / "b.md", "各级工会开展活动。")
    write(tmp_path / "c.md", "---\ntitle: 丙文（正式标题）\n---\n正文。")
    items = load(tmp_path)
    assert [(e.path, e.reason) for e in errors(items)] == [
        (str(tmp_path / "Sources.JSONL"), "line 4: not valid JSON (Expecting value)"),
    ]
    by_id = {d.id: d for d in docs(items)}
    assert sorted(by_id) == ["a", "b", "c"]  # the sidecar itself is not a document
    assert by_id["a"].meta == {"title": "甲文", "source": "学习时报", "date": "2021-12-24", "chars": "10"}
    assert by_id["b"].meta == {"author": "张三"}
    assert by_id["c"].meta == {"title": "丙文（正式标题）"}  # front matter wins
    # a file named on its own still gets its folder's sidecar metadata
    assert docs(load(tmp_path / "a.txt"))[0].meta["title"] == "甲文"


# --------------------------------------------------------------------------- walking


def test_folders_are_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "b.txt", "乙。")
    write(corpus / "a" / "z.txt", "丙。")
    write(corpus / "a" / "b" / "c.md", "丁。")
    write(corpus / "c.jsonl", '{"text": "戊。"}\n{"text": "己。"}\n')
    write(corpus / "notes.pdf", "ignored")
    write(corpus / "README", "ignored")
    write(corpus / ".hidden" / "x.txt", "ignored")
    extra = write(tmp_path / "extra.TXT", "庚。")
    items = load(extra, corpus, corpus / "b.txt")  # b.txt again: loaded once
    assert errors(items) == []
    assert [d.id for d in docs(items)] == ["extra", "c", "z", "b", "c:1", "c:2"]
    assert [Path(d.path).relative_to(tmp_path).as_posix() for d in docs(items)][:4] == [
        "extra.TXT", "corpus/a/b/c.md", "corpus/a/z.txt", "corpus/b.txt"]


def test_same_id_from_two_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "one" / "report.txt", "甲。")
    write(tmp_path / "two" / "report.md", "乙。")
    items = load(tmp_path)
    assert len(docs(items)) == 1
    (err,) = errors(items)
    assert err.path == str(tmp_path / "two" / "report.md")
    assert err.reason == f"duplicate document id 'report' (already used by {tmp_path / 'one' / 'report.txt'})"


def test_loading_is_lazy(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "甲。")
    stream = iter_documents([str(tmp_path / "a.txt"), str(tmp_path / "later.txt")])
    assert inspect.isgenerator(stream)
    assert isinstance(next(stream), Document)
    write(tmp_path / "later.txt", "乙。")  # made after the first document was handed out
    assert isinstance(next(stream), Document)
