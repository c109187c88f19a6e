"""``python -m targetsms_frames``: the same as the ``targetsms-frames`` command."""

from ._cli import main

if __name__ == "__main__":
    main()
