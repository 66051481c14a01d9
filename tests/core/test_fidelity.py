"""Fidelity: the scalar backend reproduces the reference microgpt bit for bit.

The oracle is tests/core/reference_microgpt.py, written from DESIGN.md without importing microgpt.
"""

import pytest
import reference_microgpt as oracle  # tests/core is on sys.path (pytest rootdir-relative import)

from microgpt import TrainConfig, Trainer, default_docs


def test_first_five_losses_equal_the_reference(reference_names, reference_json):
    assert reference_json["seed"] == 42 and reference_json["num_steps"] == 1000
    t = Trainer(reference_names, TrainConfig(seed=42, num_steps=1000))
    assert t.tokenizer.vocab_size == reference_json["vocab_size"]
    assert t.layout.size == reference_json["num_params"]
    losses = [t.step().loss for _ in range(len(reference_json["first_losses"]))]
    assert losses == reference_json["first_losses"]


def test_oracle_reproduces_the_reference_first_losses(reference_names, reference_json):
    # the oracle itself is checked against the recorded reference
    expected = reference_json["first_losses"]
    losses, _ = oracle.run(reference_names, num_steps=1000, stop=len(expected), n_samples=0)
    assert losses == expected


def test_first_steps_and_samples_equal_the_oracle_on_bundled_data():
    # the default suite's independent check of training + sampling, on the bundled names
    docs = default_docs()
    losses, samples = oracle.run(docs, num_steps=1000, stop=3, n_samples=20)
    t = Trainer(docs, TrainConfig(num_steps=1000))
    assert [t.step().loss for _ in range(3)] == losses
    assert [s.text for s in t.sample(20, temperature=0.5)] == samples


@pytest.mark.slow
def test_all_1000_losses_and_the_samples_equal_the_oracle(reference_names, reference_json):
    losses, samples = oracle.run(reference_names, num_steps=1000, n_samples=20, temperature=0.5)
    first = reference_json["first_samples_temperature_0.5"]
    assert samples[: len(first)] == first
    t = Trainer(reference_names, TrainConfig(seed=42, num_steps=1000))
    mine = [t.step().loss for _ in range(1000)]
    assert mine == losses
    assert [s.text for s in t.sample(20, temperature=0.5)] == samples
