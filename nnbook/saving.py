"""A network's state and its saving: parameters, moving statistics and generators, get, set, save, load.

:class:`Saveable` gives :class:`~nnbook.sequential.Sequential` (and so
:class:`~nnbook.network.NeuralNetwork`) Keras' ``get_weights``/``set_weights`` and
``save``/``load_model``, under the names ``get_state``, ``set_state``, ``save`` and ``load``.
A saved network is one ``.npz`` file: the state as named arrays and the architecture as JSON
text, read back without pickle.
"""

from __future__ import annotations

from . import _npz
from .dropout import Dropout
from .layers import Dense
from .normalization import BatchNormalization

__all__ = ["Saveable", "LAYERS"]

#: The layer classes :meth:`Saveable.load` rebuilds, by class name.
LAYERS = {cls.__name__: cls for cls in (Dense, BatchNormalization, Dropout)}


class Saveable:
    """The state of a network of named layers: get, set, save and load it.

    A subclass has ``layers``, ``names`` (one name per layer, such as ``"layer1"`` or ``"bn1"``)
    and the class method ``from_layers(layers, **config)``, as
    :class:`~nnbook.sequential.Sequential` has.

    Examples
    --------
    >>> from nnbook import Dense, Sequential
    >>> from nnbook.saving import Saveable
    >>> isinstance(Sequential([Dense(2, 3)]), Saveable)
    True
    >>> a, b = Sequential([Dense(2, 3, rng=0)]), Sequential([Dense(2, 3, rng=1)])
    >>> b.set_state(a.get_state())
    >>> bool((a.layers[0].W == b.layers[0].W).all())
    True
    """

    def get_state(self) -> dict:
        """Copies of everything the layers learn or update, keyed ``"layer1.W"``, ``"bn1.moving_mean"``, ...

        Returns
        -------
        dict of str to ndarray
            The parameters, batch normalisation's moving statistics and the dropout
            layers' generator states: what :meth:`set_state` restores.

        Examples
        --------
        >>> from nnbook import BatchNormalization, Dense, Sequential
        >>> list(Sequential([Dense(2, 3), BatchNormalization(3), Dense(3, 1)]).get_state())[:4]
        ['layer1.W', 'layer1.b', 'bn1.gamma', 'bn1.beta']
        """
        return {f"{n}.{k}": v for n, layer in zip(self.names, self.layers) for k, v in layer.get_state().items()}

    def set_state(self, state: dict) -> None:
        """Write ``state`` (from :meth:`get_state` of a network with the same layers) into this one.

        Parameters
        ----------
        state : dict of str to ndarray
            Every entry of :meth:`get_state`, with the same shapes.
        """
        unknown = {key.partition(".")[0] for key in state} - set(self.names)
        if unknown:
            raise ValueError(f"state has entries for layers this network does not have: {sorted(unknown)}")
        for name, layer in zip(self.names, self.layers):
            layer.set_state({k.partition(".")[2]: v for k, v in state.items() if k.partition(".")[0] == name})

    def get_config(self) -> dict:
        """The architecture: each layer's class and :meth:`~nnbook.layers.Layer.get_config`.

        Returns
        -------
        dict
            ``{"layers": [{"class": "Dense", ...}, ...]}``, plain Python values.
        """
        return {"layers": [{"class": type(layer).__name__, **layer.get_config()} for layer in self.layers]}

    def save(self, path) -> None:
        """Write the architecture and the state to an ``.npz`` file: arrays and JSON text, no pickle.

        Parameters
        ----------
        path : str or path-like
            The file; :meth:`load` reads it back.
        """
        _npz.write(path, self.get_config(), self.get_state())

    @classmethod
    def load(cls, path):
        """The network saved by :meth:`save`: the same layers, weights, statistics and dropout generators.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        Saveable
            A network of the class it is called on (``NeuralNetwork.load`` gives a
            ``NeuralNetwork``) that predicts, and trains on, as the saved one would.

        Examples
        --------
        >>> import numpy as np, os, tempfile
        >>> from nnbook import NeuralNetwork
        >>> net = NeuralNetwork([2, 3, 1], ["relu", "sigmoid"], batch_normalization=True)
        >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
        >>> net.save(path)
        >>> X = np.ones((2, 2))
        >>> bool(np.array_equal(NeuralNetwork.load(path).predict(X), net.predict(X)))
        True
        """
        config, state = _npz.read(path)
        layers = [LAYERS[layer.pop("class")].from_config(layer) for layer in config.pop("layers")]
        network = cls.from_layers(layers, **config)
        network.set_state(state)
        return network
