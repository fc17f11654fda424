"""A marshmallow schema's dump, compiled once into plain functions.

marshmallow looks at every declared field of every object on each dump: a
brief's items declare 32 fields each, and dumping a brief took about a fifth
of its request. `compiled(Schema)` reads the schema's fields once and
returns a function giving what `Schema().dump(obj)` gives, for the field
types these schemas use, read from `attribute` (dotted paths too) and
written under `data_key` as marshmallow does; a `Raw` field's value goes
out as it is. Anything else (another field type, a dump hook, a default)
is refused when compiling, so the two cannot drift apart silently; tests
hold them equal on real responses. The schema stays
the contract: it is what the OpenAPI document shows.
"""

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from marshmallow import Schema, missing
from marshmallow import fields as ma

ISO = ("iso", "iso8601")


def _expression(field: ma.Field, value: str, names: dict) -> str:
    """Python source turning `value` (a variable's name) into what `field` dumps."""
    kind = type(field)

    def helper(obj) -> str:
        name = f"_h{len(names)}"
        names[name] = obj
        return name

    def unless_none(source: str) -> str:
        return f"(None if {value} is None else {source})"

    if kind is ma.Nested:
        if field.only or field.exclude:
            raise TypeError("fastdump cannot compile a Nested with only/exclude")
        dump = helper(compiled(type(field.schema)))
        if field.many or field.schema.many:
            return unless_none(f"[{dump}(each) for each in {value}]")
        return unless_none(f"{dump}({value})")
    if kind is ma.List:
        each = f"{value}_"
        return unless_none(f"[{_expression(field.inner, each, names)} for {each} in {value}]")
    # Dates and times in ISO form, by a field that keeps marshmallow's own dump.
    temporal = isinstance(field, ma.DateTime | ma.Date) and (field.format or "iso") in ISO
    if temporal and kind._serialize is ma.DateTime._serialize:
        # The same unbound method marshmallow calls: a datetime given to a
        # Date field dumps as its date, as there.
        isoformat = helper(date.isoformat if isinstance(field, ma.Date) else datetime.isoformat)
        return unless_none(f"{isoformat}({value})")
    if kind in (ma.String, ma.UUID):
        return unless_none(f"str({value})")
    if kind is ma.Integer and not field.as_string:
        return unless_none(f"int({value})")
    if kind is ma.Float and not field.as_string:
        return unless_none(f"float({value})")
    if kind is ma.Boolean or kind is ma.Raw:
        # marshmallow passes a Raw value through, and a Boolean's as it is.
        return value
    raise TypeError(f"fastdump cannot compile {kind.__name__}; dump with the schema")


def _once(convert: str, read: str) -> str:
    """`convert` (written on `value`) reading its value once, from `read`."""
    if convert == "value":
        return read
    return convert.replace("value", f"(value := {read})", 1)


def _getter(attribute: str) -> Callable[[Any], Any]:
    """Read a dotted `attribute` ("entry.shared") step by step, as marshmallow does."""
    steps = attribute.split(".")

    def get(obj):
        for step in steps:
            if obj is None:
                return missing
            obj = obj.get(step, missing) if isinstance(obj, dict) else getattr(obj, step, missing)
            if obj is missing:
                return missing
        return obj

    return get


@cache
def compiled(schema_class: type[Schema]) -> Callable[[Any], dict]:
    """`dump(obj)`, equal to `schema_class().dump(obj)` for one object.

    Written as Python source, one line a field with its conversion inline,
    and compiled once: a call per field and value cost as much as the
    schema's own dump saved.
    """
    schema = schema_class()
    if any(schema._hooks.values()):
        raise TypeError(f"{schema_class.__name__} has hooks; dump with the schema")
    names: dict[str, Any] = {"_missing": missing}
    whole_dict, whole_object, from_dict, from_object = [], [], [], []
    for name, field in schema.dump_fields.items():
        if field.dump_default is not missing:
            raise TypeError(f"{schema_class.__name__}.{name} has a default; dump with the schema")
        key = field.data_key if field.data_key is not None else name
        attribute = field.attribute or name
        convert = _expression(field, "value", names)
        store = f"if value is not _missing: result[{key!r}] = {convert}"
        if "." in attribute or not attribute.isidentifier():
            names[f"_get{len(names)}"] = _getter(attribute)
            read = f"value = _get{len(names) - 1}(obj)"
            from_dict += [read, store]
            from_object += [read, store]
            whole_dict = whole_object = None
            continue
        from_dict += [f"value = get({attribute!r}, _missing)", store]
        from_object += [f"value = getattr(obj, {attribute!r}, _missing)", store]
        if whole_dict is not None:
            # Every value present (the usual case): one dict display, no checks.
            whole_dict.append(f"{key!r}: {_once(convert, f'obj[{attribute!r}]')},")
            whole_object.append(f"{key!r}: {_once(convert, f'obj.{attribute}')},")
    lines = ["def dump(obj):", "  if isinstance(obj, dict):"]
    if whole_dict is not None:
        lines += ["    try:", "      return {", *(f"        {line}" for line in whole_dict)]
        lines += ["      }", "    except KeyError:", "      pass"]
    lines += ["    result = {}", "    get = obj.get", *(f"    {line}" for line in from_dict)]
    lines += ["    return result"]
    if whole_object is not None:
        lines += ["  try:", "    return {", *(f"      {line}" for line in whole_object)]
        lines += ["    }", "  except AttributeError:", "    pass"]
    lines += ["  result = {}", *(f"  {line}" for line in from_object), "  return result"]
    source = "\n".join(lines)
    exec(compile(source, f"<fastdump {schema_class.__name__}>", "exec"), names)  # noqa: S102
    return names["dump"]
