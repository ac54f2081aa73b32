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

WORDS = "<pad> <eos> <unk> what is your name who are you i am osai a model".split()
EXAMPLES = [("what is your name", "i am osai"), ("who are you", "i am a model")]


def tiny_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {word: i for i, word in enumerate(WORDS)}
    raw = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=raw, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )


def tiny_llama(seed: int = 0):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(WORDS),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )
    return LlamaForCausalLM(config)


def test_labels_cover_only_the_answer():
    tokenizer = tiny_tokenizer()
    batch = encode_examples(tokenizer, EXAMPLES)
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
    first = batch["labels"][0]
    answer = [i for i in first.tolist() if i != IGNORE_INDEX]
    assert tokenizer.decode(answer) == "i am osai <eos>"
    # the prompt ("what is your name") is masked out
    assert (first[:4] == IGNORE_INDEX).all()


def test_lora_training_lowers_the_loss_and_freezes_the_base():
    model = tiny_llama()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    result = lora_finetune(
        model, tiny_tokenizer(), EXAMPLES, device="cpu", steps=15, learning_rate=1e-2
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


def test_same_seed_same_losses():
    first = lora_finetune(tiny_llama(), tiny_tokenizer(), EXAMPLES, device="cpu", steps=3)
    second = lora_finetune(tiny_llama(), tiny_tokenizer(), EXAMPLES, device="cpu", steps=3)
    assert first.losses == second.losses


@pytest.mark.parametrize(
    "bad",
    [[], "what is your name", [("only a prompt",)], [("a", "")], [("a", 3)], None],
)
def test_bad_examples_are_refused(bad):
    with pytest.raises(ValueError, match="examples"):
        lora_finetune(tiny_llama(), tiny_tokenizer(), bad, device="cpu", steps=1)


def test_unknown_target_module_is_refused():
    with pytest.raises(ValueError, match="c_attn"):
        lora_finetune(
            tiny_llama(), tiny_tokenizer(), EXAMPLES, device="cpu", target_modules=("c_attn",)
        )


@pytest.mark.parametrize(("option", "value"), [("steps", 0), ("r", 0)])
def test_bad_numbers_are_refused(option, value):
    with pytest.raises(ValueError, match=option if option == "steps" else "rank"):
        lora_finetune(tiny_llama(), tiny_tokenizer(), EXAMPLES, device="cpu", **{option: value})


def test_answers_cut_off_entirely_are_refused():
    with pytest.raises(ValueError, match="max_length"):
        encode_examples(tiny_tokenizer(), EXAMPLES, max_length=2)


def test_answer_loss_equals_the_models_own_loss():
    from osai.finetune import answer_loss

    model = tiny_llama()
    batch = encode_examples(tiny_tokenizer(), EXAMPLES)
    with torch.no_grad():
        expected = model(**batch).loss
        assert torch.allclose(answer_loss(model, batch), expected, atol=1e-6)


def test_adapters_on_some_layers_only():
    result = lora_finetune(
        tiny_llama(), tiny_tokenizer(), EXAMPLES, device="cpu", steps=2, layers=[1]
    )
    assert result.trainable_parameters == 8 * 64 + 8 * 48  # one block instead of two
    names = [name for name, p in result.model.named_parameters() if p.requires_grad]
    assert names and all(".layers.1." in name for name in names)
