"""Feedback text themes: what a customer's words are about, by ordered keyword rules.

The first theme whose keywords appear in the text wins, so the more specific complaints come
first ("polite but delayed" is about lateness). The rules are data: the delivery fact turns them
into one engine-side CASE expression, so no text is classified row by row in Python.

Example:
    >>> classify_theme("Driver was polite but package was delayed.")
    'late'
"""

from __future__ import annotations

#: (theme, keywords) in priority order; matching is case-insensitive substring search.
THEME_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("address", ("address", "location", "couldn't find", "could not find")),
    ("stock", ("stock", "out of stock", "unavailable")),
    ("damaged", ("damage", "broken", "torn", "leak")),
    ("cancelled", ("cancel",)),
    ("late", ("late", "delay", "slow", "took too long")),
    ("not_delivered", ("never came", "not delivered", "never arrived", "missing")),
    ("driver_behaviour", ("rude", "unprofessional", "misbehav")),
    ("no_update", ("no update", "no information", "not informed")),
    ("positive", ("good", "on time", "great", "excellent", "fast", "thank")),
)

OTHER_THEME = "other"


def classify_theme(text: str | None) -> str | None:
    """The theme of one feedback text (None when there is no text)."""
    if text is None or not text.strip():
        return None
    lowered = text.casefold()
    for theme, words in THEME_RULES:
        if any(w in lowered for w in words):
            return theme
    return OTHER_THEME


def theme_case_sql(column: str) -> str:
    """An engine-neutral CASE expression giving the theme of ``column``."""
    arms = []
    for theme, words in THEME_RULES:
        cond = " OR ".join(
            f"lower({column}) LIKE '%{w.replace(chr(39), chr(39) * 2)}%'" for w in words
        )
        arms.append(f"WHEN {cond} THEN '{theme}'")
    return (
        f"CASE WHEN {column} IS NULL OR trim({column}) = '' THEN NULL "
        + " ".join(arms)
        + f" ELSE '{OTHER_THEME}' END"
    )
