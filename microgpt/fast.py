"""The NumPy backend: microgpt's math on whole arrays, with a hand-written backward pass.

The forward pass runs over every position of the document at once: a causal mask stands in
for the growing key/value cache, and the heads are a batch axis. The backward pass is the
chain rule written out op by op, in reverse. The operations follow the reference in order
(rmsnorm, softmax with the max subtracted, `a * b**-1` for division), so the numbers agree
with the scalar backend to float rounding (~1e-15), not bit for bit.
"""

import random
from time import perf_counter
from typing import NamedTuple

import numpy as np

from .backend import Forward, Pass, StopCheck
from .config import TrainConfig
from .model import ParamLayout
from .optim import adam_vectorised


class LayerWeights(NamedTuple):
    """One block's matrices, as (rows, cols) views of a flat vector (params or grads)."""

    qkv: np.ndarray  # (3*n_embd, n_embd): attn_wq, attn_wk, attn_wv, adjacent in the layout
    wo: np.ndarray  # (n_embd, n_embd)
    fc1: np.ndarray  # (4*n_embd, n_embd)
    fc2: np.ndarray  # (n_embd, 4*n_embd)


class Weights(NamedTuple):
    wte: np.ndarray  # (vocab, n_embd)
    wpe: np.ndarray  # (block_size, n_embd)
    lm_head: np.ndarray  # (vocab, n_embd)
    layers: tuple[LayerWeights, ...]


class LayerCache(NamedTuple):
    """What one block's forward keeps for its backward; n positions, H heads of hd."""

    x: np.ndarray  # (n, e) block input
    s1: np.ndarray  # (n, 1) rmsnorm scale of x
    xn: np.ndarray  # (n, e) rmsnorm(x)
    q: np.ndarray  # (H, n, hd)
    k: np.ndarray  # (H, n, hd)
    v: np.ndarray  # (H, n, hd)
    w: np.ndarray  # (H, n, n) attention weights, 0 above the diagonal
    cat: np.ndarray  # (n, e) head outputs side by side
    x_mid: np.ndarray  # (n, e) after the attention residual
    s2: np.ndarray  # (n, 1) rmsnorm scale of x_mid
    xn2: np.ndarray  # (n, e) rmsnorm(x_mid)
    h: np.ndarray  # (n, 4e) relu(xn2 @ fc1.T)


def rmsnorm(x: np.ndarray, inv_len: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row y = x * scale, scale = (sum(x*x) * (1/len) + 1e-5) ** -0.5; returns y and scale."""
    scale = ((x * x).sum(axis=-1, keepdims=True) * inv_len + 1e-5) ** -0.5  # (n, 1)
    return x * scale, scale


def rmsnorm_back(x: np.ndarray, scale: np.ndarray, dy: np.ndarray, inv_len: float) -> np.ndarray:
    """dx = scale * dy - x * scale**3 * sum(dy * x) / len, from d(scale)/d(ms) = -scale**3 / 2."""
    dot = (dy * x).sum(axis=-1, keepdims=True)  # (n, 1)
    return scale * dy - x * (scale * scale * scale * dot * inv_len)


def softmax(z: np.ndarray) -> np.ndarray:
    """Over the last axis: e = exp(z - max), then e * sum(e) ** -1; a -inf entry gives 0."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e * e.sum(axis=-1, keepdims=True) ** -1


class NumpyBackend:
    """The scalar backend's interface and numbers, vectorised: a step takes ~0.1 ms, not 60."""

    name = "numpy"
    adam = staticmethod(adam_vectorised)

    def __init__(self, config: TrainConfig, layout: ParamLayout, vocab_size: int):
        self.config, self.layout, self.vocab_size = config, layout, vocab_size
        b = config.block_size
        self.inv_e = config.n_embd**-1  # rmsnorm's 1 / len(x)
        self.scale = (config.head_dim**0.5) ** -1  # scores are sum(q*k) / hd**0.5
        # 0 on and below the diagonal, -inf above: position t attends to positions <= t
        self.mask = np.triu(np.full((b, b), -np.inf), k=1)
        self.onehot = np.eye(vocab_size)  # row i: token i as a one-hot vector
        self._spans = self._matrix_spans()
        self._size = layout.size  # number of parameters
        self._params, self._weights = None, None  # views of the last params vector seen

    def _matrix_spans(self) -> list[tuple[int, int, tuple[int, int]]]:
        """(start, stop, shape) in the flat vector of each matrix that Weights holds."""
        layout, e, v = self.layout, self.config.n_embd, self.vocab_size
        start = dict(zip(layout.names, layout.offsets))
        span = lambda first, rows, cols: (start[first], start[first] + rows * cols, (rows, cols))
        spans = [span("wte", v, e), span("wpe", self.config.block_size, e), span("lm_head", v, e)]
        for i in range(self.config.n_layer):
            spans += [
                span(f"layer{i}.attn_wq", 3 * e, e),  # wq, wk, wv read as one (3e, e) matrix
                span(f"layer{i}.attn_wo", e, e),
                span(f"layer{i}.mlp_fc1", 4 * e, e),
                span(f"layer{i}.mlp_fc2", e, 4 * e),
            ]
        return spans

    def _views(self, flat: np.ndarray) -> Weights:
        """(rows, cols) views of a flat vector in layout order, no copies."""
        m = [flat[a:b].reshape(shape) for a, b, shape in self._spans]
        layers = tuple(LayerWeights(*m[i : i + 4]) for i in range(3, len(m), 4))
        return Weights(m[0], m[1], m[2], layers)

    def _weights_of(self, params: np.ndarray) -> Weights:
        """Views of params; the Trainer updates one vector in place, so they are made once."""
        if params is not self._params:
            self._params, self._weights = params, self._views(params)
        return self._weights

    # --- forward ------------------------------------------------------------------

    def _block(self, x: np.ndarray, lw: LayerWeights) -> tuple[np.ndarray, LayerCache]:
        """One transformer block over all n positions: its output (n, e) and its cache.
        x may have leading batch axes, (B, n, e): documents of the same length at once."""
        cfg = self.config
        *lead, n, _ = x.shape
        h_, hd = cfg.n_head, cfg.head_dim
        xn, s1 = rmsnorm(x, self.inv_e)
        qkv = (xn @ lw.qkv.T).reshape(*lead, n, 3, h_, hd)
        qkv = np.moveaxis(qkv, -3, 0).swapaxes(-3, -2)  # (3, *lead, H, n, hd)
        q, k, v = qkv[0], qkv[1], qkv[2]
        # scores[h, t, u] = sum_j q[h, t, j] * k[h, u, j] / sqrt(hd), masked for u > t
        scores = (q @ k.swapaxes(-1, -2)) * self.scale + self.mask[:n, :n]  # (*lead, H, n, n)
        w = softmax(scores)
        cat = (w @ v).swapaxes(-3, -2).reshape(*lead, n, cfg.n_embd)  # heads side by side
        x_mid = cat @ lw.wo.T + x  # attention output + residual
        xn2, s2 = rmsnorm(x_mid, self.inv_e)
        h = np.maximum(xn2 @ lw.fc1.T, 0.0)  # (n, 4e) relu
        x_out = h @ lw.fc2.T + x_mid  # MLP output + residual
        return x_out, LayerCache(x, s1, xn, q, k, v, w, cat, x_mid, s2, xn2, h)

    def _forward(self, wts: Weights, token_ids: list[int]):
        """Logits (n, vocab) for each position, plus what the backward pass needs; token_ids
        (B, n) gives (B, n, vocab) (a forward only: the backward takes one document)."""
        n = np.shape(token_ids)[-1]
        x0 = wts.wte[token_ids] + wts.wpe[:n]  # (n, e) token + position embedding
        x, s0 = rmsnorm(x0, self.inv_e)
        caches = []
        for lw in wts.layers:
            x, c = self._block(x, lw)
            caches.append(c)
        return x @ wts.lm_head.T, (token_ids, x0, s0, caches, x)

    # --- backward -----------------------------------------------------------------

    def _block_back(self, dx: np.ndarray, lw: LayerWeights, c: LayerCache, g: LayerWeights):
        """dL/d(block input) from dL/d(block output); writes the block's grads into g."""
        cfg = self.config
        n, h_, hd = len(dx), cfg.n_head, cfg.head_dim
        # MLP: out = relu(xn2 @ fc1.T) @ fc2.T + x_mid
        np.matmul(dx.T, c.h, out=g.fc2)  # (e, 4e)
        dpre = (dx @ lw.fc2) * (c.h > 0)  # (n, 4e) relu passes grad where its input was > 0
        np.matmul(dpre.T, c.xn2, out=g.fc1)  # (4e, e)
        dx = dx + rmsnorm_back(c.x_mid, c.s2, dpre @ lw.fc1, self.inv_e)
        # attention: x_mid = cat @ wo.T + x
        np.matmul(dx.T, c.cat, out=g.wo)  # (e, e)
        dout = (dx @ lw.wo).reshape(n, h_, hd).transpose(1, 0, 2)  # (H, n, hd)
        dw = dout @ c.v.transpose(0, 2, 1)  # (H, n, n)
        dqkv = np.empty((3, h_, n, hd))
        dqkv[2] = c.w.transpose(0, 2, 1) @ dout  # dv = w.T @ dout
        # softmax: dscores = w * (dw - sum(dw * w)); then the 1/sqrt(hd) of the scores
        dscores = c.w * (dw - (dw * c.w).sum(axis=-1, keepdims=True)) * self.scale
        dqkv[0] = dscores @ c.k  # dq
        dqkv[1] = dscores.transpose(0, 2, 1) @ c.q  # dk
        dqkv = dqkv.transpose(2, 0, 1, 3).reshape(n, 3 * cfg.n_embd)  # (n, 3e) like qkv
        np.matmul(dqkv.T, c.xn, out=g.qkv)  # (3e, e)
        return dx + rmsnorm_back(c.x, c.s1, dqkv @ lw.qkv, self.inv_e)

    def _backward(self, wts: Weights, dlogits: np.ndarray, saved) -> np.ndarray:
        """A new flat gradient vector, layout order, from dL/dlogits (n, vocab)."""
        token_ids, x0, s0, caches, x = saved
        onehot = self.onehot[token_ids]  # (n, vocab)
        grads = np.zeros(self._size)
        g = self._views(grads)
        np.matmul(dlogits.T, x, out=g.lm_head)  # (vocab, e)
        dx = dlogits @ wts.lm_head  # (n, e)
        for lw, c, gl in reversed(list(zip(wts.layers, caches, g.layers))):
            dx = self._block_back(dx, lw, c, gl)
        dx0 = rmsnorm_back(x0, s0, dx, self.inv_e)  # (n, e)
        np.matmul(onehot.T, dx0, out=g.wte)  # rows of absent tokens stay exactly 0
        g.wpe[: len(dx0)] = dx0
        return grads

    # --- the interface the Trainer uses -------------------------------------------

    def _probs(self, wts: Weights, tokens: list[int]):
        """Softmax (n, vocab), -log p(target) (n,) and the loss, plus the forward's cache."""
        n = min(self.config.block_size, len(tokens) - 1)
        logits, saved = self._forward(wts, tokens[:n])
        probs = softmax(logits)  # (n, vocab)
        losses = -np.log(probs[np.arange(n), tokens[1 : n + 1]])  # (n,)
        loss = (1 / n) * sum(losses.tolist())  # Python's sum, in order, like the reference
        return probs, losses, loss, saved

    def train_pass(
        self, params: np.ndarray, tokens: list[int], should_stop: StopCheck | None = None
    ) -> Pass:
        t0 = perf_counter()
        wts = self._weights_of(params)
        with np.errstate(all="ignore"):  # a divergent run gives inf/nan, which the Trainer reports
            probs, losses, loss, saved = self._probs(wts, tokens)
            t1 = perf_counter()
            n = len(losses)
            rows, targets = np.arange(n), tokens[1 : n + 1]
            # d(mean of -log softmax)/dlogits = (probs - onehot(target)) / n
            dlogits = probs * (1 / n)
            dlogits[rows, targets] -= 1 / n
            grads = self._backward(wts, dlogits, saved)
        t2 = perf_counter()
        return Pass(
            loss=loss,
            grads=grads,
            target_probs=probs[rows, targets],
            position_losses=losses,
            attention=np.stack([c.w for c in saved[3]]),  # (n_layer, H, n, n)
            t_forward=t1 - t0,
            t_backward=t2 - t1,
            probs=probs,
        )

    def forward(
        self, params: np.ndarray, tokens: list[int], should_stop: StopCheck | None = None
    ) -> Forward:
        """train_pass's forward alone; params may be any vector (views made, none cached)."""
        with np.errstate(all="ignore"):
            probs, losses, loss, saved = self._probs(self._views(params), tokens)
        attention = np.stack([c.w for c in saved[3]])  # (n_layer, H, n, n)
        return Forward(loss=loss, position_losses=losses, probs=probs, attention=attention)

    def mean_losses(self, params: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """(B,): each document's mean -log p(target), for B documents of one length at once:
        tokens (B, n + 1). The mean is numpy's, so it may differ from forward's loss by ~1e-16."""
        n = tokens.shape[1] - 1
        with np.errstate(all="ignore"):
            logits, _ = self._forward(self._views(params), tokens[:, :n])  # (B, n, vocab)
            probs = softmax(logits)
            p = np.take_along_axis(probs, tokens[:, 1:, None], axis=-1)[..., 0]  # (B, n)
        return -np.log(p).mean(axis=1)

    def position_grads(self, params: np.ndarray, tokens: list[int], index: int) -> np.ndarray:
        """(n,): entry k = d((1/n)·loss_k)/d(params[index]), one backward pass per position.

        The entries sum to train_pass's grads[index] within rounding.
        """
        wts = self._views(params)
        with np.errstate(all="ignore"):
            probs, losses, _, saved = self._probs(wts, tokens)
            n = len(losses)
            out = np.empty(n)
            for k in range(n):
                # only position k's loss: dlogits row k = (probs[k] - onehot(target_k)) / n
                dlogits = np.zeros_like(probs)
                dlogits[k] = probs[k] * (1 / n)
                dlogits[k, tokens[k + 1]] -= 1 / n
                out[k] = self._backward(wts, dlogits, saved)[index]
        return out

    def generate(
        self,
        params: np.ndarray,
        rng: random.Random,
        bos: int,
        temperature: float,
        prefix_ids: list[int],
        should_stop: StopCheck | None = None,
    ) -> tuple[list[int], list[np.ndarray]]:
        """The scalar sampling loop: same random draws, logits of all positions so far at once."""
        wts = self._weights_of(params)
        seq, out, dists = [bos] + list(prefix_ids), [], []
        inv_t = temperature**-1  # the reference's lg / temperature
        for _ in range(len(prefix_ids), self.config.block_size):
            with np.errstate(all="ignore"):
                logits, _ = self._forward(wts, seq)
                probs = softmax(logits[-1] * inv_t)  # (vocab,)
            token_id = rng.choices(range(self.vocab_size), weights=probs.tolist())[0]
            out.append(token_id)
            dists.append(probs)
            if token_id == bos:
                break
            seq.append(token_id)
        return out, dists
