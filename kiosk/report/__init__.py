"""``kiosk report``: what the kiosk and the makerspace are used for, in pictures.

One HTML page per period (charts embedded, opens offline, prints on A4), a CSV file per
table and each chart as PNG and SVG, from anonymous aggregates only. Modules: a section
each (:mod:`~kiosk.report.selfservice`, :mod:`~kiosk.report.makerspace`,
:mod:`~kiosk.report.events`, :mod:`~kiosk.report.feedback`,
:mod:`~kiosk.report.accessibility`, :mod:`~kiosk.report.surveys`), the shared
:mod:`~kiosk.report.context` (period, words, small-cell suppression),
:mod:`~kiosk.report.charts` (matplotlib, headless), :mod:`~kiosk.report.build` and
:mod:`~kiosk.report.output`; :mod:`~kiosk.report.figures` gives the key figures to the
staff screen too. Importing this package imports no plotting library.
"""
