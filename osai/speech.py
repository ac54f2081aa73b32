"""Speech recognition, scored: the course's short spoken clip and the word error rate.

The clip ships inside the package (``osai/audio``), so it is there on Colab too: a few seconds
of 16 kHz mono speech synthesised with eSpeak NG from the sentence stored next to it.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

SAMPLE_CLIP = "open_models"  # osai/audio/open_models.wav and its reference text, .txt
_WORD = re.compile(r"[a-z0-9']+")


def sample_clip(name: str = SAMPLE_CLIP) -> tuple[Path, str]:
    """The path of a clip the course ships and the sentence it speaks (its reference text)."""
    folder = Path(str(resources.files("osai") / "audio"))
    audio, text = folder / f"{name}.wav", folder / f"{name}.txt"
    if not audio.is_file() or not text.is_file():
        known = sorted(path.stem for path in folder.glob("*.wav"))
        raise FileNotFoundError(f"No clip {name!r} in osai/audio. Known clips: {known}.")
    return audio, text.read_text(encoding="utf-8").strip()


def words(text: str) -> list[str]:
    """``text`` as the words a word error rate compares: lower case, punctuation dropped."""
    return _WORD.findall(text.lower())


def word_edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """The fewest word substitutions, deletions and insertions that turn ``reference`` into
    ``hypothesis`` (Levenshtein's distance, over words instead of characters)."""
    previous = list(range(len(hypothesis) + 1))  # from no reference word: insert them all
    for i, ref_word in enumerate(reference, start=1):
        current = [i]  # to no hypothesis word: delete all i reference words
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,  # delete the reference word
                    current[j - 1] + 1,  # insert the hypothesis word
                    previous[j - 1] + (ref_word != hyp_word),  # substitute, or keep a match
                )
            )
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate: word edits from the reference to the hypothesis, per reference word.

    0 is a perfect transcript; it can exceed 1 when the hypothesis inserts many words.
    """
    ref = words(reference)
    if not ref:
        raise ValueError(
            "The reference text has no words, so a word error rate is undefined: pass the "
            "sentence the audio actually speaks as the reference."
        )
    return word_edit_distance(ref, words(hypothesis)) / len(ref)
