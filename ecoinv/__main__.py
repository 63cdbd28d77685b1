from .cli import run

# Guarded: a spawned worker process (a large import's) must not run the CLI again.
if __name__ == "__main__":
    run()
