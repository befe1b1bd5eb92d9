from sealpost.i18n import Text, negotiate


def test_chinese_is_the_default_and_wins_ties() -> None:
    assert negotiate(None) == "zh-CN"
    assert negotiate("") == "zh-CN"
    assert negotiate("fr") == "zh-CN"
    assert negotiate("en, zh;q=1.0") == "zh-CN"


def test_english_when_preferred() -> None:
    assert negotiate("en-US,en;q=0.9,zh-CN;q=0.5") == "en"
    assert negotiate("zh-CN;q=0.2, en;q=0.8") == "en"


def test_text_picks_and_formats() -> None:
    t = Text("共 {n} 件", "{n} items").format(n=3)
    assert t.get() == "共 3 件"
    assert t.get("en") == "3 items"
