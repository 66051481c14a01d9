"""microgpt-studio, the app bundle's one executable: `microgpt-studio train ...` (a first
word) is the `microgpt` command line, anything else the window, as `microgpt-gui` takes it.
PyInstaller runs this file as the script __main__, hence the absolute imports."""

import multiprocessing
import sys


def main(argv: list[str] | None = None) -> int:
    """Hand argv to microgpt.cli when it starts with a command word, else to the window."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and not argv[0].startswith("-"):  # the window takes options only
        from microgpt.cli import main as cli

        return cli(argv)
    from microgpt_gui.app import main as gui

    return gui(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen process pool's children start here
    sys.exit(main())
