"""Template filters for changes between years, as the press writes them; the formatting itself lives in
assessment/formatting.py (pure, shared with charts, exports and commands)."""

from django import template

from assessment.formatting import compact, count, date_in_words, declared, percent, points, rank_move, signed

register = template.Library()

for _filter in (signed, rank_move, percent, points, compact, count, date_in_words, declared):
    register.filter(_filter.__name__, _filter)
