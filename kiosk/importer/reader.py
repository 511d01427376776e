r"""Reading delimited text exactly as SLiMS and spreadsheets write it.

What SLiMS 9 writes (its ``export.php`` / ``item_export.php``): every field enclosed
in the chosen encloser (``"``), the chosen separator (``,`` by default, ``;`` common),
records ended by ``\n`` (or a lone ``\r``), and an optional header row that ends with
one separator too many. The **member** export passes every value through MySQL's
``escape_string`` (``\"``, ``\'``, ``\\``, ``\n``, ``\r``, ``\0``, ``\Z``); the
**bibliography** and **item** exports pass them through ``stripslashes`` afterwards, so
their values come out raw: a quote inside a title is a bare ``"``, a backslash a bare
``\``. Hence: inside an enclosed SLiMS field a quote ends the field only when the
separator, the end of the line or the end of the file follows it.

The kiosk's own format is ordinary CSV (RFC 4180: doubled quotes, no escapes). Every
record knows the line it starts on, so that a report can name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk.domain.errors import DomainError

#: MySQL escape sequences (what ``mysqli_real_escape_string`` writes); any other
#: escaped character stands for itself.
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "b": "\b", "Z": "\x1a"}

#: How backslashes are read: ``mysql`` (SLiMS members: every MySQL escape),
#: ``quotes`` (SLiMS bibliography and items: only ``\"``, ``\'`` and ``\\``, in case an
#: export kept them; any other backslash is text), ``none`` (CSV: backslash is text).
Escapes = Literal["mysql", "quotes", "none"]


@dataclass(frozen=True)
class Record:
    """One row: the 1-based line it starts on and its fields, unescaped."""

    line: int
    fields: tuple[str, ...]


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); raises ``importer.not_utf8`` otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DomainError("importer.not_utf8", line=line) from None


def read_records(
    text: str, delimiter: str, *, escapes: Escapes = "mysql", limit: int | None = None
) -> list[Record]:
    """Split ``text`` into records (at most ``limit``). Blank lines are skipped.

    ``escapes`` "none" reads RFC 4180 CSV (a doubled quote is a quote, any other quote
    ends the field); otherwise SLiMS's rule applies (a quote ends an enclosed field only
    before the separator or the end of a line). Raises ``importer.unclosed_quote`` when
    an enclosed field never ends.
    """
    csv_rules = escapes == "none"
    records: list[Record] = []
    fields: list[str] = []
    field: list[str] = []
    line = 1
    start = 1
    quoted = False  # inside an enclosed field
    was_quoted = False  # the current field was enclosed (so "" is an empty value)
    i = 0
    n = len(text)

    def end_field() -> None:
        nonlocal field, was_quoted
        fields.append("".join(field))
        field = []
        was_quoted = False

    def end_record() -> None:
        nonlocal fields
        end_field()
        if any(fields) or len(fields) > 1:
            records.append(Record(start, tuple(fields)))
        fields = []

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and escapes != "none":
            nxt = text[i + 1]
            if escapes == "mysql" or nxt in "\"'\\":
                field.append(_ESCAPES.get(nxt, nxt) if escapes == "mysql" else nxt)
                if nxt == "\n":
                    line += 1
                i += 2
                continue
        if quoted:
            if c == '"':
                following = text[i + 1] if i + 1 < n else ""
                if csv_rules and following == '"':
                    field.append('"')
                    i += 2
                    continue
                if csv_rules or following in (delimiter, "\n", "\r", ""):
                    quoted = False
                else:
                    field.append(c)  # a bare quote inside a SLiMS value
            else:
                if c == "\n":
                    line += 1
                field.append(c)
            i += 1
            continue
        if c == '"' and not field and not was_quoted:
            quoted = True
            was_quoted = True
        elif c == delimiter:
            end_field()
        elif c in "\r\n":
            if c == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            end_record()
            line += 1
            start = line
            if limit is not None and len(records) >= limit:
                return records
        else:
            field.append(c)
        i += 1
    if quoted:
        raise DomainError("importer.unclosed_quote", line=start)
    if field or fields:
        end_record()
    return records


def guess_delimiter(text: str, expected_fields: set[int]) -> str:
    """``,`` or ``;``: whichever splits the first record into a known field count
    (else the one that splits it into more fields)."""
    counts = {}
    for delimiter in (",", ";"):
        try:
            records = read_records(text, delimiter, limit=1)
        except DomainError:
            records = []
        counts[delimiter] = len(records[0].fields) if records else 0
    for delimiter in (",", ";"):
        if counts[delimiter] in expected_fields:
            return delimiter
    return "," if counts[","] >= counts[";"] else ";"


def multi_values(text: str) -> list[str]:
    """SLiMS multi-values ``<one><two>`` -> ``["one", "two"]``; plain text -> [text]."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("<") and text.endswith(">"):
        return [part.strip() for part in text[1:-1].split("><") if part.strip()]
    return [text]
