"""Safety demonstrations for chapter 6: why pickled checkpoints are dangerous, what safetensors
holds, and why a safeguard wrapped around open weights is only a removable layer of code.

The pickle demonstration is deliberately harmless: its "payload" calls :func:`leave_marker`,
which writes one small text file to a path the caller chooses. Nothing else is executed.
"""

from __future__ import annotations

import json
import pickletools
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MARKER_TEXT = "This file was written while a checkpoint was being loaded.\n"


def leave_marker(path: str) -> str:
    """Write a small marker file at ``path`` and return the path (the demo's only 'payload')."""
    Path(path).write_text(MARKER_TEXT, encoding="utf-8")
    return path


class MarkerPayload:
    """An object that, when *unpickled*, calls :func:`leave_marker` — and nothing else.

    Pickle rebuilds an object by calling whatever function its ``__reduce__`` names. That is the
    whole problem: loading a pickle runs code chosen by whoever wrote the file.
    """

    def __init__(self, marker_path: str | Path):
        self.marker_path = str(marker_path)

    def __reduce__(self):
        return (leave_marker, (self.marker_path,))


def save_checkpoint_with_payload(path: str | Path, marker_path: str | Path, state_dict=None):
    """Save a normal-looking checkpoint (a state dict) that also carries a :class:`MarkerPayload`.

    The file is written with ``torch.save``; to a casual reader it is a model checkpoint.
    """
    import torch

    if state_dict is None:
        state_dict = {"linear.weight": torch.zeros(2, 2), "linear.bias": torch.zeros(2)}
    checkpoint = dict(state_dict)
    checkpoint["_metadata_"] = MarkerPayload(marker_path)
    torch.save(checkpoint, path)
    return Path(path)


def load_untrusted_checkpoint_unsafely(path: str | Path):
    """DANGER — for the chapter-6 demonstration only: full unpickling of a checkpoint.

    This calls ``torch.load(path, weights_only=False)``, which runs any function the file names
    while it is loaded. Never call it on a file you did not create yourself. The course uses it
    once, on the harmless :class:`MarkerPayload`, to show what ``weights_only=True`` protects
    against. Everywhere else, load weights from safetensors or GGUF, or with
    ``torch.load(path, weights_only=True)``.
    """
    import torch

    return torch.load(path, weights_only=False)  # the one deliberate unsafe load in the course


def load_checkpoint_safely(path: str | Path):
    """``torch.load(path, weights_only=True)``: tensors and plain containers only."""
    import torch

    return torch.load(path, weights_only=True)


def pickle_globals(path: str | Path) -> list[str]:
    """The functions and classes a pickle (or a ``torch.save`` zip) would import when loaded.

    This is what hub scanners such as picklescan do: read the pickle's opcodes *without running
    them* and list every ``module.name`` it refers to. A weights file should only name torch's
    own rebuild helpers and storage types; anything else deserves suspicion.
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith(".pkl")]
            if not names:
                raise ValueError(f"{path.name} is a zip file without a pickle inside.")
            blobs = [archive.read(n) for n in names]
    else:
        blobs = [path.read_bytes()]
    found: list[str] = []
    for blob in blobs:
        strings: list[str] = []
        for opcode, arg, _ in pickletools.genops(blob):
            if opcode.name == "GLOBAL":
                found.append(str(arg).replace(" ", "."))
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append(f"{strings[-2]}.{strings[-1]}")
            elif isinstance(arg, str):
                strings.append(arg)
    return sorted(set(found))


def safetensors_header(path: str | Path) -> dict:
    """The JSON header of a safetensors file, read by hand (no library), as a dict.

    A safetensors file is: 8 bytes (little-endian unsigned 64-bit) giving the header's length N,
    N bytes of JSON (name -> dtype, shape, byte offsets; optional ``__metadata__`` of strings),
    then the raw tensor bytes. There is no place for code.
    """
    with open(path, "rb") as handle:
        prefix = handle.read(8)
        if len(prefix) != 8:
            raise ValueError(f"{Path(path).name} is too short to be a safetensors file.")
        (length,) = struct.unpack("<Q", prefix)
        if length > 100_000_000:
            raise ValueError(f"{Path(path).name}: header length {length} is implausible.")
        header = handle.read(length)
    try:
        return json.loads(header)
    except json.JSONDecodeError as error:
        raise ValueError(f"{Path(path).name} does not start with a safetensors header.") from error


@dataclass
class ModerationResult:
    allowed: bool
    topic: str | None  # the closest disallowed topic, when the text is refused
    score: float  # cosine similarity to the closest disallowed topic


@dataclass
class Moderator:
    """Refuse texts whose meaning is close to a list of disallowed topics (MiniLM similarity).

    This is how many deployed safeguards work in spirit: a separate check around the model.
    It is ordinary code — whoever holds the weights can call the model without it.
    """

    encoder: object  # a sentence-transformers model
    disallowed_topics: list[str]
    threshold: float = 0.5
    _topic_vectors: object = field(default=None, init=False, repr=False)

    def __post_init__(self):
        if not self.disallowed_topics:
            raise ValueError("Give at least one disallowed topic.")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must lie between 0 and 1, got {self.threshold}.")
        self._topic_vectors = self.encoder.encode(
            list(self.disallowed_topics), normalize_embeddings=True
        )

    def check(self, text: str) -> ModerationResult:
        vector = self.encoder.encode([text], normalize_embeddings=True)[0]
        scores = self._topic_vectors @ vector
        best = int(scores.argmax())
        score = float(scores[best])
        allowed = score < self.threshold
        return ModerationResult(allowed, None if allowed else self.disallowed_topics[best], score)


REFUSAL = "Sorry, this assistant does not answer questions on that topic."


def moderated_chat(tokenizer, model, moderator: Moderator, prompt: str, **chat_kwargs) -> str:
    """Check the prompt, ask the model, check the answer: the safeguard is these three lines."""
    from .generation import chat

    if not moderator.check(prompt).allowed:
        return REFUSAL
    answer = chat(tokenizer, model, prompt, **chat_kwargs)
    if not moderator.check(answer).allowed:
        return REFUSAL
    return answer
