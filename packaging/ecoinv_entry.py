"""Entry point of the frozen bundle.

``ecoinv`` with a command runs the CLI (headless: stats, report, demo ...);
with no arguments it opens the desktop app, as a double-click would.
"""
import multiprocessing
import sys

from ecoinv.cli import main

if __name__ == "__main__":
    # A large import's worker processes are this executable started again
    # (multiprocessing's spawn): they must not run the app.
    multiprocessing.freeze_support()
    args = sys.argv[1:]
    sys.exit(main(args if args else ["gui"]))
