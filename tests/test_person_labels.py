"""Memory lines said to the user: a summary's own labelled sentences ("User: ...") lose
the label and turn to the second person, other speakers keep theirs and their words, and
"you" is capitalised only where a sentence starts."""

from __future__ import annotations

import pytest

from agentmem.facts.person import addressed

CASES = [
    (
        "User: I'm Ilse. User: I teach piano in Graz and I swim on Sundays.",
        "You're Ilse. You teach piano in Graz and you swim on Sundays.",
    ),
    (
        "User: My uncle Bram keeps goats, I visit him. Assistant: I can note his birthday.",
        "Your uncle Bram keeps goats, you visit him. Assistant: I can note his birthday.",
    ),
    ("Kofi: I sold my boat. Lena: My knee hurts.", "Kofi: I sold my boat. Lena: My knee hurts."),
    ("I repair clocks and I collect stamps", "You repair clocks and you collect stamps"),
    ("The user's brother runs a cafe", "Your brother runs a cafe"),
]


@pytest.mark.parametrize(("line", "said"), CASES)
def test_memory_lines_addressed_to_the_user(line, said):
    assert addressed(line) == said
