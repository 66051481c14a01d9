"""An independent oracle: Karpathy's microgpt, re-written from DESIGN.md's "reference algorithm".

It does not import microgpt. Tests compare the Trainer's losses and samples with this, with ==.
"""

import gc
import math
import random


class V:
    """A scalar with its children and local gradients, as microgpt's Value."""

    __slots__ = ("data", "grad", "kids", "locs")

    def __init__(self, data, kids=(), locs=()):
        self.data, self.grad, self.kids, self.locs = data, 0, kids, locs

    def __add__(self, o):
        o = o if isinstance(o, V) else V(o)
        return V(self.data + o.data, (self, o), (1, 1))

    def __mul__(self, o):
        o = o if isinstance(o, V) else V(o)
        return V(self.data * o.data, (self, o), (o.data, self.data))

    def __pow__(self, k):
        return V(self.data**k, (self,), (k * self.data ** (k - 1),))

    def log(self):
        return V(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return V(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return V(max(0, self.data), (self,), (float(self.data > 0),))

    __radd__ = __add__

    def __neg__(self):
        return self * -1

    def __sub__(self, o):
        return self + (-o)

    def __rmul__(self, o):
        return self * o

    def __truediv__(self, o):
        return self * o**-1

    def backward(self):
        topo, seen = [], set()
        stack = [(self, False)]
        while stack:  # post-order DFS, children in order: the recursive build_topo's order
            v, expanded = stack.pop()
            if expanded:
                topo.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((c, False) for c in reversed(v.kids))
        self.grad = 1
        for v in reversed(topo):
            for c, lg in zip(v.kids, v.locs):
                c.grad += lg * v.grad


def run(docs, num_steps=1000, seed=42, n_samples=20, temperature=0.5, stop=None):
    """Train microgpt on docs (stripped lines); return (losses, samples).

    stop, if given, ends training after that many steps of the num_steps schedule.
    """
    n_embd, n_head, n_layer, block_size = 16, 4, 1, 16
    lr, beta1, beta2, eps = 0.01, 0.85, 0.99, 1e-8
    head_dim = n_embd // n_head
    rng = random.Random(seed)
    docs = list(docs)
    rng.shuffle(docs)
    uchars = sorted(set("".join(docs)))
    bos = len(uchars)
    vocab_size = len(uchars) + 1

    def matrix(nout, nin, std=0.08):
        return [[V(rng.gauss(0, std)) for _ in range(nin)] for _ in range(nout)]

    sd = {"wte": matrix(vocab_size, n_embd)}
    sd["wpe"] = matrix(block_size, n_embd)
    sd["lm_head"] = matrix(vocab_size, n_embd)
    for i in range(n_layer):
        for name in ("attn_wq", "attn_wk", "attn_wv", "attn_wo"):
            sd[f"layer{i}.{name}"] = matrix(n_embd, n_embd)
        sd[f"layer{i}.mlp_fc1"] = matrix(4 * n_embd, n_embd)
        sd[f"layer{i}.mlp_fc2"] = matrix(n_embd, 4 * n_embd)
    params = [p for mat in sd.values() for row in mat for p in row]

    def linear(x, w):
        return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    def softmax(logits):
        mx = max(v.data for v in logits)
        exps = [(v - mx).exp() for v in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def rmsnorm(x):
        ms = sum(xi * xi for xi in x) / len(x)
        scale = (ms + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def gpt(token_id, pos_id, keys, values):
        x = rmsnorm([t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])])
        for li in range(n_layer):
            res = x
            x = rmsnorm(x)
            q = linear(x, sd[f"layer{li}.attn_wq"])
            keys[li].append(linear(x, sd[f"layer{li}.attn_wk"]))
            values[li].append(linear(x, sd[f"layer{li}.attn_wv"]))
            cat = []
            for h in range(n_head):
                a, b = h * head_dim, (h + 1) * head_dim
                qh = q[a:b]
                ks = [k[a:b] for k in keys[li]]
                vs = [v[a:b] for v in values[li]]
                scores = [sum(qh[j] * k[j] for j in range(head_dim)) / head_dim**0.5 for k in ks]
                w = softmax(scores)
                cat += [sum(w[t] * vs[t][j] for t in range(len(vs))) for j in range(head_dim)]
            x = [o + r for o, r in zip(linear(cat, sd[f"layer{li}.attn_wo"]), res)]
            res = x
            x = [h.relu() for h in linear(rmsnorm(x), sd[f"layer{li}.mlp_fc1"])]
            x = [o + r for o, r in zip(linear(x, sd[f"layer{li}.mlp_fc2"]), res)]
        return linear(x, sd["lm_head"])

    m, v = [0.0] * len(params), [0.0] * len(params)
    losses, samples = [], []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for step in range(num_steps if stop is None else stop):
            doc = docs[step % len(docs)]
            tokens = [bos] + [uchars.index(ch) for ch in doc] + [bos]
            n = min(block_size, len(tokens) - 1)
            keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
            step_losses = []
            for pos in range(n):
                probs = softmax(gpt(tokens[pos], pos, keys, values))
                step_losses.append(-probs[tokens[pos + 1]].log())
            loss = (1 / n) * sum(step_losses)
            loss.backward()
            lr_t = lr * (1 - step / num_steps)
            for i, p in enumerate(params):
                m[i] = beta1 * m[i] + (1 - beta1) * p.grad
                v[i] = beta2 * v[i] + (1 - beta2) * p.grad**2
                m_hat = m[i] / (1 - beta1 ** (step + 1))
                v_hat = v[i] / (1 - beta2 ** (step + 1))
                p.data -= lr_t * m_hat / (v_hat**0.5 + eps)
                p.grad = 0
            losses.append(loss.data)
        for _ in range(n_samples):
            keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
            token_id, out = bos, []
            for pos in range(block_size):
                probs = softmax([lg / temperature for lg in gpt(token_id, pos, keys, values)])
                token_id = rng.choices(range(vocab_size), weights=[p.data for p in probs])[0]
                if token_id == bos:
                    break
                out.append(uchars[token_id])
            samples.append("".join(out))
    finally:
        if was_enabled:
            gc.enable()
    return losses, samples
