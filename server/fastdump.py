"""A marshmallow schema's dump, compiled once into plain functions.

marshmallow looks at every declared field of every object on each dump: a
brief's items declare 32 fields each, and dumping a brief took about a fifth
of its request. `compiled(Schema)` reads the schema's fields once and
returns a function giving what `Schema().dump(obj)` gives, for the field
types these schemas use. Anything else (another field type, a dump hook, a
default, a renamed key) is refused when compiling, so the two cannot drift
apart silently; tests hold them equal on real responses. The schema stays
the contract: it is what the OpenAPI document shows.
"""

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from marshmallow import Schema, missing
from marshmallow import fields as ma

ISO = ("iso", "iso8601")


def _iso(isoformat):
    # The same unbound method marshmallow calls: a datetime given to a Date
    # field dumps as its date, as there.
    return lambda value: None if value is None else isoformat(value)


def _text(value):
    return None if value is None else str(value)


def _converter(field: ma.Field) -> Callable[[Any], Any]:
    """The function turning one value into what `field` dumps."""
    kind = type(field)
    if kind is ma.Nested:
        if field.only or field.exclude:
            raise TypeError("fastdump cannot compile a Nested with only/exclude")
        dump = compiled(type(field.schema))
        if field.many or field.schema.many:
            return lambda value: None if value is None else [dump(each) for each in value]
        return lambda value: None if value is None else dump(value)
    if kind is ma.List:
        inner = _converter(field.inner)
        return lambda value: None if value is None else [inner(each) for each in value]
    # Dates and times in ISO form, by a field that keeps marshmallow's own dump.
    temporal = isinstance(field, ma.DateTime | ma.Date) and (field.format or "iso") in ISO
    if temporal and kind._serialize is ma.DateTime._serialize:
        return _iso(date.isoformat if isinstance(field, ma.Date) else datetime.isoformat)
    if kind in (ma.String, ma.UUID):
        return _text
    if kind is ma.Integer and not field.as_string:
        return lambda value: None if value is None else int(value)
    if kind is ma.Float and not field.as_string:
        return lambda value: None if value is None else float(value)
    if kind is ma.Boolean:
        return lambda value: value
    raise TypeError(f"fastdump cannot compile {kind.__name__}; dump with the schema")


def _getter(attribute: str) -> Callable[[Any], Any]:
    def get(obj):
        if isinstance(obj, dict):
            return obj.get(attribute, missing)
        return getattr(obj, attribute, missing)

    return get


@cache
def compiled(schema_class: type[Schema]) -> Callable[[Any], dict]:
    """`dump(obj)`, equal to `schema_class().dump(obj)` for one object."""
    schema = schema_class()
    if any(schema._hooks.values()):
        raise TypeError(f"{schema_class.__name__} has hooks; dump with the schema")
    plan = []
    for name, field in schema.dump_fields.items():
        if field.attribute not in (None, name) or field.data_key not in (None, name):
            raise TypeError(f"{schema_class.__name__}.{name} is renamed; dump with the schema")
        if field.dump_default is not missing:
            raise TypeError(f"{schema_class.__name__}.{name} has a default; dump with the schema")
        plan.append((name, _getter(name), _converter(field)))

    def dump(obj) -> dict:
        result = {}
        for name, get, convert in plan:
            value = get(obj)
            if value is not missing:
                result[name] = convert(value)
        return result

    return dump
