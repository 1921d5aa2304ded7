"""A labelled synthetic corpus of personal memories: many users, planted facts, distractors.

Every user gets facts drawn from templates (home, work, family, pets, food, hobbies, plans,
...) and filler statements that share vocabulary with them. Each planted fact comes with
questions whose answer is that memory: some reuse its keywords, some only paraphrase it,
so that full-text and semantic search each have cases they are good at.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CITIES = [
    "Lisbon",
    "Osaka",
    "Nairobi",
    "Montreal",
    "Krakow",
    "Valparaiso",
    "Tbilisi",
    "Auckland",
    "Bergen",
    "Cusco",
    "Hanoi",
    "Tallinn",
    "Accra",
    "Porto",
    "Seville",
    "Leipzig",
    "Medellin",
    "Izmir",
    "Perth",
    "Quebec",
]
JOBS = [
    "nurse",
    "architect",
    "baker",
    "pilot",
    "data engineer",
    "veterinarian",
    "teacher",
    "carpenter",
    "pharmacist",
    "journalist",
    "electrician",
    "translator",
]
COMPANIES = [
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Stark Freight",
    "Hooli",
    "Vandelay Imports",
    "Acme Robotics",
    "Wonka Foods",
    "Tyrell Systems",
]
PETS = [
    ("dog", "Biscuit"),
    ("cat", "Miso"),
    ("parrot", "Kiwi"),
    ("rabbit", "Clover"),
    ("dog", "Rex"),
    ("cat", "Pixel"),
    ("turtle", "Sheldon"),
    ("hamster", "Nugget"),
]
FOODS = [
    "ramen",
    "paella",
    "pierogi",
    "tacos al pastor",
    "pho",
    "moussaka",
    "falafel",
    "bibimbap",
    "shakshuka",
    "goulash",
]
HOBBIES = [
    "bouldering",
    "watercolour painting",
    "sailing",
    "chess",
    "birdwatching",
    "pottery",
    "trail running",
    "beekeeping",
    "salsa dancing",
    "astronomy",
]
RELATIVES = ["sister", "brother", "cousin", "aunt", "uncle"]
NAMES = ["Anna", "Tomas", "Ines", "Kenji", "Amara", "Lucas", "Priya", "Oskar", "Leila", "Mateo"]
ALLERGIES = ["peanuts", "penicillin", "shellfish", "pollen", "cats", "gluten"]
MONTHS = ["January", "March", "May", "July", "September", "November"]

# (statement, keyword question, paraphrase question) — {x} slots filled per user.
TEMPLATES = [
    ("I live in {city} now.", "Which city do I live in?", "Where is my home these days?"),
    ("I work as a {job} at {company}.", "What is my job at {company}?", "How do I earn a living?"),
    (
        "My {relative} {name} lives in {city2}.",
        "Where does my {relative} live?",
        "In which town can I visit {name}?",
    ),
    (
        "I have a {pet} called {petname}.",
        "What is my {pet} called?",
        "What's the name of my animal companion?",
    ),
    (
        "My favourite food is {food}.",
        "What is my favourite food?",
        "Which dish do I enjoy eating most?",
    ),
    ("On weekends I go {hobby}.", "What do I do on weekends?", "Which pastime fills my Saturdays?"),
    (
        "I am allergic to {allergy}.",
        "What am I allergic to?",
        "Is there something that gives me a bad reaction?",
    ),
    (
        "I plan to travel to {city3} in {month}.",
        "When do I travel to {city3}?",
        "Where am I heading on my next trip?",
    ),
]

FILLER = [
    "Had a long call about the quarterly budget today.",
    "The weather was grey and rainy all afternoon.",
    "I need to buy more coffee filters.",
    "Watched a documentary about deep sea creatures.",
    "The train was delayed by twenty minutes again.",
    "Remind me to water the plants on Thursday.",
    "My laptop battery drains quickly lately.",
    "I read an article about city planning in {city}.",
    "A colleague recommended a podcast about history.",
    "The bakery near the station closed early.",
    "I tried a new route to the office this morning.",
    "There was a concert in the park last night.",
    "I should call the dentist next week.",
    "Someone at work adopted a {pet} recently.",
    "The restaurant downtown serves good {food}.",
    "My neighbour is learning {hobby}.",
]


@dataclass
class Query:
    user_id: str
    text: str
    answer_index: int  # index of the answering memory in that user's list
    kind: str  # "keyword" or "paraphrase"


@dataclass
class Corpus:
    memories: dict[str, list[str]]  # user id -> memory texts, in ingest order
    queries: list[Query]

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.memories.values())


def build(n_memories: int, per_user: int = 200, seed: int = 0) -> Corpus:
    """A corpus of about `n_memories` memories, `per_user` per user, with labelled queries."""
    rng = random.Random(seed)
    memories: dict[str, list[str]] = {}
    queries: list[Query] = []
    n_users = max(1, n_memories // per_user)
    for u in range(n_users):
        user_id = f"user-{u:05d}"
        slots = _slots(rng)
        texts: list[str] = []
        for statement, keyword, paraphrase in TEMPLATES:
            texts.append(statement.format(**slots))
            answer = len(texts) - 1
            queries.append(Query(user_id, keyword.format(**slots), answer, "keyword"))
            queries.append(Query(user_id, paraphrase.format(**slots), answer, "paraphrase"))
        while len(texts) < per_user:
            texts.append(rng.choice(FILLER).format(**_slots(rng)) + f" (note {len(texts)})")
        order = list(range(len(texts)))
        rng.shuffle(order)
        position = {old: new for new, old in enumerate(order)}
        memories[user_id] = [texts[i] for i in order]
        for q in queries[-2 * len(TEMPLATES) :]:
            q.answer_index = position[q.answer_index]
    return Corpus(memories=memories, queries=queries)


def _slots(rng: random.Random) -> dict[str, str]:
    pet, petname = rng.choice(PETS)
    city, city2, city3 = rng.sample(CITIES, 3)
    return {
        "city": city,
        "city2": city2,
        "city3": city3,
        "job": rng.choice(JOBS),
        "company": rng.choice(COMPANIES),
        "pet": pet,
        "petname": petname,
        "food": rng.choice(FOODS),
        "hobby": rng.choice(HOBBIES),
        "relative": rng.choice(RELATIVES),
        "name": rng.choice(NAMES),
        "allergy": rng.choice(ALLERGIES),
        "month": rng.choice(MONTHS),
    }
