"""The clinic's own settings as its admins edit them: name, country, phone, opening hours."""

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from server.countries import validate_country
from server.fields import Schema

#: A phone number: digits with the usual separators and an optional leading +,
#: at least one digit, 40 characters at most. The clinic's and crisis lines' alike.
PHONE = (
    validate.Length(min=1, max=40),
    validate.Regexp(r"^\+?[\d ()\-.]*\d[\d ()\-.]*$", error="Digits, spaces and + only."),
)


class ClinicSettingsSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Between 1 and 200 characters."),
    )
    country = fields.String(
        required=True,
        validate=validate_country,
        metadata={"description": "ISO 3166 alpha-2; chooses crisis lines for its patients."},
    )
    country_name = fields.String(dump_only=True)
    phone = fields.String(
        required=True,
        allow_none=True,
        validate=PHONE,
        metadata={"description": "Shown with the crisis resources; null for none."},
    )
    phone_hours = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "When the phone is answered, e.g. Mon-Fri 9:00-17:00."},
    )

    @pre_load
    def _trim(self, data, **_):
        # Blank text is no text: a name of spaces is refused, an empty phone is none.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key in ("name", "phone", "phone_hours", "country"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip()
        if isinstance(data.get("country"), str):
            data["country"] = data["country"].upper()
        for key in ("phone", "phone_hours"):
            if data.get(key) == "":
                data[key] = None
        return data

    @validates_schema
    def _hours_need_a_phone(self, data, **_):
        if data.get("phone_hours") and not data.get("phone"):
            raise ValidationError("Opening hours go with a phone number; give one.", "phone")
