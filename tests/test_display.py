"""Display is declared once, with the field (model.Show): the listing columns, the rows of
`show` and the form's columns are derived from the declarations, and every header they
show has its Chinese."""

from __future__ import annotations

from circletrack.base.i18n import translations
from circletrack.model.records import WIDTH_POLICIES, Report, item_shown, shown
from circletrack.office.forms import FORM_COLUMNS
from circletrack.render.detail import DETAIL_ROWS
from circletrack.render.fields import COLUMNS
from circletrack.render.fitted import NO_WRAP, UNIT_COLUMNS


def test_columns_rows_and_form_come_from_the_declarations() -> None:
    declared = item_shown()
    assert list(COLUMNS) == [s.name for s in declared if s.column]
    assert [name for name, _label in DETAIL_ROWS] == [
        s.name for s in sorted((s for s in declared if s.detail), key=lambda s: s.detail)]
    placed = sorted((s for s in (*declared, *shown(Report)) if s.form), key=lambda s: s.form)
    assert [c.name for c in FORM_COLUMNS] == [s.name for s in placed]
    assert [c.field for c in FORM_COLUMNS if c.fills] == [s.field for s in placed
                                                          if s in shown(Report)]


def test_each_name_is_declared_once_and_width_policies_are_known() -> None:
    names = [s.name for s in item_shown()]
    assert len(names) == len(set(names))
    assert {s.width for s in item_shown()} <= set(WIDTH_POLICIES)
    assert {"id", "due", "status"} <= NO_WRAP and UNIT_COLUMNS == {"lead", "support", "cities"}


def test_every_shown_header_has_its_chinese() -> None:
    zh = translations("zh")
    headers = {text for s in (*item_shown(), *shown(Report))
               for text in (s.header, s.detail_label, s.form_header, s.form_help) if text}
    untranslated = sorted(h for h in headers if zh.gettext(h) == h)
    assert not untranslated, untranslated
