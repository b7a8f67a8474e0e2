"""Configs from JSON: every config is a dataclass with typed fields, loaded and checked by one loader.

`from_dict(cls, data)` builds a config from JSON-shaped data, converting each value by its field's type
hint: lists become tuples, objects become nested configs or dicts, `null` is None where the hint allows
it (`init: null`), an int is a float where a float is asked for; anything else of the wrong type is an
error, as is an unknown key. `load_config` puts command-line flags on top of a JSON file. Every error is
a `ConfigError` naming the field (`TrainConfig.num_modes: must lie in 1..5, got 9`), and the file when
the bad value came from one; configs check their values with `check` in `__post_init__`.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, asdict, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from adapt2reward.paths import why_not

C = TypeVar("C")


def read_json(path: str | Path, what: str = "JSON file") -> Any:
    """Parse a JSON file; a missing file or invalid JSON raises an error naming `what` and the path."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} {why_not(path, 'file')}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{what} {path} is not valid JSON: {e}") from e


class ConfigError(ValueError):
    """A bad config value: `owner` is the config class, `field` the field (dotted into nested configs;
    None for a rule over several fields), `source` the file it came from, if any."""

    def __init__(self, owner: str, field: str | None, why: str, source: str | None = None) -> None:
        self.owner, self.field, self.why, self.source = owner, field, why, source
        where = f"{owner}.{field}" if field else owner
        super().__init__(f"{source}: {where}: {why}" if source else f"{where}: {why}")

    @property
    def top_field(self) -> str | None:
        """The field of `owner` the error is in (`backbone` for `backbone.embed_dim`)."""
        return re.split(r"[.\[]", self.field)[0] if self.field else None

    def within(self, owner: str, field: str) -> ConfigError:
        """This error of a config nested in field `field` of config `owner`."""
        return ConfigError(owner, f"{field}.{self.field}" if self.field else field, self.why, self.source)

    def in_file(self, source: str | Path) -> ConfigError:
        return ConfigError(self.owner, self.field, self.why, str(source))


def check(ok: bool, config: Any, name: str, why: str) -> None:
    """In a config's `__post_init__`: unless `ok`, raise `Class.name: why, got VALUE`."""
    if not ok:
        raise ConfigError(type(config).__name__, name, f"{why}, got {getattr(config, name)!r}")


def fail(config: Any, why: str) -> None:
    """In a config's `__post_init__`: raise an error about several of its fields together."""
    raise ConfigError(type(config).__name__, None, why)


def nested_from_dicts(config: Any) -> None:
    """In a config's `__post_init__`: nested configs given as dicts in Python
    (`TrainConfig(backbone={"embed_dim": 128})`) become their dataclass, as they do from JSON."""
    hints = get_type_hints(type(config))
    for f in fields(config):
        value, hint = getattr(config, f.name), hints[f.name]
        if isinstance(value, Mapping) and is_dataclass(hint):
            try:
                object.__setattr__(config, f.name, from_dict(hint, value))  # frozen configs too
            except ConfigError as e:
                raise e.within(type(config).__name__, f.name) from None


def field_values(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `data`, JSON-shaped, converted to `cls`'s field types; unknown keys are an error."""
    owner = cls.__name__
    if not isinstance(data, Mapping):
        raise ConfigError(owner, None, f"expected an object of its fields, got {data!r}")
    known = [f.name for f in fields(cls) if f.init]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(owner, None, f"unknown key(s) {unknown}; known keys: {known}")
    hints = get_type_hints(cls)
    values = {}
    for name, value in data.items():
        try:
            values[name] = _convert(hints[name], value)
        except ConfigError as e:
            raise e.within(owner, name) from None
        except _WrongType as e:
            raise ConfigError(owner, name + e.where, e.why) from None
    return values


def from_dict(cls: type[C], data: Mapping[str, Any]) -> C:
    """A config of class `cls` from its JSON form (see the module docstring)."""
    values = field_values(cls, data)
    required = [
        f.name for f in fields(cls) if f.init and f.default is MISSING and f.default_factory is MISSING
    ]
    missing = [name for name in required if name not in values]
    if missing:
        raise ConfigError(cls.__name__, None, f"missing key(s) {missing}")
    return cls(**values)


def load_config(
    cls: type[C],
    path: str | Path | None = None,
    flags: Mapping[str, Any] | None = None,
    extend: Mapping[str, Sequence[Any]] | None = None,
) -> C:
    """A config from a JSON file (or the defaults) with `flags` on top: a flag beats the file, the file
    beats the defaults. `extend` adds items to list fields, after the file's or the flags' (a dataset
    folder imported from elsewhere). An error in a value that came from the file names the file."""
    from_file: dict[str, Any] = {}
    if path is not None:
        try:
            from_file = field_values(cls, read_json(path, f"{cls.__name__} file"))
        except ConfigError as e:
            raise e.in_file(path) from None
    given = field_values(cls, flags or {})
    values = from_file | given
    defaults = {f.name: f for f in fields(cls)}
    for name, items in (extend or {}).items():
        start = values[name] if name in values else defaults[name].default
        values[name] = _convert(get_type_hints(cls)[name], [*start, *items])
    try:
        return from_dict(cls, values)
    except ConfigError as e:
        if path is not None and (e.top_field in from_file and e.top_field not in given):
            raise e.in_file(path) from None
        raise


class JsonConfig:
    """`to_dict`, `from_dict` and `from_file` for a config dataclass; the values are checked by the loader."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[C], data: Mapping[str, Any]) -> C:
        return from_dict(cls, data)

    @classmethod
    def from_file(cls: type[C], path: str | Path) -> C:
        return load_config(cls, path)


class _WrongType(Exception):
    """A JSON value of the wrong type; `where` is its place inside the field (`[2]`, `['key']`)."""

    def __init__(self, why: str, where: str = "") -> None:
        super().__init__(why)
        self.why, self.where = why, where

    def at(self, where: str) -> _WrongType:
        return _WrongType(self.why, where + self.where)


_SCALARS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _describe(hint: Any) -> str:
    """A type hint in words: `a number`, `a list (a string each)`, `a string or null`."""
    origin, args = get_origin(hint), get_args(hint)
    if hint in _SCALARS:
        return _SCALARS[hint]
    if hint is type(None):
        return "null"
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if is_dataclass(hint):
        return f"an object of {hint.__name__} fields"
    if origin in (tuple, list, Sequence):
        each = args[0] if args and (origin is not tuple or args[-1] is Ellipsis) else None
        return f"a list ({_describe(each)} each)" if each is not None else "a list"
    if origin in (dict, Mapping):
        return f"an object ({_describe(args[1])} each)" if args else "an object"
    return str(hint)


def _convert(hint: Any, value: Any) -> Any:
    """`value` (JSON-shaped) as a value of type `hint`; raises _WrongType or a nested ConfigError."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for option in (a for a in args if a is not type(None)):
            try:
                return _convert(option, value)
            except _WrongType:
                continue
        raise _WrongType(f"expected {_describe(hint)}, got {value!r}")
    if is_dataclass(hint):
        if isinstance(value, hint):
            return value
        return from_dict(hint, value) if isinstance(value, Mapping) else _wrong(hint, value)
    if origin in (tuple, list, Sequence):
        if isinstance(value, str) or not isinstance(value, list | tuple):
            _wrong(hint, value)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                raise _WrongType(f"expected a list of {len(args)} values, got {value!r}")
            items = zip(args, value, strict=True)
        else:
            items = ((args[0] if args else Any, item) for item in value)
        converted = []
        for i, (item_hint, item) in enumerate(items):
            try:
                converted.append(_convert(item_hint, item))
            except _WrongType as e:
                raise e.at(f"[{i}]") from None
        return converted if origin is list else tuple(converted)
    if origin in (dict, Mapping):
        if not isinstance(value, Mapping):
            _wrong(hint, value)
        key_hint, item_hint = args or (Any, Any)
        result = {}
        for key, item in value.items():
            try:
                result[_convert(key_hint, key)] = _convert(item_hint, item)
            except _WrongType as e:
                raise e.at(f"[{key!r}]") from None
        return result
    if hint in _SCALARS:
        # bool is an int in Python, not in a config; an int is a fine float
        ok = isinstance(value, hint) and not (hint is not bool and isinstance(value, bool))
        if hint is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value if ok else _wrong(hint, value)
    raise TypeError(f"config fields of type {hint} are not supported")


def _wrong(hint: Any, value: Any) -> Any:
    raise _WrongType(f"expected {_describe(hint)}, got {value!r}")
