"""microgpt: a faithful, inspectable re-telling of Karpathy's microgpt. Never imports Qt."""

from .config import TrainConfig
from .data import CharTokenizer, default_docs, download_names, load_docs
from .engine import Value
from .errors import CheckpointError, ConfigError, DatasetError, VocabularyError
from .penguins.classifier import PenguinModel, PenguinStep
from .penguins.data import load_penguins
from .report import GradientCheck, RunInfo, Sample, StepPoint, StepPoints, StepReport
from .trace import Trace, TraceNode, TraceUse, UsesPage
from .trainer import BACKENDS, Trainer, TrainingComplete, TrainingDiverged

__all__ = [
    "BACKENDS",
    "CharTokenizer",
    "CheckpointError",
    "ConfigError",
    "DatasetError",
    "GradientCheck",
    "PenguinModel",
    "PenguinStep",
    "RunInfo",
    "Sample",
    "StepPoint",
    "StepPoints",
    "StepReport",
    "Trace",
    "TraceNode",
    "TraceUse",
    "TrainConfig",
    "Trainer",
    "TrainingComplete",
    "TrainingDiverged",
    "UsesPage",
    "Value",
    "VocabularyError",
    "default_docs",
    "download_names",
    "load_docs",
    "load_penguins",
]
__version__ = "0.1.0"
