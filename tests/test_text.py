"""Vietnamese alphabetical order, in Python and in both databases."""

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Unit
from cchc.db import vi_order
from cchc.text import vietnamese_compare, vietnamese_sort_key
from tests.factories import UnitFactory


def test_d_with_stroke_comes_after_d_and_tones_come_after_the_letters():
    names = ["Huyện Ứng Hòa", "Huyện Đông Anh", "Huyện Gia Lâm", "Huyện Dương", "Huyện Đan Phượng", "Huyện Ba Vì"]
    assert sorted(names, key=vietnamese_sort_key) == [
        "Huyện Ba Vì",
        "Huyện Dương",
        "Huyện Đan Phượng",
        "Huyện Đông Anh",
        "Huyện Gia Lâm",
        "Huyện Ứng Hòa",
    ]


def test_vowel_letters_then_tones():
    words = ["ạ", "ă", "á", "à", "â", "a", "ả", "ã", "b"]
    assert sorted(words, key=vietnamese_sort_key) == ["a", "à", "ả", "ã", "á", "ạ", "ă", "â", "b"]


def test_a_prefix_sorts_first():
    assert sorted(["Sở Y tế", "Sở Y"], key=vietnamese_sort_key) == ["Sở Y", "Sở Y tế"]


ALPHABET = "aăâbdđeêoôơuưAĂĐ àáảãạ-"


@given(st.text(alphabet=ALPHABET, max_size=8), st.text(alphabet=ALPHABET, max_size=8))
def test_the_comparison_is_antisymmetric(left, right):
    assert vietnamese_compare(left, right) == -vietnamese_compare(right, left)


@given(st.text(alphabet=ALPHABET, max_size=8), st.text(alphabet=ALPHABET, max_size=8))
def test_only_equal_names_have_equal_keys(left, right):
    assert (vietnamese_sort_key(left) == vietnamese_sort_key(right)) == (left == right)


def _hanoi_names():
    with open("accounts/data/units-hanoi-2021.csv", encoding="utf-8") as handle:
        return [row["name"] for row in csv.DictReader(handle)]


def test_the_database_orders_names_like_python(departments):
    names = _hanoi_names()
    for number, name in enumerate(names):
        UnitFactory(code=f"u{number}", name=name, block=departments)
    ordered = list(Unit.objects.order_by(vi_order("name")).values_list("name", flat=True))
    assert ordered == sorted(names, key=vietnamese_sort_key)


@pytest.mark.postgres
def test_postgres_icu_collation_agrees_with_python_on_tricky_names(departments):
    names = [
        "Huyện Ứng Hòa",
        "Huyện Đông Anh",
        "Huyện Dương",
        "Huyện Đan Phượng",
        "Quận Hà Đông",
        "Quận Hai Bà Trưng",
        "Sở Y tế",
        "Sở Xây dựng",
        "Thị xã Sơn Tây",
        "Ban Dân tộc Thành phố",
    ]
    for number, name in enumerate(names):
        UnitFactory(code=f"u{number}", name=name, block=departments)
    ordered = list(Unit.objects.order_by(vi_order("name")).values_list("name", flat=True))
    assert ordered == sorted(names, key=vietnamese_sort_key)
