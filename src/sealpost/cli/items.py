"""``sealpost items check`` and ``sealpost items categories``: the prohibited-items catalogue.

Stable for scripts:

* ``sealpost items check TEXT [--lang zh-CN|en]`` prints one JSON object: ``verdict``
  (``prohibited`` / ``restricted`` / ``allowed``), ``category`` (1–19 or null), ``category_name``
  (the category's or restricted group's name), ``group`` (restricted group key or null), ``term``
  (the catalogue word found, or null) and ``reason``. Exit 0 allowed, 3 restricted (inspect and
  decide by hand), 4 prohibited (refuse), 2 usage error (e.g. an empty text).
* ``sealpost items categories`` prints the 19 categories and the restricted groups as JSON.
"""

from __future__ import annotations

from enum import StrEnum

import typer

from sealpost.cli.output import fail, print_json

app = typer.Typer(help="禁寄限寄物品 · prohibited and restricted items", no_args_is_help=True)

EXIT_CODES = {"allowed": 0, "restricted": 3, "prohibited": 4}


class OutputLang(StrEnum):
    ZH = "zh-CN"
    EN = "en"


LANG_OPTION = typer.Option(OutputLang.ZH, "--lang", envvar="SEALPOST_LANG", help="message language 消息语言")


@app.command("check")
def check(
    text: str = typer.Argument(
        ..., help="物品名称 item name (traditional, spaced, pinyin forms are understood)"
    ),
    lang: OutputLang = LANG_OPTION,
) -> None:
    """Check an item name; prints JSON. Exit 0 allowed, 3 restricted, 4 prohibited, 2 usage error."""
    from sealpost.adapters.text.opencc_converter import default_item_checker

    if not text.strip():
        fail("物品名称为空 the item name is empty", 2)
    verdict = default_item_checker().check_item(text)
    print_json(verdict.as_dict(lang.value))
    raise typer.Exit(EXIT_CODES[verdict.verdict])


@app.command("categories")
def categories(lang: OutputLang = LANG_OPTION) -> None:
    """Print the catalogue's 19 categories and the restricted-goods groups as JSON."""
    from sealpost.adapters.text.opencc_converter import default_item_checker

    catalogue = default_item_checker().catalogue
    print_json(
        {
            "version": catalogue.version,
            "categories": [
                {"number": c.number, "name": c.name.get(lang.value)} for c in catalogue.categories.values()
            ],
            "restricted_groups": [
                {"group": g.key, "name": g.name.get(lang.value), "reason": g.reason.get(lang.value)}
                for g in catalogue.groups.values()
            ],
        }
    )
