"""Typed configuration read from YAML. Every problem becomes one ``ConfigError`` line naming file and key."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from knowledge.ranking import RankingWeights

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration problem, phrased as one line: ``file: key: problem``."""


@dataclasses.dataclass(frozen=True)
class RetrievalConfig:
    # BM25Plus: its IDF log((N+1)/df) stays positive on small corpora, where BM25Okapi zeroes a
    # term found in half the sentences. b is low because one-sentence passages vary little in
    # length and a short sentence is not more relevant for being short.
    variant: str = "plus"
    k1: float = 1.2
    b: float = 0.3
    delta: float = 0.5
    epsilon: float = 0.25
    max_quotes: int = 3
    # A further quote must score at least this share of the best one.
    follow_ratio: float = 0.75
    # ... and each quote after the second this much more.
    follow_step: float = 0.3
    # Share of the question's weight that the best sentence must match, else "not in the articles".
    min_coverage: float = 0.35
    # Weight of the earlier question of a thread when answering a follow-up.
    context_weight: float = 0.5
    # The ranking's feature weights (``knowledge.ranking``).
    ranking: RankingWeights = dataclasses.field(default_factory=RankingWeights)

    def __post_init__(self) -> None:
        if self.variant not in {"okapi", "plus", "l"}:
            raise ValueError("variant: expected one of okapi, plus, l")
        check_range("max_quotes", self.max_quotes, 1, 10)
        for name, high in (("k1", 10), ("b", 1), ("delta", 10), ("epsilon", 1),
                           ("follow_ratio", 1), ("follow_step", 1), ("min_coverage", 1),
                           ("context_weight", 10)):
            check_range(name, getattr(self, name), 0, high)


@dataclasses.dataclass(frozen=True)
class KnowledgeConfig:
    seeds: Path = Path("seeds")
    aliases: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    retrieval: RetrievalConfig = dataclasses.field(default_factory=RetrievalConfig)
    # Articles larger than this are reported and skipped rather than slowing every reload.
    max_article_bytes: int = 20_000_000

    def __post_init__(self) -> None:
        check_range("max_article_bytes", self.max_article_bytes, 1, 1_000_000_000)


def check_range(name: str, value: float, low: float, high: float) -> None:
    """A setting outside what the code can use: one line naming the key and the range."""
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name}: expected {low} to {high}, got {value}")


def read_yaml(path: Path) -> dict[str, Any]:
    """Load one YAML mapping; a missing file, a parse error or a non-mapping is a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def build(cls: type[T], data: Mapping[str, Any], source: Path | str, prefix: str = "") -> T:
    """Build dataclass ``cls`` from ``data``, checking keys and types recursively."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, raw in data.items():
        name = f"{prefix}{key}"
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{source}: {name}: unknown key (known keys: {known})")
        values[key] = _coerce(hints[key], raw, source, name)
    try:
        return cls(**values)
    except ValueError as exc:
        raise ConfigError(f"{source}: {prefix}{exc}") from None


def _coerce(hint: Any, raw: Any, source: Path | str, name: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: {name}: expected a mapping, got {_kind(raw)}")
        return build(hint, raw, source, f"{name}.")
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if raw is None:
            return None
        for option in options[1:]:  # the first option that takes the value; the first's error
            with contextlib.suppress(ConfigError):
                return _coerce(option, raw, source, name)
        return _coerce(options[0], raw, source, name)
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: {name}: expected a mapping, got {_kind(raw)}")
        return {
            _coerce(key_type, k, source, name): _coerce(value_type, v, source, f"{name}.{k}")
            for k, v in raw.items()
        }
    if origin in (list, tuple, frozenset):
        (item_type, *_) = typing.get_args(hint)
        if isinstance(raw, str) or not isinstance(raw, list):
            raise ConfigError(f"{source}: {name}: expected a list, got {_kind(raw)}")
        return origin(_coerce(item_type, v, source, f"{name}[{i}]") for i, v in enumerate(raw))
    if hint is Path:
        if not isinstance(raw, str) or not raw:
            raise ConfigError(f"{source}: {name}: expected a path, got {_kind(raw)}")
        return Path(raw)
    if hint is bool:
        if not isinstance(raw, bool):
            raise ConfigError(f"{source}: {name}: expected true or false, got {_kind(raw)}")
        return raw
    if hint is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ConfigError(f"{source}: {name}: expected a number, got {_kind(raw)}")
        if not math.isfinite(raw):  # YAML's .nan and .inf are numbers no setting means
            raise ConfigError(f"{source}: {name}: expected a finite number, got {raw}")
        return float(raw)
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ConfigError(f"{source}: {name}: expected a whole number, got {_kind(raw)}")
        return raw
    if hint is str:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ConfigError(f"{source}: {name}: expected text, got {_kind(raw)}")
        return str(raw)
    return raw


def _kind(raw: Any) -> str:
    if raw is None:
        return "nothing"
    text = repr(raw)
    return f"{type(raw).__name__} {text[:40]}"


def project_path(config_file: Path, value: Path) -> Path:
    """A path from a file in ``config/``: relative paths are taken from the project root."""
    return value if value.is_absolute() else config_file.resolve().parent.parent / value


def load_knowledge_config(path: Path) -> KnowledgeConfig:
    """Read ``config/knowledge.yaml``."""
    config = build(KnowledgeConfig, read_yaml(path), path)
    return dataclasses.replace(config, seeds=project_path(path, config.seeds))
