"""Step-through of one forward and one backward pass, as the engine does them (no Qt).

Forward: one step per node in creation order (children first), revealing its value.
Backward: first dL/dL = 1, then one step per (node, child) in reversed(backward_order):
    child.grad += local_grad * node.grad
exactly Value.backward()'s loop, so the partial sums end at the engine's grads, bit for bit.
"""

from dataclasses import dataclass

from microgpt.expr import ExprGraph

from .graph_text import backward_sentence, fmt, forward_sentence, name_of


@dataclass(frozen=True)
class Step:
    phase: str  # 'forward' | 'seed' | 'backward'
    node: int  # the node computed (forward), seeded, or whose grad is passed back
    slot: int = -1  # backward: which child of `node` receives local * upstream


class StepThrough:
    """Where the step-through is, and what is visible: values[i], grads[i] (None = not yet)."""

    def __init__(self, graph: ExprGraph):
        self.graph = graph
        index = graph.index
        n = len(graph.nodes)
        self.steps = [Step("forward", i) for i in range(n)]
        self.steps.append(Step("seed", n - 1))
        for v in reversed(graph.backward_order):
            j = index[v]
            self.steps += [Step("backward", j, slot) for slot in range(len(v.children))]
        self.n_forward = n
        self.finish()

    @property
    def position(self) -> int:
        """Steps done so far: 0 = nothing computed, len(steps) = both passes complete."""
        return self._pos

    at_end = property(lambda self: self._pos == len(self.steps))
    forward_done = property(lambda self: self._pos >= self.n_forward)

    def restart(self) -> None:
        n = len(self.graph.nodes)
        self.values: list[float | None] = [None] * n
        self.grads: list[float | None] = [None] * n
        self._pos, self._quiet = 0, False
        self.text = "Restarted: nothing is computed yet. Step forward to compute values."

    def finish(self) -> None:
        """Show the finished passes (the state after editing or nudging)."""
        self.values = [v.data for v in self.graph.nodes]
        self.grads = [v.grad for v in self.graph.nodes]
        self._pos, self._quiet = len(self.steps), True  # nothing to highlight
        self.text = (
            f"Forward and backward passes done: {name_of(self.graph, len(self.values) - 1)} = "
            f"{fmt(self.graph.output.data)}. Press Restart to watch them step by step."
        )

    def current(self) -> Step | None:
        """The step just taken (what to highlight); None after restart() or finish()."""
        return None if self._quiet or self._pos == 0 else self.steps[self._pos - 1]

    def advance(self) -> bool:
        """Take the next step; False at the end."""
        if self.at_end:
            return False
        step = self.steps[self._pos]
        self._pos, self._quiet = self._pos + 1, False
        g = self.graph
        if step.phase == "forward":
            self.values[step.node] = g.nodes[step.node].data
            self.text = f"Forward {self._pos}/{self.n_forward}: {forward_sentence(g, step.node)}"
        elif step.phase == "seed":
            self.grads = [0.0] * len(self.grads)
            self.grads[step.node] = 1.0
            self.text = (
                f"Backward pass begins at the output: the gradient of "
                f"{name_of(g, step.node)} with respect to itself is 1."
            )
        else:
            child = g.steps[step.node].args[step.slot]
            v = g.nodes[step.node]
            self.grads[child] += v.local_grads[step.slot] * v.grad
            k, total = self._pos - self.n_forward - 1, len(self.steps) - self.n_forward - 1
            sentence = backward_sentence(g, step.node, step.slot, self.grads[child])
            self.text = f"Backward {k}/{total}: {sentence}"
        if self.at_end:
            self.text += "  (Done: every gradient is in.)"
        return True

    def advance_forward(self) -> bool:
        """One forward step; after the forward pass is done, start it over."""
        if self.forward_done:
            self.restart()
        return self.advance()

    def advance_backward(self) -> bool:
        """One backward step; finishes the forward pass first, and starts over at the end."""
        if self.at_end:
            self.restart()
        while not self.forward_done:
            self.advance()
        return self.advance()
