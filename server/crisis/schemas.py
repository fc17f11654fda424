"""Request and response shapes of crisis resources."""

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from server.clinics.schemas import PHONE
from server.countries import validate_country
from server.fields import Schema


class CrisisResourceSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = fields.String(
        load_default=None,
        validate=PHONE,
    )
    sms = fields.String(
        load_default=None,
        validate=PHONE,
    )
    sms_body = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The word to text, e.g. HOME for the Crisis Text Line."},
    )
    url = fields.Url(load_default=None, schemes={"https"}, validate=validate.Length(max=300))
    description = fields.String(load_default=None, validate=validate.Length(max=300))
    hours = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "The clinic's opening hours."}
    )
    clinic = fields.Boolean(dump_only=True, metadata={"description": "The clinic's own phone."})

    @validates_schema
    def reachable(self, data, **kwargs):
        if not (data.get("phone") or data.get("sms") or data.get("url")):
            raise ValidationError("Give a phone, an SMS number or a link.", "phone")
        if data.get("sms_body") and not data.get("sms"):
            raise ValidationError("A word to text needs an SMS number.", "sms")


class EmergencySchema(Schema):
    name = fields.String()
    phone = fields.String()
    description = fields.String()


class CrisisResourcesSchema(Schema):
    """The clinic's own list, as `PUT /crisis-resources` takes it."""

    resources = fields.List(
        fields.Nested(CrisisResourceSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    message = fields.String(load_default=None, validate=validate.Length(max=500))
    include_clinic_phone = fields.Boolean(
        load_default=True, metadata={"description": "List the clinic's phone after these."}
    )


class CrisisAnswerSchema(Schema):
    """What a signed-in person sees: their country's list and its emergency number."""

    country = fields.String(allow_none=True, metadata={"description": "ISO 3166 alpha-2"})
    country_name = fields.String()
    chosen_by = fields.String(
        metadata={"description": "setting, time_zone or clinic: where the country came from"}
    )
    emergency = fields.Nested(
        EmergencySchema, metadata={"description": "Always given, whatever list is served."}
    )
    resources = fields.List(fields.Nested(CrisisResourceSchema))
    message = fields.String(allow_none=True)
    include_clinic_phone = fields.Boolean()
    customised = fields.Boolean(metadata={"description": "The clinic's own list is served."})


class BuiltInSchema(Schema):
    emergency = fields.Nested(EmergencySchema)
    resources = fields.List(fields.Nested(CrisisResourceSchema))


class ClinicCrisisSettingsSchema(Schema):
    """A clinic's country, phone, opening hours and own list, as its admins edit them."""

    clinic_id = fields.UUID(dump_only=True)
    country = fields.String(required=True, validate=validate_country)
    country_name = fields.String(dump_only=True)
    phone = fields.String(
        required=True,
        allow_none=True,
        validate=PHONE,
    )
    phone_hours = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "When the clinic answers, e.g. Mon-Fri 9:00-17:00."},
    )
    resources = fields.List(
        fields.Nested(CrisisResourceSchema),
        required=True,
        allow_none=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Null: the built-in list of the clinic's country."},
    )
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    include_clinic_phone = fields.Boolean(load_default=True)
    customised = fields.Boolean(dump_only=True)
    built_in = fields.Nested(
        BuiltInSchema, dump_only=True, metadata={"description": "The country's built-in list."}
    )


class CountrySchema(Schema):
    code = fields.String()
    name = fields.String()
    built_in = fields.Boolean(metadata={"description": "Between ships a list for it."})


class CountryListSchema(Schema):
    items = fields.List(fields.Nested(CountrySchema))
