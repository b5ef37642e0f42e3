"""Node ids: stable, ASCII, and the pinyin slug exactly what pypinyin.lazy_pinyin gives."""

from __future__ import annotations

import random

from pypinyin import Style, lazy_pinyin

from kg.ids import _pinyin, node_id

# Polyphones whose reading depends on the phrase (行/长/重/调/朝), mixed scripts, punctuation.
NAMES = ["中华全国总工会", "重庆市总工会", "长沙市人民政府", "中国工商银行", "银行行长", "朝阳区", "调研组",
         "重要讲话", "调整最低工资标准", "5G产业工会", "ACFTU", "第十八届中央委员会第三次全体会议",
         "《劳动合同法》", "快递员、外卖送餐员", "习近平新时代中国特色社会主义思想", "·", "", "乐乐", "音乐"]


def _reference(label: str) -> str:
    return "".join(lazy_pinyin(label, style=Style.NORMAL, errors=lambda s: list(s)))


def test_pinyin_is_lazy_pinyin_on_names_and_their_mixtures():
    rng = random.Random(7)
    pieces = [n[i:j] for n in NAMES for i in range(len(n)) for j in range(i + 1, min(len(n), i + 4) + 1)]
    mixed = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))) for _ in range(3000)]
    for label in NAMES + mixed:
        assert _pinyin(label) == _reference(label), label


def test_node_id_is_a_stable_ascii_slug_with_a_hash():
    ident = node_id("重庆市总工会")
    assert ident.startswith("chongqingshizonggonghui-") and ident.isascii()
    assert node_id("工会") != node_id("公会")  # homophones stay apart
    assert node_id("工会", "acftu") == "acftu"
    assert node_id("《》").startswith("e-")
