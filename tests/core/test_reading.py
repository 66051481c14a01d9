"""microgpt.reading: any text through the model, beside the training documents' losses."""

import numpy as np
import pytest

from microgpt import TrainConfig, Trainer, VocabularyError
from microgpt.reading import MAX_TEXT, doc_losses, read_text

DOCS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella", "zoe", "al"]
CONFIG = TrainConfig(num_steps=20)


@pytest.mark.parametrize("backend", ["numpy", "scalar"])
def test_doc_losses_are_each_documents_forward_loss(backend):
    t = Trainer(DOCS, CONFIG, backend)
    for _ in range(3):
        t.step()
    each = sorted(t.backend.forward(t.params, list(t.tokens_of(d))).loss for d in t.docs)
    np.testing.assert_allclose(doc_losses(t), each, rtol=1e-12)


def test_a_reading_is_the_forward_pass_and_changes_nothing():
    t = Trainer(DOCS, CONFIG, "numpy")
    t.step()
    params, m, v, rng, step = t.params.copy(), t.m.copy(), t.v.copy(), t.rng.getstate(), 1
    r = read_text(t, "ellie")
    f = t.backend.forward(t.params, list(t.tokens_of("ellie")))
    assert r.loss == f.loss and r.step == 1 and r.n == 6
    np.testing.assert_array_equal(r.position_losses, f.position_losses)
    np.testing.assert_allclose(r.target_probs, np.exp(-f.position_losses), rtol=1e-12)
    assert r.attention.shape == (1, CONFIG.n_head, 6, 6)
    below = sum(loss < r.loss for loss in r.doc_losses)
    assert r.more_surprising_than == below / len(DOCS)
    assert np.array_equal(t.params, params) and np.array_equal(t.m, m)
    assert np.array_equal(t.v, v) and t.rng.getstate() == rng and t.step_count == step


def test_bad_texts_are_refused_in_words():
    t = Trainer(DOCS, CONFIG, "numpy")
    with pytest.raises(VocabularyError, match="Type a name"):
        read_text(t, "")
    with pytest.raises(VocabularyError, match=f"at most {MAX_TEXT}"):
        read_text(t, "a" * (MAX_TEXT + 1))
    with pytest.raises(VocabularyError, match=r"never seen 'E', U\+0020, '1'"):
        read_text(t, "Emma 1")
    long = read_text(t, "a" * 40)
    assert long.cut == 40 - CONFIG.block_size and len(long.doc) == CONFIG.block_size
