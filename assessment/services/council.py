"""The council's review of a period, online: opened by Home Affairs, answered by each member, decided by Home
Affairs once every member has answered. Each step is audited in the governance log."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.audit import governance_event_record
from accounts.models import GovernanceAction
from assessment import policy
from assessment.models import CouncilAnswer, CouncilReview, Period
from assessment.selectors.council import council_members


@transaction.atomic
def council_review_open(*, period: Period, actor) -> CouncilReview:
    """Home Affairs opens the council's review of an opened period (once; never after its publication)."""
    if not policy.may_manage_council_review(actor):
        raise PermissionDenied
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.opened_at is None:
        raise ValidationError(_("The period is not open yet: there is nothing for the council to review."))
    if period.publications.exists():
        raise ValidationError(_("The results of this period are published: the council's review is over."))
    if CouncilReview.objects.filter(period=period).exists():
        raise ValidationError(_("The council's review of this period is already open."))
    review = CouncilReview.objects.create(period=period, opened_by=actor)
    governance_event_record(actor=actor, action=GovernanceAction.COUNCIL_REVIEW_OPEN, obj=review)
    return review


@transaction.atomic
def council_answer(*, review: CouncilReview, member, agrees: bool, comment: str) -> CouncilAnswer:
    """A member agrees with the provisional results, or objects with a comment; until the decision they may change
    their answer."""
    review = CouncilReview.objects.select_for_update().get(pk=review.pk)
    refusal = policy.council_answer_refusal(member, review)
    if refusal:
        raise ValidationError(refusal)
    comment = comment.strip()
    if not agrees and not comment:
        raise ValidationError({"comment": _("Say what you object to: an objection needs a comment.")})
    answer = CouncilAnswer.objects.filter(review=review, member=member).first()
    before = None if answer is None else {"agrees": answer.agrees, "comment": answer.comment}
    if answer is None:
        answer = CouncilAnswer(review=review, member=member)
    answer.agrees, answer.comment = agrees, comment
    answer.full_clean(exclude=["review", "member"])
    answer.save()
    after = {"agrees": agrees, "comment": comment}
    changes = {name: [None if before is None else before[name], value] for name, value in after.items()}
    governance_event_record(
        actor=member,
        action=GovernanceAction.COUNCIL_ANSWER,
        obj=review,
        changes=changes,
        label=f"{review} — {member.get_full_name() or member.username}",
    )
    return answer


@transaction.atomic
def council_decide(*, review: CouncilReview, actor, decision_number: str, decision_date: date) -> CouncilReview:
    """Home Affairs records the council's decision once every member has answered; the answers stay attached."""
    if not policy.may_manage_council_review(actor):
        raise PermissionDenied
    review = CouncilReview.objects.select_for_update().get(pk=review.pk)
    if review.state != CouncilReview.State.OPEN:
        raise ValidationError(_("The council's decision is already recorded."))
    decision_number = decision_number.strip()
    if not decision_number:
        raise ValidationError({"decision_number": _("Give the number of the council's decision.")})
    answered = set(review.answers.values_list("member_id", flat=True))
    missing = [member for member in council_members() if member.pk not in answered]
    if missing:
        names = ", ".join(member.get_full_name() or member.username for member in missing)
        raise ValidationError(
            _("Every member must answer before the decision; still waiting for: %(names)s.") % {"names": names}
        )
    if not answered:
        raise ValidationError(_("No member has answered yet."))
    review.state = CouncilReview.State.DECIDED
    review.decision_number, review.decision_date = decision_number, decision_date
    review.decided_by, review.decided_at = actor, timezone.now()
    review.full_clean(exclude=["period", "opened_by", "decided_by"])
    review.save(update_fields=["state", "decision_number", "decision_date", "decided_by", "decided_at"])
    answers = [
        {
            "member": answer.member.get_full_name() or answer.member.username,
            "agrees": answer.agrees,
            "comment": answer.comment,
        }
        for answer in review.answers.select_related("member")
    ]
    governance_event_record(
        actor=actor,
        action=GovernanceAction.COUNCIL_DECISION,
        obj=review,
        changes={"decision": [None, f"{decision_number} — {date_format(decision_date)}"], "answers": [None, answers]},
    )
    return review
