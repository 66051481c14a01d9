"""Looking into a Trainer's last step: a gradient check, the gradient split by position, and
the traced graph from one parameter to the loss (a mixin of Trainer, which the worker asks)."""

import math
import numbers

import numpy as np

from .backends import make_backend
from .engine import gc_paused
from .report import GradientCheck, LastStep
from .trace import Trace, trace_step


class LastStepQueries:
    """The Trainer's questions about its last step, at the params before its update."""

    def gradient_check(self, name: str, row: int, col: int, h: float = 1e-4) -> GradientCheck:
        """The last step's dL/dw for one parameter: central finite difference vs autograd.

        The loss is recomputed by the current backend on the step's document from the
        params before its update, with w at w + h and w - h. ValueError on bad arguments
        or when the last step's params before its update are unknown.
        """
        i = self._flat_index(name, row, col)
        if isinstance(h, bool) or not isinstance(h, numbers.Real) or not 0 < h < math.inf:
            raise ValueError(f"h must be a positive finite number, got {h!r}")
        h = float(h)
        last = self._last_with_params()
        tokens, w = list(last.tokens), last.params_before.copy()
        w[i] = last.params_before[i] + h
        loss_plus = self._forward(w, tokens).loss
        w[i] = last.params_before[i] - h
        loss_minus = self._forward(w, tokens).loss
        fd = (loss_plus - loss_minus) / (2 * h)
        return GradientCheck(fd, float(last.pass_.grads[i]), loss_plus, loss_minus, h)

    def position_split(self, name: str, row: int, col: int) -> np.ndarray:
        """The last step's dL/dw split by position: entry k = d((1/n)·loss_k)/dw.

        At the params before the update; the entries sum to the step's gradient (within
        rounding). Computed with NumPy whatever the backend. ValueError as gradient_check.
        """
        i = self._flat_index(name, row, col)
        last = self._last_with_params()
        fast = self.backend
        if fast.name != "numpy":
            fast = make_backend("numpy", self.config, self.layout, self.tokenizer.vocab_size)
        return fast.position_grads(last.params_before, list(last.tokens), i)

    def trace(self, name: str, row: int, col: int) -> Trace:
        """The last step's graph from one parameter up to the loss, as plain data.

        Rebuilt with the scalar engine from the params before the update, whatever the
        backend, so its grads are the step's (see trace.py). ValueError as gradient_check.
        """
        self._flat_index(name, row, col)
        last = self._last_with_params()
        chars = tuple(self.tokenizer.chars)
        with gc_paused():
            return trace_step(
                last.params_before,
                list(last.tokens),
                self.config,
                self.layout,
                chars,
                name,
                int(row),
                int(col),
                step=self.step_count,
                should_stop=self.should_stop,
            )

    def _flat_index(self, name: str, row: int, col: int) -> int:
        """Where name[row, col] is in the flat params; ValueError if there is no such cell."""
        names = self.layout.names
        if not isinstance(name, str) or name not in names:
            raise ValueError(f"no parameter named {name!r}; the names are {', '.join(names)}")
        k = names.index(name)
        rows, cols = self.layout.shapes[k]
        for what, x, size in (("row", row, rows), ("col", col, cols)):
            if isinstance(x, bool) or not isinstance(x, numbers.Integral) or not 0 <= x < size:
                raise ValueError(
                    f"{what} must be a whole number in 0..{size - 1} ({name} is {rows}x{cols}), "
                    f"got {x!r}"
                )
        return self.layout.offsets[k] + int(row) * cols + int(col)

    def _last_with_params(self) -> LastStep:
        """The last step, if its params before the update are known; ValueError if not."""
        last = self._last
        if last is None:
            raise ValueError("no step has been taken yet")
        if last.params_before is None:
            raise ValueError(
                "the parameters before the last step's update were not saved in this "
                "checkpoint (an older format); take a step first"
            )
        return last
