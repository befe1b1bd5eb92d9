"""GB/T 2260 table: shipped data, abolished codes, codes added after 2019-04, era names."""

from __future__ import annotations

import pytest

from sealpost.domain.identity.regions import Division, DivisionTable, division_level, divisions


def test_shipped_table_has_every_code_since_1980_and_the_post_2019_additions() -> None:
    table = divisions()
    assert len(table) > 7000
    assert table.latest_revision == 202512
    assert divisions() is table  # read once


@pytest.mark.parametrize(
    ("code", "county", "first_seen"),
    [
        ("140703", "太谷区", 201912),
        ("230717", "伊美区", 201912),
        ("330383", "龙港市", 201912),
        ("659010", "胡杨河市", 201912),
        ("320613", "崇川区", 202012),
        ("460302", "西沙区", 202012),
        ("330113", "临平区", 202112),
        ("330114", "钱塘区", 202112),
        ("350405", "沙县区", 202112),
        ("659011", "新星市", 202112),
        ("540481", "米林市", 202312),
        ("659012", "白杨市", 202312),
        ("653228", "和康县", 202412),
        ("653229", "和安县", 202412),
    ],
)
def test_codes_created_after_2019_04_are_known(code: str, county: str, first_seen: int) -> None:
    table = divisions()
    assert table.is_county_level(code)
    division = table.division(code)
    assert division is not None
    assert (division.name, division.first_seen) == (county, first_seen)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("110103", "崇文区"),  # merged into 东城区, 2010
        ("110104", "宣武区"),  # merged into 西城区, 2010
        ("140726", "太谷县"),  # became 太谷区 (140703), 2019
        ("320602", "崇川区"),  # the old code, replaced by 320613 in 2020
        ("440524", "潮阳县"),
    ],
)
def test_abolished_codes_stay_with_their_last_name(code: str, name: str) -> None:
    table = divisions()
    assert table.is_county_level(code)
    assert table.name(code) == name


def test_a_renamed_code_has_one_span_per_name() -> None:
    spans = divisions().spans("130502")
    assert [(d.name, d.first_seen, d.last_seen) for d in spans] == [
        ("桥东区", 198312, 201904),
        ("襄都区", 202012, 202512),
    ]
    assert divisions().name("130502", 201001) == "桥东区"
    assert divisions().name("130502", 202401) == "襄都区"
    assert divisions().name("130502") == "襄都区"  # no date: the latest


def test_between_two_spans_the_nearest_wins() -> None:
    assert divisions().name("130502", 201906) == "桥东区"
    assert divisions().name("130502", 202011) == "襄都区"


def test_region_names_province_prefecture_and_county() -> None:
    region = divisions().region("330113")
    assert region is not None
    assert region.as_dict() == {"code": "330113", "province": "浙江省", "city": "杭州市", "county": "临平区"}
    assert region.full_name == "浙江省杭州市临平区"


def test_grouping_rows_are_not_named_as_a_city() -> None:
    table = divisions()
    for code in ("110105", "500157", "429004", "659012"):  # 市辖区, 市辖区, 省直辖…, 自治区直辖…
        region = table.region(code)
        assert region is not None
        assert region.city is None, code


def test_parent_is_named_as_of_the_county_era() -> None:
    region = divisions().region("342101", 198501)  # 阜阳市 (county-level) in 阜阳地区
    assert region is not None
    assert (region.city, region.county) == ("阜阳地区", "阜阳市")


def test_province_and_prefecture_codes_have_their_level() -> None:
    assert division_level("110000") == "province"
    assert division_level("330100") == "prefecture"
    assert division_level("330106") == "county"
    table = divisions()
    assert not table.is_county_level("330100")
    assert not table.is_county_level("999999")
    prefecture = table.region("330100")
    assert prefecture is not None
    assert (prefecture.province, prefecture.city, prefecture.county) == ("浙江省", "杭州市", None)
    assert table.region("999999") is None


def test_table_from_tsv_validates_its_input() -> None:
    header = "code\tname\tfirst_seen\tlast_seen\tother_names\n"
    table = DivisionTable.from_tsv(
        header + "110000\t北京市\t198012\t202512\t\n\n110101\t东城区\t198012\t202512\t\n"
    )
    assert len(table) == 2
    assert list(table) == ["110000", "110101"]
    with pytest.raises(ValueError, match="header"):
        DivisionTable.from_tsv("110000\t北京市\t198012\t202512\n")
    with pytest.raises(ValueError, match="4 tab-separated"):
        DivisionTable.from_tsv(header + "110000\t北京市\n")
    with pytest.raises(ValueError, match="six-digit"):
        DivisionTable([Division("1100", "x", 198012, 198012)])


def test_other_names_are_kept() -> None:
    spans = divisions().spans("210311")
    assert spans[0].other_names == ("郊区", "旧堡区")
