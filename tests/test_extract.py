"""Extraction behaviour users rely on, one rule kind at a time, on small sentences.

The rules under test are the project's own pattern and trigger files; the lexicon is a small
one written here, so the tests show what the rules do rather than what the big lexicon knows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kg
from kg.export.nodelink import dumps
from kg.extract import extract
from kg.model import Document
from kg.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent

LEXICON = """name\ttype\tlabel_en\taliases\tid
全国总工会\tUnion\tAll-China Federation of Trade Unions\t中华全国总工会|全总|ACFTU\tacftu
各级工会\tUnion\ttrade unions at all levels\t工会|工会组织\t
党中央\tPartyBody\tCPC Central Committee\t中共中央|以习近平同志为核心的党中央\t
中国共产党\tPartyBody\tCommunist Party of China\t中共\t
中央组织部\tPartyBody\tOrganization Department\t中组部\t
国务院\tStateBody\tState Council\t\t
相关部门\tStateBody\trelevant departments\t\t
部委\tStateBody\tministries and commissions\t\t
习近平\tPerson\tXi Jinping\t习近平总书记|习近平同志|总书记\t
农民工\tWorkerGroup\tmigrant workers\t\t
职工\tWorkerGroup\tworkers\t职工群众|广大职工\t
新就业形态劳动者\tWorkerGroup\tworkers in new forms of employment\t\t
城市困难职工\tWorkerGroup\turban workers in difficulty\t\t
劳模精神\tConcept\tmodel-worker spirit\t\t
劳动精神\tConcept\tlabour spirit\t\t
工匠精神\tConcept\tcraftsman spirit\t\t
中国梦·劳动美\tProgram\tChinese Dream, Beauty of Labour\t\t
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    """The project's patterns and triggers with the small lexicon above."""
    root = tmp_path_factory.mktemp("ontology")
    shutil.copytree(ROOT / "ontology" / "rules", root / "rules")
    (root / "lexicon").mkdir()
    (root / "lexicon" / "test.tsv").write_text(LEXICON, encoding="utf-8")
    return load_rules(root)


def run(rules, text: str, **meta):
    doc = Document(id="t", path="t.txt", text=text, meta={k: str(v) for k, v in meta.items()})
    return extract(doc, rules)


def ents(result) -> dict[str, str]:
    return {name: info.type for name, info in result.entities.items()}


def rels(result) -> set[tuple[str, str, str]]:
    return {(r.s, r.p, r.o) for r in result.relations}


# -- entities -----------------------------------------------------------------------------
def test_lexicon_aliases_merge_into_one_canonical_node(rules):
    r = run(rules, "中华全国总工会发布通知。全总要求各地落实。ACFTU is the acronym.")
    assert ents(r)["全国总工会"] == "Union"
    assert {"中华全国总工会", "全总"} <= r.entities["全国总工会"].aliases
    assert r.entities["全国总工会"].mentions >= 2
    assert "中华全国总工会" not in r.entities


def test_suffix_patterns_find_names_no_lexicon_lists(rules):
    r = run(rules, "全国总工会开展职业技能提升行动，成立推进产业工人队伍建设改革协调小组，召开工作经验交流会议。")
    e = ents(r)
    assert e["职业技能提升行动"] == "Program"
    assert e["推进产业工人队伍建设改革协调小组"] == "Organization"
    assert e["工作经验交流会议"] == "Event"


def test_titles_in_book_brackets_are_policies_without_brackets(rules):
    r = run(rules, "工会会员全国代表大会制定《中国工会章程》。")
    assert ents(r)["中国工会章程"] == "Policy"
    assert not any("《" in name for name in r.entities)


def test_quoted_campaign_with_head_is_a_program_named_by_the_quote(rules):
    r = run(rules, "全国总工会持续开展“工会进万家”活动。")
    assert ents(r)["工会进万家"] == "Program"
    assert ("全国总工会", "launches", "工会进万家") in rels(r)


def test_numbered_formulations_are_concepts(rules):
    r = run(rules, "全国总工会不断增强“四个意识”。")
    assert ents(r)["四个意识"] == "Concept"
    assert ("全国总工会", "implements", "四个意识") in rels(r)


def test_lists_are_split_and_each_item_gets_the_relation(rules):
    r = run(rules, "全国总工会大力弘扬劳模精神、劳动精神、工匠精神。")
    for concept in ("劳模精神", "劳动精神", "工匠精神"):
        assert ("全国总工会", "implements", concept) in rels(r)


def test_shared_head_is_distributed(rules):
    r = run(rules, "全国总工会加强和规范区域性、行业性工会联合会建设。")
    e = ents(r)
    assert e["区域性工会联合会"] == "Union"
    assert e["行业性工会联合会"] == "Union"
    assert ("全国总工会", "establishes", "区域性工会联合会") in rels(r)


def test_counts_are_not_part_of_names(rules):
    r = run(rules, "全国总工会会同中央组织部等8部委成立协调小组。")
    assert "部委" in r.entities
    assert not any(name.startswith("8") for name in r.entities)



def test_thresholds_before_a_noun_stay_in_the_name(rules):
    text = "县级以上各级工会应当关心职工，全国总工会开展千人以上企业建会专项行动。职工二百人以上的企业可以设立办公室。"
    r = run(rules, text)
    e = ents(r)
    assert e["县级以上各级工会"] == "Union"
    assert e["千人以上企业建会专项行动"] == "Program"
    assert not any(name.startswith("以上") for name in e)


def test_a_union_named_after_its_owner_is_the_union(rules):
    r = run(rules, "华光机械集团工会关心职工。华光机械集团全体职工参加。")
    e = ents(r)
    assert e["华光机械集团工会"] == "Union"
    assert e["华光机械集团"] == "Organization"  # a body's people are named after it: the body


def test_relative_level_words_are_not_part_of_a_known_name(rules):
    r = run(rules, "经费收支情况由同级相关部门审查。本企业职工可以参加。")
    e = ents(r)
    assert e["相关部门"] == "StateBody"
    assert e["职工"] == "WorkerGroup"
    assert not any(name.startswith(("同级", "本企业")) for name in e)


def test_a_verb_that_takes_the_name_after_it_is_not_inside_a_name(rules):
    r = run(rules, "一线职工定期开展岗位练兵活动。全国总工会开展职工职业道德建设评选表彰活动。")
    e = ents(r)
    assert e["岗位练兵活动"] == "Program"
    assert not any(name.startswith("一线职工定期") for name in e)
    assert e["职工职业道德建设评选表彰活动"] == "Program"  # a verbal noun (建设) stays inside


def test_de_head_inside_a_name_may_be_followed_by_a_verb(rules):
    r = run(rules, "民营企业的工会委员会是职工的代表。")
    assert ents(r)["民营企业的工会委员会"] == "Union"


def test_a_bodys_officials_name_the_body(rules):
    r = run(rules, "会议开始前，中央组织部负责人和外省职工代表观看了展览。")
    assert ents(r)["中央组织部"] == "PartyBody"


def test_a_dictionary_word_after_an_office_is_no_person(rules):
    r = run(rules, "工会主席、副主席任期未满时，不得随意调动其工作。高级技师洪家光出席。")
    assert "任期" not in r.entities
    assert ents(r)["洪家光"] == "Person"


def test_frequency_words_end_a_name(rules):
    r = run(rules, "行业工会委员会每届任期五年。")
    assert ents(r)["行业工会委员会"] == "Union"


def test_the_length_limit_on_names_with_verbs_is_per_coordinated_item(rules):
    r = run(rules, "全国总工会召开全国推进职工职业技能提升工作视频会议和工作经验交流会议。")
    e = ents(r)
    assert e["全国推进职工职业技能提升工作视频会议"] == "Event"
    assert e["工作经验交流会议"] == "Event"


def test_a_verb_known_only_by_its_tag_may_follow_an_actor_inside_a_name(rules):
    r = run(rules, "全国总工会建立与地方党委沟通协调机制，实施市总工会就业援助服务月。工会适应企业发展变化。")
    e = ents(r)
    assert e["地方党委沟通协调机制"] == "Policy"
    assert e["市总工会就业援助服务月"] == "Program"
    assert not any(name.startswith("工会适应") for name in e)

# -- relations ----------------------------------------------------------------------------
def test_joint_action_and_establishment(rules):
    r = run(rules, "全国总工会会同中央组织部等8部委成立推进产业工人队伍建设改革协调小组。")
    got = rels(r)
    assert ("全国总工会", "collaboratesWith", "中央组织部") in got
    assert ("全国总工会", "collaboratesWith", "部委") in got
    assert ("全国总工会", "establishes", "推进产业工人队伍建设改革协调小组") in got


def test_coordinated_subjects_are_distributed(rules):
    r = run(rules, "党中央、国务院及相关部门已出台改革配套文件。")
    got = rels(r)
    for actor in ("党中央", "国务院", "相关部门"):
        assert (actor, "issues", "改革配套文件") in got


def test_under_the_leadership_of(rules):
    r = run(rules, "在以习近平同志为核心的党中央坚强领导下，全国总工会及各级工会全面贯彻新发展理念。")
    got = rels(r)
    assert ("党中央", "leads", "全国总工会") in got
    assert ("党中央", "leads", "各级工会") in got
    assert ("各级工会", "partOf", "全国总工会") in got


def test_focus_groups_are_targets(rules):
    r = run(rules, "全国总工会以新就业形态劳动者、城市困难职工、农民工为重点，开展帮扶。")
    got = rels(r)
    for group in ("新就业形态劳动者", "城市困难职工", "农民工"):
        assert ("全国总工会", "targets", group) in got


def test_group_named_inside_a_programme_is_its_target(rules):
    r = run(rules, "全国总工会开展农民工入会集中行动。")
    assert ("农民工入会集中行动", "targets", "农民工") in rels(r)
    assert ("全国总工会", "launches", "农民工入会集中行动") in rels(r)


def test_type_constraints_choose_the_relation(rules):
    r = run(rules, "全国总工会实施职业技能提升行动，实施全国工会网上工作纲要。")
    got = rels(r)
    assert ("全国总工会", "launches", "职业技能提升行动") in got
    assert ("全国总工会", "implements", "全国工会网上工作纲要") in got


# -- implied subjects and resolution ------------------------------------------------------
def test_clause_without_agent_takes_the_previous_clauses(rules):
    r = run(rules, "全国总工会召开工作经验交流会议，启动两批改革试点。")
    assert ("全国总工会", "launches", "改革试点") in rels(r)


def test_declared_speaker_is_the_agent_of_subjectless_sentences(rules):
    r = run(rules, "持续开展“中国梦·劳动美”主题宣传教育。我们大力弘扬劳模精神。", speaker="全国总工会")
    got = rels(r)
    assert ("全国总工会", "launches", "中国梦·劳动美") in got
    assert ("全国总工会", "implements", "劳模精神") in got


def test_without_speaker_a_subjectless_sentence_has_no_agent(rules):
    r = run(rules, "持续开展“中国梦·劳动美”主题宣传教育。")
    assert not any(rel.p == "launches" for rel in r.relations)


def test_role_title_resolves_to_the_person(rules):
    r = run(rules, "总书记给首届大国工匠创新交流大会致贺信。")
    assert "习近平" in r.entities and "总书记" in r.entities["习近平"].aliases
    assert ("习近平", "addresses", "首届大国工匠创新交流大会") in rels(r)


def test_self_reference_resolves_to_the_documents_own_title(rules):
    r = run(rules, "中华人民共和国工会法\n第一条 根据宪法，制定本法。")
    assert ents(r)["中华人民共和国工会法"] == "Policy"
    assert "本法" in r.entities["中华人民共和国工会法"].aliases


def test_byline_office_gives_speaker_and_relations(rules):
    text = "全国总工会党组书记、副主席 陈刚\n我们持续开展“中国梦·劳动美”主题宣传教育。"
    title = "全国总工会党组书记、副主席"
    doc = Document(id="t", path="t.txt", text=text,
                   meta={"author": "陈刚", "author_title": title},
                   meta_spans=[(0, len(title), "author_title"), (len(title) + 1, len(title) + 3, "author")])
    r = extract(doc, rules)
    got = rels(r)
    assert ("陈刚", "leads", "全国总工会党组") in got
    assert ("陈刚", "partOf", "全国总工会") in got
    assert ("全国总工会", "launches", "中国梦·劳动美") in got


def test_run_on_heading_is_cut_before_the_new_sentences_agent(rules):
    text = "坚持把职工思想政治引领作为根本性工作职工群众的政治信念更加坚定各级工会贯彻落实劳模精神。"
    r = run(rules, text)
    starts = [text[a:b] for a, b in r.sentences]
    assert any(s.startswith("各级工会贯彻落实") for s in starts)
    assert ("各级工会", "implements", "劳模精神") in rels(r)


# -- the graph ----------------------------------------------------------------------------
def test_every_edge_carries_evidence_with_offsets_into_the_text(tmp_path):
    text = "全国总工会会同中央组织部等8部委成立推进产业工人队伍建设改革协调小组。全总开展农民工入会集中行动。"
    (tmp_path / "doc.txt").write_text(text, encoding="utf-8")
    G = kg.build([str(tmp_path)], jobs=1)
    assert G.number_of_edges() > 0
    for _u, _v, key, data in G.edges(keys=True, data=True):
        assert key == data["predicate"]
        assert data["weight"] == len(data["evidence"]) >= 1
        for ev in data["evidence"]:
            assert ev["doc"] == "doc"
            assert text[ev["start"]:ev["end"]] == ev["sentence"]
    for node, data in G.nodes(data=True):
        assert node.isascii()
        assert {"label", "type", "aliases", "mentions", "docs"} <= set(data)
        first = data["evidence"][0]
        assert first["start"] < first["end"]
    acftu = G.nodes["acftu"]
    assert acftu["label"] == "全国总工会" and acftu["label_en"]
    assert "全总" in acftu["aliases"]


def test_two_builds_are_byte_identical(tmp_path):
    corpus = ROOT / "corpus"
    a = dumps(kg.build([str(corpus)], jobs=1))
    b = dumps(kg.build([str(corpus)], jobs=1))
    assert a == b
