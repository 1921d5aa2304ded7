"""LoCoMo's conversation files, read into typed records (Maharana et al., ACL 2024).

One JSON file per conversation: `speaker_a`, `speaker_b`, `session_N` (turns with
`speaker`, `dia_id` "D<session>:<turn>", `text`, sometimes `blip_caption` for a shared
photo), `session_N_date_time` ("1:56 pm on 8 May, 2023") and `qa` (`question`, `answer`,
`evidence`: dia_ids, `category` 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop,
5 adversarial). The published files carry a few malformed evidence ids ("D8:6; D9:17",
"D:11:26", "D30:05", a bare "D"); they are repaired where the intended turn is clear and
counted where it is not.
"""

from __future__ import annotations

import calendar
import json
import re
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from agentmem.errors import ValidationError

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
_SESSION = re.compile(r"^session_(\d+)$")
_EVIDENCE = re.compile(r"D\s*:?\s*(\d+)\s*:\s*(\d+)")
_DATE_FORMATS = ("%I:%M %p on %d %B, %Y", "%I:%M %p on %d %b, %Y", "%d %B, %Y", "%d %B %Y")


@dataclass(frozen=True)
class Turn:
    dia_id: str
    speaker: str
    text: str
    session: int
    date: datetime | None

    @property
    def line(self) -> str:
        """The turn as a transcript line: who said it, and what."""
        return f"{self.speaker}: {self.text}"


@dataclass(frozen=True)
class Question:
    question: str
    answer: str
    evidence: tuple[str, ...]
    category: int


@dataclass
class Conversation:
    name: str
    speakers: tuple[str, str]
    sessions: dict[int, list[Turn]]
    questions: list[Question]
    dates: dict[int, datetime | None] = field(default_factory=dict)
    bad_evidence: list[str] = field(default_factory=list)  # ids that name no turn

    @property
    def turns(self) -> list[Turn]:
        return [t for n in sorted(self.sessions) for t in self.sessions[n]]


def load_dir(directory: Path, names: list[str] | None = None) -> list[Conversation]:
    """Every `*.json` conversation of a directory (or only the named ones), by name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValidationError(
            f"--data {str(directory)!r} is not a directory; pass the folder holding "
            "LoCoMo's conversation files (one JSON file per conversation)"
        )
    files = sorted(directory.glob("*.json"), key=lambda p: (len(p.stem), p.stem))
    if names:
        missing = sorted(set(names) - {p.stem for p in files})
        if missing:
            raise ValidationError(f"no conversation file {missing} in {str(directory)!r}")
        files = [p for p in files if p.stem in names]
    if not files:
        raise ValidationError(f"{str(directory)!r} holds no *.json conversation files")
    return [load(p) for p in files]


def load(path: Path) -> Conversation:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"cannot read LoCoMo file {str(path)!r}: {exc}") from None
    data = data.get("conversation", data) | {"qa": data.get("qa", [])}
    if "speaker_a" not in data or "qa" not in data:
        raise ValidationError(
            f"{str(path)!r} is not a LoCoMo conversation: it needs speaker_a, speaker_b, "
            "session_N and qa"
        )
    dates, sessions = {}, {}
    for key, turns in data.items():
        m = _SESSION.match(key)
        if not m or not isinstance(turns, list):
            continue
        n = int(m.group(1))
        dates[n] = parse_date(data.get(f"{key}_date_time"))
        sessions[n] = [_turn(t, n, dates[n]) for t in turns]
    conv = Conversation(
        name=Path(path).stem,
        speakers=(data["speaker_a"], data["speaker_b"]),
        sessions=sessions,
        questions=[],
        dates=dates,
    )
    known = {t.dia_id for t in conv.turns}
    for item in data["qa"]:
        evidence, bad = evidence_ids(item.get("evidence", []), known)
        conv.bad_evidence += bad
        conv.questions.append(
            Question(
                question=str(item["question"]),
                answer=str(item.get("answer", item.get("adversarial_answer", ""))),
                evidence=evidence,
                category=int(item["category"]),
            )
        )
    return conv


def _turn(raw: dict, session: int, date: datetime | None) -> Turn:
    text = str(raw.get("text", "")).strip()
    caption = raw.get("blip_caption")
    if caption:  # the photo is part of what was said
        text = f"{text} [shares a photo: {caption}]".strip()
    return Turn(
        dia_id=str(raw["dia_id"]),
        speaker=str(raw["speaker"]),
        text=text,
        session=session,
        date=date,
    )


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def evidence_ids(raw: list, known: set[str]) -> tuple[tuple[str, ...], list[str]]:
    """Canonical evidence ids ("D8:6; D9:17" -> D8:6, D9:17; "D:11:26" -> D11:26;
    "D30:05" -> D30:5) and the raw ids that name no turn of the conversation."""
    out: dict[str, None] = {}
    bad: list[str] = []
    for item in raw if isinstance(raw, list) else [raw]:
        found = _EVIDENCE.findall(str(item))
        ids = [f"D{int(s)}:{int(t)}" for s, t in found]
        good = [i for i in ids if i in known]
        if not good:
            bad.append(str(item))
        out.update(dict.fromkeys(good))
    return tuple(out), bad


_ARTICLES = re.compile(r"\b(a|an|the|and)\b")
_PUNCT = str.maketrans(string.punctuation, " " * len(string.punctuation))


def normalise(text: str) -> str:
    """Lower case, punctuation and articles out, whitespace collapsed (SQuAD's rule)."""
    return " ".join(_ARTICLES.sub(" ", str(text).lower().translate(_PUNCT)).split())


_MONTH_NAMES = "|".join(calendar.month_name[1:])
_MONTH_DAY = re.compile(rf"\b({_MONTH_NAMES})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b,?", re.I)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)\s+(?:of\s+)?({_MONTH_NAMES})\b", re.I)


def normalise_dates(text: str) -> str:
    """`normalise` after writing every day-of-month date in one form ("July 2, 2023",
    "2nd of July 2023" -> "2 July 2023"): gold answers write dates both ways, and an
    answer that names the right day in the other order is the same answer."""
    text = _MONTH_DAY.sub(lambda m: f"{int(m.group(2))} {m.group(1)}", str(text))
    return normalise(_DAY_MONTH.sub(lambda m: f"{int(m.group(1))} {m.group(2)}", text))
