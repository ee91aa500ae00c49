"""numpydoc validation of the public API: every public function, class and method has a
docstring with a summary, documents each of its parameters, in order, and what it returns.

A method that overrides a documented method without a docstring of its own is documented by
the base class (Sphinx shows the inherited docstring), so it is validated through the base.
"""

import importlib
import inspect
import re

import pytest
from numpydoc.validate import validate

#: The numpydoc checks that must pass (numpydoc's codes).
CHECKS = {
    "GL08": "the object has a docstring",
    "SS01": "a one-line summary",
    "PR01": "every parameter documented",
    "PR02": "no documented parameter that does not exist",
    "PR03": "the parameters in the order of the signature",
    "RT01": "a Returns (or Yields) section",
}

MODULES = [
    "activations",
    "layers",
    "losses",
    "network",
    "sequential",
    "saving",
    "classifier",
    "optimizers",
    "training",
    "gradcheck",
    "datasets",
    "plotting",
    "targets",
    "schedules",
    "regularizers",
    "dropout",
    "normalization",
    "evaluation",
]


def public_api():
    """(qualified name, object) of every public function, class, method and property."""
    for module_name in MODULES:
        module = importlib.import_module(f"nnbook.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or obj.__module__ != module.__name__:
                continue
            yield f"nnbook.{module_name}.{name}"
            if not inspect.isclass(obj):
                continue
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                function = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
                if not inspect.isfunction(function):
                    continue
                if function.__doc__ is None and inspect.getdoc(getattr(obj, attr)):
                    continue  # documented by the method it overrides
                yield f"nnbook.{module_name}.{name}.{attr}"


API = sorted(set(public_api()))


def test_the_public_api_is_found():
    assert "nnbook.network.NeuralNetwork.train_step" in API
    assert "nnbook.targets.one_hot" in API
    assert len(API) > 80


@pytest.mark.parametrize("name", API)
def test_docstring(name):
    result = validate(name)
    errors = [f"{code}: {message}" for code, message in result["errors"] if code in CHECKS]
    assert not errors, f"{name}:\n" + "\n".join(errors)


def test_the_validation_catches_a_missing_parameter(monkeypatch):
    """The checker itself: a function whose parameter is not documented fails."""
    import nnbook.targets as targets

    def encode(labels, n_classes):
        """Encode labels.

        Parameters
        ----------
        labels : ndarray
            The labels.

        Returns
        -------
        ndarray
            One-hot rows.
        """

    monkeypatch.setattr(targets, "encode_for_the_test", encode, raising=False)
    encode.__module__ = "nnbook.targets"
    encode.__qualname__ = "encode_for_the_test"
    codes = {code for code, _ in validate("nnbook.targets.encode_for_the_test")["errors"]}
    assert "PR01" in codes


def control_characters(text: str) -> list[str]:
    """Characters below U+0020 other than newline and tab: in a docstring, the trace of an
    unescaped backslash (``"\\alpha"`` is a bell and ``lpha``), which breaks the formula on the
    API page."""
    return sorted({repr(c) for c in text if ord(c) < 32 and c not in "\n\t"})


def test_no_docstring_holds_a_control_character():
    import importlib
    import pkgutil

    import nnbook

    found = {}
    for info in pkgutil.iter_modules(nnbook.__path__):
        module = importlib.import_module(f"nnbook.{info.name}")
        members = [(info.name, module), *vars(module).items()]
        members += [
            (f"{name}.{attr}", getattr(value, "fget", value))
            for name, cls in vars(module).items()
            if isinstance(cls, type)
            for attr, value in vars(cls).items()
        ]
        for name, obj in members:
            doc = getattr(obj, "__doc__", None)
            if isinstance(doc, str) and getattr(obj, "__module__", module.__name__) == module.__name__:
                if bad := control_characters(doc):
                    found[f"{info.name}.{name}"] = bad
    assert not found, found


def test_the_control_character_check_catches_an_unescaped_backslash():
    assert control_characters("at most :math:`\alpha`") == ["'\\x07'"]  # an unescaped backslash on purpose
    assert control_characters("at most :math:`\\alpha`\n") == []


def lacks_examples(obj) -> bool:
    """Whether the docstring of ``obj`` has no numpydoc ``Examples`` section with a doctest."""
    doc = inspect.getdoc(obj) or ""
    section = re.search(r"^Examples\n-{8,}\n(.*?)(?=^\S.*\n-{3,}\n|\Z)", doc, re.MULTILINE | re.DOTALL)
    return section is None or ">>>" not in section.group(1)


def public_functions_and_classes():
    """(qualified name, object) of every function and class named in the ``__all__`` of a public
    module of nnbook and defined in that module."""
    import pkgutil

    import nnbook

    for info in pkgutil.iter_modules(nnbook.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"nnbook.{info.name}")
        for name in dict.fromkeys(getattr(module, "__all__", [])):
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", obj


def test_every_public_function_and_class_has_examples():
    found = dict(public_functions_and_classes())
    assert "nnbook.benchmark.calibrate" in found and "nnbook.saving.Saveable" in found
    missing = sorted(name for name, obj in found.items() if lacks_examples(obj))
    assert not missing, missing


def test_the_examples_check_catches_a_function_without_one():
    def documented(x):
        """Double ``x``.

        Examples
        --------
        >>> documented(2)
        4
        """

    def undocumented(x):
        """Double ``x``.

        Returns
        -------
        int
        """

    def examples_without_a_doctest(x):
        """Double ``x``.

        Examples
        --------
        Call it on 2.

        Returns
        -------
        int
        """

    assert not lacks_examples(documented)
    assert lacks_examples(undocumented)
    assert lacks_examples(examples_without_a_doctest)
    assert lacks_examples(lambda: None)  # no docstring at all
