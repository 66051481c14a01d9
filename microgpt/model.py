"""The GPT: parameter layout, init, and the scalar forward pass of microgpt."""

import random
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .config import TrainConfig

# kind -> (what a row is, what a column is, one-line description)
KINDS = {
    "wte": ("char", "dimension", "token embedding: one row of numbers per char"),
    "wpe": ("position", "dimension", "position embedding: one row per position"),
    "lm_head": ("next char", "dimension", "output layer: scores for the next char"),
    "attn_wq": ("query dim", "input dim", "attention queries: what a position looks for"),
    "attn_wk": ("key dim", "input dim", "attention keys: what a position offers"),
    "attn_wv": ("value dim", "input dim", "attention values: what a position passes on"),
    "attn_wo": ("output dim", "attention dim", "attention output: heads back into the vector"),
    "mlp_fc1": ("hidden neuron", "input dim", "MLP, first layer: vector → hidden neurons"),
    "mlp_fc2": ("output dim", "hidden neuron", "MLP, second layer: hidden neurons → vector"),
}


@dataclass(frozen=True)
class ParamSpec:
    """One parameter matrix as a view needs it: what it is and what its rows mean."""

    name: str  # 'wte', 'layer0.attn_wq', ...: the key in state_dict and in StepReports
    kind: str  # 'wte', 'attn_wq', ...: the name without its layer
    layer: int | None  # transformer block, None for the embeddings and lm_head
    shape: tuple[int, int]  # (rows, cols)
    row_axis: str  # what a row is: 'char', 'position', 'hidden neuron', ...
    col_axis: str  # what a column is
    about: str  # one line for a newcomer

    @property
    def rows_are_tokens(self) -> bool:
        """Rows are vocabulary ids (chars, then BOS)."""
        return self.kind in ("wte", "lm_head")

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]


@dataclass(frozen=True)
class ParamLayout:
    """Names and shapes of the parameter matrices, in init order, packed into one flat vector."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, int], ...]

    @classmethod
    def build(cls, config: TrainConfig, vocab_size: int) -> "ParamLayout":
        e = config.n_embd
        entries = [
            ("wte", (vocab_size, e)),
            ("wpe", (config.block_size, e)),
            ("lm_head", (vocab_size, e)),
        ]
        for i in range(config.n_layer):
            entries += [
                (f"layer{i}.attn_wq", (e, e)),
                (f"layer{i}.attn_wk", (e, e)),
                (f"layer{i}.attn_wv", (e, e)),
                (f"layer{i}.attn_wo", (e, e)),
                (f"layer{i}.mlp_fc1", (4 * e, e)),
                (f"layer{i}.mlp_fc2", (e, 4 * e)),
            ]
        return cls(tuple(n for n, _ in entries), tuple(s for _, s in entries))

    @cached_property
    def specs(self) -> tuple[ParamSpec, ...]:
        """A ParamSpec per matrix, in layout order."""
        out = []
        for name, shape in zip(self.names, self.shapes):
            layer, _, kind = name.rpartition(".")
            row_axis, col_axis, about = KINDS[kind]
            number = int(layer[len("layer") :]) if layer else None
            out.append(ParamSpec(name, kind, number, shape, row_axis, col_axis, about))
        return tuple(out)

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        """Start of each matrix in the flat vector, then the total size."""
        out = [0]
        for r, c in self.shapes:
            out.append(out[-1] + r * c)
        return tuple(out)

    @cached_property
    def size(self) -> int:
        return self.offsets[-1]

    def split(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """Views of flat, one (rows, cols) matrix per name."""
        off = self.offsets  # cached: split runs five times per step
        return {
            n: flat[off[i] : off[i + 1]].reshape(s)
            for i, (n, s) in enumerate(zip(self.names, self.shapes))
        }


def init_params(layout: ParamLayout, rng: random.Random, std: float) -> np.ndarray:
    """gauss(0, std) for every parameter, matrix by matrix, row-major (microgpt's draw order)."""
    return np.array([rng.gauss(0, std) for _ in range(layout.size)], dtype=np.float64)


def leaf_labels(layout: ParamLayout) -> list[str]:
    """'wte[3,5]'-style labels for every parameter, in flat order."""
    return [
        f"{n}[{r},{c}]"
        for n, (rows, cols) in zip(layout.names, layout.shapes)
        for r in range(rows)
        for c in range(cols)
    ]


# --- microgpt's building blocks, on lists of Values -------------------------------------


def linear(x, w):
    # out_i = sum_j w[i][j] * x[j]; Python's sum starts from the int 0
    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]


def softmax(logits):
    max_val = max(val.data for val in logits)
    exps = [(val - max_val).exp() for val in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def _untapped(what, layer, vals, head=None):
    pass  # gpt's default tap: nothing is named


def gpt(
    sd,
    config: TrainConfig,
    token_id,
    pos_id,
    keys,
    values,
    attn_trace=None,
    check=None,
    tap=_untapped,
):
    """Logits for the next token. sd: name -> list of rows of Values; keys/values: per-layer caches.

    attn_trace, if given, receives one list per layer of n_head weight lists (floats).
    check, if given, is called before each attention and each MLP (it may raise to stop).
    tap(what, layer, vals, head=None) is shown each named quantity as it is made (trace.py
    names them); it must not change anything.
    """
    n_head, hd = config.n_head, config.head_dim
    x = [t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])]
    tap("x", None, x)
    x = rmsnorm(x)
    tap("norm", None, x)
    for li in range(config.n_layer):
        if check is not None:
            check()
        x_residual = x
        x = rmsnorm(x)
        tap("attn norm", li, x)
        q = linear(x, sd[f"layer{li}.attn_wq"])
        k = linear(x, sd[f"layer{li}.attn_wk"])
        v = linear(x, sd[f"layer{li}.attn_wv"])
        tap("q", li, q)
        tap("k", li, k)
        tap("v", li, v)
        keys[li].append(k)
        values[li].append(v)
        x_attn, layer_weights = [], []
        for h in range(n_head):
            hs = h * hd
            q_h = q[hs : hs + hd]
            k_h = [ki[hs : hs + hd] for ki in keys[li]]
            v_h = [vi[hs : hs + hd] for vi in values[li]]
            # score_t = q . k_t / sqrt(head_dim)
            attn_logits = [
                sum(q_h[j] * k_h[t][j] for j in range(hd)) / hd**0.5 for t in range(len(k_h))
            ]
            attn_weights = softmax(attn_logits)
            tap("attn score", li, attn_logits, h)
            tap("attn weight", li, attn_weights, h)
            layer_weights.append([w.data for w in attn_weights])
            head_out = [
                sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(hd)
            ]
            x_attn.extend(head_out)
        tap("attn out", li, x_attn)
        if attn_trace is not None:
            attn_trace.append(layer_weights)
        x = linear(x_attn, sd[f"layer{li}.attn_wo"])
        if check is not None:
            check()
        x = [a + b for a, b in zip(x, x_residual)]
        tap("x attn", li, x)
        x_residual = x
        x = rmsnorm(x)
        tap("mlp norm", li, x)
        x = linear(x, sd[f"layer{li}.mlp_fc1"])
        x = [xi.relu() for xi in x]
        tap("mlp hidden", li, x)
        x = linear(x, sd[f"layer{li}.mlp_fc2"])
        x = [a + b for a, b in zip(x, x_residual)]
        tap("x mlp", li, x)
    return linear(x, sd["lm_head"])
