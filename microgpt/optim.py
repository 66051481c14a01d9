"""Adam with microgpt's hyper-parameters and a linear learning-rate decay."""

import numpy as np

from .config import TrainConfig


def lr_at(config: TrainConfig, step: int) -> float:
    """lr_t = lr * (1 - step / num_steps), step 0-based."""
    return config.learning_rate * (1 - step / config.num_steps)


def adam_exact(
    params: np.ndarray,
    grads: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    step: int,
    lr_t: float,
    config: TrainConfig,
) -> np.ndarray:
    """microgpt's Adam, float by float in Python (bit-exact); updates arrays in place.

    Returns the change applied to each parameter, -lr_t * m_hat / (sqrt(v_hat) + eps).
    """
    b1, b2, eps = config.beta1, config.beta2, config.eps
    p, g, ms, vs = params.tolist(), grads.tolist(), m.tolist(), v.tolist()
    delta = [0.0] * len(p)
    for i in range(len(p)):
        ms[i] = b1 * ms[i] + (1 - b1) * g[i]
        vs[i] = b2 * vs[i] + (1 - b2) * g[i] ** 2
        m_hat = ms[i] / (1 - b1 ** (step + 1))
        v_hat = vs[i] / (1 - b2 ** (step + 1))
        u = lr_t * m_hat / (v_hat**0.5 + eps)
        p[i] -= u
        delta[i] = -u
    params[:], m[:], v[:] = p, ms, vs
    return np.array(delta)


def adam_vectorised(
    params: np.ndarray,
    grads: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    step: int,
    lr_t: float,
    config: TrainConfig,
) -> np.ndarray:
    """The same Adam on whole arrays (equal to adam_exact within rounding)."""
    b1, b2 = config.beta1, config.beta2
    m *= b1
    m += (1 - b1) * grads
    v *= b2
    v += (1 - b2) * (grads * grads)
    m_hat = m / (1 - b1 ** (step + 1))
    v_hat = v / (1 - b2 ** (step + 1))
    delta = -(lr_t * m_hat / (np.sqrt(v_hat) + config.eps))
    params += delta
    return delta
