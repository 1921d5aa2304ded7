"""Unrelated text, written for agentmem: replay material for training, and a separate
held-out passage set for measuring forgetting. The two never overlap (a test checks it)."""

from __future__ import annotations

# Replayed during training (as general text) so that the adapter keeps ordinary language.
REPLAY_TEXTS: tuple[str, ...] = (
    "Bread is made by mixing flour, water, salt and yeast into a dough. The yeast feeds on "
    "sugars in the flour and releases carbon dioxide, which makes the dough rise. After "
    "kneading and resting, the loaf is baked in a hot oven until the crust turns brown.",
    "A bicycle converts the push of the rider's legs into forward motion through pedals, a "
    "chain and gears. Lower gears make climbing hills easier, while higher gears let the "
    "rider go faster on flat roads. Brakes press pads against the rims or a disc.",
    "The library opens at nine in the morning and closes at eight in the evening. Visitors "
    "can borrow up to ten books at a time for three weeks. Newspapers and magazines stay in "
    "the reading room, and quiet study rooms can be booked at the front desk.",
    "Tomatoes grow best in full sun and need regular watering. Gardeners often tie the stems "
    "to stakes so that the heavy fruit does not bend them to the ground. The fruit is ready "
    "to pick when it is firm and evenly coloured.",
    "To write a good email, start with a clear subject line. Keep the message short, say "
    "what you need in the first sentence, and end with a polite closing. Read it once more "
    "before sending to catch mistakes.",
    "The human heart has four chambers. Blood from the body enters the right side, is pumped "
    "to the lungs to collect oxygen, returns to the left side and is then pumped out to the "
    "rest of the body through the arteries.",
    "Chess is played on a board of sixty-four squares. Each player starts with sixteen "
    "pieces: a king, a queen, two rooks, two bishops, two knights and eight pawns. The goal "
    "is to trap the opponent's king so that it cannot escape.",
    "A budget lists expected income and spending for a month. Writing down every expense "
    "helps people notice where their money goes, and setting aside a fixed amount for "
    "savings first makes it easier to build an emergency fund.",
)

# Unrelated prompts whose base-model answers are replayed (self-distillation).
REPLAY_PROMPTS: tuple[str, ...] = (
    "What is the capital of France?",
    "How do plants make food?",
    "Give me a tip for sleeping better.",
    "What is two plus three?",
    "Why is the sky blue?",
    "Name three fruits.",
    "How do I boil an egg?",
    "What is a noun?",
    "Write one sentence about the ocean.",
    "What does a doctor do?",
    "How many days are in a week?",
    "What is the opposite of hot?",
    "Translate 'hello' into Spanish.",
    "What is rain made of?",
    "Suggest a name for a cat.",
    "What is the largest planet in the solar system?",
)

# Held out: only ever used to measure perplexity before and after training.
EVAL_TEXTS: tuple[str, ...] = (
    "Volcanoes form where molten rock from deep inside the Earth reaches the surface. When "
    "pressure builds up beneath the crust, gas and magma can burst out in an eruption, "
    "sending ash high into the air and lava down the slopes. Over thousands of years, "
    "repeated eruptions can build a mountain. Some volcanoes are quiet for centuries before "
    "they erupt again, so scientists watch them closely for small earthquakes and changes "
    "in the gases they release.",
    "The water cycle describes how water moves around our planet. Heat from the sun "
    "evaporates water from oceans, lakes and rivers, turning it into vapour. As the vapour "
    "rises, it cools and condenses into tiny droplets that form clouds. When the droplets "
    "grow heavy enough, they fall as rain or snow. The water then flows into rivers or soaks "
    "into the ground, and eventually returns to the sea, where the cycle begins again.",
    "Learning a musical instrument takes patience and steady practice. Beginners usually "
    "start with simple scales and short pieces, playing slowly until their fingers learn "
    "where to go. A teacher can point out bad habits early, before they become hard to "
    "change. Many players find that practising for twenty minutes every day works better "
    "than a long session once a week.",
    "Honey bees live in colonies that can hold tens of thousands of insects. A single queen "
    "lays the eggs, while worker bees gather nectar and pollen, build the wax comb, care for "
    "the young and defend the hive. When a worker finds a good patch of flowers, it returns "
    "and performs a dance that tells the others the direction and distance of the food.",
    "Trains were one of the great inventions of the nineteenth century. Steam engines "
    "pulled carriages along iron rails, carrying goods and passengers faster than horses "
    "ever could. Towns grew up around stations, and journeys that once took days could be "
    "made in a few hours. Today many railways use electric trains, which are quieter and "
    "produce less pollution.",
    "A healthy breakfast gives the body energy for the morning. Whole grains, fruit, eggs "
    "and yogurt are common choices because they keep people full for longer than sugary "
    "cereals. Drinking a glass of water soon after waking also helps, since the body loses "
    "water during the night.",
)
