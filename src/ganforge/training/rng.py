"""RNG states of every stream a run draws from (`ganforge.rng`, below the packages that
share them: training and distributed)."""

from ganforge.rng import restore_rng_state, rng_state, seed_everything  # noqa: F401
