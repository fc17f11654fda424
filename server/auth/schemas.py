from marshmallow import fields, validate

from server.auth.models import ROLES
from server.countries import validate_country
from server.fields import AwareDateTime, Schema, TimeZone


class Email(fields.Email):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(max=254), **kwargs)


class LoginSchema(Schema):
    email = Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    totp = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[0-9A-Za-z-]{6,20}$"),
        metadata={
            "description": "Once two-step sign-in is set up: the authenticator's current "
            "6-digit code, or one unused recovery code."
        },
    )


class DeviceKeySchema(Schema):
    key = fields.String(
        metadata={
            "description": "32 random bytes (base64url) the patient app derives its "
            "non-extractable sealing key from; the same for this account on every sign-in."
        }
    )


class MeSchema(Schema):
    id = fields.UUID()
    email = fields.String()
    role = fields.String()
    display_name = fields.String()
    clinic_id = fields.UUID()
    time_zone = fields.String()
    share_by_default = fields.Boolean()
    totp_enrolled = fields.Boolean(metadata={"description": "Two-step sign-in is set up."})
    totp_required = fields.Boolean(
        metadata={
            "description": "This role must use two-step sign-in; while it is required and "
            "not enrolled, only enrolment is available (403 totp-enrolment-required)."
        }
    )
    csrf_token = fields.String(
        allow_none=True,
        metadata={"description": "Send as X-CSRF-Token on unsafe cookie requests."},
    )


class TokenRequestSchema(LoginSchema):
    name = fields.String(load_default="mobile", validate=validate.Length(min=1, max=100))


class TokenSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    created_at = AwareDateTime()
    expires_at = AwareDateTime(
        metadata={"description": "When it stops working unless used before; each use moves it on."}
    )
    lifetime_ends_at = AwareDateTime(
        metadata={"description": "When it stops working however much it is used."}
    )
    token = fields.String(metadata={"description": "Shown once; send as Authorization: Bearer."})


class TokenListItemSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    created_at = AwareDateTime()
    last_used_at = AwareDateTime(allow_none=True)
    expires_at = AwareDateTime()
    lifetime_ends_at = AwareDateTime()
    current = fields.Boolean(metadata={"description": "The token making this request."})


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenListItemSchema))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=256))
    new_password = fields.String(required=True, validate=validate.Length(max=256))


class InviteRequestSchema(Schema):
    email = Email(required=True)
    role = fields.String(load_default="patient", validate=validate.OneOf(ROLES[:2]))
    display_name = fields.String(load_default=None, validate=validate.Length(min=1, max=120))
    therapist_id = fields.UUID(
        load_default=None,
        metadata={"description": "Admins inviting a patient: the therapist caring for them."},
    )


class _InvitationSchema(Schema):
    """Who is invited, as what, until when: what every view of an invitation shows."""

    id = fields.UUID()
    email = fields.String()
    role = fields.String()
    display_name = fields.String(allow_none=True)
    expires_at = AwareDateTime()


class InviteSchema(_InvitationSchema):
    token = fields.String(metadata={"description": "Shown once, only to the inviter."})
    accept_url = fields.String()


class PendingInviteSchema(_InvitationSchema):
    """A pending invitation as listed: never its token."""

    created_at = AwareDateTime()


class InviteListSchema(Schema):
    items = fields.List(fields.Nested(PendingInviteSchema))


class StaffMemberSchema(Schema):
    id = fields.UUID(
        metadata={
            "description": "For `POST /users/{id}/sessions/revoke` and `/users/{id}/totp/reset`."
        }
    )
    display_name = fields.String()
    email = fields.String()
    role = fields.String()
    two_step_enabled = fields.Boolean(metadata={"description": "Two-step sign-in is set up."})
    last_sign_in_at = AwareDateTime(
        allow_none=True, metadata={"description": "Their latest browser sign-in; none yet: null."}
    )


class StaffListSchema(Schema):
    items = fields.List(fields.Nested(StaffMemberSchema))


class InviteInfoSchema(Schema):
    email = fields.String()
    role = fields.String()
    display_name = fields.String(allow_none=True)
    clinic_name = fields.String()
    expires_at = AwareDateTime()


class InviteAcceptSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(max=256))
    display_name = fields.String(load_default=None, validate=validate.Length(min=1, max=120))
    time_zone = TimeZone(load_default="UTC")
    share_by_default = fields.Boolean(load_default=True)


#: Daily check-in reminders beyond the first one a patient may ask for.
MORE_CHECKIN_TIMES = 2


class SettingsSchema(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=120))
    time_zone = TimeZone()
    checkin_time = fields.Time(allow_none=True, metadata={"description": "Local daily reminder."})
    more_checkin_times = fields.List(
        fields.Time(),
        validate=validate.Length(max=MORE_CHECKIN_TIMES),
        metadata={"description": f"Up to {MORE_CHECKIN_TIMES} more local daily reminders."},
    )
    quiet_hours_start = fields.Time(
        allow_none=True,
        metadata={"description": "Local; no reminders from then until the end. Both or neither."},
    )
    quiet_hours_end = fields.Time(
        allow_none=True, metadata={"description": "Local; differs from the start. Both or neither."}
    )
    share_by_default = fields.Boolean()
    country = fields.String(
        allow_none=True,
        validate=validate_country,
        metadata={
            "description": "ISO 3166 alpha-2 for crisis resources; null: my time zone's country."
        },
    )


class TotpEnrolmentSchema(Schema):
    secret = fields.String(metadata={"description": "Base32, for typing into an authenticator."})
    otpauth_uri = fields.String(metadata={"description": "The otpauth:// URI (QR content)."})
    qr_code = fields.String(metadata={"description": "The URI as an SVG QR code, a data: URI."})


class TotpConfirmSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{6}$"))


class RecoveryCodesSchema(Schema):
    recovery_codes = fields.List(
        fields.String(),
        metadata={"description": "Ten single-use codes, shown once; only hashes are kept."},
    )
    csrf_token = fields.String(
        allow_none=True,
        metadata={"description": "Other sessions ended; this is the new token for this one."},
    )


class TotpDisableSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(max=256))
    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9A-Za-z-]{6,20}$"),
        metadata={"description": "A current code or an unused recovery code."},
    )
