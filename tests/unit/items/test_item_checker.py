"""Prohibited-item checks: the issue's traps, every category, obfuscations, the matching rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.domain.items import ItemChecker, Match, normalize_item_text

# --- the traps: everyday goods that merely contain a sensitive character or word -------

EVERYDAY = [
    "火锅底料",
    "火鍋底料",
    "炸鸡",
    "炸雞",
    "烟灰缸",
    "煙灰缸",
    "刀削面",
    "刀削麵",
    "手枪钻",
    "手槍鑽",
    "水枪玩具",
    "水槍玩具",
    "电池盒",
    "烟花剪纸",
    "重庆火锅底料 500g",
    "手枪钻 充电式 家用",  # a power tool; its battery is listed separately if shipped
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_goods_are_allowed(checker: ItemChecker, text: str) -> None:
    verdict = checker.check_item(text)
    assert verdict.verdict == "allowed", verdict


MORE_TRAPS = [
    "手枪式喷壶",  # pistol-grip sprayer
    "打气枪",  # tyre inflator
    "筋膜枪",
    "热熔胶枪",
    "高仿真绿植",  # artificial plants, not 高仿 counterfeits
    "象牙白瓷盘",  # ivory as a colour
    "象牙芒果 5斤",  # a mango variety
    "麝香葡萄",  # muscat grapes
    "大麻花 天津特产",  # a fried dough twist
    "大麻哈鱼",  # chum salmon
    "芝麻古法红糖",
    "鸦片战争 历史书",
    "溜冰鞋",
    "硫酸纸",  # tracing paper
    "硫磺皂",
    "镭射贴纸",  # laser stickers
    "攀岩镁粉",  # climbing chalk
    "电瓶车坐垫",
    "公文包",
    "无酒精湿巾",
    "香水柠檬",
    "红酒杯",
    "咖啡胶囊",
    "子弹杯",
    "婴儿监听器",
    "骨灰级玩家手办",
    "ok粉底液",  # 'k粉' only as a word of its own
    "glue gun",
    "water gun",
    "bath bomb",
    "衣服",
    "iPhone 15 手机",
    "",
]


@pytest.mark.parametrize("text", MORE_TRAPS)
def test_more_everyday_traps_are_allowed(checker: ItemChecker, text: str) -> None:
    assert checker.check_item(text).verdict == "allowed", text


# --- must flag ---------------------------------------------------------------------------------

MUST_FLAG = {
    "手枪": 1,
    "仿真枪": 1,
    "雷管": 3,
    "炸药": 3,
    "冰毒": 12,
    "海洛因": 12,
    "象牙制品": 17,
    "伪造的公章": 15,
    "硫酸": 11,
    "汽油": 5,
    "烟花爆竹": 3,
}


@pytest.mark.parametrize(("text", "category"), MUST_FLAG.items())
def test_prohibited_items_are_flagged(checker: ItemChecker, text: str, category: int) -> None:
    verdict = checker.check_item(text)
    assert verdict.verdict == "prohibited"
    assert verdict.category == category
    assert verdict.category_name is not None
    assert verdict.term is not None and verdict.term in text
    assert f"第{category}类" in verdict.reason.zh and "不予收寄" in verdict.reason.zh
    assert f"category {category}" in verdict.reason.en


TRADITIONAL = {
    "手槍": 1,
    "仿真槍": 1,
    "雷管": 3,
    "炸藥": 3,
    "冰毒": 12,
    "海洛因": 12,
    "象牙製品": 17,
    "偽造的公章": 15,
    "硫酸": 11,
    "汽油": 5,
    "煙花爆竹": 3,
    "鴉片": 12,
    "彈藥": 1,
    "電擊器": 2,
    "槍支彈藥": 1,
}


@pytest.mark.parametrize(("text", "category"), TRADITIONAL.items())
def test_traditional_forms_are_flagged(checker: ItemChecker, text: str, category: int) -> None:
    verdict = checker.check_item(text)
    assert (verdict.verdict, verdict.category) == ("prohibited", category)


OBFUSCATED = {
    "手 枪": 1,
    "手　槍": 1,  # ideographic space, traditional
    "仿-真-枪": 1,
    "炸.药": 3,
    "冰\u200b毒": 12,  # zero-width space
    "海 洛 因": 12,
    "象*牙*制*品": 17,
    "雷/管": 3,
    "ｋ粉": 12,  # full-width letter
    "Ｋ 粉": 12,
    "买K粉": 12,
    "bing du": 12,
    "B I N G D U": 12,
    "ｂｉｎｇｄｕ": 12,
    "hai luo yin": 12,
    "shou qiang": 1,
    "qiang zhi": 1,
    "cocaine": 12,
    "a gun": 1,
    "Fireworks": 3,
    "⼿枪": 1,  # Kangxi radical 手 (U+2F3F)
    "钴-60 放射源": 10,
    "高仿真枪": 1,  # 高仿真 covers only 高仿, not 仿真枪
    "电瓶车电瓶": 11,  # the allowed compound covers the first 电瓶 only
}


@pytest.mark.parametrize(("text", "category"), OBFUSCATED.items())
def test_obfuscated_forms_are_flagged(checker: ItemChecker, text: str, category: int) -> None:
    verdict = checker.check_item(text)
    assert (verdict.verdict, verdict.category) == ("prohibited", category), verdict


ONE_PER_CATEGORY = {
    1: "气枪",
    2: "管制刀具",
    3: "导火索",
    4: "液化石油气",
    5: "松香油",
    6: "红磷",
    7: "高锰酸钾",
    8: "砒霜",
    9: "医疗废弃物",
    10: "放射性同位素",
    11: "氢氧化钠",
    12: "可卡因",
    13: "淫秽光盘",
    14: "窃听器",
    15: "假币",
    16: "盗版光盘",
    17: "犀牛角",
    18: "涉密文件",
    19: "危险化学品",
}


def test_every_category_has_an_example(checker: ItemChecker) -> None:
    assert sorted(ONE_PER_CATEGORY) == sorted(checker.catalogue.categories)


@pytest.mark.parametrize(("category", "text"), ONE_PER_CATEGORY.items())
def test_one_example_per_category_is_flagged(checker: ItemChecker, category: int, text: str) -> None:
    verdict = checker.check_item(text)
    assert (verdict.verdict, verdict.category) == ("prohibited", category)
    assert verdict.category_name == checker.catalogue.categories[category].name


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("锂电池", "lithium_batteries"),
        ("鋰電池", "lithium_batteries"),
        ("18650 电芯", "lithium_batteries"),
        ("充电宝", "power_banks"),
        ("充電寶 20000mAh", "power_banks"),
        ("power bank", "power_banks"),
        ("香水", "perfume_cosmetics"),
        ("白酒", "alcoholic_drinks"),
        ("香烟", "tobacco"),
        ("香菸", "tobacco"),  # Taiwan spelling
        ("药品", "medicines"),
        ("强力磁铁", "magnets"),
        ("菜刀", "knives"),
        ("不明粉末", "powders"),
        ("84消毒液", "liquids"),
        ("酒精湿巾", "liquids"),  # a restricted compound turns the prohibited 酒精 into needs-review
    ],
)
def test_restricted_items_need_review(checker: ItemChecker, text: str, group: str) -> None:
    verdict = checker.check_item(text)
    assert verdict.verdict == "restricted"
    assert verdict.group == group
    assert verdict.category is None
    assert verdict.category_name == checker.catalogue.groups[group].name
    assert "须验视" in verdict.reason.zh


@pytest.mark.parametrize(
    ("text", "category"),
    [("玩具枪", 1), ("枪模", 1), ("qiang", 1), ("溜冰", 12), ("仿象牙手镯", 17), ("伪造", 15)],
)
def test_ambiguous_names_need_review_with_their_category(
    checker: ItemChecker, text: str, category: int
) -> None:
    verdict = checker.check_item(text)
    assert (verdict.verdict, verdict.category, verdict.group) == ("restricted", category, None)
    assert "人工确认" in verdict.reason.zh


# --- matching rules ----------------------------------------------------------------------------


def test_acid_heading_a_drug_name_needs_review(checker: ItemChecker) -> None:
    verdict = checker.check_item("盐酸二甲双胍片")
    assert (verdict.verdict, verdict.category, verdict.term) == ("restricted", 11, "盐酸")
    assert "盐类或药品" in verdict.reason.zh
    assert checker.check_item("硝酸甘油片").verdict == "restricted"
    # the acid itself stays prohibited: alone, with a quantity, or as a solution
    for text in ("浓硫酸 500ml", "盐酸溶液", "工业硝酸", "硫酸"):
        assert checker.check_item(text).verdict == "prohibited", text
    # a longer catalogue term wins over the head rule
    assert checker.check_item("硝酸钾").category == 7


def test_longest_match_wins(checker: ItemChecker) -> None:
    assert checker.check_item("固体酒精").category == 6  # not 5 (酒精)
    assert checker.check_item("打火机油").category == 5  # not 4 (打火机)
    assert checker.check_item("黑火药").category == 3  # not 1 (火药)
    assert checker.check_item("溜冰壶").verdict == "prohibited"  # not 溜冰 (review) / 溜冰鞋


def test_prohibited_outranks_restricted_and_allowed(checker: ItemChecker) -> None:
    verdict = checker.check_item("火锅底料 锂电池 手枪")
    assert (verdict.verdict, verdict.term) == ("prohibited", "手枪")
    kinds = {m.kind for m in verdict.matches}
    assert kinds == {"allowed", "restricted", "prohibited"}


def test_first_prohibited_term_is_reported(checker: ItemChecker) -> None:
    assert checker.check_item("炸药和雷管").term == "炸药"


def test_exact_terms_only_match_alone(checker: ItemChecker) -> None:
    assert checker.check_item("苯").category == 5
    assert checker.check_item(" 汞 ").category == 8
    assert checker.check_item("苯甲酸钠").verdict == "allowed"  # a food preservative
    assert checker.check_item("锂").verdict == "prohibited"
    assert checker.check_item("锂电池").verdict == "restricted"


def test_allowed_verdict_reasons(checker: ItemChecker) -> None:
    plain = checker.check_item("连衣裙")
    assert plain.term is None and plain.category is None and "开箱验视" in plain.reason.zh
    compound = checker.check_item("手枪钻")
    assert compound.term == "手枪钻" and "日常用品" in compound.reason.zh


def test_as_dict_shape(checker: ItemChecker) -> None:
    d = checker.check_item("手槍").as_dict()
    assert d == {
        "verdict": "prohibited",
        "category": 1,
        "category_name": "枪支（含仿制品、主要零部件）弹药",
        "group": None,
        "term": "手枪",
        "reason": d["reason"],
    }
    assert checker.check_item("手槍").as_dict("en")["category_name"].startswith("Firearms")


def test_normalisation() -> None:
    assert normalize_item_text("冰 毒") == "冰毒"
    assert normalize_item_text("ＢＩＮＧ　ＤＵ") == "bing du"
    assert normalize_item_text("k 粉") == "k粉"
    assert normalize_item_text("7.5 % 酒精!!") == "7 5酒精"
    assert normalize_item_text("手枪", lambda s: s.replace("枪", "X")) == "手x"


def test_cache_returns_identical_verdicts(checker: ItemChecker) -> None:
    assert checker.check_item("手枪") is checker.check_item("手枪")


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)), max_size=40, unique=True))
def test_resolution_keeps_exactly_the_hits_no_longer_hit_contains(spans: list[tuple[int, int]]) -> None:
    hits = [Match(f"t{i}", "prohibited", 1, None, s, s + n) for i, (s, n) in enumerate(spans)]
    expected = {
        h.term
        for h in hits
        if not any(o.length > h.length and o.start <= h.start and h.end <= o.end for o in hits)
    }
    assert {h.term for h in ItemChecker._resolve(hits)} == expected


def test_a_long_hostile_text_is_still_fast(checker: ItemChecker) -> None:
    verdict = checker.check_item("手 枪 钻 " * 3000 + "冰毒")
    assert (verdict.verdict, verdict.term) == ("prohibited", "冰毒")
    assert len(verdict.matches) == 3001
