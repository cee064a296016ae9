"""Estimated cost of a batch from the price table in prices.toml (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from extractor_schemas import Usage

from ..errors import ConfigError


@dataclass(frozen=True)
class Price:
    model: str  # the table entry that matched
    input_per_m: float
    output_per_m: float


@dataclass(frozen=True)
class PriceTable:
    prices: dict[str, Price]
    batch_discount: float
    as_of: str
    source: str

    def price(self, model: str) -> Price | None:
        """The exact entry, else the longest entry the model name starts with."""
        if model in self.prices:
            return self.prices[model]
        matches = [name for name in self.prices if model.startswith(name)]
        return self.prices[max(matches, key=len)] if matches else None

    def cost(self, model: str, usage: Usage, *, batch_api: bool = False) -> float | None:
        """US dollars for `usage`, or None when the model is not in the table."""
        price = self.price(model)
        if price is None:
            return None
        dollars = (
            usage.prompt_tokens * price.input_per_m + usage.completion_tokens * price.output_per_m
        ) / 1_000_000
        return dollars * (self.batch_discount if batch_api else 1.0)


def load_prices(path: Path | None = None) -> PriceTable:
    """The bundled table, or the TOML file at `path` (same layout)."""
    try:
        if path is None:
            text = resources.files(__package__).joinpath("prices.toml").read_text("utf-8")
            source = "extractor/batch/prices.toml"
        else:
            text = path.read_text("utf-8")
            source = str(path)
        data = tomllib.loads(text)
        prices = {
            name: Price(name, float(entry["input"]), float(entry["output"]))
            for name, entry in data.get("models", {}).items()
        }
        return PriceTable(
            prices=prices,
            batch_discount=float(data.get("batch_discount", 1.0)),
            as_of=str(data.get("as_of", "unknown")),
            source=source,
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"price table {path or 'prices.toml'}: {exc}") from None
