"""Filters take what the screen shows: codes or labels in either language, any width."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, SHIPPED
from typer.testing import CliRunner

from circletrack.base.errors import FieldError
from circletrack.base.i18n import translations
from circletrack.cli import app
from circletrack.model.labels import CATEGORY_LABELS, KIND_LABELS, STATUS_LABELS
from circletrack.query import filters
from circletrack.storage.codec import loads

runner = CliRunner()
ITEMS = loads(SHIPPED.read_bytes()).items


def ids(*args: str) -> list[str]:
    result = runner.invoke(app, ["list", "--all", "-f", "json", "--as-of", "2026-11-30",
                                 "-r", str(SHIPPED), *args])
    assert result.exit_code == 0, result.output
    return [d["id"] for d in json.loads(result.stdout)]


@pytest.mark.parametrize("labels", [STATUS_LABELS, KIND_LABELS, CATEGORY_LABELS])
def test_every_code_is_found_by_itself_and_by_its_label_in_each_language(labels: dict) -> None:
    choose = {id(STATUS_LABELS): filters.statuses, id(KIND_LABELS): filters.kinds,
              id(CATEGORY_LABELS): filters.categories}[id(labels)]
    zh = translations("zh")
    for code, label in labels.items():
        for name in (code, label, zh.gettext(label), label.upper(), f"  {label}  "):
            assert choose([name]) == (code,), name


def test_the_intercity_lines_in_chinese_and_in_english() -> None:
    result = runner.invoke(app, ["--lang", "zh", "list", "--category", "城际铁路", "-f", "json",
                                 "--all", "-r", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    lines = {d["id"] for d in json.loads(result.stdout)}
    assert lines == {i.id for i in ITEMS if i.category == "intercity_rail"}
    assert set(ids("--category", "intercity rail")) == lines
    assert set(ids("--category", "intercity_rail")) == lines


def test_plan_headings_by_code_and_by_the_plans_own_words() -> None:
    transport = {"coop-06", "coop-07", "coop-08", "coop-09", "coop-10"}
    assert set(ids("--category", "交通共联")) == transport
    assert set(ids("--category", "transport")) == transport
    assert set(ids("--category", "Connected Transport")) == transport


def test_statuses_as_shown_in_either_language() -> None:
    in_progress = set(ids("--status", "in_progress"))
    assert in_progress and set(ids("--status", "in progress")) == in_progress
    assert set(ids("--status", "进行中")) == in_progress


def test_width_and_a_trailing_city_suffix_are_ignored() -> None:
    hangzhou = set(ids("--city", "杭州"))
    assert hangzhou and set(ids("--city", "杭州市")) == hangzhou
    assert set(ids("--unit", "市交通局")) == set(ids("--unit", "市交通局 "))
    assert set(ids("--tag", "高速公路")) and set(ids("--kind", "ｐｒｏｊｅｃｔ")) == set(
        ids("--kind", "project"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--category", "no-such"], "--category: nothing is called 'no-such'"),
        (["--category", "城际"], "did you mean 城际铁路"),
        (["--status", "finished"], "--status: nothing is called 'finished'"),
        (["--kind", "road"], "--kind: nothing is called 'road'"),
        (["--unit", "市公安局"], "--unit: nothing is called '市公安局'; did you mean"),
        (["--city", "北京"], "--city: nothing is called '北京'"),
        (["--tag", "航天"], "--tag: nothing is called '航天'"),
    ],
)
def test_a_value_nothing_is_called_is_a_usage_error_naming_the_nearest(
        args: list[str], message: str) -> None:
    before = SHIPPED.read_bytes()
    result = runner.invoke(app, ["list", *args, "-r", str(SHIPPED)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert SHIPPED.read_bytes() == before


def test_a_known_value_that_matches_no_item_is_an_empty_list() -> None:
    assert ids("--category", "bus", "--status", "blocked") == []


def test_filters_raise_field_errors_for_the_library() -> None:
    with pytest.raises(FieldError) as raised:
        filters.categories(["no-such"])
    assert raised.value.field == "category" and not str(raised.value).startswith("--")


def test_the_docs_category_table_is_the_labels_the_program_uses() -> None:
    text = (ROOT / "docs" / "registry.md").read_text(encoding="utf-8")
    rows = dict(((code, (en, zh)) for code, en, zh in
                 re.findall(r"^\| `([a-z_]+)` \| ([^|]+?) \| ([^|]+?) \| (?:plan heading|mode|milestone type) \|$", text, re.M)))
    zh = translations("zh")
    assert rows == {code: (label, zh.gettext(label)) for code, label in CATEGORY_LABELS.items()}
