"""Nothing is used before it is derived: no {eq} reference points to a later chapter.

The reading order is the order of the toctrees: ``book/index.md``, then each document it
lists, each followed (depth first) by the documents of its own toctree, as Sphinx numbers and
navigates them. Every equation is defined in one chapter (a ``$$ ... $$ (eq-label)`` block or
a ``{math}`` directive with ``:label:``); an ``{eq}`` reference to it from an earlier chapter
would use a result the reader has not seen yet. Forward pointers with ``{ref}`` or ``{doc}``
("the code comes in Part D") use no result and are fine.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"

TOCTREE = re.compile(r"^(?P<fence>`{3,})\{toctree\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.S | re.M)
ENTRY_TARGET = re.compile(r"<(?P<target>[^>]+)>\s*$")
DISPLAY_LABEL = re.compile(r"^\$\$[ \t]*\((?P<label>eq-[^)\s]+)\)[ \t]*$", re.M)
MATH_DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{math\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.S | re.M)
MATH_LABEL = re.compile(r"^:label:[ \t]*(?P<label>\S+)[ \t]*$", re.M)
EQ_REFERENCE = re.compile(r"\{eq\}`(?:[^`<]*<)?(?P<label>[^`>]+)>?`")


def toctree_entries(text: str) -> list[str]:
    """The documents a page's toctrees list, in order (relative names, without suffix)."""
    entries = []
    for block in TOCTREE.finditer(text):
        for line in block.group("body").splitlines():
            line = line.strip()
            if not line or line.startswith(":"):
                continue
            explicit = ENTRY_TARGET.search(line)
            entries.append(explicit.group("target").strip() if explicit else line)
    return entries


def reading_order(root: Path = BOOK, start: str = "index") -> list[str]:
    """Documents (names relative to root, without .md) in toctree order, depth first.

    Entries without a Markdown source (the generated gallery) are skipped.
    """
    order: list[str] = []

    def visit(name: str) -> None:
        path = root / f"{name}.md"
        if name in order or not path.is_file():
            return
        order.append(name)
        parent = Path(name).parent
        for entry in toctree_entries(path.read_text()):
            child = entry.lstrip("/") if entry.startswith("/") else (parent / entry).as_posix()
            visit(str(Path(child)))

    visit(start)
    return order


def definitions(text: str) -> list[str]:
    """Equation labels defined in a chapter, in order of appearance."""
    found = [(m.start(), m.group("label")) for m in DISPLAY_LABEL.finditer(text)]
    for block in MATH_DIRECTIVE.finditer(text):
        for label in MATH_LABEL.finditer(block.group("body")):
            found.append((block.start(), label.group("label")))
    return [label for _, label in sorted(found)]


def references(text: str) -> list[str]:
    """Equation labels referenced with {eq}, in order of appearance."""
    return [m.group("label").strip() for m in EQ_REFERENCE.finditer(text)]


def forward_references(chapters: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(chapter, label, defining chapter) for every {eq} reference to a later chapter.

    `chapters` is a list of (name, text) in reading order.
    """
    defined_in: dict[str, int] = {}
    for index, (_, text) in enumerate(chapters):
        for label in definitions(text):
            defined_in.setdefault(label, index)
    problems = []
    for index, (name, text) in enumerate(chapters):
        for label in references(text):
            where = defined_in.get(label)
            if where is not None and where > index:
                problems.append((name, label, chapters[where][0]))
    return problems


def book_chapters() -> list[tuple[str, str]]:
    return [(name, (BOOK / f"{name}.md").read_text()) for name in reading_order()]


def test_reading_order_follows_the_toctrees():
    order = reading_order()
    assert order[0] == "index"
    parts = [name for name in order if name.endswith("/index") and name.startswith("part-")]
    assert parts == sorted(parts), parts  # part-b before part-c before part-d ...
    # every chapter of a part comes right after the part's index, in its toctree's order
    for part in parts:
        folder = part.rsplit("/", 1)[0]
        listed = [f"{folder}/{entry}" for entry in toctree_entries((BOOK / f"{part}.md").read_text())]
        start = order.index(part)
        assert order[start + 1 : start + 1 + len(listed)] == listed
    # no chapter of a part is left out of the reading order
    for md in BOOK.glob("part-*/*.md"):
        assert md.relative_to(BOOK).with_suffix("").as_posix() in order, md


def test_every_referenced_equation_is_defined():
    chapters = book_chapters()
    defined = {label for _, text in chapters for label in definitions(text)}
    undefined = sorted({(name, label) for name, text in chapters for label in references(text) if label not in defined})
    assert not undefined, undefined


def test_no_equation_is_used_before_the_chapter_that_derives_it():
    problems = forward_references(book_chapters())
    assert not problems, "\n".join(
        f"{name} uses {{eq}}`{label}`, derived later in {where}" for name, label, where in problems
    )


def test_the_checker_catches_a_forward_reference():
    first = "See {eq}`eq-later` and {eq}`the sum <eq-sum>`.\n\n$$\na = b\n$$ (eq-early)\n"
    second = "$$\nc = d\n$$ (eq-later)\n\n```{math}\n:label: eq-sum\nx + y\n```\n\nAs {eq}`eq-early`.\n"
    assert definitions(second) == ["eq-later", "eq-sum"]
    assert references(first) == ["eq-later", "eq-sum"]
    assert forward_references([("one", first), ("two", second)]) == [
        ("one", "eq-later", "two"),
        ("one", "eq-sum", "two"),
    ]
    # the other order: now the two references point back, and the one to eq-early forward
    assert forward_references([("two", second), ("one", first)]) == [("two", "eq-early", "one")]
    # references within a chapter are not flagged
    assert forward_references([("one", first + second)]) == []


def test_the_toctree_parser_reads_explicit_titles(tmp_path):
    (tmp_path / "index.md").write_text("# Book\n\n```{toctree}\n:maxdepth: 1\n\nA <a/index>\nb\n```\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.md").write_text("```{toctree}\n:caption: x\n\nlater\nfirst\n```\n")
    (tmp_path / "a" / "later.md").write_text("")
    (tmp_path / "a" / "first.md").write_text("")
    (tmp_path / "b.md").write_text("")
    assert reading_order(tmp_path) == ["index", "a/index", "a/later", "a/first", "b"]


# -- The book's own tools: no chapter imports an nnbook name before the chapter that introduces it.
#
# A chapter *uses* a name when its code (code cells, hidden or not, doctests and ```python
# blocks) imports it (``from nnbook import X``, ``from nnbook.module import X``) or reaches it as
# an attribute (``nnbook.X``, ``nnbook.module.X``, or through ``import nnbook.module as m``). A
# mention in the prose, such as {py:func}`~nnbook.gradcheck.finite_difference_gradient`, is a
# forward pointer, like {ref}, and is not a use. Dunder names (``nnbook.__version__``) are not
# checked. Every name used must be placed in INTRODUCED_IN below, so a new name gets a home
# chapter by a deliberate edit of this table; the table is reviewed like the text.

INTRO = "intro"
TOOLS = "intro"  # data sets and plotting helpers carry no result: usable from the first page
NEURON, LAYERS = "part-b/neuron", "part-b/layers-as-matrices"
ACTIVATIONS, LOSSES, INIT = "part-b/activation-functions", "part-b/losses", "part-b/initialisation"
LEARNING, LOCAL_GRADIENTS = "part-c/learning", "part-c/gradients-of-activations-and-losses"
BACKPROP, GRADCHECK = "part-c/backpropagation", "part-c/gradient-checking"
DESCENT, MOMENTUM = "part-c/gradient-descent", "part-c/momentum-and-adam"
SCHEDULES, REGULARISATION = "part-c/schedules-and-sanity-checks", "part-c/regularisation"

INTRODUCED_IN: dict[str, str] = {
    # datasets and plotting: tools
    "generate_xor_data": TOOLS,
    "generate_spiral_data": TOOLS,
    "train_val_split": TOOLS,
    "DataSplit": "part-d/summary",
    "plot_decision_boundary": TOOLS,
    "plot_training_history": TOOLS,
    "draw_network": TOOLS,  # nnbook.plotting's network diagram (comes with the Part B rewrite)
    "COLORS": TOOLS,
    # Part B: the forward pass
    "Dense": NEURON,
    "Layer": LAYERS,
    "NeuralNetwork": LAYERS,
    "Activation": ACTIVATIONS,
    "ReLU": ACTIVATIONS,
    "Sigmoid": ACTIVATIONS,
    "sigmoid": ACTIVATIONS,
    "Tanh": ACTIVATIONS,
    "Linear": ACTIVATIONS,
    "Softmax": ACTIVATIONS,
    "softmax": ACTIVATIONS,
    "LeakyReLU": ACTIVATIONS,
    "ELU": ACTIVATIONS,
    "GELU": ACTIVATIONS,
    "SiLU": ACTIVATIONS,
    "ACTIVATIONS": "part-d/activation-functions",
    "get_activation": "part-d/activation-functions",
    "Loss": LOSSES,
    "MSELoss": LOSSES,
    "CrossEntropyLoss": LOSSES,
    "one_hot": LOSSES,
    "class_labels": LOSSES,
    "targets": LOSSES,
    "initial_weights": INIT,
    "INITIALIZERS": INIT,
    # Part C: learning
    "train_network": LEARNING,
    "minibatches": DESCENT,
    "evaluate": LEARNING,
    "SoftmaxTwiceNetwork": LOCAL_GRADIENTS,
    "DoubleMeanDense": BACKPROP,
    "rel_error": GRADCHECK,
    "finite_difference_gradient": GRADCHECK,
    "numerical_gradient": GRADCHECK,
    "check_gradients": GRADCHECK,
    "GradientCheckResult": GRADCHECK,
    "ForgetsTranspose": GRADCHECK,
    "ForgetsActivation": GRADCHECK,
    "Optimizer": DESCENT,
    "SGD": DESCENT,
    "TrainingDiverged": DESCENT,
    "clip_gradients": DESCENT,
    "standardize": DESCENT,
    "Adam": MOMENTUM,
    "Adagrad": MOMENTUM,
    "RMSprop": MOMENTUM,
    "LearningRateSchedule": SCHEDULES,
    "ExponentialDecay": SCHEDULES,
    "CosineDecay": SCHEDULES,
    "load_digits": SCHEDULES,
    "Regularizer": REGULARISATION,
    "L2": REGULARISATION,
    "L1": REGULARISATION,
    "L1L2": REGULARISATION,
    "AdamW": REGULARISATION,
    "Dropout": REGULARISATION,
    "BatchNormalization": REGULARISATION,
    "EarlyStopping": REGULARISATION,
    # Part D: the code, and the source text's mistakes
    "source_sigmoid": "part-d/activation-functions",
    "verify_shapes": "part-d/forward-propagation",
    "MSELossOverN": "part-d/loss-functions",
    "SeedCrossEntropyLoss": "part-d/loss-functions",
    "FusedGradientForgetsN": "part-d/neural-network-class",
    "unshuffled_split": "part-d/synthetic-data",
    "compare_with_tensorflow": "part-d/keras-comparison",
    "source_gradient_check_example": "part-d/pitfalls",
    "swap_layers": "part-d/pitfalls",
    "absolute_gradient_check": "part-d/pitfalls",
    "ravel_finite_difference_gradient": "part-d/pitfalls",
    "LoopSoftmax": "part-d/pitfalls",
    "load_breast_cancer": "part-d/summary",
    # Part E: Keras
    "TENSORFLOW_ENVIRONMENT": "part-e/mapping",
    "set_tensorflow_environment": "part-e/mapping",
    "import_keras": "part-e/mapping",
    "to_keras": "part-e/mapping",
    "keras_dense_layers": "part-e/mapping",
    "keras_parameter_variables": "part-e/mapping",
    "keras_loss": "part-e/mapping",
    "keras_optimizer": "part-e/mapping",
    "keras_targets": "part-e/mapping",
    "keras_schedule": "part-e/mapping",
    "keras_gradients": "part-e/mapping",
    "compare_trajectories": "part-e/mapping",
    "TrajectoryComparison": "part-e/mapping",
    "compare_forward": "part-e/mapping",
    "copy_weights_to_keras": "part-e/mapping",
    "copy_weights_from_keras": "part-e/mapping",
    "compare_gradients": "part-e/numerical-agreement",
}
# nnbook.evaluation holds the statistics of the pathology classifier, the one chapter that uses
# them; nnbook.benchmark the timings of the performance chapter.
INTRODUCED_IN.update(dict.fromkeys(importlib.import_module("nnbook.evaluation").__all__, "part-e/pathology-classifier"))
INTRODUCED_IN.update(dict.fromkeys(importlib.import_module("nnbook.benchmark").__all__, "part-d/performance"))

# Training as a clearly labelled black box before Part C explains it: these names may appear
# before their chapter only in a chapter that comes before part-c/learning and whose text links
# to it ({ref}`part-c-learning`).
BLACK_BOX_TRAINING = frozenset({"train_network", "SGD", "Adam", "TrainingDiverged"})
# What a black-box training run needs beyond that, chapter by chapter (same condition: the
# chapter links to part-c-learning). The introduction's first network is a tour of the book;
# the neuron chapter trains one neuron as logistic regression before Part B has built networks
# and losses; the activation-functions chapter trains small classifiers with the cross-entropy
# before the losses chapter derives it.
BLACK_BOX_EXTRAS = {
    INTRO: frozenset({"NeuralNetwork", "CrossEntropyLoss"}),
    NEURON: frozenset({"NeuralNetwork", "CrossEntropyLoss"}),
    ACTIVATIONS: frozenset({"CrossEntropyLoss"}),
}
LEARNING_LINK = "part-c-learning"
# Reference pages, consulted from any chapter: their (hidden) code checks the tables against the
# package and may use any name.
REFERENCE_PAGES = frozenset({"notation", "api", "build-report"})

NNBOOK_MODULES = frozenset(
    {
        "activations",
        "benchmark",
        "classifier",
        "compare",
        "datasets",
        "dropout",
        "evaluation",
        "gradcheck",
        "layers",
        "losses",
        "network",
        "normalization",
        "optimizers",
        "pitfalls",
        "plotting",
        "regularizers",
        "saving",
        "schedules",
        "sequential",
        "targets",
        "training",
    }
)


def _code_of(chapter) -> list[tuple[int, str]]:
    """The Python code of a parsed chapter: every code cell, doctest and python block."""
    sources = [(cell.line, cell.source) for cell in chapter.cells]
    for line, source, _ in chapter.code_blocks:
        if ">>>" in source:
            source = "\n".join(s.strip()[4:] for s in source.splitlines() if s.strip().startswith((">>>", "...")))
        sources.append((line, source))
    return sources


def nnbook_names(source: str) -> list[str]:
    """The public nnbook names a piece of Python code imports or reaches as attributes."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:  # not Python (a shell block, output)
        return []
    found: list[str] = []
    roots = {"nnbook"}  # names bound to nnbook or one of its modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "nnbook":
                    roots.add(alias.asname or "nnbook")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "nnbook":
            for alias in node.names:
                if alias.name in NNBOOK_MODULES:
                    roots.add(alias.asname or alias.name)
                elif alias.name != "*":
                    found.append(alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not isinstance(getattr(node, "_parent", None), ast.Attribute):
            chain, value = [], node
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in roots:
                rest = [part for part in reversed(chain) if part not in NNBOOK_MODULES]
                if rest:
                    found.append(rest[0])
    return [name for name in dict.fromkeys(found) if not name.startswith("__")]


def name_uses(chapters: list[tuple[str, str]]) -> list[tuple[str, int, str]]:
    """(chapter, line, name) for every use of an nnbook name, in reading order."""
    from prose_stats import parse

    uses = []
    for name, text in chapters:
        for line, source in _code_of(parse(text, name)):
            uses.extend((name, line, used) for used in nnbook_names(source))
    return uses


def early_uses(chapters: list[tuple[str, str]], introduced_in: dict[str, str] = INTRODUCED_IN) -> list[str]:
    """Every use of an nnbook name before the chapter that introduces it, and every unplaced name."""
    order = [name for name, _ in chapters]
    texts = dict(chapters)
    problems = []
    for chapter, line, used in name_uses(chapters):
        home = introduced_in.get(used)
        if home is None:
            problems.append(f"{chapter}.md:{line}: nnbook name {used!r} has no chapter in INTRODUCED_IN")
            continue
        if home not in order:
            problems.append(f"INTRODUCED_IN places {used!r} in {home}, which is not in the reading order")
            continue
        if order.index(chapter) >= order.index(home) or chapter in REFERENCE_PAGES:
            continue
        if (
            used in BLACK_BOX_TRAINING | BLACK_BOX_EXTRAS.get(chapter, frozenset())
            and LEARNING in order
            and order.index(chapter) < order.index(LEARNING)
            and LEARNING_LINK in texts[chapter]
        ):
            continue
        problems.append(f"{chapter}.md:{line}: uses {used!r} before {home}, which introduces it")
    return list(dict.fromkeys(problems))


def test_the_learning_chapter_opens_part_c():
    order = reading_order()
    assert order[order.index("part-c/index") + 1] == LEARNING


def test_every_placed_name_exists_in_nnbook():
    import importlib

    public = set()
    for module in NNBOOK_MODULES:
        public.update(getattr(importlib.import_module(f"nnbook.{module}"), "__all__", ()))
    assert not sorted(set(INTRODUCED_IN) - public)
    order = reading_order()
    assert not sorted(home for home in set(INTRODUCED_IN.values()) if home not in order)


def test_no_nnbook_name_is_used_before_the_chapter_that_introduces_it():
    problems = early_uses(book_chapters())
    assert not problems, "\n".join(problems)


def test_the_name_checker_catches_an_early_use():
    first = (
        "# One\n\n```{code-cell} python\n:tags: [remove-cell]\n"
        "from nnbook.gradcheck import finite_difference_gradient\n```\n"
    )
    second = "# Two\n\n```{code-cell} python\nimport nnbook\nnnbook.gradcheck.check_gradients\n```\n"
    home = {"finite_difference_gradient": "two", "check_gradients": "two", "train_network": "two"}
    problems = early_uses([("one", first), ("two", second)], home)
    assert problems == ["one.md:3: uses 'finite_difference_gradient' before two, which introduces it"]
    assert early_uses([("two", second), ("one", first)], home) == []
    # an attribute through a module alias, and a doctest
    doctest = "```{doctest}\n>>> from nnbook import gradcheck as gc\n>>> gc.check_gradients\n```\n"
    assert early_uses([("one", doctest), ("two", second)], home) == [
        "one.md:1: uses 'check_gradients' before two, which introduces it"
    ]
    # a name nobody placed
    assert early_uses([("one", "```{code-cell} python\nfrom nnbook import Novelty\n```\n")], {}) == [
        "one.md:1: nnbook name 'Novelty' has no chapter in INTRODUCED_IN"
    ]


def test_black_box_training_needs_the_link_to_the_learning_chapter():
    early = "```{code-cell} python\nfrom nnbook import train_network, check_gradients\n```\n"
    linked = early + "\nTraining, which {ref}`part-c-learning` explains, ...\n"
    learning = "# What learning is\n"
    home = {"train_network": LEARNING, "check_gradients": LEARNING}
    problems = early_uses([("part-b/x", early), (LEARNING, learning)], home)
    assert problems == [
        f"part-b/x.md:1: uses 'train_network' before {LEARNING}, which introduces it",
        f"part-b/x.md:1: uses 'check_gradients' before {LEARNING}, which introduces it",
    ]
    # with the link, train_network is allowed, check_gradients is not
    assert early_uses([("part-b/x", linked), (LEARNING, learning)], home) == [
        f"part-b/x.md:1: uses 'check_gradients' before {LEARNING}, which introduces it"
    ]
