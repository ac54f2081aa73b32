"""osai.safety: the harmless pickle demonstration, safetensors headers, the moderation layer."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from osai import safety


def test_unsafe_load_runs_the_payload_and_safe_load_refuses_it(tmp_path):
    marker = tmp_path / "marker.txt"
    checkpoint = safety.save_checkpoint_with_payload(tmp_path / "model.pt", marker)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        safety.load_checkpoint_safely(checkpoint)
    assert not marker.exists(), "weights_only=True must not run the payload"
    loaded = safety.load_untrusted_checkpoint_unsafely(checkpoint)
    assert marker.read_text(encoding="utf-8") == safety.MARKER_TEXT
    assert loaded["_metadata_"] == str(marker)  # the payload's return value replaced the object
    assert torch.equal(loaded["linear.weight"], torch.zeros(2, 2))


def test_pickle_globals_names_the_payload_without_running_it(tmp_path):
    marker = tmp_path / "marker.txt"
    checkpoint = safety.save_checkpoint_with_payload(tmp_path / "model.pt", marker)
    found = safety.pickle_globals(checkpoint)
    assert "osai.safety.leave_marker" in found
    assert "torch._utils._rebuild_tensor_v2" in found
    assert not marker.exists()
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps(safety.MarkerPayload("x"), protocol=2))
    assert "osai.safety.leave_marker" in safety.pickle_globals(plain)


def test_safe_load_accepts_a_plain_state_dict(tmp_path):
    path = tmp_path / "plain.pt"
    torch.save({"w": torch.arange(3)}, path)
    assert torch.equal(safety.load_checkpoint_safely(path)["w"], torch.arange(3))


def test_safetensors_header(tmp_path):
    path = tmp_path / "t.safetensors"
    save_file(
        {"a": torch.zeros(2, 3), "b": torch.ones(4, dtype=torch.int8)},
        path,
        metadata={"format": "pt"},
    )
    header = safety.safetensors_header(path)
    assert header["__metadata__"] == {"format": "pt"}
    assert header["a"]["dtype"] == "F32" and header["a"]["shape"] == [2, 3]
    assert header["b"]["dtype"] == "I8"


@pytest.mark.parametrize("content", [b"", b"abc", (5).to_bytes(8, "little") + b"notjs"])
def test_safetensors_header_rejects_other_files(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        safety.safetensors_header(path)


class FakeEncoder:
    """Maps known sentences to fixed unit vectors, like a tiny sentence encoder."""

    table = {
        "money": [1.0, 0.0],
        "stocks to buy": [0.9, 0.1],
        "recipes": [0.0, 1.0],
        "tomato soup": [0.1, 0.9],
    }

    def encode(self, texts, normalize_embeddings=True):
        vectors = np.array([self.table[t] for t in texts], dtype=float)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_moderator_refuses_close_topics_only():
    moderator = safety.Moderator(FakeEncoder(), ["money"], threshold=0.5)
    refused = moderator.check("stocks to buy")
    assert not refused.allowed and refused.topic == "money" and refused.score > 0.9
    allowed = moderator.check("tomato soup")
    assert allowed.allowed and allowed.topic is None


@pytest.mark.parametrize(
    "kwargs", [{"disallowed_topics": []}, {"disallowed_topics": ["money"], "threshold": 1.5}]
)
def test_moderator_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        safety.Moderator(FakeEncoder(), **kwargs)


def test_moderated_chat_refuses_before_calling_the_model():
    moderator = safety.Moderator(FakeEncoder(), ["money"])

    class Exploding:
        def __getattr__(self, name):
            raise AssertionError("the model must not be called for a refused prompt")

    assert (
        safety.moderated_chat(Exploding(), Exploding(), moderator, "stocks to buy")
        == safety.REFUSAL
    )
