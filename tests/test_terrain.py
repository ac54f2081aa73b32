"""osai.terrain: the packaged one-step terrain diffusion model loads verified, counts its
parameters and samples what the package's own generator samples; bad input fails clearly."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import osai
from osai import models, openness, terrain


@pytest.fixture(scope="module")
def session():
    return terrain.load_session(threads=1)


def test_session_is_cpu_only_with_the_reported_inputs(session):
    assert session.get_providers() == ["CPUExecutionProvider"]
    assert [i.name for i in session.get_inputs()] == ["noisy", "sigma", "difficulty"]
    assert [o.name for o in session.get_outputs()] == ["denoised"]
    c = terrain.constants()
    assert session.get_inputs()[0].shape[1:] == [1, c.native_size, c.native_size]


def test_one_step_matches_the_packages_generator(session):
    from terrain_diffusion import TerrainGenerator

    package = TerrainGenerator(device="cpu")
    difficulties = [1, 50, 100]
    expected = package.generate(3, shape=128, difficulty=difficulties, seed=3)
    ours = terrain.one_step(session, difficulties, seed=3)
    assert ours.shape == expected.shape == (3, 128, 128)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
    assert (ours.min(axis=(1, 2)) == 0).all()
    # a different seed gives different maps; the same seed the same ones
    assert not np.allclose(ours, terrain.one_step(session, difficulties, seed=4))
    np.testing.assert_array_equal(ours, terrain.one_step(session, difficulties, seed=3))
    # the batch size changes how many maps the model sees at once, not the maps
    np.testing.assert_allclose(
        ours, terrain.one_step(session, difficulties, seed=3, batch_size=1), atol=1e-5
    )


@pytest.mark.parametrize("bad", [[0], [101], [2.5], [], [[1, 2]], [float("nan")]])
def test_bad_difficulties_say_what_is_allowed(session, bad):
    with pytest.raises(ValueError, match="difficulties"):
        terrain.one_step(session, bad)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_thread_counts_and_batch_sizes_are_refused(session, bad):
    with pytest.raises(ValueError, match="threads"):
        terrain.load_session(threads=bad)
    with pytest.raises(ValueError, match="batch_size"):
        terrain.one_step(session, [1], batch_size=bad)


def test_parameter_count_agrees_with_the_file_size():
    path = models.weights_path("terrain_consistency")
    count = terrain.parameter_count(path)
    # float32 parameters take 4 bytes each; the graph's nodes and their metadata add under 10 %
    size = path.stat().st_size
    assert 4 * count < size < 1.1 * 4 * count


def test_tampered_weights_stop_the_loader(monkeypatch):
    entry = models.PACKAGED_MODELS["terrain_consistency"]
    monkeypatch.setitem(
        models.PACKAGED_MODELS,
        "terrain_consistency",
        models.PackagedModel(**{**entry.__dict__, "sha256": "0" * 64}),
    )
    with pytest.raises(models.WeightsMismatch, match="do not use these weights"):
        terrain.load_session()


def test_missing_wheel_names_the_pip_install_line(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "terrain_diffusion" else real_find_spec(name, *a),
    )
    for call in (terrain.load_session, terrain.constants):
        with pytest.raises(models.ModelPackageMissing, match="adaptive-terrain-diffusion==0.4.2"):
            call()


def test_licence_is_read_from_the_wheel_and_scored():
    info = osai.weights_info("terrain_consistency")
    assert info.license == "MIT License" and info.sha256_matches_pin
    assert "licenses/CONSISTENCY_MODELS_LICENSE.txt" in terrain.licence_files()
    entry = openness.validate(terrain.openness_entry())
    assert entry["spdx"] == "MIT" and entry["osi_approved"] is True
    # undocumented training data fails OSAID 1.0 and leaves no MOF class (no data card)
    assert openness.osaid(entry).verdict == openness.FAILS
    assert openness.mof_class(entry) is None


def test_graph_metadata_names_the_distillation():
    meta = terrain.graph_metadata()
    assert meta["native_size"] == str(terrain.constants().native_size)
    assert "distillation" in meta["training"]
