"""Vietnamese text helpers: alphabetical order as a Vietnamese reader expects it (pure, no Django)."""

import unicodedata

# The Vietnamese alphabet (with the Latin letters used in foreign words at their Latin place).
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_INDEX = {letter: index for index, letter in enumerate(_ALPHABET)}
# Vowel marks make a different letter (primary difference) ...
_MODIFIED = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
# ... tone marks only a secondary one, in dictionary order: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_sort_key(text: str) -> tuple:
    """Key that sorts like ICU's Vietnamese collation: letters, then tones, then case ("Đ" after "D")."""
    decomposed = unicodedata.normalize("NFD", text)
    primary: list[tuple[int, int]] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    position = 0
    while position < len(decomposed):
        char = decomposed[position]
        position += 1
        marks = []
        while position < len(decomposed) and unicodedata.combining(decomposed[position]):
            marks.append(decomposed[position])
            position += 1
        letter = char.lower()
        tone = 0
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            else:
                letter = _MODIFIED.get((letter, mark), letter)
        if letter in _LETTER_INDEX:
            primary.append((2, _LETTER_INDEX[letter]))
        elif char.isdigit():
            primary.append((1, ord(char)))
        elif char.isalpha():
            primary.append((2, len(_ALPHABET) + ord(letter)))
        else:
            primary.append((0, ord(char)))
        secondary.append(tone)
        tertiary.append(0 if char == char.lower() else 1)
    return (tuple(primary), tuple(secondary), tuple(tertiary))


def vietnamese_compare(left: str, right: str) -> int:
    """Three-way comparison with :func:`vietnamese_sort_key`, as a database collation needs."""
    left_key, right_key = vietnamese_sort_key(left), vietnamese_sort_key(right)
    return (left_key > right_key) - (left_key < right_key)
