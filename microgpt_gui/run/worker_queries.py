"""The worker's answers about the last step: a gradient check or a per-position split of
one cell, a text read through the model, and the traced graph around one parameter, its
uses five at a time.

Mixed into TrainerWorker and run in its thread, like every request; a question about a
step the run has moved past is answered with an error, not a stale value.
"""

from microgpt.backend import Interrupted
from microgpt.reading import read_text

from .commands import (
    CellAnswer,
    CheckRequest,
    ExpandRequest,
    ReadAnswer,
    ReadRequest,
    TraceAnswer,
    TraceRequest,
)

TRACE_USES = 5  # a trace node's uses come five at a time, largest contribution first


class QueryHandlers:
    """_on_* handlers for the questions about the last step; self is the TrainerWorker, which
    declares the signals answered and traced."""

    def _on_cell(self, req) -> None:
        """A gradient check or a per-position split of one cell of the last step."""
        t = self._trainer
        if t is None or self._playing or t.step_count != req.step:
            self.answered.emit(CellAnswer(req, error="the run has moved on; step to ask again"))
            return
        try:
            if isinstance(req, CheckRequest):
                value = t.gradient_check(req.name, req.row, req.col, req.h)
            else:
                value = t.position_split(req.name, req.row, req.col)
        except ValueError as e:
            self.answered.emit(CellAnswer(req, error=str(e)))
            return
        except Interrupted as e:
            self._keep(e)
            return
        self.answered.emit(CellAnswer(req, value))

    def _on_read(self, req: ReadRequest) -> None:
        """The text through the model as it is now (a forward pass: the run is untouched)."""
        try:
            self.answered.emit(ReadAnswer(req, read_text(self._trainer, req.text)))
        except ValueError as e:
            self.answered.emit(ReadAnswer(req, error=str(e)))

    def _on_trace(self, req: TraceRequest) -> None:
        """Rebuild the last step's graph around one parameter; answer its first uses."""
        t = self._trainer
        if t is None or self._playing or t.step_count != req.step:
            self.traced.emit(TraceAnswer(req, error="the run has moved on; step to ask again"))
            return
        try:
            trace = t.trace(req.name, req.row, req.col)
        except ValueError as e:
            self.traced.emit(TraceAnswer(req, error=str(e)))
            return
        except Interrupted as e:
            self._keep(e)
            return
        self._traces += 1
        self._trace = (self._traces, req.step, trace)
        self._answer_uses(req, 0, 0)  # node 0 is the traced parameter

    def _on_expand(self, req: ExpandRequest) -> None:
        if self._trace is None or self._trace[0] != req.trace:
            self.traced.emit(TraceAnswer(req, error="this trace is gone: trace the cell again"))
            return
        self._answer_uses(req, req.node, req.offset)

    def _answer_uses(self, req, node: int, offset: int) -> None:
        number, step, trace = self._trace
        try:
            uses, rest, rest_sum = trace.uses(node, offset=offset, limit=TRACE_USES)
        except (ValueError, KeyError, IndexError) as e:
            self.traced.emit(TraceAnswer(req, error=str(e)))
            return
        targets = tuple(trace.node(u.target) for u in uses)
        answer = TraceAnswer(
            req,
            number,
            step,
            trace.node(node),
            tuple(uses),
            targets,
            rest,
            rest_sum,
            note=trace.note,
        )
        self.traced.emit(answer)
