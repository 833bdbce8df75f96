"""Database helpers shared by every app."""

from django.db.models import F
from django.db.models.functions import Collate

from cchc.text import vietnamese_compare

# PostgreSQL ships this ICU collation; on SQLite the same name is registered with a Python comparison.
VI_COLLATION = "vi-VN-x-icu"


def vi_order(field: str) -> Collate:
    """Order a text column in Vietnamese alphabetical order ("Huyện Đan Phượng" after "Huyện Dương")."""
    return Collate(F(field), VI_COLLATION)


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(
            VI_COLLATION, lambda left, right: vietnamese_compare(left or "", right or "")
        )
