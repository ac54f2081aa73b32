"""Federated learning with Flower (chapter 7).

- :mod:`osai.federated.digits_fedavg`: the Flower app (ServerApp + ClientApp) with its data,
  model and training loop in ``digits_fedavg.task``.
- :mod:`osai.federated.processes`: start a SuperLink and SuperNodes on 127.0.0.1 as separate
  processes, run the app on them, and always stop every process again.

``APP_DIR`` is the folder ``flwr run`` bundles into a Flower App Bundle (FAB).
"""

from pathlib import Path

APP_DIR = Path(__file__).resolve().parent

__all__ = ["APP_DIR"]
