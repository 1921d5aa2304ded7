"""Plain sentences about other people read as facts (issue 12, facts of any subject):
verb forms the rule lemmatizer got wrong ("hates" -> "hat"), a sentence-initial name the
tagger took for an adjective or a plural noun, and verbs of liking read for any subject.

Written before the code, in phrasings of their own, with near-misses that must not read."""

from __future__ import annotations

import pytest
from parse_reading import read

from agentmem.facts.extraction import parse
from agentmem.facts.extraction.pipeline import load_pipeline

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


def _cases(rows, failing=()):
    """Parametrize rows; those whose index is in `failing` are strict xfails."""
    return [
        pytest.param(*row, marks=pytest.mark.xfail(strict=True)) if i in failing else row
        for i, row in enumerate(rows)
    ]


def _lemma(sentence: str, word: str) -> str:
    doc = load_pipeline()(sentence)
    return next(t.lemma_ for t in doc if t.lower_ == word)


# -- 1. verb forms whose rule lemma is wrong --------------------------------------------

LEMMAS = [
    ("Yusuf hates spinach.", "hates", "hate"),
    ("Marta hated the opera.", "hated", "hate"),
    ("We were hating every minute.", "hating", "hate"),
    ("She hoped for rain.", "hoped", "hope"),
    ("He is hoping to visit.", "hoping", "hope"),
    ("They rated the film highly.", "rated", "rate"),
    ("Lena coded the app herself.", "coded", "code"),
    ("Dev taped the match.", "taped", "tape"),
    ("I dated Ross for a year.", "dated", "date"),
    ("She dines out a lot.", "dines", "dine"),
    # spellings the rules already read, which must stay as they are
    ("The rabbit hopped away.", "hopped", "hop"),
    ("We planned the trip.", "planned", "plan"),
    ("He watches every race.", "watches", "watch"),
    ("She fixes bikes.", "fixes", "fix"),
    ("Tariq visited Oslo.", "visited", "visit"),
    ("She opened a bakery.", "opened", "open"),
    ("He goes swimming.", "goes", "go"),
    ("Aiko misses Kyoto.", "misses", "miss"),
    ("Noor raises goats.", "raises", "raise"),
    ("I loved that book.", "loved", "love"),
]


@pytest.mark.parametrize("sentence, word, lemma", _cases(LEMMAS))
def test_a_verb_form_lemmatises_to_its_verb(sentence, word, lemma):
    assert _lemma(sentence, word) == lemma


DISLIKES = [
    ("Mia hates seitan.", ("Mia", "dislikes", "seitan", False)),
    ("Oskar has always hated opera.", ("Oskar", "dislikes", "opera", False)),
    ("Country music I've always hated.", ("user", "dislikes", "country music", False)),
    ("Priya hates her hat.", ("Priya", "dislikes", "hat", False)),
    ("Grandpa Joe hates cabbage.", ("Grandpa Joe", "dislikes", "cabbage", False)),
]


@pytest.mark.parametrize("text, fact", _cases(DISLIKES))
def test_hating_reads_as_a_dislike(text, fact):
    assert fact in read(text)


def test_a_hat_the_noun_is_no_dislike():
    assert not any(a == "dislikes" for _, a, _, _ in read("I bought a hat in Lima."))
    assert not any(a == "dislikes" for _, a, _, _ in read("Her hat is red."))


def test_a_past_dislike_is_no_present_one():
    """A past state is not asserted now (`parse._asserted`): "hated" read as "hat" did."""
    assert read("Grandpa Joe hated cabbage.") == set()
    assert read("Mia detested school.") == set()


# -- 2. a sentence-initial name the tagger mistags ---------------------------------------

NAMES = [
    ("Beatriz lives in Coimbra.", ("Beatriz", "lives_in", "Coimbra", False)),
    ("Bea lives in Coimbra.", ("Bea", "lives_in", "Coimbra", False)),
    ("Siobhan works at Ryanair.", ("Siobhan", "works_at", "Ryanair", False)),
    ("Thandiwe lives in Durban.", ("Thandiwe", "lives_in", "Durban", False)),
    ("Oluwaseun moved to Lagos.", ("Oluwaseun", "moves_to", "Lagos", False)),
    ("Xiomara lives in Cali.", ("Xiomara", "lives_in", "Cali", False)),
    ("Anneliese works at Siemens.", ("Anneliese", "works_at", "Siemens", False)),
    ("Kofi lives in Kumasi.", ("Kofi", "lives_in", "Kumasi", False)),
    ("Dagrun lives in Bergen.", ("Dagrun", "lives_in", "Bergen", False)),
    ("Marisol works at Telefonica.", ("Marisol", "works_at", "Telefonica", False)),
    ("Yiannis lives in Patras.", ("Yiannis", "lives_in", "Patras", False)),
    ("Ines works at Galp.", ("Ines", "works_at", "Galp", False)),
    ("Radhika lives in Pune.", ("Radhika", "lives_in", "Pune", False)),
    ("Bo works at Volvo.", ("Bo", "works_at", "Volvo", False)),
    ("Eun-ji lives in Busan.", ("Eun-ji", "lives_in", "Busan", False)),
    ("Lucas works at Nubank.", ("Lucas", "works_at", "Nubank", False)),
]


@pytest.mark.parametrize("text, fact", _cases(NAMES))
def test_a_sentence_initial_name_is_the_subject(text, fact):
    found = read(text)
    # the move and the home are both the place; either slot names it
    assert any(
        (s, v, n) == (fact[0], fact[2], fact[3]) and a in (fact[1], "lives_in", "moves_to")
        for s, a, v, n in found
    ), found


NOT_NAMES = [
    "Brave people live here.",
    "Dogs live in kennels.",
    "Nurses work at hospitals.",
    "Old friends live nearby.",
    "Many students live in Coimbra.",
    "Politics bores me.",
    "Short lives in poverty.",
    "Brave lives in danger.",
    "Hard lives in Bergen.",
    "Mathematics works in mysterious ways.",
]


@pytest.mark.parametrize("text", NOT_NAMES)
def test_a_true_adjective_or_plural_names_no_one(text):
    subjects = {s for s, _, _, _ in read(text)}
    assert not subjects - {"user"}, subjects


# -- 3. verbs of liking read for any subject ---------------------------------------------

ATTITUDES = [
    ("My dad adores rugby.", ("user's dad", "likes", "rugby", False)),
    ("Nadia adores jazz.", ("Nadia", "likes", "jazz", False)),
    ("I adore rugby.", ("user", "likes", "rugby", False)),
    ("Kwame loathes traffic.", ("Kwame", "dislikes", "traffic", False)),
    ("My aunt detests cilantro.", ("user's aunt", "dislikes", "cilantro", False)),
    ("Tomasz despises golf.", ("Tomasz", "despises", "golf", False)),
    ("My sister has always adored ballet.", ("user's sister", "likes", "ballet", False)),
    ("Jon's wife loves sushi.", ("Jon's wife", "likes", "sushi", False)),
    ("Hiroshi enjoys karaoke.", ("Hiroshi", "likes", "karaoke", False)),
    ("My brother dislikes mushrooms.", ("user's brother", "dislikes", "mushrooms", False)),
    ("Amara has always loved the beach.", ("Amara", "likes", "beach", False)),
    ("Our neighbour loathes the noise.", ("user's neighbour", "dislikes", "noise", False)),
    ("Chiara prefers tea.", ("Chiara", "likes", "tea", False)),
    ("My mum has always detested camping.", ("user's mum", "dislikes", "camping", False)),
    ("Rafael adores his cat.", ("Rafael", "likes", "cat", False)),
    ("I loathe mornings.", ("user", "dislikes", "mornings", False)),
]


@pytest.mark.parametrize("text, fact", _cases(ATTITUDES))
def test_a_verb_of_liking_reads_for_any_subject(text, fact):
    found = read(text)
    subject, attribute, value, negated = fact
    if attribute == "despises":
        attribute = "dislikes"
    assert (subject, attribute, value, negated) in found, found


def test_a_liking_without_a_referent_states_nothing():
    assert read("Fans adore the team.") == set()
    assert read("People hate traffic.") == set()
