"""`python -m verimesh path <adapter>` prints the file of an adapter that a trainer loads by path (openrlhf, easyr1)."""
import importlib
import sys

ADAPTERS = ("verl", "trl", "openrlhf", "nemo_gym", "nemo_rl", "verifiers", "easyr1")


def main(argv) -> int:
    if len(argv) == 2 and argv[0] == "path" and argv[1] in ADAPTERS:
        print(importlib.import_module(f"verimesh.integrations.{argv[1]}").__file__)
        return 0
    sys.stderr.write(f"usage: python -m verimesh path {{{','.join(ADAPTERS)}}}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
