"""The governance log: one row per governance action, written by the service doing it, in its transaction."""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from accounts.models import GovernanceAction, GovernanceEvent

LABEL_LENGTH = GovernanceEvent._meta.get_field("label").max_length


def audit_value(instance: models.Model, name: str):
    """A field's value as the log keeps it: text for related objects, exact decimals, ISO dates."""
    field = instance._meta.get_field(name)
    if field.is_relation:
        related = getattr(instance, name)
        return None if related is None else str(related)
    value = getattr(instance, field.attname)
    if isinstance(value, Decimal):
        return f"{value:.{field.decimal_places}f}" if getattr(field, "decimal_places", None) is not None else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def audit_snapshot(instance: models.Model, fields) -> dict:
    return {name: audit_value(instance, name) for name in fields}


def audit_changes(before: dict, after: dict) -> dict:
    """Old → new of each field whose value differs (``before`` empty for a new object: None → value)."""
    return {
        name: [before.get(name), value] for name, value in after.items() if name not in before or before[name] != value
    }


def governance_event_record(
    *,
    actor,
    action: GovernanceAction,
    obj: models.Model,
    changes: dict | None = None,
    reason: str = "",
    label: str = "",
) -> GovernanceEvent:
    """Write the audit row of one governance action (call it inside the action's transaction)."""
    event = governance_event_build(actor=actor, action=action, obj=obj, changes=changes, reason=reason, label=label)
    event.save()
    return event


def governance_event_build(
    *,
    actor,
    action: GovernanceAction,
    obj: models.Model,
    changes: dict | None = None,
    reason: str = "",
    label: str = "",
) -> GovernanceEvent:
    """The audit row of one governance action, unsaved: ``governance_event_record`` saves one, services acting in
    bulk write many with one ``bulk_create`` (ContentType caches its lookups, so a list costs no query a row)."""
    return GovernanceEvent(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=obj.pk,
        label=(label or str(obj))[:LABEL_LENGTH],
        changes=changes or {},
        reason=reason,
    )


def audited_save(
    obj: models.Model,
    *,
    actor,
    before: dict,
    fields,
    update_fields,
    add: GovernanceAction,
    change: GovernanceAction,
) -> None:
    """Save a new or changed object and log it: ``add`` when new, ``change`` only when one of ``fields`` moved."""
    changes = audit_changes(before, audit_snapshot(obj, fields))
    if obj.pk is None:
        obj.save()
        action = add
    else:
        obj.save(update_fields=list(update_fields))
        if not changes:
            return
        action = change
    governance_event_record(actor=actor, action=action, obj=obj, changes=changes)
