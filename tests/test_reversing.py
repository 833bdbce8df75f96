"""cchc.reversing: one reverse() per URL pattern, the id put between its two halves (issue 12)."""

from django.urls import reverse, set_script_prefix

from cchc.reversing import url_halves


def test_the_halves_around_any_id_are_what_reverse_writes():
    head, tail = url_halves("assessment:score-proposal", 12)
    assert (head, tail) == ("/assessments/12/scores/", "/proposal/")
    for pk in (1, 7, 987654321986, 123456):
        assert f"{head}{pk}{tail}" == reverse("assessment:score-proposal", args=[12, pk])
    # another assessment is another pattern, not the first one's
    assert url_halves("assessment:score-proposal", 13)[0] == "/assessments/13/scores/"


def test_the_script_prefix_is_part_of_what_is_kept():
    plain = url_halves("assessment:document-download")
    set_script_prefix("/cchc/")
    try:
        head, tail = url_halves("assessment:document-download")
        assert head.startswith("/cchc/")
        assert f"{head}5{tail}" == reverse("assessment:document-download", args=[5])
    finally:
        set_script_prefix("/")
    assert url_halves("assessment:document-download") == plain
    assert not plain[0].startswith("/cchc/")
