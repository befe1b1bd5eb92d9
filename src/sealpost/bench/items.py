"""Benchmark: prohibited-item checks per second.

Realistic item names (everyday goods with quantities and specs, some traditional, some with a
catalogue term or an allowed trap) are checked three ways in the same run:

* ``cold``: every name unique, the result cache off: the full normalise + OpenCC + match cost;
* ``cached``: the names of a day's waybills repeat; the checker's bounded cache is on;
* baseline ``naive``: the same normalisation, then ``term in text`` for every catalogue term
  (what one would write without an automaton; it only finds the terms, it does not resolve
  them). On short names the C-speed ``in`` over ~1,100 terms is about as fast as the automaton;
  on long descriptions (~10 names joined) the automaton's single pass wins. Both are reported.
"""

from __future__ import annotations

import random
import time

import opencc

from sealpost.adapters.text.opencc_converter import OpenCCConverter
from sealpost.bench.report import report
from sealpost.domain.items import ItemChecker, load_catalogue, normalize_item_text

_GOODS = tuple(
    [
        "连衣裙",
        "T恤",
        "牛仔裤",
        "运动鞋",
        "手机壳",
        "数据线",
        "蓝牙耳机",
        "笔记本",
        "文件",
        "合同",
        "书籍",
        "茶叶",
        "月饼",
        "坚果",
        "零食",
        "化妆品",
        "面膜",
        "口红",
        "洗发水",
        "毛巾",
        "床单",
        "枕头",
        "儿童玩具",
        "积木",
        "拼图",
        "水杯",
        "保温杯",
        "餐具",
        "碗",
        "筷子",
        "锅",
        "台灯",
        "插线板",
        "鼠标",
        "键盘",
        "显示器",
        "眼镜",
        "手表",
        "雨伞",
        "背包",
        "钱包",
        "帽子",
        "围巾",
        "手套",
        "袜子",
        "内衣",
        "外套",
        "羽绒服",
        "鞋垫",
        "眼罩",
        "口罩",
        "文具",
        "钢笔",
        "画册",
        "相框",
        "花瓶",
        "绿植",
        "种子",
        "宠物粮",
    ]
)
_TRAPS = tuple(
    [
        "火锅底料",
        "炸鸡",
        "烟灰缸",
        "刀削面",
        "手枪钻",
        "水枪玩具",
        "烟花剪纸",
        "象牙白",
        "硫酸纸",
        "溜冰鞋",
        "大麻花",
        "香水柠檬",
        "公文包",
    ]
)
_MODIFIERS = tuple(
    [
        "新款",
        "加厚",
        "大号",
        "小号",
        "儿童",
        "男士",
        "女士",
        "黑色",
        "白色",
        "红色",
        "礼盒装",
        "家用",
        "便携",
        "正品",
        "特价",
    ]
)


def _names(n: int, rng: random.Random, terms: list[str]) -> list[str]:
    to_traditional = opencc.OpenCC("s2t")
    names = []
    for i in range(n):
        r = rng.random()
        if r < 0.02:
            core = rng.choice(terms)  # ~2 % carry a catalogue term
        elif r < 0.07:
            core = rng.choice(_TRAPS)
        else:
            core = rng.choice(_GOODS)
        name = f"{rng.choice(_MODIFIERS)}{core} {rng.randint(1, 20)}件 #{i}"
        if rng.random() < 0.1:
            name = to_traditional.convert(name)
        names.append(name)
    return names


def run(checks: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    catalogue = load_catalogue()
    converter = OpenCCConverter()
    started = time.perf_counter()
    cold = ItemChecker(catalogue, converter.to_simplified, cache_size=0)
    build_ms = (time.perf_counter() - started) * 1000
    cached = ItemChecker(catalogue, converter.to_simplified)
    terms = [e.term for e in catalogue.entries if e.kind != "allowed" and not e.term.isascii()]
    names = _names(checks, rng, terms)

    started = time.perf_counter()
    verdicts = [cold.check_item(name) for name in names]
    cold_s = time.perf_counter() - started

    # A day's waybills: the same few thousand names, each seen many times.
    repeated = [n.split(" ", 1)[0] for n in names]
    distinct = len(set(repeated))
    started = time.perf_counter()
    for name in repeated:
        cached.check_item(name)
    cached_s = time.perf_counter() - started

    keys = [normalize_item_text(t, converter.to_simplified) for t in terms]

    def naive(texts: list[str]) -> float:
        started = time.perf_counter()
        for text in texts:
            norm = normalize_item_text(text, converter.to_simplified)
            _ = [k for k in keys if k in norm]
        return time.perf_counter() - started

    sample = names[: max(200, checks // 10)]
    naive_s = naive(sample)
    long_texts = ["，".join(names[i : i + 10]) for i in range(0, len(sample), 10)]
    started = time.perf_counter()
    for text in long_texts:
        cold.check_item(text)
    long_s = time.perf_counter() - started
    long_naive_s = naive(long_texts)

    cold_rate = checks / cold_s
    naive_rate = len(sample) / naive_s
    report(
        "prohibited-item checks",
        {
            "checks": checks,
            "catalogue_terms": len(catalogue.entries),
            "build_ms": round(build_ms, 1),
            "cold_checks_per_s": round(cold_rate),
            "cold_us_per_check": round(1e6 / cold_rate, 1),
            "cached_checks_per_s": round(checks / cached_s),
            "cached_distinct_names": distinct,
            "naive_scan_checks_per_s": round(naive_rate),
            "ratio_to_naive_scan": round(cold_rate / naive_rate, 2),
            "long_text_chars": round(sum(map(len, long_texts)) / len(long_texts)),
            "long_checks_per_s": round(len(long_texts) / long_s),
            "long_naive_scan_checks_per_s": round(len(long_texts) / long_naive_s),
            "long_ratio_to_naive_scan": round(long_naive_s / long_s, 2),
            "prohibited": sum(v.verdict == "prohibited" for v in verdicts),
            "restricted": sum(v.verdict == "restricted" for v in verdicts),
            "allowed": sum(v.verdict == "allowed" for v in verdicts),
        },
    )
