"""A GRPO batch of 8 prompts x 8 rollouts over four verifiers (examples/python/profiles.yaml), with the reward of
every rollout derived by hand from the verifiers' published definitions (comments give the arithmetic)."""

THINK = "<think>Let me work it out.</think>"
TABLE = "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
CODE_TESTS = [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "5 7\n", "stdout": "12\n"}]


def fence(code):
    return "```python\n" + code + "\n```"


def bbox(box):
    return f'{THINK}<answer>[{{"bbox_2d": {box}, "label": "cup"}}]</answer>'


# (profile, prompt, reference, [(response, expected reward)] x 8)
PROMPTS = [
    ("mc", "Which number is prime? (A) 4 (B) 5 (C) 6", {"answer": "B"}, [
        (f"{THINK}<answer>B</answer>", 1.5),              # format 0.5 + exact 1
        (f"{THINK}<answer>(B)</answer>", 1.5),            # "(B)" is the letter B
        (f"{THINK}<answer>A</answer>", 0.5),              # format only
        ("B", 0.0),                                       # no think/answer: the gate fires, reward = gate value 0
        (f"{THINK}<answer>The answer is (B).</answer>", 1.5),
        ("<answer>B</answer>", 0.0),                      # no <think>: gate
        (f"{THINK}<answer>C</answer>", 0.5),
        (f"{THINK}<answer>b</answer>", 1.5),              # case-insensitive
    ]),
    ("mc", "What is 6 x 7?", {"answer": "42"}, [
        (f"{THINK}<answer>42</answer>", 1.5),
        (f"{THINK}<answer>41</answer>", 0.5),
        ("42", 0.0),
        (f"{THINK}<answer> 42 </answer>", 1.5),           # trimmed
        (f"{THINK}<answer>42.</answer>", 1.5),            # trailing punctuation dropped
        (f"{THINK}<answer>forty-two</answer>", 0.5),
        (f"{THINK}", 0.0),                                # no answer tag: format fails, gate
        (f"{THINK}<answer>4 2</answer>", 0.5),
    ]),
    # Reference box [0, 0, 100, 100] (area 10,000); IoU = intersection / union.
    ("grounding", "Find the cup.", {"box": [0, 0, 100, 100]}, [
        (bbox([0, 0, 100, 100]), 1.0),
        (bbox([0, 0, 100, 50]), 0.5),                     # 5,000 / 10,000
        (bbox([50, 0, 150, 100]), 1 / 3),                 # 5,000 / 15,000
        (bbox([0, 0, 50, 50]), 0.25),                     # 2,500 / 10,000
        (bbox([200, 200, 300, 300]), 0.0),                # disjoint
        ('[{"bbox_2d": [0, 0, 100, 100]}]', 0.0),         # right box, no format: gate
        (bbox([25, 25, 75, 75]), 0.25),                   # 2,500 / 10,000
        (bbox([0, 0, 200, 100]), 0.5),                    # 10,000 / 20,000
    ]),
    ("grounding", "Find the saucer.", {"box": [100, 100, 300, 200]}, [  # area 20,000
        (bbox([100, 100, 300, 200]), 1.0),
        (bbox([100, 100, 200, 200]), 0.5),                # 10,000 / 20,000
        (bbox([0, 0, 100, 100]), 0.0),                    # touches a corner only
        (bbox([200, 150, 400, 250]), 5000 / 35000),       # 100 x 50 / (20,000 + 20,000 - 5,000)
        (bbox([100, 100, 300, 200]).replace("<think>Let me work it out.</think>", ""), 0.0),  # gate
        (bbox([150, 125, 250, 175]), 0.25),               # 5,000 / 20,000
        (bbox([100, 100, 300, 300]), 0.5),                # 20,000 / 40,000
        (bbox([100, 100, 300, 150]), 0.5),                # 10,000 / 20,000
    ]),
    # Two stdin/stdout tests (a + b): reward = fraction passed.
    ("code", "Read a and b, print a + b.", {"language": "python", "tests": CODE_TESTS}, [
        (fence("a, b = map(int, input().split())\nprint(a + b)"), 1.0),
        (fence("a, b = map(int, input().split())\nprint(a + b if a > 1 else 0)"), 0.5),
        (fence("print(0)"), 0.0),
        (fence("def broken(:\n    pass"), 0.0),           # syntax error: every test fails
        (fence("import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b)"), 1.0),
        (fence("print(3)"), 0.5),                         # right for the first test only
        (fence("import sys\nsys.exit(0)\nprint(3)"), 0.0),  # exits before answering
        (fence("print(sum(map(int, input().split())))"), 1.0),
    ]),
    ("mc", "Which planet is largest? (A) Mars (B) Venus (C) Jupiter (D) Earth", {"answer": "C"}, [
        (f"{THINK}<answer>C</answer>", 1.5),
        (f"{THINK}<answer>Option C</answer>", 1.5),
        (f"{THINK}<answer>Answer: C</answer>", 1.5),
        (f"{THINK}<answer>(C) Jupiter</answer>", 1.5),
        (f"{THINK}<answer>D</answer>", 0.5),
        ("<think>unfinished", 0.0),
        (f"{THINK}<answer>c.</answer>", 1.5),
        (f"<answer>C</answer>{THINK}", 0.0),              # answer before thinking: not think_answer, gate
    ]),
    # TEDS = 1 - TreeEditDistance / max(n_pred, n_ref), n = the table's descendant elements (PubTabNet counts
    # `.//*`: 2 tr + 4 td = 6 for the reference); a cell whose text differs costs its normalized Levenshtein distance
    # (1 for one character against another).
    ("table", "Transcribe the table.", {"table": TABLE}, [
        (TABLE, 1.0),
        (TABLE.replace(">d<", ">x<"), 5 / 6),
        ("I cannot read it.", 0.0),
        ("| a | b |\n|---|---|\n| c | d |", 1.0),       # Markdown rows become plain <tr><td> rows
        (f"Here it is: {TABLE}", 1.0),
        (TABLE.replace(">c<", ">x<").replace(">d<", ">y<"), 4 / 6),
        ("", 0.0),
        (TABLE.replace("</table>", "<tr><td>e</td><td>f</td></tr></table>"), 1 - 3 / 9),  # a row too many: 3 inserted nodes of 9
    ]),
    ("table", "Transcribe the table.", {"table": TABLE}, [
        (TABLE, 1.0),
        (TABLE.replace(">a<", ">ab<"), 1 - 0.5 / 6),      # "a" -> "ab": distance 1 / max length 2
        (TABLE.replace(">b<", "><"), 5 / 6),              # "" vs "b": 1 / 1
        (TABLE, 1.0),
        (TABLE.replace(">a<", ">A<"), 5 / 6),             # case matters
        ("<table><tr><td>a</td><td>b</td></tr></table>", 1 - 3 / 6),  # a row missing: 3 nodes deleted
        (TABLE, 1.0),
        (TABLE.replace(">a<", ">d<").replace(">d</td></tr></table>", ">a</td></tr></table>"), 4 / 6),
    ]),
]

PROFILES = [p for p, _q, _r, _rs in PROMPTS for _ in range(8)]
QUESTIONS = [q for _p, q, _r, _rs in PROMPTS for _ in range(8)]
REFERENCES = [r for _p, _q, r, _rs in PROMPTS for _ in range(8)]
RESPONSES = [resp for *_x, rs in PROMPTS for resp, _e in rs]
EXPECTED = [e for *_x, rs in PROMPTS for _resp, e in rs]
GROUPS = [f"prompt-{i}" for i in range(8) for _ in range(8)]
assert len(RESPONSES) == 64 and len(EXPECTED) == 64
