"""osai.speech: the shipped clip, and the word error rate against cases worked by hand."""

from __future__ import annotations

import wave

import pytest

from osai import speech


def test_sample_clip_is_short_16k_mono_speech_with_its_text():
    path, text = speech.sample_clip()
    assert path.stat().st_size < 300_000
    with wave.open(str(path)) as clip:
        assert (clip.getframerate(), clip.getnchannels(), clip.getsampwidth()) == (16_000, 1, 2)
        assert 1 < clip.getnframes() / clip.getframerate() < 10
    assert len(speech.words(text)) >= 5


def test_unknown_clip_lists_the_known_ones():
    with pytest.raises(FileNotFoundError, match="Known clips: \\['open_models'\\]"):
        speech.sample_clip("absent")


def test_words_ignore_case_and_punctuation():
    assert speech.words("Open models, on YOUR computer!") == [
        "open",
        "models",
        "on",
        "your",
        "computer",
    ]


@pytest.mark.parametrize(
    ("reference", "hypothesis", "edits"),
    [
        ("a b c", "a b c", 0),
        ("a b c", "a x c", 1),  # one substitution
        ("a b c", "a c", 1),  # one deletion
        ("a b c", "a b b c", 1),  # one insertion
        ("a b c", "", 3),  # everything deleted
        ("", "a b", 2),  # everything inserted
        ("kitten sitting on", "sitting kitten on", 2),  # a swap costs two edits
    ],
)
def test_word_edit_distance_on_hand_worked_cases(reference, hypothesis, edits):
    assert speech.word_edit_distance(reference.split(), hypothesis.split()) == edits
    # the distance is symmetric: the same edits, read backwards
    assert speech.word_edit_distance(hypothesis.split(), reference.split()) == edits


def test_word_error_rate_divides_by_the_reference_length():
    assert speech.word_error_rate("Open models run.", "open models run") == 0.0
    assert speech.word_error_rate("one two three four", "one too three four") == 0.25
    assert speech.word_error_rate("yes", "yes yes yes") == 2.0  # insertions can exceed 1


def test_word_error_rate_needs_a_reference():
    with pytest.raises(ValueError, match="reference text has no words"):
        speech.word_error_rate(" ,. ", "anything")
