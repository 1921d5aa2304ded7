"""How a fact of each attribute is said (data only; `vocabulary.ATTRIBUTES` carries it, and
extraction and parametric memory read it there). `{s}` is the subject, `{v}` the value.
"""

from __future__ import annotations

# attribute -> (the sentence a fact is stored as, its negation)
SAID: dict[str, tuple[str, str]] = {
    "name": ("{s}'s name is {v}", "{s}'s name is not {v}"),
    "age": ("{s} is {v} years old", "{s} is not {v} years old"),
    "lives_in": ("{s} lives in {v}", "{s} no longer lives in {v}"),
    "from": ("{s} is from {v}", "{s} is not from {v}"),
    "born_in": ("{s} was born in {v}", "{s} was not born in {v}"),
    "works_at": ("{s} works at {v}", "{s} no longer works at {v}"),
    "job_title": ("{s} works as {v}", "{s} does not work as {v}"),
    "spouse": ("{s}'s partner is {v}", "{s}'s partner is no longer {v}"),
    "dating": ("{s} is dating {v}", "{s} is no longer dating {v}"),
    "birthday": ("{s}'s birthday is {v}", "{s}'s birthday is not {v}"),
    "likes": ("{s} likes {v}", "{s} no longer likes {v}"),
    "dislikes": ("{s} dislikes {v}", "{s} no longer dislikes {v}"),
    "speaks": ("{s} speaks {v}", "{s} does not speak {v}"),
    "has_pet": ("{s} has a pet: {v}", "{s} no longer has a pet: {v}"),
    "pet_name": ("{s}'s pet is named {v}", "{s} no longer has the pet {v}"),
    "has_child": ("{s} has a child: {v}", "{s} does not have a child: {v}"),
    "has_sibling": ("{s} has a sibling: {v}", "{s} does not have a sibling: {v}"),
    "owns": ("{s} owns {v}", "{s} no longer owns {v}"),
    "plans": ("{s} plans to {v}", "{s} no longer plans to {v}"),
    "allergic_to": ("{s} is allergic to {v}", "{s} is not allergic to {v}"),
    "is_a": ("{s} is {v}", "{s} is no longer {v}"),
    "does": ("{s} regularly does {v}", "{s} no longer does {v}"),
}

# attribute -> (the statement parametric memory trains towards, the questions it is asked)
ASKED: dict[str, tuple[str, tuple[str, ...]]] = {
    "lives_in": (
        "{s} lives in {v}.",
        (
            "Where does {s} live?",
            "In which city does {s} live?",
            "Where is {s}'s home?",
            "What place does {s} live in?",
            "Where is {s} living these days?",
            "Which town is {s} based in?",
            "Where can {s} be found living?",
            "What city is home to {s}?",
        ),
    ),
    "from": (
        "{s} comes from {v}.",
        (
            "Where does {s} come from?",
            "Where is {s} from?",
            "What is {s}'s hometown?",
            "Where did {s} grow up?",
            "Which place is {s} originally from?",
            "What is the birthplace of {s}?",
            "Where was {s} raised?",
            "{s} is originally from where?",
        ),
    ),
    "born_in": (
        "{s} was born in {v}.",
        (
            "Where was {s} born?",
            "What is {s}'s birthplace?",
            "In which place was {s} born?",
            "Where is {s}'s place of birth?",
            "Which town was {s} born in?",
            "{s} was born where?",
            "What city was {s} born in?",
            "Where did {s} come into the world?",
        ),
    ),
    "works_at": (
        "{s} works at {v}.",
        (
            "Where does {s} work?",
            "Who employs {s}?",
            "Which company does {s} work for?",
            "What is {s}'s employer?",
            "Where is {s} employed?",
            "Who does {s} work for?",
            "At which company does {s} have a job?",
            "Which firm pays {s}'s salary?",
        ),
    ),
    "job_title": (
        "{s} works as a {v}.",
        (
            "What is {s}'s job?",
            "What does {s} do for a living?",
            "What is {s}'s occupation?",
            "What is {s}'s profession?",
            "What work does {s} do?",
            "What is {s}'s role?",
            "How does {s} earn a living?",
            "What job does {s} have?",
        ),
    ),
    "spouse": (
        "{s} is married to {v}.",
        (
            "Who is {s} married to?",
            "Who is {s}'s spouse?",
            "Who is {s}'s partner?",
            "Whom did {s} marry?",
            "What is the name of {s}'s spouse?",
            "Who is the husband or wife of {s}?",
            "Who did {s} wed?",
            "Who shares a marriage with {s}?",
        ),
    ),
    "likes": (
        "{s} likes {v}.",
        (
            "What does {s} like?",
            "What does {s} enjoy?",
            "What is {s}'s favourite thing?",
            "What is {s} fond of?",
            "What does {s} love?",
            "What is {s} into?",
            "What makes {s} happy?",
            "What does {s} prefer?",
        ),
    ),
    "speaks": (
        "{s} speaks {v}.",
        (
            "What language does {s} speak?",
            "Which language does {s} know?",
            "In what language does {s} talk?",
            "What tongue does {s} speak?",
            "Which language can {s} speak?",
            "What language is {s} fluent in?",
            "What does {s} speak?",
            "Which language does {s} use?",
        ),
    ),
    "pet_name": (
        "{s}'s pet is called {v}.",
        (
            "What is the name of {s}'s pet?",
            "What is {s}'s pet called?",
            "What did {s} name the pet?",
            "What name does {s}'s pet have?",
            "How is {s}'s pet named?",
            "Who is {s}'s pet?",
            "What do they call {s}'s pet?",
            "Tell me the name of {s}'s pet.",
        ),
    ),
}


# attribute -> the words of a question that ask about it (a regular expression; context
# retrieval reads the attribute's facts first when a question has one of them)
ASKED_WITH: dict[str, str] = {
    "lives_in": r"\b(?:live|living|lives|reside|based|home|city|address|moved?)\b",
    "from": r"\b(?:from|grow up|grew up|hometown|originally|born in)\b",
    "born_in": r"\b(?:born|birthplace|birth)\b",
    "works_at": r"\b(?:work|works|working|job|employer|company|employed)\b",
    "job_title": (
        r"\b(?:work|works|working|job|employer|company|employed"
        r"|profession|occupation|do for a living|title|role)\b"
    ),
    "age": r"\b(?:old|age)\b",
    "spouse": r"\b(?:wife|husband|partner|married|spouse|girlfriend|boyfriend|fianc\w*)\b",
    "dating": r"\b(?:dating|seeing|going out|partner|girlfriend|boyfriend)\b",
    "birthday": r"\b(?:birthday|born|birth)\b",
    "likes": r"\b(?:like|likes|love|enjoy|favou?rite|fan|hobby|hobbies|into)\b",
    "dislikes": r"\b(?:dislike|dislikes|hate|stand)\b",
    "speaks": r"\b(?:speak|language|languages)\b",
    "has_pet": r"\b(?:pet|pets|dog|cat|animal)\w*\b",
    "pet_name": r"\b(?:pet|pets|dog|cat|animal)\w*\b",
    "has_child": r"\b(?:kid|kids|child|children|son|daughter)s?\b",
    "has_sibling": r"\b(?:brother|sister|sibling)s?\b",
    "owns": r"\b(?:own|owns|drive|car|bought)\b",
    "plans": r"\b(?:plan|plans|planning|going|trip|upcoming|schedule|appointment|next)\b",
    "allergic_to": r"\b(?:allergic|allergy|allergies)\b",
    "name": r"\bname\b",
}
