"""One-line adapters for trainers: verl, trl, openrlhf, nemo_gym, nemo_rl, verifiers, easyr1.

Each module imports its trainer only when the trainer calls it (never at import time), and finds the gateway the same
way: the `url` argument, else $VERIMESH_URL, else http://127.0.0.1:8080.
"""
