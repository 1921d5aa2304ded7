"""The texts of the load benchmarks (`bench load`, `search_cpu`, `add_cpu`): sentences of
six words drawn from a small vocabulary, so that searches find many near matches."""

from __future__ import annotations

import random

WORDS = (
    "apple anchor banjo cactus dolphin ember falcon glacier harbor igloo jasmine kettle "
    "lantern meadow nectar orchid pepper quartz raven saddle tulip umber violet walnut "
    "yarrow zephyr bramble cobalt dune fjord gravel hazel indigo juniper kelp lilac "
    "marble nutmeg oyster pumice quill rhubarb sorrel thistle coffee train garden "
    "sister Berlin Lisbon piano chess climbing dentist Tuesday birthday"
).split()


def sentence(rng: random.Random) -> str:
    """A first-person statement: a verb and six words of `WORDS`."""
    return f"I {rng.choice(['like', 'own', 'visited', 'remember', 'need'])} " + " ".join(
        rng.sample(WORDS, 6)
    )
