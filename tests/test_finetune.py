"""osai.finetune: LoRA on a tiny random-weight Llama built from a config (no files, seconds)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from osai.finetune import (  # noqa: E402
    IGNORE_INDEX,
    encode_examples,
    lora_finetune,
    trainable_and_frozen,
)


def test_labels_cover_only_the_answer(tiny_tokenizer, finetune_examples):
    batch = encode_examples(tiny_tokenizer, finetune_examples)
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
    first = batch["labels"][0]
    answer = [i for i in first.tolist() if i != IGNORE_INDEX]
    assert tiny_tokenizer.decode(answer) == "i am osai <eos>"
    # the prompt ("what is your name") is masked out
    assert (first[:4] == IGNORE_INDEX).all()


def test_lora_training_lowers_the_loss_and_freezes_the_base(
    tiny_llama, tiny_tokenizer, finetune_examples
):
    model = tiny_llama()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    result = lora_finetune(
        model, tiny_tokenizer, finetune_examples, device="cpu", steps=15, learning_rate=1e-2
    )
    peft_model, losses = result
    assert len(losses) == 15
    assert losses[-1] < losses[0]
    trainable, frozen = trainable_and_frozen(peft_model)
    assert (trainable, frozen) == (result.trainable_parameters, result.frozen_parameters)
    assert 0 < trainable < frozen
    # r=8 on q_proj (32->32) and v_proj (32->16): per layer 8*(32+32) + 8*(32+16), two layers
    assert trainable == 2 * (8 * 64 + 8 * 48)
    base = peft_model.get_base_model()
    for name, p in base.named_parameters():
        if "lora_" not in name:
            assert torch.equal(p, before[name.replace(".base_layer", "")]), name
    assert not peft_model.training


def test_same_seed_same_losses(tiny_llama, tiny_tokenizer, finetune_examples):
    first = lora_finetune(tiny_llama(), tiny_tokenizer, finetune_examples, device="cpu", steps=3)
    second = lora_finetune(tiny_llama(), tiny_tokenizer, finetune_examples, device="cpu", steps=3)
    assert first.losses == second.losses


@pytest.mark.parametrize(
    "bad",
    [[], "what is your name", [("only a prompt",)], [("a", "")], [("a", 3)], None],
)
def test_bad_examples_are_refused(bad, tiny_llama, tiny_tokenizer):
    with pytest.raises(ValueError, match="examples"):
        lora_finetune(tiny_llama(), tiny_tokenizer, bad, device="cpu", steps=1)


def test_unknown_target_module_is_refused(tiny_llama, tiny_tokenizer, finetune_examples):
    with pytest.raises(ValueError, match="c_attn"):
        lora_finetune(
            tiny_llama(),
            tiny_tokenizer,
            finetune_examples,
            device="cpu",
            target_modules=("c_attn",),
        )


@pytest.mark.parametrize(("option", "value"), [("steps", 0), ("r", 0)])
def test_bad_numbers_are_refused(option, value, tiny_llama, tiny_tokenizer, finetune_examples):
    with pytest.raises(ValueError, match=option if option == "steps" else "rank"):
        lora_finetune(
            tiny_llama(), tiny_tokenizer, finetune_examples, device="cpu", **{option: value}
        )


def test_answers_cut_off_entirely_are_refused(tiny_tokenizer, finetune_examples):
    with pytest.raises(ValueError, match="max_length"):
        encode_examples(tiny_tokenizer, finetune_examples, max_length=2)


def test_answer_loss_equals_the_models_own_loss(tiny_llama, tiny_tokenizer, finetune_examples):
    from osai.finetune import answer_loss

    model = tiny_llama()
    batch = encode_examples(tiny_tokenizer, finetune_examples)
    with torch.no_grad():
        expected = model(**batch).loss
        assert torch.allclose(answer_loss(model, batch), expected, atol=1e-6)


def test_adapters_on_some_layers_only(tiny_llama, tiny_tokenizer, finetune_examples):
    result = lora_finetune(
        tiny_llama(), tiny_tokenizer, finetune_examples, device="cpu", steps=2, layers=[1]
    )
    assert result.trainable_parameters == 8 * 64 + 8 * 48  # one block instead of two
    names = [name for name, p in result.model.named_parameters() if p.requires_grad]
    assert names and all(".layers.1." in name for name in names)


def test_save_adapter_is_repeatable_and_records_the_base(
    tmp_path, tiny_llama, tiny_tokenizer, finetune_examples
):
    import json

    from osai.finetune import save_adapter

    result = lora_finetune(
        tiny_llama(), tiny_tokenizer, finetune_examples, device="cpu", steps=2, learning_rate=1e-2
    )
    first = save_adapter(result.model, tmp_path / "a", base_model="org/tiny")
    second = save_adapter(result.model, tmp_path / "b", base_model="org/tiny")
    config = json.loads((first / "adapter_config.json").read_text(encoding="utf-8"))
    assert config["base_model_name_or_path"] == "org/tiny"
    assert config["target_modules"] == sorted(config["target_modules"])
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    with pytest.raises(ValueError, match="base model"):
        save_adapter(result.model, tmp_path / "c", base_model="")
    with pytest.raises(TypeError, match="peft model"):
        save_adapter(tiny_llama(), tmp_path / "d", base_model="org/tiny")
