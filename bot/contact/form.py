"""Parsing the Mentor/Protégé Contact Form: a member's blocks, or a content advisor's."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.slack.fields import FieldErrors, State, selected, text
from bot.slack.text import EMAIL, EMAIL_MAX
from storage.privacy import CONTACT  # the Contact Form's columns on `people`, in form order

EMAIL_CHECKED = {"school_day": "Only during the school day", "always": "24/7"}
PREFERRED = {"email": "E-mail", "text": "Text", "phone": "Phone call"}
TEXT_MAX = {
    "name": 200,
    "school_name_address": 500,
    "admin_name": 200,
    "mailing_address": 300,
    "city_state_zip": 120,
}
PHONE_MAX = 40  # the column: a number with a long extension must still fit

# The manual's form has a block per person: the protégé's and the mentor's ask the same, the
# content advisor's asks less (no school, no administrator) and adds a mailing address.
ADVISOR_ONLY = ("mailing_address", "city_state_zip")
MEMBER_FIELDS = tuple(c for c in CONTACT if c not in ("tz", *ADVISOR_ONLY))  # the form's order
ADVISOR_FIELDS = ("name", "cell_phone", "email", "mailing_address", "city_state_zip")


def fields_for(*, member: bool, advisor: bool) -> tuple[str, ...]:
    """The fields a person's Contact Form asks: their member block, their advisor block, or
    both for someone who is both (someone on no team yet gets the member's)."""
    if not advisor:
        return MEMBER_FIELDS
    if not member:
        return ADVISOR_FIELDS
    return MEMBER_FIELDS + ADVISOR_ONLY


@dataclass(frozen=True)
class Contact:
    """What the person typed in the fields their form asked (an emptied field is None; a
    field the form did not ask is absent, and stays as stored)."""

    values: dict[str, str | None]

    def as_dict(self) -> dict[str, str | None]:
        return dict(self.values)


_CHOICES = ("email_checked", "preferred_contact")


def parse_contact(state: State, asked: tuple[str, ...] = MEMBER_FIELDS) -> Contact:
    """`asked`: the fields of the form the person was shown; the others stay as stored."""
    errors: dict[str, str] = {}
    values: dict[str, str | None] = {
        name: (selected(state, name) if name in _CHOICES else text(state, name) or None)
        for name in (*MEMBER_FIELDS, *ADVISOR_ONLY)
    }
    for name in values:
        if name not in asked:
            values[name] = None  # checks below skip it; it is not saved
    if not values["email"]:
        errors["email"] = "Please give the e-mail address you use for the program."
    for field in ("email", "admin_email"):
        address = values[field]
        # Strictly an address: it is shown on the team card and linked in the semester
        # note, so "<https://evil.example|jane@school.org>" or "<!channel>@x.org" never pass.
        if address and (len(address) > EMAIL_MAX or not EMAIL.match(address)):
            errors[field] = "That does not look like an e-mail address (name@school.org)."
    for field in ("school_phone", "cell_phone", "admin_phone"):
        phone = values[field]
        if phone:
            normal = normalise_phone(phone)
            if normal is None:
                errors[field] = "Please give a phone number with its area code, like 573-555-0100."
            elif len(normal) > PHONE_MAX:
                errors[field] = "That extension is too long; please give a shorter one."
            else:
                values[field] = normal
    for field, limit in TEXT_MAX.items():
        given = values[field]
        if given and len(given) > limit:
            errors[field] = f"Please keep it under {limit} characters."
    if values["preferred_contact"] not in (None, *PREFERRED):
        errors["preferred_contact"] = "Please choose one of the options."
    if values["email_checked"] not in (None, *EMAIL_CHECKED):
        errors["email_checked"] = "Please choose one of the options."
    if errors:
        raise FieldErrors(errors)
    return Contact({name: values[name] for name in asked})


def normalise_phone(raw: str) -> str | None:
    """'(573) 555-0100 x12' -> '573-555-0100 x12'; None when it is not a phone number."""
    main, _, extension = raw.lower().partition("x")
    digits = re.sub(r"[\s().+-]", "", main.replace("ext", "").rstrip("e. "))
    extension = re.sub(r"\D", "", extension)
    if not digits.isdigit():
        return None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None
    number = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"{number} x{extension}" if extension else number
