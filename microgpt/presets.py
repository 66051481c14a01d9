"""Example programs for the graph pane, one click each (microgpt.expr language)."""

PRESETS: list[tuple[str, str]] = [
    (
        "y = 3x",
        """# If I adjust x, how does y change? y = 3x, so dy/dx = 3 whatever x is.
x = 2.0
y = 3 * x
""",
    ),
    (
        "chain L = f(g(h(x)))",
        """# The chain rule: dL/dx = dL/dg * dg/dh * dh/dx
x = 0.8
h = x ** 2      # h(x) = x**2,    dh/dx = 2x
g = tanh(h)     # g(h) = tanh(h), dg/dh = 1 - g**2
L = g ** 2      # f(g) = g**2,    dL/dg = 2g
""",
    ),
    (
        "one weight used twice",
        """# a feeds two branches, so its gradient is the sum of two chain-rule terms
a = param(2.0)
b = a * 3       # one use:   db/da = 3
c = a ** 2      # another:   dc/da = 2a
L = b + c       # dL/da = 1 * 3 + 1 * 2a: backprop adds (+=) both terms
""",
    ),
    (
        "micrograd classic",
        """# micrograd's first example: L = (a*b + c) * f
a = 2.0
b = -3.0
c = 10.0
e = a * b
d = e + c
f = -2.0
L = d * f
""",
    ),
    (
        "neuron",
        """# One neuron: weights times inputs, plus a bias, through relu
x1 = 0.5
x2 = 0.0
w1 = param(-3.0)
w2 = param(1.0)
b = param(2.0)
n = w1*x1 + w2*x2 + b
out = relu(n)
""",
    ),
    (
        "neuron + squared error",
        """# The same neuron, scored against the answer we wanted. Descend lowers L
x1 = 0.5
x2 = 0.0
w1 = param(-3.0)
w2 = param(1.0)
b = param(2.0)
out = relu(w1*x1 + w2*x2 + b)
target = 1.0
L = (out - target) ** 2
""",
    ),
    (
        "two-layer MLP",
        """# 2 inputs -> 2 tanh neurons -> 1 output neuron, scored against a target
x1 = 1.0
x2 = -0.5
w11 = param(0.6)
w12 = param(-0.4)
b1 = param(0.1)
w21 = param(-0.5)
w22 = param(0.8)
b2 = param(0.2)
h1 = tanh(w11*x1 + w12*x2 + b1)   # hidden neuron 1
h2 = tanh(w21*x1 + w22*x2 + b2)   # hidden neuron 2
v1 = param(0.5)
v2 = param(-0.7)
out = v1*h1 + v2*h2               # the output neuron reads both
target = 1.5
L = (out - target) ** 2
""",
    ),
    (
        "softmax cross-entropy",
        """# The GPT's loss in miniature: 3 logits, the right answer is class 0
l0 = param(2.0)
l1 = param(1.0)
l2 = param(0.1)
e0 = exp(l0)
e1 = exp(l1)
e2 = exp(l2)
total = e0 + e1 + e2
p0 = e0 / total    # softmax: the probability of class 0
L = -log(p0)       # dL/dl_i = p_i - 1 for the target, p_i for the others
""",
    ),
    (
        "penguin neuron (3 inputs)",
        """# Is this penguin a Gentoo? Measurements standardized: (x - mean) / std
bill = 0.65      # bill length 47.5 mm
flipper = 1.15   # flipper length 217 mm
mass = 1.09      # body mass 5076 g
w1 = param(0.4)
w2 = param(1.2)
w3 = param(-0.3)
b = param(-0.5)
z = w1*bill + w2*flipper + w3*mass + b
p = sigmoid(z)   # the neuron's belief: Gentoo
""",
    ),
]
