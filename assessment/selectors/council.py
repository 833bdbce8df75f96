"""Reads of the council's review: its members, and a period's review with each member's answer or its absence.

Imports Django, the models and the policy; never a service."""

from dataclasses import dataclass

from accounts.models import Membership, Role, User
from assessment.models import CouncilAnswer, CouncilReview, Period


def council_members() -> list[User]:
    """The active users holding the council role, by name: those whose answer the decision waits for."""
    ids = Membership.objects.filter(role=Role.COUNCIL, user__is_active=True).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("full_name", "username"))


@dataclass(frozen=True)
class CouncilPage:
    review: CouncilReview | None
    answers: list[tuple[User, CouncilAnswer | None]]  # every member, with their answer or None

    @property
    def missing(self) -> list[User]:
        return [member for member, answer in self.answers if answer is None]

    @property
    def objections(self) -> int:
        return sum(1 for _member, answer in self.answers if answer is not None and not answer.agrees)


def council_page(period: Period) -> CouncilPage:
    """The period's review (or None) and each member's answer: three queries."""
    review = CouncilReview.objects.select_related("opened_by", "decided_by").filter(period=period).first()
    members = council_members()
    if review is None:
        return CouncilPage(None, [(member, None) for member in members])
    given = list(review.answers.select_related("member"))
    answers = {answer.member_id: answer for answer in given}
    # A member who answered and has since left the council still counts: their answer is part of the record.
    current = {member.pk for member in members}
    former = [answer.member for answer in given if answer.member_id not in current]
    return CouncilPage(review, [(member, answers.get(member.pk)) for member in [*members, *former]])
