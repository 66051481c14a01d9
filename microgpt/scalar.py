"""The scalar backend: microgpt's own Value graph, one float at a time (exact, slow)."""

import random
from time import perf_counter

import numpy as np

from .backend import Forward, Pass, StopCheck, check_stop
from .config import TrainConfig
from .engine import Value
from .model import ParamLayout, gpt, leaf_labels, softmax
from .optim import adam_exact


class ScalarBackend:
    """Builds a fresh Value leaf per parameter each step and runs microgpt's code on them."""

    name = "scalar"
    adam = staticmethod(adam_exact)

    def __init__(self, config: TrainConfig, layout: ParamLayout, vocab_size: int):
        self.config, self.layout, self.vocab_size = config, layout, vocab_size
        self._labels = leaf_labels(layout)

    def _leaves(self, params: np.ndarray):
        """Value leaves for params, and the state dict of rows that microgpt indexes."""
        leaves = [Value(x, label=lab) for x, lab in zip(params.tolist(), self._labels)]
        sd, start = {}, 0
        for name, (rows, cols) in zip(self.layout.names, self.layout.shapes):
            sd[name] = [leaves[start + r * cols : start + (r + 1) * cols] for r in range(rows)]
            start += rows * cols
        return leaves, sd

    def _losses(self, sd, tokens: list[int], should_stop: StopCheck | None, trace=None):
        """microgpt's forward over one document: -log p(target) and the softmax, per position."""
        cfg = self.config
        n = min(cfg.block_size, len(tokens) - 1)
        keys, values = [[] for _ in range(cfg.n_layer)], [[] for _ in range(cfg.n_layer)]
        losses, dists = [], []
        stop = None if should_stop is None else lambda: check_stop(should_stop)
        for pos_id in range(n):
            check_stop(should_stop)
            token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
            logits = gpt(sd, cfg, token_id, pos_id, keys, values, trace, stop)
            probs = softmax(logits)
            loss_t = -probs[target_id].log()
            losses.append(loss_t)
            dists.append(probs)
        return losses, dists

    def train_pass(
        self, params: np.ndarray, tokens: list[int], should_stop: StopCheck | None = None
    ) -> Pass:
        cfg = self.config
        t0 = perf_counter()
        leaves, sd = self._leaves(params)
        trace = []
        losses, dists = self._losses(sd, tokens, should_stop, trace)
        n = len(losses)
        loss = (1 / n) * sum(losses)
        t1 = perf_counter()
        loss.backward(should_stop)
        t2 = perf_counter()
        attention = np.zeros((cfg.n_layer, cfg.n_head, n, n))
        for pos_id, layer in enumerate(zip(*[iter(trace)] * cfg.n_layer)):
            for li, heads in enumerate(layer):
                for h, w in enumerate(heads):
                    attention[li, h, pos_id, : len(w)] = w
        probs = np.array([[p.data for p in d] for d in dists])  # (n, vocab)
        return Pass(
            loss=loss.data,
            grads=np.array([p.grad for p in leaves], dtype=np.float64),
            target_probs=probs[np.arange(n), tokens[1 : n + 1]],
            position_losses=np.array([lt.data for lt in losses]),
            attention=attention,
            t_forward=t1 - t0,
            t_backward=t2 - t1,
            probs=probs,
        )

    def forward(
        self, params: np.ndarray, tokens: list[int], should_stop: StopCheck | None = None
    ) -> Forward:
        """The same Value ops as train_pass, so the loss has the same bits; no backward."""
        _, sd = self._leaves(params)
        losses, dists = self._losses(sd, tokens, should_stop)
        loss = (1 / len(losses)) * sum(losses)
        return Forward(
            loss=loss.data,
            position_losses=np.array([lt.data for lt in losses]),
            probs=np.array([[p.data for p in d] for d in dists]),
        )

    def generate(
        self,
        params: np.ndarray,
        rng: random.Random,
        bos: int,
        temperature: float,
        prefix_ids: list[int],
        should_stop: StopCheck | None = None,
    ) -> tuple[list[int], list[np.ndarray]]:
        """microgpt's sampling loop; the prefix is fed, not sampled. Returns ids and probs."""
        cfg = self.config
        _, sd = self._leaves(params)
        keys, values = [[] for _ in range(cfg.n_layer)], [[] for _ in range(cfg.n_layer)]
        token_id, out, dists = bos, [], []
        stop = None if should_stop is None else lambda: check_stop(should_stop)
        for pos_id in range(cfg.block_size):
            check_stop(should_stop)
            logits = gpt(sd, cfg, token_id, pos_id, keys, values, check=stop)
            if pos_id < len(prefix_ids):
                token_id = prefix_ids[pos_id]
                continue
            probs = softmax([lg / temperature for lg in logits])
            weights = [p.data for p in probs]
            token_id = rng.choices(range(self.vocab_size), weights=weights)[0]
            out.append(token_id)
            dists.append(np.array(weights))
            if token_id == bos:
                break
        return out, dists
