"""Matching the name an operator types against their directory display name."""

import unicodedata


def normalize_name(name: str) -> str:
    """Compatibility-normalized, case-folded, single-spaced: how a person would compare two names.

    NFKC makes a composed "é" equal its decomposed form and full-width letters equal ASCII;
    casefold handles "ß" and the like, which lower() does not.
    """
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def names_match(typed: str, expected: str) -> bool:
    expected_norm = normalize_name(expected)
    return bool(expected_norm) and normalize_name(typed) == expected_norm
