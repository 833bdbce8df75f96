"""Units in and out of spreadsheets (docs/domain.md "units" format: code, name, block)."""

import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from accounts.models import Block, Role, Unit, User
from accounts.policy import role_place
from cchc.imports import (
    CellError,
    ChoiceWidget,
    CodeListWidget,
    CodeWidget,
    DayFirstDateWidget,
    TableResource,
    YesNoWidget,
)


class UnitResource(TableResource):
    code = Field(attribute="code", column_name="Mã đơn vị")
    name = Field(attribute="name", column_name="Tên đơn vị")
    block = Field(
        attribute="block",
        column_name="Khối",
        widget=CodeWidget(Block, not_found=_("there is no block with code “%(value)s”.")),
    )
    active = Field(attribute="active", column_name="Đang hoạt động", widget=YesNoWidget(default=True))
    valid_from = Field(attribute="valid_from", column_name="Hiệu lực từ", widget=DayFirstDateWidget())
    valid_to = Field(attribute="valid_to", column_name="Hiệu lực đến", widget=DayFirstDateWidget())
    predecessors = Field(
        attribute="predecessors",
        column_name="Kế thừa từ",
        widget=CodeListWidget(Unit, not_found=_("Succeeded units: there is no unit with code %(value)s.")),
    )

    required_fields = ("code", "name", "block")
    key_fields = ("code",)

    class Meta:
        model = Unit
        fields = ("code", "name", "block", "active", "valid_from", "valid_to", "predecessors")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        own = (row.get(self.fields["code"].column_name) or "").strip()
        succeeded = str(row.get(self.fields["predecessors"].column_name) or "").replace(",", ";").split(";")
        if own and own in {code.strip() for code in succeeded}:
            raise ValidationError({"predecessors": _("a unit cannot succeed itself.")})


# --- people: onboarding in bulk (docs/domain.md "people" format) ---

PHONE_PATTERN = re.compile(r"0(?:[35789]\d{8}|2\d{9})")


def vietnamese_phone(value: str) -> str:
    """A Vietnamese phone number as ten (mobile) or eleven (landline, 02x) digits starting with 0.

    Spaces, dots, dashes and brackets are dropped; +84 or 84 stands for the leading 0, and a number Excel stored
    without its leading 0 (912345678) gets it back. Raises CellError."""
    digits = re.sub(r"[\s.\-()]", "", value)
    if re.fullmatch(r"[35789]\d{8}|2\d{9}", digits):
        digits = "0" + digits
    elif digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not PHONE_PATTERN.fullmatch(digits):
        raise CellError(
            gettext("“%(value)s” is not a Vietnamese phone number (10 digits such as 0912 345 678, or 024 3825 1234).")
            % {"value": value}
        )
    return digits


PREVIEW_FIELDS = ("username", "full_name", "email", "phone", "unit", "role", "agency", "active")


@dataclass
class _Person:
    """What the file says of one person, from the first row naming them."""

    line: int
    full_name: str
    email: str
    phone: str
    roles: dict = dc_field(default_factory=dict)  # role → line
    unit_line: int | None = None  # the row giving their unit role (staff or head: one unit only)
    grants: list = dc_field(default_factory=list)  # (role, unit) of its valid rows


class PersonResource(TableResource):
    """People and their roles, one row per role (a person on several rows holds several roles).

        New people are created without a password and invited by e-mail; ``active`` = 0 deactivates someone who
        left. The rows are checked one by one; then ``people_create`` writes the people and their roles together (the
    checks of ``membership_grant``, each logged). Any problem and nothing is saved.
    """

    username = Field(attribute="preview_username", column_name="Tên đăng nhập")
    full_name = Field(attribute="preview_full_name", column_name="Họ và tên")
    email = Field(attribute="preview_email", column_name="Thư điện tử")
    phone = Field(attribute="preview_phone", column_name="Điện thoại")
    unit = Field(attribute="preview_unit", column_name="Đơn vị")
    role = Field(attribute="preview_role", column_name="Vai trò")
    agency = Field(attribute="preview_agency", column_name="Cơ quan thẩm định")
    active = Field(attribute="preview_active", column_name="Đang làm việc")

    required_fields = ("username", "role")
    EXTRA_HEADERS = {
        "email": ("e-mail", "mail"),
        "phone": ("số điện thoại", "sđt"),
        "unit": ("mã đơn vị",),
        "role": ("quyền",),
        "username": ("tài khoản",),
        "full_name": ("họ tên",),
    }

    class Meta:
        model = User
        fields = PREVIEW_FIELDS
        import_order = PREVIEW_FIELDS
        import_id_fields = ()
        skip_unchanged = False
        use_transactions = True
        clean_model_instances = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The file's order, not the model's: problems of a row are listed column by column.
        self.fields = {name: self.fields[name] for name in PREVIEW_FIELDS}

    def header_aliases(self) -> dict[str, str]:
        aliases = super().header_aliases()
        for name, extras in self.EXTRA_HEADERS.items():
            for extra in extras:
                aliases[extra] = self.fields[name].column_name
        return aliases

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        self.user = kwargs.get("user")
        self._people: dict[str, _Person] = {}
        self._emails: dict[str, tuple[str, int]] = {}  # e-mail → (username, line) in this file
        self._units = {unit.code: unit for unit in Unit.objects.all()}
        self._known_usernames = set(User.objects.values_list("username", flat=True))
        self._known_emails = {email.lower() for email in User.objects.exclude(email="").values_list("email", flat=True)}
        return super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=use_transactions, **kwargs
        )

    def _cell(self, row, name) -> str:
        return str(row.get(self.fields[name].column_name) or "").strip()

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        self._line = kwargs["row_number"] + 1

    def get_or_init_instance(self, instance_loader, row):
        username = self._cell(row, "username")
        person = self._people.get(username)
        if person is not None:
            return User(username=username), False  # another role of a person of this file
        if username in self._known_usernames:
            return User.objects.get(username=username), False
        return User(username=username), True

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list[str]] = {}

        def refuse(column, message):
            errors.setdefault(column, []).append(message)

        line = self._line
        username = self._cell(row, "username")
        instance._plan = None
        try:
            active = YesNoWidget(default=True).clean(row.get(self.fields["active"].column_name))
        except CellError as exc:
            refuse("active", str(exc))
            active = True
        if not username:
            refuse("username", gettext("the username is empty."))
        else:
            try:
                User.username_validator(username)
                valid = len(username) <= 150
            except ValidationError:
                valid = False
            if not valid:
                refuse(
                    "username",
                    gettext("“%(value)s” is not a valid username: letters, digits and @ . + - _ only, at most 150.")
                    % {"value": username},
                )
        if not active:
            self._deactivation(instance, username, line, refuse)
        elif username:
            self._membership(instance, row, username, line, refuse)
        if errors:
            raise ValidationError({self.fields[name].attribute: messages for name, messages in errors.items()})
        self._show(instance, username, instance._plan)

    def _deactivation(self, instance, username, line, refuse):
        earlier = self._people.get(username)
        if earlier is not None:
            refuse(
                "username",
                gettext("“%(value)s” already appears in row %(row)s.") % {"value": username, "row": earlier.line},
            )
        elif username and username not in self._known_usernames:
            refuse("active", gettext("there is no person “%(value)s” to deactivate.") % {"value": username})
        self._people.setdefault(username, _Person(line=line, full_name="", email="", phone=""))
        instance._plan = ("deactivate",)

    def _membership(self, instance, row, username, line, refuse):
        full_name = self._cell(row, "full_name")
        email = self._cell(row, "email")
        phone = self._cell(row, "phone")
        person = self._people.get(username)
        if person is None and username in self._known_usernames:
            refuse(
                "username",
                gettext("“%(value)s” already exists: a person with this username is in the system.")
                % {"value": username},
            )
        if person is None:
            person = self._first_row_of(username, line, full_name, email, phone, refuse)
        elif (
            (full_name and full_name != person.full_name)
            or (email and email.lower() != person.email.lower())
            or (phone and not self._same_phone(phone, person.phone))
        ):
            refuse(
                "username",
                gettext("“%(value)s” already appears in row %(row)s with another name, e-mail or phone.")
                % {"value": username, "row": person.line},
            )
        elif not person.full_name and not person.email:
            refuse(
                "username",
                gettext("“%(value)s” already appears in row %(row)s.") % {"value": username, "row": person.line},
            )
        role = self._role(row, refuse)
        unit = self._place(row, role, refuse)
        if role:
            if role in person.roles:
                refuse(
                    "role",
                    gettext("%(name)s already has this role in row %(row)s.")
                    % {"name": username, "row": person.roles[role]},
                )
            elif role_place(role) == "unit" and person.unit_line is not None:
                refuse(
                    "role",
                    gettext(
                        "%(name)s is already staff or head of a unit in row %(row)s: "
                        "a person is staff or head of one unit only."
                    )
                    % {"name": username, "row": person.unit_line},
                )
            else:
                person.roles[role] = line
                if role_place(role) == "unit":
                    person.unit_line = line
        instance._plan = ("grant", person, role, unit)

    def _first_row_of(self, username, line, full_name, email, phone, refuse) -> _Person:
        if not full_name:
            refuse("full_name", gettext("the full name is empty."))
        if not email:
            refuse("email", gettext("the e-mail address is empty: the person receives their link there."))
        else:
            try:
                validate_email(email)
            except ValidationError:
                refuse("email", gettext("“%(value)s” is not a valid e-mail address.") % {"value": email})
            else:
                email = User.objects.normalize_email(email)
                earlier = self._emails.get(email.lower())
                if earlier is not None:
                    refuse(
                        "email",
                        gettext("“%(value)s” is already the address of %(name)s in row %(row)s.")
                        % {"value": email, "name": earlier[0], "row": earlier[1]},
                    )
                elif email.lower() in self._known_emails:
                    refuse(
                        "email",
                        gettext("“%(value)s” is already the address of a person in the system.") % {"value": email},
                    )
                else:
                    self._emails[email.lower()] = (username, line)
        if phone:
            try:
                phone = vietnamese_phone(phone)
            except CellError as exc:
                refuse("phone", str(exc))
        person = _Person(line=line, full_name=full_name, email=email, phone=phone)
        self._people[username] = person
        return person

    @staticmethod
    def _same_phone(phone, known) -> bool:
        try:
            return vietnamese_phone(phone) == known
        except CellError:
            return False

    def _role(self, row, refuse) -> str:
        value = self._cell(row, "role")
        if not value:
            refuse("role", gettext("the role is empty."))
            return ""
        try:
            return ChoiceWidget(Role, what=gettext("role")).clean(value)
        except CellError as exc:
            refuse("role", str(exc))
            return ""

    def _place(self, row, role, refuse) -> Unit | None:
        """The unit of a unit role, the agency of an appraiser, nothing for the others: each checked."""
        cells = {"unit": self._cell(row, "unit"), "agency": self._cell(row, "agency")}
        found = {}
        for column, code in cells.items():
            if code:
                found[column] = self._units.get(code)
                if found[column] is None:
                    refuse(column, gettext("there is no unit with code “%(value)s”.") % {"value": code})
        if not role:
            return None
        place = role_place(role)
        label = Role(role).label
        for column in ("unit", "agency"):
            if column != place and cells[column]:
                refuse(
                    column,
                    gettext("leave it empty: the role %(role)s has no “%(column)s”.")
                    % {"role": label, "column": self.fields[column].column_name},
                )
        if place is None:
            return None
        if not cells[place]:
            refuse(
                place,
                gettext("the role %(role)s needs the column “%(column)s”.")
                % {"role": label, "column": self.fields[place].column_name},
            )
            return None
        unit = found.get(place)
        if unit is not None and place == "agency" and not unit.is_appraising_agency:
            refuse("agency", gettext("%(unit)s is not an appraising agency.") % {"unit": unit})
        return unit

    def save_instance(self, instance, is_create, row, **kwargs):
        """A leaver is deactivated at once; new people are created together once every row is read."""
        from accounts.services import person_deactivate

        if instance._plan[0] == "deactivate":
            person_deactivate(user=instance, actor=self.user)
            return
        _kind, person, role, unit = instance._plan
        person.grants.append((role, unit))

    def after_import(self, dataset, result, **kwargs):
        from accounts.services import PersonInput, people_create

        super().after_import(dataset, result, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            return
        people = [
            PersonInput(
                username=username,
                full_name=person.full_name,
                email=person.email,
                phone=person.phone,
                roles=tuple(person.grants),
            )
            for username, person in self._people.items()
            if person.grants
        ]
        if people:
            people_create(people=people, actor=self.user)

    # -- what the preview shows of a row: the fields read these attributes ----------------------------------

    @staticmethod
    def _show(instance, username, plan):
        values = dict.fromkeys(PREVIEW_FIELDS, "")
        values["username"] = username
        if plan[0] == "deactivate":
            values["active"] = "không"
        else:
            _kind, person, role, unit = plan
            values.update(full_name=person.full_name, email=person.email, phone=person.phone, active="có")
            if role:
                values["role"] = str(Role(role).label)
                if unit is not None:
                    values[role_place(role)] = unit.name
        for name, value in values.items():
            setattr(instance, f"preview_{name}", value)
