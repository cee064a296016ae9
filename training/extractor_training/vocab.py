"""The replacement vocabularies and word lists in `data/`, loaded once."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Country:
    names: tuple[str, ...]  # the first is written for a replacement
    demonym: str


@dataclass(frozen=True)
class CurrencyForms:
    code: str
    prefix: str
    plural: str
    singular: str


@dataclass(frozen=True)
class Vocabulary:
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    org_words: tuple[str, ...]
    places: tuple[str, ...]
    countries: tuple[Country, ...]
    generic_words: frozenset[str]
    units: frozenset[str]
    swap_currencies: tuple[CurrencyForms, ...]
    currency_prefixes: dict[str, list[str]]
    currency_words: dict[str, list[str]]

    @cached_property
    def country_of(self) -> dict[str, Country]:
        """Every name and adjective of every country -> the country."""
        return {form: c for c in self.countries for form in (*c.names, c.demonym)}

    @cached_property
    def country_pattern(self) -> re.Pattern[str]:
        forms = sorted(self.country_of, key=len, reverse=True)
        return re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(f) for f in forms)})(?!\w)")

    @property
    def currency_codes(self) -> frozenset[str]:
        codes = {c.code for c in self.swap_currencies}
        for table in (self.currency_prefixes, self.currency_words):
            for options in table.values():
                codes.update(options)
        return frozenset(codes)

    def forms(self, code: str) -> CurrencyForms:
        for forms in self.swap_currencies:
            if forms.code == code:
                return forms
        return CurrencyForms(code, f"{code} ", code, code)


def _read(name: str) -> str:
    return resources.files(__package__).joinpath("data", name).read_text("utf-8")


def _lines(name: str) -> tuple[str, ...]:
    return tuple(
        line.strip()
        for line in _read(name).splitlines()
        if line.strip() and not line.startswith("#")
    )


def _words(name: str) -> frozenset[str]:
    return frozenset(word for line in _lines(name) for word in line.split())


@cache
def load_vocabulary() -> Vocabulary:
    countries: dict[str, Any] = json.loads(_read("countries.json"))
    currencies: dict[str, Any] = json.loads(_read("currencies.json"))
    return Vocabulary(
        first_names=_lines("first_names.txt"),
        surnames=_lines("surnames.txt"),
        org_words=_lines("org_words.txt"),
        places=_lines("places.txt"),
        countries=tuple(Country(tuple(c["names"]), c["demonym"]) for c in countries["countries"]),
        generic_words=_words("generic_words.txt"),
        units=_words("units.txt"),
        swap_currencies=tuple(
            CurrencyForms(c["code"], **c["write"]) for c in currencies["currencies"] if c["swap"]
        ),
        currency_prefixes=currencies["prefixes"],
        currency_words=currencies["words"],
    )
