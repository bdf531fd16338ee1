"""Stand-alone games of coercion (one module per game).

* :mod:`detente.games.deterrence` deterrence under incomplete information (Fearon; Morrow),
  solved as a perfect Bayesian equilibrium and as Gambit's logit QRE.
"""
