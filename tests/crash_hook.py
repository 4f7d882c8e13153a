"""A step hook that stops training at a given step, as a crash would (for resume tests)."""


class Crash(Exception):
    pass


def crash_at(step: int):
    def hook(state, run_dir, logger):
        if state.step == step:
            raise Crash

    return hook
