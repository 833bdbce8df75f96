"""Units in and out of spreadsheets (docs/domain.md "units" format: code, name, block)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from accounts.models import Block, Unit
from cchc.imports import CodeListWidget, CodeWidget, DayFirstDateWidget, TableResource, YesNoWidget


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
