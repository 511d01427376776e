"""Reading delimited text exactly as SLiMS and spreadsheets write it.

SLiMS 9 exports with a chosen separator (``,`` by default, ``;`` common), fields
enclosed in double quotes, and MySQL-style backslash escapes (``\\"``, ``\\\\``,
``\\n``...) instead of doubled quotes; the header row is optional. The kiosk's own
format is ordinary CSV (RFC 4180, doubled quotes). This reader takes both: a backslash
escapes the next character, and a doubled quote inside quotes is a quote. Every record
knows the line it starts on, so that a report can name it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.errors import DomainError

#: MySQL escape sequences (what ``mysqli_real_escape_string`` / ``SELECT ... INTO
#: OUTFILE`` write); any other escaped character stands for itself.
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "b": "\b", "Z": "\x1a"}


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
    text: str, delimiter: str, *, backslash: bool = True, limit: int | None = None
) -> list[Record]:
    """Split ``text`` into records (at most ``limit``). Blank lines are skipped.
    Raises ``importer.unclosed_quote`` when a quoted field never ends."""
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
        if backslash and c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            field.append(_ESCAPES.get(nxt, nxt))
            if nxt == "\n":
                line += 1
            i += 2
            continue
        if quoted:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    field.append('"')
                    i += 2
                    continue
                quoted = False
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
