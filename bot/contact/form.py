"""Parsing the Mentor/Protégé Contact Form."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from bot.slack.fields import FieldErrors, State, selected, text
from bot.slack.text import EMAIL, EMAIL_MAX

EMAIL_CHECKED = {"school_day": "Only during the school day", "always": "24/7"}
PREFERRED = {"email": "E-mail", "text": "Text", "phone": "Phone call"}
TEXT_MAX = {"name": 200, "school_name_address": 500, "admin_name": 200}
PHONE_MAX = 40  # the column: a number with a long extension must still fit


@dataclass(frozen=True)
class Contact:
    name: str | None  # left empty, the name Slack gave stays
    school_name_address: str | None
    email: str | None
    email_checked: str | None
    school_phone: str | None
    cell_phone: str | None
    preferred_contact: str | None
    admin_name: str | None
    admin_email: str | None
    admin_phone: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def parse_contact(state: State) -> Contact:
    errors: dict[str, str] = {}
    values = {
        "name": text(state, "name") or None,
        "school_name_address": text(state, "school_name_address") or None,
        "email": text(state, "email") or None,
        "email_checked": selected(state, "email_checked"),
        "school_phone": text(state, "school_phone") or None,
        "cell_phone": text(state, "cell_phone") or None,
        "preferred_contact": selected(state, "preferred_contact"),
        "admin_name": text(state, "admin_name") or None,
        "admin_email": text(state, "admin_email") or None,
        "admin_phone": text(state, "admin_phone") or None,
    }
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
    return Contact(**values)


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
