"""What Borrow and Return share: a list of item lines filled in as answers arrive,
input from the scanner, the RFID pad and typed barcodes, and the tag security write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kivy.factory import Factory
from kivy.properties import NumericProperty

from kiosk.circulation.api import ItemInfo
from kiosk.domain.errors import KioskError
from kiosk.domain.events import TagsRead
from kiosk.itempad import read_pad
from screens.base import KioskScreen
from screens.widgets import TextEntry


@dataclass
class ItemLine:
    """One item on the Borrow or Return list. ``state``: checking, ok, refused,
    warning (done, but the patron must do something: hold shelf, see staff)."""

    barcode: str
    state: str = "checking"
    title: str = ""
    due_at: datetime | None = None
    #: The message shown under the title: a key and its parameters.
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    #: Advice after a refusal (a key), e.g. "see staff".
    advice: str = ""
    #: RFID tags of this item on the pad (for the security write).
    tag_uids: tuple[str, ...] = ()
    #: What the library system said with its answer (SIP2 AF), shown and spoken.
    said: tuple[str, ...] = ()
    #: A note after the answer (a key), e.g. an offline loan to be confirmed.
    note: str = ""
    #: The circulation's answer itself (the receipt prints what it carries).
    result: Any = None


#: The line that stands for the pad's tags without an item id.
UNREADABLE = "pad:unreadable"
#: The refusal that says the library system does not know the item: no title to ask for.
UNKNOWN_ITEM = "circulation.item_not_found"


class ItemsScreen(KioskScreen):
    """Base of Borrow and Return. Subclasses implement :meth:`process`."""

    count_ok = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lines: list[ItemLine] = []

    # -- input -----------------------------------------------------------------------
    def on_item(self, barcode: str) -> bool:
        self.add(barcode)
        return True

    def on_tags(self, event: TagsRead) -> bool:
        """The pad's tags by the library's rule (:func:`kiosk.itempad.read_pad`): each
        item on its own line; an incomplete multi-part set refused whole; tags without
        an item id one warning."""
        reading = read_pad(event.tags)
        for tag_set in reading.incomplete:
            if self._line(tag_set.item_id) is None:
                self._warn(
                    ItemLine(
                        barcode=tag_set.item_id,
                        state="warning",
                        key="ui.items.parts_missing",
                        params={"present": tag_set.present, "parts": tag_set.parts},
                    )
                )
        if reading.unreadable and self._line(UNREADABLE) is None:
            self._warn(
                ItemLine(
                    barcode=UNREADABLE,
                    state="warning",
                    title=self.app.tr("ui.items.tag_unreadable_title"),
                    key="pad.tag_unreadable",
                    params={"count": reading.unreadable},
                )
            )
        for tag_set in reading.items:
            # A set completed after its warning goes through now (add() retries it).
            self.add(tag_set.item_id, tag_set.uids)
        return True

    def _warn(self, line: ItemLine) -> None:
        self._upsert(line)
        self.app.alert(self.spoken(line))

    def type_barcode(self) -> None:
        entry = TextEntry(
            title=self.app.tr("ui.items.type_title"), layout="card", on_submit=self.add
        )
        entry.open(animation=False)

    def add(self, barcode: str, tag_uids: tuple[str, ...] = ()) -> None:
        barcode = barcode.strip()
        if not barcode or self.app.services is None:
            return
        known = self._line(barcode)
        if known is not None and known.state != "warning":
            return  # the same item read twice (scanner and pad): once is enough
        line = ItemLine(barcode=barcode, key="ui.items.checking", tag_uids=tag_uids)
        self._upsert(line)
        self.process(line)

    def process(self, line: ItemLine) -> None:
        raise NotImplementedError

    # -- results ---------------------------------------------------------------------
    def refused(self, line: ItemLine, error: KioskError) -> None:
        """Shown and said under the item's title (the barcode small beside the reason):
        from the refusal when it names the item, else asked of the library system
        (a refusal of the patron's account, e.g. fines, names no item)."""
        line.state = "refused"
        line.key = error.key
        line.params = dict(error.params)
        # The circulation's messages already say what to do ("... service desk"); a
        # failure that is not a library rule (a device, a bug) gets the advice added.
        line.advice = "" if error.key.startswith("circulation.") else "ui.items.see_staff"
        title = error.params.get("title")
        services = self.app.services
        # Only a library rule's refusal: the item is worth asking about (not a device's).
        asked = error.key.startswith("circulation.") and error.key != UNKNOWN_ITEM
        if title or line.title or not asked or services is None:
            line.title = str(title or line.title)
            self._tell(line)
            return
        circulation = services.circulation

        def titled(info: ItemInfo) -> None:
            line.title = info.title
            self._tell(line)

        self.app.call(
            lambda: circulation.item(line.barcode),
            titled,
            lambda _error: self._tell(line),  # not known to the library system: its barcode
            quick=True,
        )

    def _tell(self, line: ItemLine) -> None:
        self.render()
        self.app.alert(self.spoken(line))

    def secure(self, line: ItemLine, secured: bool) -> None:
        """Arm (return) or disarm (borrow) the item's RFID tags on the device worker."""
        pad = self.app.kiosk.item_pad
        if pad is None or not line.tag_uids:
            return
        uids = line.tag_uids

        def write() -> None:
            for uid in uids:
                pad.set_security(uid, secured)

        def failed(error: KioskError) -> None:
            line.state = "warning"
            line.advice = error.key
            self.render()
            self.app.alert(self.spoken(line))

        self.app.call(write, lambda _r: None, failed, device=True)

    def _line(self, barcode: str) -> ItemLine | None:
        return next((line for line in self.lines if line.barcode == barcode), None)

    def _upsert(self, line: ItemLine) -> None:
        self.lines = [x for x in self.lines if x.barcode != line.barcode] + [line]
        self.render()

    # -- drawing ---------------------------------------------------------------------
    def spoken(self, line: ItemLine) -> str:
        """What is said of a line when its answer arrives: its title (or barcode) and
        the due date, the hold-shelf instruction or the reason it was refused."""
        return f"{line.title or line.barcode}. {self.detail(line)}"

    def detail(self, line: ItemLine) -> str:
        """What happened, what it costs (:meth:`costs`), the advice, a note, and what
        the library system said."""
        parts = [self.app.tr(line.key, **line.params) if line.key else "", *self.costs(line)]
        if line.advice:
            parts.append(self.app.tr(line.advice))
        if line.note:
            parts.append(self.app.tr(line.note))
        parts += ils_words(self.app, line.said)
        return " ".join(part for part in parts if part).strip()

    def costs(self, line: ItemLine) -> list[str]:
        """Sentences about money the answer took (a late return's fine)."""
        return []

    def render(self) -> None:
        """Update the rows in place (newest on top, where the eye is): an answer
        changes one row's texts instead of rebuilding the list, which keeps
        scan-to-row within a frame or two."""
        box = self.ids.rows
        existing = {row.ident: row for row in box.children}
        wanted = [line.barcode for line in reversed(self.lines)]
        for ident, row in existing.items():
            if ident not in wanted:
                box.remove_widget(row)
        for position, line in enumerate(reversed(self.lines)):
            row = existing.get(line.barcode)
            if row is None:
                row = Factory.Row(ident=line.barcode)
                # BoxLayout keeps children last-added-first: index counts from the end.
                box.add_widget(row, index=len(box.children) - position)
            row.mark = line.state if line.state != "checking" else "pending"
            row.title = line.title or line.barcode
            detail = self.detail(line)
            if line.state == "refused" and line.title:
                # Titled with the item's title; the barcode small, before the reason.
                detail = f"{line.barcode} · {detail}"
            row.detail = detail
        self.count_ok = sum(1 for line in self.lines if line.state in ("ok", "warning"))
        self.ids.empty.opacity = 0 if self.lines else 1

    def reset(self) -> None:
        self.lines = []
        self.render()


def ils_words(app: Any, messages: tuple[str, ...]) -> list[str]:
    """What the library system said (its screen messages), each introduced as its
    words, in the screen's language."""
    return [app.tr("circulation.ils_says", message=m.strip()) for m in messages if m.strip()]
