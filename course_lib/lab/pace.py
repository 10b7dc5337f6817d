"""How fast the live loop trains: the speeds on offer, and the timetable of one loop (no widgets, no training).

At a pace (steps per second) each turn of the loop takes the steps that fell due since the last turn, and the
loop sleeps until the next frame is due: the picture moves at the same pace on any machine, and the kernel
stays mostly idle (a fraction of a core; `make bench` measures it), so one machine can serve a class.
"As fast as it can" (speed None) trains for what is left of each frame interval (the interval minus the time
the rest of the last turn took), and so holds a whole core.
"""

from __future__ import annotations

import math

from .config import LabConfigError

__all__ = ["SPEEDS", "DEFAULT_SPEED", "MAX_CATCH_UP", "Pace", "check_speed", "speed_label", "speed_options"]

SPEEDS = (  # (label, steps per second); None: as fast as the machine allows
    ("20 steps/s", 20),
    ("100 steps/s", 100),
    ("200 steps/s", 200),
    ("1000 steps/s", 1000),
    ("5000 steps/s", 5000),
    ("as fast as it can", None),
)
DEFAULT_SPEED = 200
MAX_CATCH_UP = 0.25  # seconds of steps a paced loop may owe after a stall (no burst after a long pause)
MAX_SPEED = 100_000


def check_speed(speed):
    """None (as fast as it can) or a number of steps per second in (0, 100 000]; else LabConfigError."""
    if speed is None:
        return None
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not (math.isfinite(speed)
                                                                            and 0 < speed <= MAX_SPEED):
        raise LabConfigError(f"speed must be steps per second in (0, {MAX_SPEED}] or None (as fast as it can), "
                             f"got {speed!r}")
    return int(speed) if float(speed).is_integer() else float(speed)


def speed_label(speed) -> str:
    """'200 steps/s' or 'as fast as it can'."""
    return "as fast as it can" if speed is None else f"{speed:g} steps/s"


def speed_options(speed):
    """The speed menu's (label, value) options, with `speed` added if it is not one of SPEEDS."""
    options = list(SPEEDS)
    if all(v != speed for _, v in options):
        options.append((speed_label(speed), speed))
        options.sort(key=lambda o: math.inf if o[1] is None else o[1])
    return options


class Pace:
    """The timetable of one live loop: `plan` says how many steps a turn may take and until when, `taken` books
    them, `rest` says how long to sleep before the next frame. Times are `time.perf_counter()` seconds.

    Pace(frame_interval, now)
    """

    def __init__(self, frame_interval: float, now: float):
        """See the class docstring."""
        self.frame_interval = frame_interval
        self.owed = 0.0  # steps due at the pace and not yet taken
        self.last = now  # when the owed steps were last counted
        self.due = now  # when the next frame is due (paced frames keep to a fixed timetable)
        self.overhead = 0.5 * frame_interval  # seconds of a turn not spent training (measured every turn)

    def plan(self, speed, start: float) -> tuple[int, float]:
        """(most steps, deadline) for a turn that starts at `start` at `speed` steps/s (None: as fast as it can)."""
        fi = self.frame_interval
        if speed is None:  # what is left of this frame interval, never less than a quarter of it
            self.last = start
            return 10**9, start + max(0.25 * fi, fi - self.overhead)
        self.owed = min(self.owed + speed * (start - self.last), speed * MAX_CATCH_UP)
        self.last = start
        return int(self.owed), start + fi  # never more than one frame's time of work

    def taken(self, steps: int, speed):
        """Book the steps a turn took."""
        if speed is not None:
            self.owed -= steps

    def rest(self, speed, now: float) -> float:
        """Seconds to sleep before the next turn: until the next frame is due at a pace (a stall is not caught
        up), none at full speed."""
        if speed is None:
            return 0.0
        self.due = max(self.due + self.frame_interval, now - self.frame_interval)
        return max(0.0, self.due - now)

    def turn_took(self, seconds: float, training: float):
        """Record how long a whole turn and its training took (the rest is the next turns' overhead)."""
        self.overhead = seconds - training
