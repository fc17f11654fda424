"""The compiled dump gives what the schema's own dump gives, or refuses to compile."""

import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from marshmallow import fields, post_dump

from server.fastdump import compiled
from server.fields import AwareDateTime, Schema


class Inner(Schema):
    id = fields.UUID()
    at = AwareDateTime(allow_none=True)


class Everything(Schema):
    name = fields.String()
    count = fields.Integer()
    ratio = fields.Float(allow_none=True)
    on = fields.Boolean()
    day = fields.Date()
    day_of = fields.Date()
    tags = fields.List(fields.String())
    one = fields.Nested(Inner, allow_none=True)
    many = fields.List(fields.Nested(Inner))
    also_many = fields.Nested(Inner, many=True)
    absent = fields.String()


def test_the_compiled_dump_equals_the_schema_dump_for_dicts_and_objects():
    inner = SimpleNamespace(id=uuid.uuid4(), at=datetime(2026, 3, 8, 7, 30, tzinfo=UTC))
    data = {
        "name": "Ana",
        "count": 3.0,
        "ratio": 2,
        "on": False,
        "day": date(2026, 3, 8),
        "day_of": datetime(2026, 3, 8, 23, 30, tzinfo=UTC),  # dumps as its date
        "tags": ["calm", "hopeful"],
        "one": inner,
        "many": [{"id": uuid.uuid4(), "at": None}, inner],
        "also_many": [inner],
        "not_declared": "left out",
    }
    for shaped in (data, SimpleNamespace(**data)):
        assert compiled(Everything)(shaped) == Everything().dump(shaped)
    nones = dict.fromkeys(data)
    assert compiled(Everything)(nones) == Everything().dump(nones)


class Moved(Schema):
    """As the caseload and the export declare some fields: read elsewhere, written raw."""

    name = fields.String(data_key="display_name")
    shared = fields.Boolean(attribute="entry.shared")
    when = AwareDateTime(attribute="entry.at", allow_none=True)
    trend = fields.Raw()


def test_attribute_data_key_and_raw_dump_as_the_schema_dumps_them():
    at = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    cases = [
        {"name": "Ana", "entry": {"shared": True, "at": at}, "trend": [1.5, None, 7]},
        {"name": "Ben", "entry": SimpleNamespace(shared=False, at=None), "trend": None},
        {"name": "Cy", "entry": None},
        {"entry": {}},
    ]
    for data in cases:
        for shaped in (data, SimpleNamespace(**data)):
            assert compiled(Moved)(shaped) == Moved().dump(shaped), data


class WithHook(Schema):
    name = fields.String()

    @post_dump
    def shout(self, data, **_):
        return {"name": data["name"].upper()}


class Computed(Schema):
    name = fields.Method("get_name")

    def get_name(self, obj):
        return "x"


class Plucked(Schema):
    inner_id = fields.Pluck(Inner, "id")


class Shouting(fields.String):
    def _serialize(self, value, attr, obj, **kwargs):
        return str(value).upper()


class ShoutingDay(fields.Date):
    def _serialize(self, value, attr, obj, **kwargs):
        return "day"


class Overridden(Schema):
    name = Shouting()


class OverriddenDay(Schema):
    day = ShoutingDay()


@pytest.mark.parametrize("schema", [WithHook, Computed, Plucked, Overridden, OverriddenDay])
def test_what_it_cannot_copy_exactly_is_refused_when_compiling(schema):
    with pytest.raises(TypeError):
        compiled(schema)
