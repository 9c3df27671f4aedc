"""The parts of an .xlsx workbook, read once with bounds before openpyxl builds anything
from them.

openpyxl reads a workbook the way Excel writes one: it trusts a sheet's `<dimension>` to say
where the rows stop, builds every shared string, style and row it is given, and lets the
XML parser expand whatever entities a DTD declares. A form has been through people and
other programs, so `scan_parts` first streams every part through expat, which keeps
nothing it reads, and stops at the first bound a part passes (`Limits`; formfile states the
numbers): a DTD anywhere, too many elements in all, too long a tag, text or row, too large
a part. What it refuses is said in one line naming the part.

On the way it notes, for each part, what the reader needs and openpyxl cannot tell it: the
last row that holds a value (so every such row is read, whatever `<dimension>` says) and
the cells holding a formula saved without its value (which openpyxl reads as blank).
Rows and cells are found as openpyxl finds them: a row's number is its `r` or the one after
the previous row, a cell is any element directly inside a row, its column is its `r` or the
one after the previous cell.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO
from xml.parsers import expat

from openpyxl.utils.cell import coordinate_to_tuple

from ..base.i18n import _

#: How much of a part is decompressed and fed to the parser at a time.
CHUNK_BYTES = 64 * 1024
#: What a DTD starts with, in the encodings an XML parser reads without being told.
_DTD_MARKS = tuple(mark.encode(encoding) for mark in ("<!DOCTYPE", "<!ENTITY")
                   for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(mark) for mark in _DTD_MARKS) - 1


@dataclass(frozen=True)
class Limits:
    """How much of a workbook is read; a part that passes one is refused."""

    #: XML elements in all the parts together.
    elements: int
    #: Bytes of one piece of markup: a tag with its attributes, a comment, an instruction.
    markup_bytes: int
    #: Unpacked bytes of an XML part; of the shared strings (root `sst`); of the styles
    #: (root `styleSheet`).
    part_bytes: int
    shared_strings_bytes: int
    styles_bytes: int
    #: Cells in one row.
    cells_per_row: int
    #: Characters of one string: a shared string, a cell's text, any other run of text.
    text_chars: int
    #: The rows and columns the reader reads: a formula saved without a value is noted there.
    rows: int
    columns: int


@dataclass
class RowFacts:
    """What a part's rows hold that openpyxl does not say."""

    #: The last row with a cell holding a value, a formula or an inline string (0: none).
    last_row: int = 0
    #: (row, column) of each cell holding a formula saved without its value.
    unsaved_formulas: set[tuple[int, int]] = field(default_factory=set)


class PartRefused(Exception):
    """A workbook part passes a bound (or is built as no spreadsheet builds one); the
    message says which, naming the part."""


def scan_parts(archive: zipfile.ZipFile, limits: Limits) -> dict[str, RowFacts]:
    """Every part of `archive` read once through the bounds; the facts of each part's rows,
    by part name. Raises PartRefused at the first bound passed, zipfile.BadZipFile when a
    part does not unpack."""
    budget = _Budget(limits.elements)
    facts: dict[str, RowFacts] = {}
    for info in archive.infolist():
        try:
            with archive.open(info) as stream:
                facts[info.filename] = _PartScan(info, limits, budget).read(stream)
        except (zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise zipfile.BadZipFile(f"{info.filename}: {exc}") from None
    return facts


class _Budget:
    """The elements left to read, shared by all the parts of a workbook."""

    def __init__(self, elements: int) -> None:
        self.limit = elements
        self.left = elements


def _refuse_dtd(part: str) -> PartRefused:
    return PartRefused(_("the workbook's part {part} holds a DTD (<!DOCTYPE or <!ENTITY); a "
                         "form has none, and circletrack reads none").format(part=part))


class _PartScan:
    """One part streamed through expat with the bounds; the handlers count and note, and
    raise PartRefused to stop the parse."""

    def __init__(self, info: zipfile.ZipInfo, limits: Limits, budget: _Budget) -> None:
        self.part = info.filename
        self.declared = info.file_size
        self.limits = limits
        self.budget = budget
        self.facts = RowFacts()
        self.size_limit = limits.part_bytes
        self.parser = parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = CHUNK_BYTES
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.CommentHandler = self._markup
        parser.ProcessingInstructionHandler = self._markup
        self.seen_root = False
        self.last_event = 0  # where the last piece of markup or text began
        self.depth = 0
        self.row_depth = 0  # the depth of the open row (0: none)
        self.row = self.column = self.cells = 0
        self.string_depth = 0  # the depth of the open cell or shared string (0: none)
        self.cell_parts: set[str] = set()  # the cell's `v`, `f` and `is`
        self.cell_type = "n"
        self.cell_value = False  # the cell's `v` holds text
        self.in_value = False
        self.text = 0  # characters of the string being read

    def read(self, stream: IO[bytes]) -> RowFacts:
        """Stream the part through the checks; its rows' facts. Every part is read, whatever
        its name: a relationship can make any part the one openpyxl parses as the styles."""
        fed, tail, parsing = 0, b"", True
        while chunk := stream.read(CHUNK_BYTES):
            window = tail + chunk
            # The raw bytes too: a parser other than expat may read an encoding expat does not.
            if any(mark in window for mark in _DTD_MARKS):
                raise _refuse_dtd(self.part)
            tail = window[-_OVERLAP:]
            fed += len(chunk)
            if parsing:
                try:
                    self.parser.Parse(chunk, False)
                except expat.ExpatError:
                    # Not XML (a picture), or not well-formed: any XML parser stops there too.
                    parsing = False
                else:
                    self._check_sizes(fed)
        if parsing:
            try:
                self.parser.Parse(b"", True)
            except expat.ExpatError:
                pass
        return self.facts

    def _check_sizes(self, fed: int) -> None:
        if self.seen_root and fed > self.size_limit:
            raise self._too_large()
        if fed - self.last_event > self.limits.markup_bytes:
            raise PartRefused(_(
                "the workbook's part {part} holds a tag, comment or text of more than {size} "
                "MB in one piece; a form's are far shorter").format(
                part=self.part, size=self.limits.markup_bytes // 2**20))

    def _too_large(self) -> PartRefused:
        return PartRefused(_("the workbook's part {part} unpacks to more than {size} MB; a "
                             "form's is far smaller").format(
            part=self.part, size=self.size_limit // 2**20))

    # The handlers expat calls

    def _doctype(self, *_args: object) -> None:
        raise _refuse_dtd(self.part)

    def _markup(self, *_args: object) -> None:
        self.last_event = self.parser.CurrentByteIndex

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self.last_event = self.parser.CurrentByteIndex
        self.budget.left -= 1
        if self.budget.left < 0:
            raise PartRefused(_("the workbook holds more than {count} XML elements; a form "
                                "holds far fewer").format(count=self.budget.limit))
        local = name.rpartition(" ")[2]
        self.depth += 1
        if not self.seen_root:
            self._root(local)
        if not self.string_depth:
            self.text = 0  # a run of text outside a string is bounded on its own
        if local == "row":
            if self.row_depth:
                raise PartRefused(_("cannot read the workbook ({error}); is it an .xlsx form "
                                    "written by `circletrack forms`?").format(
                    error=f"{self.part}: a row inside a row"))
            self.row_depth = self.depth
            self.row = _row_number(attributes.get("r"), self.row)
            self.column = self.cells = 0
        elif self.row_depth and self.depth == self.row_depth + 1:
            self._start_cell(attributes)
        elif self.row_depth and self.depth == self.string_depth + 1:
            self.text = 0  # a cell's formula, value and inline string are each one string
            if local in ("v", "f", "is"):
                self.cell_parts.add(local)
                self.in_value = local == "v"
        elif local == "si" and not self.string_depth:
            self.string_depth, self.text = self.depth, 0

    def _root(self, local: str) -> None:
        """The root element names the part's kind, and so its size bound."""
        self.seen_root = True
        if local == "sst":
            self.size_limit = self.limits.shared_strings_bytes
        elif local == "styleSheet":
            self.size_limit = self.limits.styles_bytes
        if self.declared > self.size_limit:
            raise self._too_large()

    def _start_cell(self, attributes: dict[str, str]) -> None:
        self.cells += 1
        if self.cells > self.limits.cells_per_row:
            raise PartRefused(_("row {row} of the workbook's part {part} holds more than "
                                "{count} cells; a spreadsheet's rows have at most {count}").format(
                row=self.row, part=self.part, count=self.limits.cells_per_row))
        self.column = _column_number(attributes.get("r"), self.column)
        self.string_depth, self.text = self.depth, 0
        self.cell_parts = set()
        self.cell_type = attributes.get("t", "n")
        self.cell_value = False

    def _end(self, name: str) -> None:
        self.last_event = self.parser.CurrentByteIndex
        if self.depth == self.string_depth:
            if self.row_depth:
                self._end_cell()
            self.string_depth = 0
        elif self.depth == self.row_depth:
            self.row_depth = 0
        self.in_value = False
        if not self.string_depth:
            self.text = 0
        self.depth -= 1

    def _end_cell(self) -> None:
        """A cell read. Its row holds a value when it has a formula, a value or an inline
        string. A formula with no value, or with an empty one when its result is not text
        (an empty `<v />` is what openpyxl writes for a formula), was never computed."""
        parts = self.cell_parts
        if self.cell_value or "f" in parts or "is" in parts:
            self.facts.last_row = max(self.facts.last_row, self.row)
        saved = self.cell_value or "is" in parts or ("v" in parts and self.cell_type == "str")
        if ("f" in parts and not saved and 1 <= self.column <= self.limits.columns
                and 1 <= self.row <= self.limits.rows):
            self.facts.unsaved_formulas.add((self.row, self.column))

    def _text(self, data: str) -> None:
        self.last_event = self.parser.CurrentByteIndex
        self.text += len(data)
        if self.text > self.limits.text_chars:
            raise PartRefused(_("the workbook's part {part} holds a text of more than {count} "
                                "characters; a cell holds at most {count}").format(
                part=self.part, count=self.limits.text_chars))
        if self.in_value and data:
            self.cell_value = True


def _row_number(text: str | None, previous: int) -> int:
    """A row's number as openpyxl reads it: its `r` (a whole number), else the next one."""
    if text is None:
        return previous + 1
    if len(text) > 30:  # a sheet has 1,048,576 rows; any longer number is past them all
        return 10 ** 30
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return previous + 1  # openpyxl refuses the sheet when it reads this row
        return int(number) if number.is_integer() else previous + 1


def _column_number(reference: str | None, previous: int) -> int:
    """A cell's column as openpyxl reads it: from its `r` (I3 → 9), else the next one."""
    if reference:
        try:
            return coordinate_to_tuple(reference)[1]
        except (ValueError, TypeError):
            pass  # openpyxl refuses the sheet when it reads this cell
    return previous + 1
