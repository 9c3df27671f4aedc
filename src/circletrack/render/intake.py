"""What `intake` shows: the table of the reports the forms ask for, and its summary line."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table

from ..base.i18n import _, join, ngettext, pgettext
from ..model.labels import item_title, status_label
from ..office.intake import ALREADY_RETURNED, NOT_ON_RECORD, RETURNED, Intake, RowOutcome


def _state(state: tuple[str, int | None]) -> str:
    progress = f"{state[1]}%" if state[1] is not None else "—"
    return f"{status_label(state[0])} {progress}"


def outcome_text(row: RowOutcome) -> str:
    """`planned — → in progress 40%` for a new report; `already recorded` otherwise."""
    if row.result is None:
        return _("already recorded")
    before, after = row.result.before, row.result.after
    if not row.result.is_latest:
        return _("earlier than the latest report; stays {state}").format(state=_state(after))
    if before == after:
        return _("stays {state}").format(state=_state(after))
    return f"{_state(before)} → {_state(after)}"


#: The columns that fit a terminal this wide (narrower ones leave out the title and who).
WIDE = 120


def intake_table(intake: Intake, width: int = 200) -> RenderableType:
    """One table per file of the filled rows that passed: the row, the item, the report,
    what it does; as wide as `width`."""
    files = list(dict.fromkeys(row.file for row in intake.rows))
    tables = [_file_table(name, [r for r in intake.rows if r.file == name], width)
              for name in files]
    return tables[0] if len(tables) == 1 else Group(*tables)


def _file_table(name: str, rows: list[RowOutcome], width: int) -> Table:
    wide = width >= WIDE
    table = Table(title=ngettext("{file}: {count} filled row", "{file}: {count} filled rows",
                                 len(rows)).format(file=name, count=len(rows)),
                  title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False, collapse_padding=True, expand=True,
                  width=width)
    table.add_column(_("Row"), justify="right", no_wrap=True)
    table.add_column(_("ID"), style="cyan", no_wrap=True)
    if wide:
        table.add_column(_("Title"), ratio=3, overflow="fold")
    table.add_column(_("Date"), no_wrap=True)
    table.add_column(_("Status"), no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    table.add_column(_("Note"), ratio=2, overflow="fold")
    if wide:
        table.add_column(pgettext("report", "By"), ratio=1, overflow="fold")
    table.add_column(_("Outcome"), ratio=3, overflow="fold")
    for row in rows:
        report, request = row.report, row.request
        status = report.status if report is not None else request.status
        progress = report.progress if report is not None else request.progress
        cells = [str(row.row), row.item.id, *([item_title(row.item)] if wide else []),
                 request.date.isoformat(), status_label(status) if status else "",
                 f"{progress}%" if progress is not None else "", request.note or "",
                 *([request.by] if wide else []), outcome_text(row)]
        table.add_row(*cells)
    return table


def _counts(intake: Intake, done: bool) -> str:
    template = (_("{recorded} recorded, {already} already recorded, {blank} skipped (blank), "
                  "{refused} refused") if done else
                _("{recorded} to record, {already} already recorded, {blank} skipped "
                  "(blank), {refused} refused"))
    return template.format(recorded=intake.recorded, already=intake.already,
                           blank=intake.blank, refused=intake.refused)


def summary_line(intake: Intake, *, dry_run: bool = False, path: str | None = None) -> str:
    """The last line of `intake`: how many rows were recorded, skipped and refused, and
    whether anything was written."""
    forms = ngettext("{count} form", "{count} forms", intake.files).format(count=intake.files)
    if intake.problems:
        return _("{forms}: {counts}; nothing written").format(
            forms=forms, counts=_counts(intake, done=False))
    if dry_run:
        return _("{forms}: {counts}; dry run, nothing written").format(
            forms=forms, counts=_counts(intake, done=False))
    if not intake.recorded and not intake.returned:
        return _("{forms}: nothing new to record ({counts}); the registry is unchanged").format(
            forms=forms, counts=_counts(intake, done=True))
    return _("{forms}: {counts}; wrote {path}").format(forms=forms,
                                                       counts=_counts(intake, done=True),
                                                       path=path)


def returns_line(intake: Intake, *, dry_run: bool = False) -> str:
    """What the forms' records say: which came back now (by unit), which were back
    already, which are not on record."""
    states = {state: [r for r in intake.returns if r.state == state]
              for state in (RETURNED, ALREADY_RETURNED, NOT_ON_RECORD)}
    parts = []
    if states[RETURNED]:
        units = join(r.unit for r in states[RETURNED])
        parts.append((ngettext("{count} form to record as returned ({units})",
                               "{count} forms to record as returned ({units})",
                               len(states[RETURNED])) if dry_run else
                      ngettext("{count} form recorded as returned ({units})",
                               "{count} forms recorded as returned ({units})",
                               len(states[RETURNED]))).format(
            count=len(states[RETURNED]), units=units))
    if states[ALREADY_RETURNED]:
        parts.append(ngettext("{count} form returned before", "{count} forms returned before",
                              len(states[ALREADY_RETURNED])).format(
            count=len(states[ALREADY_RETURNED])))
    if states[NOT_ON_RECORD]:
        parts.append(ngettext("{count} form not on record as sent",
                              "{count} forms not on record as sent",
                              len(states[NOT_ON_RECORD])).format(
            count=len(states[NOT_ON_RECORD])))
    # Translators: between the parts of the line on the forms that came back.
    return _("Forms: {parts}").format(parts=pgettext("parts", "; ").join(parts))
