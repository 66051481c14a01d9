"""Typed requests from the window to the worker: frozen, plain data, one class per command."""

from dataclasses import dataclass

from microgpt import TrainConfig

SPEEDS = (1, 2, 5, 10, 20, 50, 100, None)  # steps per second; None = as fast as it goes
DEFAULT_SPEED = 50  # 1000 numpy steps in ~20 s: slow enough to watch the loss fall
FRAME_RATE = 30  # at most this many redraws a second; slower speeds draw every step


@dataclass(frozen=True)
class ResetRequest:
    """A new run. docs / path / makemore choose the data; none of them: the current data."""

    config: TrainConfig | None = None
    backend: str | None = None
    docs: tuple[str, ...] | None = None
    source: str = ""  # how the window names these docs ('bundled names', a file name)
    path: str | None = None
    makemore: bool = False


@dataclass(frozen=True)
class StepRequest:
    """Exactly one training step; its report comes in detail (the softmax at every
    position and the loss after the update)."""


@dataclass(frozen=True)
class CheckRequest:
    """A finite-difference check of one parameter's gradient in the last step."""

    step: int  # the step the learner is looking at; a run that moved on answers that
    name: str
    row: int
    col: int
    h: float = 1e-4


@dataclass(frozen=True)
class SplitRequest:
    """One parameter's gradient in the last step, split over the positions' losses."""

    step: int
    name: str
    row: int
    col: int


@dataclass(frozen=True)
class TraceRequest:
    """The last step's computation graph around one parameter: its node and first uses."""

    step: int
    name: str
    row: int
    col: int


@dataclass(frozen=True)
class ExpandRequest:
    """More of the trace: the uses of node `node` from the `offset`-th (largest first)."""

    trace: int  # TraceAnswer.trace of the trace it belongs to
    node: int
    offset: int = 0


@dataclass(frozen=True)
class TraceAnswer:
    """A node of the trace and (some of) its uses, as plain data: `node` and `targets` are
    microgpt.trace.TraceNode, `uses` microgpt.trace.TraceUse (uses[i] leads to targets[i]);
    `rest` more uses, summing to `rest_sum`, follow from offset + len(uses)."""

    request: TraceRequest | ExpandRequest
    trace: int = 0  # which trace (a new one each TraceRequest)
    step: int = 0
    node: object = None
    uses: tuple = ()
    targets: tuple = ()
    rest: int = 0
    rest_sum: float = 0.0
    error: str = ""
    note: str = ""  # why the parameter feeds nothing in this step, if it does not


@dataclass(frozen=True)
class CellAnswer:
    """What the worker says to a CheckRequest or SplitRequest: `value` is a GradientCheck
    (check) or an (n,) array (split); `error` says why there is none."""

    request: CheckRequest | SplitRequest
    value: object = None
    error: str = ""


@dataclass(frozen=True)
class ReadRequest:
    """Any text through the model with its current weights: no training, the run untouched."""

    text: str


@dataclass(frozen=True)
class ReadAnswer:
    """What the worker says to a ReadRequest: `reading` a microgpt.reading.Reading, or
    `error` why there is none (characters the model has never seen, ...)."""

    request: ReadRequest
    reading: object = None
    error: str = ""


@dataclass(frozen=True)
class PlayRequest:
    steps: int = 0  # train this many more steps; 0 = to the end of the schedule


@dataclass(frozen=True)
class SpeedRequest:
    steps_per_s: float | None  # None = as fast as possible


@dataclass(frozen=True)
class SampleRequest:
    n: int = 20
    temperature: float = 0.5
    seed: int | None = None  # None continues the run's own random stream
    prefix: str = ""


@dataclass(frozen=True)
class LoadRequest:
    path: str


@dataclass(frozen=True)
class SaveRequest:
    path: str


@dataclass(frozen=True)
class LearningRateRequest:
    lr: float


@dataclass(frozen=True)
class BackendRequest:
    name: str


@dataclass(frozen=True)
class GoToStepRequest:
    """Go to step `step` of the current run (clamped to the steps it can go to)."""

    step: int


@dataclass(frozen=True)
class StepBackRequest:
    """Go to the step before this one."""


@dataclass(frozen=True)
class RenameRunRequest:
    run: int  # RunRecord.id
    name: str


@dataclass(frozen=True)
class DeleteRunRequest:
    run: int  # RunRecord.id of a kept run


@dataclass(frozen=True)
class ShutdownRequest:
    """Stop playing and end the worker's thread."""


def speed_text(steps_per_s: float | None) -> str:
    return "max" if steps_per_s is None else f"{steps_per_s:g} steps/s"
