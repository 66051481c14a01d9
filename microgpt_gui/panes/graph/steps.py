"""Step-through of one forward and one backward pass, as the engine does them (no Qt).

Forward: one move per node in creation order (children first), revealing its value.
Backward: first dL/dL = 1, then one move per (node, child) in reversed(backward_order):
    child.grad += local_grad * node.grad
exactly Value.backward()'s loop, so the partial sums end at the engine's grads, bit for bit.
Back undoes one move by replaying the moves before it (a few hundred additions at most).
"""

from dataclasses import dataclass

from microgpt.expr.language import ExprGraph

from .text import backward_sentence, fmt, forward_sentence, name_of


@dataclass(frozen=True)
class Move:
    phase: str  # 'forward' | 'seed' | 'backward'
    node: int  # the node computed (forward), seeded, or whose grad is passed back
    slot: int = -1  # backward: which child of `node` receives local * upstream


class StepThrough:
    """Where the step-through is, and what is visible: values[i], grads[i] (None = not yet),
    and which chain-rule terms each node has received so far."""

    def __init__(self, graph: ExprGraph):
        self.graph = graph
        index = graph.index
        n = len(graph.nodes)
        self.moves = [Move("forward", i) for i in range(n)]
        self.moves.append(Move("seed", n - 1))
        for v in reversed(graph.backward_order):
            j = index[v]
            self.moves += [Move("backward", j, slot) for slot in range(len(v.children))]
        self.n_forward = n
        self.finish()

    @property
    def position(self) -> int:
        """Moves done so far: 0 = nothing computed, len(moves) = both passes complete."""
        return self._pos

    at_start = property(lambda self: self._pos == 0)
    at_end = property(lambda self: self._pos == len(self.moves))
    forward_done = property(lambda self: self._pos >= self.n_forward)
    walking = property(lambda self: not self._quiet)  # a walk is shown, not the finished passes

    @property
    def phase(self) -> str:
        """'start', 'forward', 'backward' or 'done'."""
        if self.at_end:
            return "done"
        if self._pos == 0:
            return "start"
        return "forward" if self._pos <= self.n_forward else "backward"

    def restart(self) -> None:
        n = len(self.graph.nodes)
        self.values: list[float | None] = [None] * n
        self.grads: list[float | None] = [None] * n
        self.received: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        self._pos, self._quiet = 0, False
        self.text = "Nothing is computed yet. Press Next to compute the first value."

    def finish(self) -> None:
        """Show the finished passes (the state after editing or nudging)."""
        self.restart()
        while self._take():
            pass
        self._quiet = True  # nothing to highlight
        self.text = (
            f"Forward and backward passes done: {name_of(self.graph, len(self.values) - 1)} = "
            f"{fmt(self.graph.output.data)}. Press Restart to walk through them move by move."
        )

    def current(self) -> Move | None:
        """The move just made (what to highlight); None after restart() or finish()."""
        return None if self._quiet or self._pos == 0 else self.moves[self._pos - 1]

    def advance(self) -> bool:
        """Make the next move; False (and nothing changes) at the end."""
        if not self._take():
            return False
        self._quiet = False
        self.text = self._describe(self.moves[self._pos - 1])
        return True

    def back(self) -> bool:
        """Undo the last move; False at the start."""
        if self._pos == 0:
            return False
        target = self._pos - 1
        self.restart()
        for _ in range(target):
            self._take()
        if target:
            self.text = "Back: " + self._describe(self.moves[target - 1])
        return True

    def _take(self) -> bool:
        if self.at_end:
            return False
        move = self.moves[self._pos]
        self._pos += 1
        g = self.graph
        if move.phase == "forward":
            self.values[move.node] = g.nodes[move.node].data
        elif move.phase == "seed":
            self.grads = [0.0] * len(self.grads)
            self.grads[move.node] = 1.0
        else:
            child = g.steps[move.node].args[move.slot]
            v = g.nodes[move.node]
            self.grads[child] += v.local_grads[move.slot] * v.grad
            self.received[child].append((move.node, move.slot))
        return True

    def _describe(self, move: Move) -> str:
        g, k = self.graph, self._pos
        if move.phase == "forward":
            return f"Forward {k}/{self.n_forward}: {forward_sentence(g, move.node)}"
        if move.phase == "seed":
            return (
                f"Backward pass begins at the output: the gradient of "
                f"{name_of(g, move.node)} with respect to itself is 1."
            )
        child = g.steps[move.node].args[move.slot]
        k, total = k - self.n_forward - 1, len(self.moves) - self.n_forward - 1
        sentence = backward_sentence(g, move.node, move.slot, self.grads[child])
        done = "  Done: every gradient is in." if self.at_end else ""
        return f"Backward {k}/{total}: {sentence}{done}"
