"""Choose consistent replacements for the names in one labeled article.

Every key is a word or phrase of the gold labels (people, organizations,
facilities, projects, places, countries and their adjectives, acronyms) and
maps to one replacement, used everywhere in the article and its gold file.
People and organizations are renamed word by word, so that "Rodrigo Valdés
Ibarra" and a later "Valdés" stay the same person, and "Cordillera Norte" the
same company as "Minera Cordillera Norte S.A.".
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from extractor_schemas import GoldAnswer
from rapidfuzz import fuzz

from .vocab import Vocabulary

# A word: letters, joined by hyphens or by an apostrophe that is not a possessive "'s".
TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+|['’][^\W\d_]{2,})*")
PARTICLES = frozenset(
    {
        "de",
        "da",
        "del",
        "della",
        "di",
        "do",
        "dos",
        "das",
        "du",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "bin",
        "binti",
        "ibn",
        "al",
        "el",
        "le",
        "la",
        "y",
        "e",
        "bint",
        "jr",
        "sr",
        "mr",
        "mrs",
        "ms",
        "dr",
    }
)
NAME_KINDS = ("person", "organization", "place")
MISSPELLING_RATIO = 85  # rapidfuzz ratio of a misspelled name to the name: "Codleco" ~ "Codelco"
_FUNCTION_WORDS = frozenset(
    {
        "of",
        "for",
        "and",
        "the",
        "de",
        "del",
        "da",
        "do",
        "des",
        "du",
        "la",
        "le",
        "el",
        "al",
        "y",
        "e",
        "et",
        "und",
    }
)


@dataclass
class NamePlan:
    """Old name -> new name, with the kind of each key for the manifest."""

    replacements: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def add(self, old: str, new: str, kind: str) -> None:
        self.replacements[old] = new
        self.kinds[old] = kind


@dataclass(frozen=True)
class GoldStrings:
    """The non-evidence strings of a gold file, by role."""

    people: list[str]
    organizations: list[str]  # names, affiliations, investors, targets, facilities, projects
    locations: list[str]
    other: list[str]  # titles, topics, areas, subjects, kinds, units

    @classmethod
    def of(cls, gold: GoldAnswer) -> GoldStrings:
        people: list[str] = []
        organizations: list[str] = []
        locations: list[str] = []
        other: list[str] = []
        for event in gold.events:
            data = event.model_dump()
            if data["location"]:
                locations.append(data["location"])
            for participant in data["participants"]:
                (people if participant["kind"] == "person" else organizations).append(
                    participant["name"]
                )
                if participant["affiliation"]:
                    organizations.append(participant["affiliation"])
                if participant["title"]:
                    other.append(participant["title"])
            for key in ("investor", "target", "facility", "project"):
                if data.get(key):
                    organizations.append(data[key])
            for key in ("agreement_kind", "subject", "unit"):
                if data.get(key):
                    other.append(data[key])
            other += data.get("topics", []) + data.get("areas", [])
        return cls(people, organizations, locations, other)

    @property
    def all(self) -> list[str]:
        return [*self.people, *self.organizations, *self.locations, *self.other]


def has_word(word: str, text: str, ignore_case: bool = False) -> bool:
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags) is not None


def is_acronym(token: str) -> bool:
    """`EBRD`, `AfDB`, `KfW`: short, and at least half capitals."""
    capitals = sum(char.isupper() for char in token)
    return 2 <= len(token) <= 8 and capitals >= 2 and capitals * 2 >= len(token)


def initials(name: str) -> str:
    """The capitals of a name's words, skipping function words: `EBRD` of the EBRD's name."""
    return "".join(
        token[0] for token in TOKEN.findall(name) if token.lower() not in _FUNCTION_WORDS
    ).upper()


class _Picker:
    """Draws replacements that are new to the article and to each other."""

    def __init__(self, text: str, rng: random.Random) -> None:
        self.text = text
        self.rng = rng
        self.used: set[str] = set()
        self._words = {word.lower() for word in TOKEN.findall(text)}

    def _fresh(self, candidate: str) -> bool:
        if candidate in self.used:
            return False
        if " " in candidate or "-" in candidate:
            return not has_word(candidate, self.text, True)
        return candidate.lower() not in self._words

    def pick(self, pool: Sequence[str]) -> str:
        options = [o for o in pool if self._fresh(o)]
        if not options:
            raise ValueError("replacement vocabulary exhausted")
        choice = self.rng.choice(options)
        self.used.add(choice)
        return choice

    def acronym(self, like: str) -> str:
        letters = "ABCDEFGHIJKLMNOPRSTUVWZ"
        for _ in range(100):
            candidate = "".join(
                self.rng.choice(letters) if char.isupper() else self.rng.choice(letters).lower()
                for char in like
            )
            if self._fresh(candidate):
                self.used.add(candidate)
                return candidate
        raise ValueError(f"no fresh acronym like {like!r}")


def plan_names(gold: GoldAnswer, text: str, vocab: Vocabulary, rng: random.Random) -> NamePlan:
    """Replacements for the countries, places, people and organizations the gold names."""
    strings = GoldStrings.of(gold)
    picker = _Picker(text, rng)
    plan = NamePlan()
    country_forms = _plan_countries(strings.all, text, vocab, picker, plan)
    country_forms |= {word for form in country_forms for word in TOKEN.findall(form)}
    _plan_places(strings.locations, vocab, picker, plan, country_forms)
    _plan_people(strings.people, vocab, picker, plan, country_forms)
    _plan_organizations(strings.organizations, text, vocab, picker, plan, country_forms)
    _plan_misspellings(text, vocab, plan, country_forms)
    for old, new in list(plan.replacements.items()):
        if old.upper() != old and has_word(old.upper(), text):
            plan.add(old.upper(), new.upper(), plan.kinds[old])  # datelines: "SANTIAGO,"
    return plan


def _plan_countries(
    strings: Iterable[str], text: str, vocab: Vocabulary, picker: _Picker, plan: NamePlan
) -> set[str]:
    """Swap each country the gold names (by name or adjective) for one the text does not."""
    in_gold = set(vocab.country_pattern.findall("\n".join(strings)))
    in_text = set(vocab.country_pattern.findall(text))
    present = list(dict.fromkeys(vocab.country_of[form] for form in sorted(in_gold)))
    taken = {vocab.country_of[form] for form in in_text | in_gold}
    candidates = [c for c in vocab.countries if c not in taken]
    picker.rng.shuffle(candidates)
    for country, target in zip(present, candidates, strict=False):
        for name in country.names:
            if name in in_text or name in in_gold:
                plan.add(name, target.names[0], "country")
        plan.add(country.demonym, target.demonym, "demonym")
        picker.used.update((*target.names, target.demonym))
    return set(vocab.country_of)


def _runs(value: str, generic: frozenset[str], skip: set[str]) -> list[list[str]]:
    """Maximal runs of capitalized, non-generic words separated by single spaces."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for match in TOKEN.finditer(value):
        token = match.group()
        joined = last_end >= 0 and match.start() == last_end + 1 and value[last_end] == " "
        keep = token[0].isupper() and token not in generic and token not in skip
        if keep and (joined and current):
            current.append(token)
        elif keep:
            if current:
                runs.append(current)
            current = [token]
        elif current:
            runs.append(current)
            current = []
        last_end = match.end()
    if current:
        runs.append(current)
    return runs


def _contains(run: list[str], part: list[str]) -> int:
    for i in range(len(run) - len(part) + 1):
        if run[i : i + len(part)] == part:
            return i
    return -1


def _plan_places(
    locations: list[str],
    vocab: Vocabulary,
    picker: _Picker,
    plan: NamePlan,
    country_forms: set[str],
) -> None:
    skip = set(country_forms) | set(plan.replacements)
    runs = [run for value in locations for run in _runs(value, vocab.generic_words, skip)]
    runs.sort(key=len)
    accepted: list[list[str]] = []
    for run in runs:
        pieces = [run]
        for known in accepted:
            next_pieces: list[list[str]] = []
            for piece in pieces:
                at = _contains(piece, known) if piece != known else -1
                if at >= 0:
                    next_pieces += [p for p in (piece[:at], piece[at + len(known) :]) if p]
                else:
                    next_pieces.append(piece)
            pieces = next_pieces
        for piece in pieces:
            if piece not in accepted:
                accepted.append(piece)
    for piece in accepted:
        phrase = " ".join(piece)
        if phrase not in plan.replacements:
            plan.add(phrase, picker.pick(vocab.places), "place")


def _plan_people(
    people: list[str],
    vocab: Vocabulary,
    picker: _Picker,
    plan: NamePlan,
    country_forms: set[str],
) -> None:
    for name in people:
        tokens = [
            t
            for t in TOKEN.findall(name)
            if t.lower() not in PARTICLES and len(t) > 1 and t not in country_forms
        ]
        for position, token in enumerate(tokens):
            if token in plan.replacements:
                continue
            first = position == 0 and len(tokens) > 1
            pool = vocab.first_names if first else vocab.surnames
            plan.add(token, picker.pick(pool), "person")


def _plan_organizations(
    organizations: list[str],
    text: str,
    vocab: Vocabulary,
    picker: _Picker,
    plan: NamePlan,
    country_forms: set[str],
) -> None:
    acronyms: dict[str, str] = {}  # acronym -> the organization name it abbreviates, if known
    for name in organizations:
        for token in TOKEN.findall(name):
            if (
                token in plan.replacements
                or token in vocab.generic_words
                or token in country_forms
                or len(token) < 2
                or not token[0].isupper()
            ):
                continue
            if is_acronym(token):
                acronyms.setdefault(token, "")
            elif not has_word(token.lower(), text):  # "Cement" when the text says "cement"
                plan.add(token, picker.pick(vocab.org_words), "organization")
    for name in organizations:
        if name == _renamed(name, plan):
            continue
        for match in re.finditer(rf"{re.escape(name)}\s*\((\w[\w&-]{{1,9}})\)", text):
            if is_acronym(match.group(1)) and match.group(1) not in vocab.generic_words:
                acronyms[match.group(1)] = name
        code = initials(name)
        for token in set(re.findall(r"\b[A-Z]{2,8}\b", text)):
            if token == code and token not in vocab.generic_words:
                acronyms[token] = name
    for acronym, name in sorted(acronyms.items()):
        if acronym in plan.replacements:
            continue
        new = initials(_renamed(name, plan)) if name else ""
        same_shape = len(new) == len(acronym) and acronym.isupper()
        fresh = new not in picker.used and not has_word(new, text, True)
        if not (same_shape and new != acronym and fresh):
            new = picker.acronym(acronym)
        picker.used.add(new)
        plan.add(acronym, new, "acronym")


def _plan_misspellings(
    text: str, vocab: Vocabulary, plan: NamePlan, country_forms: set[str]
) -> None:
    """A name the article also misspells ("Codleco" for "Codelco") gets the same new name."""
    keys = [k for k, kind in plan.kinds.items() if kind in NAME_KINDS]
    skip = set(plan.replacements) | country_forms
    for token, key in similar_names(text, keys, vocab, skip).items():
        plan.add(token, plan.replacements[key], plan.kinds[key])


def similar_names(
    text: str, keys: Iterable[str], vocab: Vocabulary, skip: set[str]
) -> dict[str, str]:
    """Capitalized words of `text` that look like a misspelling of one of `keys`."""
    keys = [k for k in keys if len(k) >= 5]
    skip = skip | {w for c in vocab.countries for f in (*c.names, c.demonym) for w in f.split()}
    tokens = TOKEN.findall(text)
    common = {token for token in tokens if token.islower()}
    found: dict[str, str] = {}
    for token in sorted(set(tokens)):
        if (
            len(token) < 5
            or not token[0].isupper()
            or token in skip
            or token in vocab.generic_words
            or token.lower() in common
        ):
            continue
        for key in keys:
            if key != token and key[0] == token[0] and fuzz.ratio(token, key) >= MISSPELLING_RATIO:
                found[token] = key
                break
    return found


def _renamed(name: str, plan: NamePlan) -> str:
    return TOKEN.sub(lambda m: plan.replacements.get(m.group(), m.group()), name)
