"""My loans: due dates (as the library system wrote them, when it did), overdue marked
by word and icon, renew one or all with a result per item and what the library system
said; no renew buttons where the backend does not renew.

Renewing stays in view: a renewed row keeps its place (the list keeps the order it was
first shown in) and shows its new due date; a loan the service says cannot be renewed
now (``Loan.renew_refusal``) says why instead of offering Renew; Renew all ends with a
summary (renewed n, not renewed m, each with its reason), shown and spoken."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.circulation.api import Loan, RenewResult
from kiosk.domain.errors import KioskError
from screens import format as fmt
from screens.base import KioskScreen
from screens.items import ils_words


class LoansScreen(KioskScreen):
    needs_patron = True
    loaded = BooleanProperty(False)
    count = NumericProperty(0)
    #: After Renew all: renewed n, not renewed m, with the reasons.
    summary = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loans: list[Loan] = []
        #: barcode -> the last renewal's result, shown under the loan.
        self.results: dict[str, RenewResult] = {}
        self.error: KioskError | None = None
        #: The last Renew all's results (the summary is re-written on a language switch).
        self.renewed_all: list[RenewResult] = []

    def on_kv_post(self, _base: Any) -> None:
        self.app.bind(capabilities=lambda *_: self.render())

    def refresh(self) -> None:
        services = self.app.services
        if services is None or not self.app.session.signed_in:
            return
        ref = self.app.session.ref
        self.app.call(lambda: services.circulation.loans(ref), self._got, self._failed, quick=True)

    def _got(self, loans: list[Loan]) -> None:
        # First shown soonest due first; after that every row keeps its place (a
        # renewed loan, due later now, does not jump away from the patron's eye).
        shown = {loan.barcode: index for index, loan in enumerate(self.loans)}
        self.loans = sorted(
            loans, key=lambda loan: (shown.get(loan.barcode, len(shown)), loan.due_at)
        )
        self.loaded = True
        self.count = len(self.loans)
        self.render()

    def _failed(self, error: KioskError) -> None:
        self.error = error
        self.render()
        self.app.alert(self.app.describe(error))

    def renew(self, barcode: str) -> None:
        services = self.app.services
        assert services is not None
        ref = self.app.session.ref
        self.app.call(
            lambda: services.circulation.renew(ref, barcode),
            self._renewed,
            self._failed,
            quick=True,
        )

    def renew_all(self) -> None:
        services = self.app.services
        assert services is not None
        ref = self.app.session.ref
        self.app.call(
            lambda: services.circulation.renew_all(ref),
            self._renewed_all,
            self._failed,
            quick=True,
        )

    def _renewed(self, result: RenewResult) -> None:
        self.results[result.barcode] = result
        self.refresh()
        self._say_results([result])

    def _renewed_all(self, results: list[RenewResult]) -> None:
        for result in results:
            self.results[result.barcode] = result
        self.renewed_all = list(results)
        self.refresh()
        self.summary = self._summary()
        # The summary, with each refusal's reason: an alert when any was refused.
        if all(result.ok for result in results):
            self.app.announce(self.summary)
        else:
            self.app.alert(self.summary)

    def _summary(self) -> str:
        results = self.renewed_all
        if not results:
            return ""
        app = self.app
        refused = [result for result in results if not result.ok]
        parts = [
            app.tr("ui.loans.summary", renewed=len(results) - len(refused), refused=len(refused))
        ]
        for result in refused:
            why = app.tr(result.refusal or "ui.loans.not_renewed")
            parts.append(" ".join([f"{result.title}: {why}", *ils_words(app, result.messages)]))
        return "\n".join(parts)  # a line per refusal: the reasons read as a list

    def _say_results(self, results: list[RenewResult]) -> None:
        """One sentence per item, as shown; any refusal makes it an alert (spoken even
        with speech mode off), like every refusal."""
        app = self.app
        zone = app.kiosk.config.kiosk.timezone
        said = []
        for result in results:
            if result.ok and result.due_at is not None:
                date = result.due_text or fmt.day(result.due_at, app.language, zone)
                said.append(f"{result.title}: {app.tr('ui.loans.renewed', date=date)}.")
            else:
                why = app.tr(result.refusal or "ui.loans.not_renewed")
                said.append(f"{result.title}: {why}")
            said += ils_words(app, result.messages)
        text = " ".join(said)
        if all(result.ok for result in results):
            app.announce(text)
        else:
            app.alert(text)

    def render(self) -> None:
        box = self.ids.rows
        box.clear_widgets()
        app = self.app
        # Not there at all when the library system does not renew here.
        self.ids.renew_all.shown = app.capabilities.renew_all
        lang = app.language
        zone = app.kiosk.config.kiosk.timezone
        self.summary = self._summary()
        if self.error is not None:
            box.add_widget(Factory.Row(mark="refused", title=app.describe(self.error)))
            self.error = None
        for loan in self.loans:
            due = loan.due_text or fmt.day(loan.due_at, lang, zone)
            if loan.overdue:
                mark, detail = "warning", app.tr("ui.loans.overdue", date=due)
            else:
                mark, detail = "", app.tr("ui.loans.due", date=due)
            result = self.results.get(loan.barcode)
            if result is not None:
                if result.ok:
                    mark, detail = "ok", app.tr("ui.loans.renewed", date=due)
                else:
                    # The refusal says why ("cannot be renewed: ..."); without one, say so.
                    why = (
                        app.tr(result.refusal) if result.refusal else app.tr("ui.loans.not_renewed")
                    )
                    detail = f"{detail}. {why}"
                detail = " ".join([detail, *ils_words(app, result.messages)])
            # Whether it can be renewed is the service's word (with its reason).
            can_renew = app.capabilities.renew and loan.renew_refusal is None
            if app.capabilities.renew and loan.renew_refusal is not None and result is None:
                detail = f"{detail}. {app.tr(loan.renew_refusal)}"
            barcode = loan.barcode
            box.add_widget(
                Factory.Row(
                    mark=mark,
                    title=loan.title,
                    detail=detail,
                    ident=barcode,
                    action_text=app.tr("ui.loans.renew") if can_renew else "",
                    action=(lambda b=barcode: self.renew(b)) if can_renew else None,
                )
            )
        self.ids.empty.opacity = 1 if self.loaded and not self.loans else 0

    def reset(self) -> None:
        self.loans = []
        self.results = {}
        self.renewed_all = []
        self.summary = ""
        self.error = None
        self.loaded = False
        self.count = 0
        self.render()
