"""Scalar autograd: a Value keeps its data, its children and its local gradients.

Each op returns Value(out, children, local_grads); backward() chains them:
child.grad += local_grad * parent.grad, in reverse topological order.
The operations and their order are exactly microgpt's, so the bits match.
"""

import gc
import math
from contextlib import contextmanager

from .backend import Interrupted

CHUNK = 1 << 13  # nodes of backward between two stop checks (~4 ms of pure Python)


class Value:
    __slots__ = ("data", "grad", "children", "local_grads", "op", "label")

    def __init__(self, data, children=(), local_grads=(), op="", label=""):
        self.data = data  # forward value
        self.grad = 0  # dL/dself, filled by backward()
        self.children = children  # inputs of the op that made this node
        self.local_grads = local_grads  # d(self)/d(child), one per child
        self.op = op  # '+', '*', '**', 'log', 'exp', 'relu', 'tanh', 'sigmoid'; '' for a leaf
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, other):
        # d(x**k)/dx = k * x**(k-1); k is a plain number
        return Value(self.data**other, (self,), (other * self.data ** (other - 1),), "**")

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,), "log")

    def exp(self):
        return Value(math.exp(self.data), (self,), (math.exp(self.data),), "exp")

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),), "relu")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,), "tanh")

    def sigmoid(self):
        # s = 1 / (1 + e^-x), written so that neither branch overflows
        x = self.data
        s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        return Value(s, (self,), (s * (1 - s),), "sigmoid")

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        name = f" {self.label!r}" if self.label else ""
        return f"Value({self.data!r}{name}, grad={self.grad!r})"

    def topo(self, should_stop=None) -> list["Value"]:
        """Every node reachable from self, children before parents (microgpt's DFS order)."""
        order, visited = [], {self}
        stack = [(self, iter(self.children))]
        visits = 0
        while stack:  # iterative post-order DFS, same order as the recursive one
            visits += 1
            if not visits % CHUNK and should_stop is not None and should_stop():
                raise Interrupted("stopped while ordering the graph")
            node, children = stack[-1]
            for child in children:
                if child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.children)))
                    break
            else:
                stack.pop()
                order.append(node)
        return order

    def backward(self, should_stop=None) -> list["Value"]:
        """Fill .grad of every node with d(self)/d(node); return the topological order.

        should_stop, if given, is asked every CHUNK nodes; True raises Interrupted (the
        grads are then partial).
        """
        order = self.topo(should_stop)
        self.grad = 1
        stop = len(order)
        while stop > 0:
            if should_stop is not None and should_stop():
                raise Interrupted("stopped during backward")
            start = max(0, stop - CHUNK)
            for v in reversed(order[start:stop]):
                for child, local_grad in zip(v.children, v.local_grads):
                    child.grad += local_grad * v.grad
            stop = start
        return order


@contextmanager
def gc_paused():
    """Pause the cyclic GC: the Value graph has no cycles, and walking it is most of a step."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
