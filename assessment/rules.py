"""Reading and checking a leaf's method, rule and rule parameters, with messages for people."""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessment import scoring
from assessment.formatting import compact
from assessment.scoring import Rule, Tier

PARAMETER_KEYS = {
    scoring.YES_NO: set(),
    scoring.MANUAL: set(),
    scoring.TIERS: {"tiers"},
    scoring.RATIO: {"target"},
    scoring.COUNT: {"per_item"},
    scoring.DEDUCTION: {"per_item"},
}


class RuleError(ValueError):
    """The parameters do not fit the rule; the message says why."""


def _number(value, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise RuleError(_("%(what)s must be a number.") % {"what": what})
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation as exc:
        raise RuleError(_("%(what)s must be a number.") % {"what": what}) from exc
    if not number.is_finite():
        raise RuleError(_("%(what)s must be a number.") % {"what": what})
    return number


def parse_rule(kind: str, params, max_points: Decimal | None) -> Rule:
    """Check the parameters of ``kind`` against the leaf's maximum and return the rule."""
    if kind not in PARAMETER_KEYS:
        raise RuleError(_("Unknown rule “%(rule)s”.") % {"rule": kind})
    params = params or {}
    if not isinstance(params, dict):
        raise RuleError(_('The rule parameters must be a JSON object, such as {"target": 30}.'))
    unknown = sorted(set(params) - PARAMETER_KEYS[kind])
    if unknown:
        if not PARAMETER_KEYS[kind]:
            raise RuleError(_("The rule “%(rule)s” takes no parameters.") % {"rule": kind})
        raise RuleError(
            _("Unknown parameter(s) for the rule “%(rule)s”: %(keys)s.") % {"rule": kind, "keys": ", ".join(unknown)}
        )
    missing = sorted(PARAMETER_KEYS[kind] - set(params))
    if missing:
        raise RuleError(
            _("The rule “%(rule)s” needs the parameter(s): %(keys)s.") % {"rule": kind, "keys": ", ".join(missing)}
        )
    if kind == scoring.TIERS:
        return Rule(kind=kind, tiers=_parse_tiers(params["tiers"], max_points))
    if kind == scoring.RATIO:
        target = _number(params["target"], "target")
        if target <= 0:
            raise RuleError(_("The target must be greater than 0."))
        return Rule(kind=kind, target=target)
    if kind in (scoring.COUNT, scoring.DEDUCTION):
        per_item = _number(params["per_item"], "per_item")
        if per_item <= 0:
            raise RuleError(_("per_item must be greater than 0."))
        return Rule(kind=kind, per_item=per_item)
    return Rule(kind=kind)


def _parse_tiers(raw, max_points: Decimal | None) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise RuleError(_('“tiers” must be a non-empty list such as [{"min": 100, "points": 1.5}].'))
    tiers = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) != {"min", "points"}:
            raise RuleError(_("Tier %(n)s must have exactly “min” and “points”.") % {"n": position})
        tier = Tier(min=_number(item["min"], "min"), points=_number(item["points"], "points"))
        if tier.min < 0:
            raise RuleError(_("Tier %(n)s: the minimum rate cannot be negative.") % {"n": position})
        if tier.points < 0:
            raise RuleError(_("Tier %(n)s: the points cannot be negative.") % {"n": position})
        if max_points is not None and tier.points > max_points:
            raise RuleError(
                _("Tier %(n)s gives %(points)s points, more than the maximum %(max)s.")
                % {"n": position, "points": number_format(tier.points), "max": compact(max_points)}
            )
        tiers.append(tier)
    for higher, lower in zip(tiers, tiers[1:], strict=False):
        if lower.min >= higher.min:
            raise RuleError(_("The tiers must be sorted from the highest minimum rate to the lowest."))
        if lower.points > higher.points:
            raise RuleError(_("A lower tier cannot give more points than a higher one."))
    return tuple(tiers)


def describe_rule(rule: Rule) -> str:
    """The parameters of a rule as a person reads them: "≥ 100%: 1,5 · ≥ 80%: 0,75"."""
    if rule.kind == scoring.TIERS:
        return " · ".join(
            _("≥ %(min)s%%: %(points)s") % {"min": number_format(tier.min), "points": number_format(tier.points)}
            for tier in rule.tiers
        )
    if rule.kind == scoring.RATIO:
        return _("full points from %(target)s") % {"target": number_format(rule.target)}
    if rule.kind == scoring.COUNT:
        return _("%(points)s per item") % {"points": number_format(rule.per_item)}
    if rule.kind == scoring.DEDUCTION:
        return _("−%(points)s per item") % {"points": number_format(rule.per_item)}
    return ""
