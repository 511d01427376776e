"""Accessibility: themes and contrast, text scaling, speech, keypad navigation,
timeouts. Plain Python; Kivy only in clearly separate modules."""
