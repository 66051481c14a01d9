"""Example programs for the graph pane, one click each (microgpt.expr language).

Lines stay within 34 characters: the editor beside the inspector shows that many at
1280x800 without wrapping a comment away from its line.
"""

PRESETS: list[tuple[str, str]] = [
    (
        "y = 3x",
        """# If x moves, how does y move?
# y = 3x, so dy/dx = 3 for any x
x = 2.0
y = 3 * x
""",
    ),
    (
        "chain L = f(g(h(x)))",
        """# The chain rule:
# dL/dx = dL/dg * dg/dh * dh/dx
x = 0.8
h = x ** 2    # dh/dx = 2x
g = tanh(h)   # dg/dh = 1 - g**2
L = g ** 2    # dL/dg = 2g
""",
    ),
    (
        "one weight used twice",
        """# a feeds two branches, so its
# grad is the sum of two terms
a = param(2.0)
b = a * 3     # db/da = 3
c = a ** 2    # dc/da = 2a
L = b + c     # dL/da = 3 + 2a
""",
    ),
    (
        "micrograd classic",
        """# micrograd's first example:
# L = (a*b + c) * f
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
        """# One neuron: inputs times
# weights, plus a bias, then relu
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
        """# The same neuron, scored against
# the answer we wanted: Descend!
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
        """# 2 inputs -> 2 tanh neurons
# -> 1 output neuron
x1 = 1.0
x2 = -0.5
w11 = param(0.6)
w12 = param(-0.4)
b1 = param(0.1)
w21 = param(-0.5)
w22 = param(0.8)
b2 = param(0.2)
h1 = tanh(w11*x1 + w12*x2 + b1)
h2 = tanh(w21*x1 + w22*x2 + b2)
v1 = param(0.5)
v2 = param(-0.7)
out = v1*h1 + v2*h2   # reads both
target = 1.5
L = (out - target) ** 2
""",
    ),
    (
        "softmax cross-entropy",
        """# The GPT's loss in miniature:
# 3 logits; the answer is class 0
l0 = param(2.0)
l1 = param(1.0)
l2 = param(0.1)
e0 = exp(l0)
e1 = exp(l1)
e2 = exp(l2)
total = e0 + e1 + e2
# softmax: the probability of 0
p0 = e0 / total
# dL/dl0 = p0 - 1; dL/dli = pi
L = -log(p0)
""",
    ),
    (
        "penguin neuron (3 inputs)",
        """# Is this penguin a Gentoo?
# Inputs standardized:
# (x - mean) / std
bill = 0.65     # 47.5 mm
flipper = 1.15  # 217 mm
mass = 1.09     # 5076 g
w1 = param(0.4)
w2 = param(1.2)
w3 = param(-0.3)
b = param(-0.5)
s = w1*bill + w2*flipper
z = s + w3*mass + b
p = sigmoid(z)  # belief: Gentoo
""",
    ),
]
