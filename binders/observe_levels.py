"""Level names shared by the host side (no runtime needed)."""

LEVELS = ("l0", "l1", "l2", "bind")
