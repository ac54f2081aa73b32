"""A Flower app: FedAvg on scikit-learn's digits with a small NumPy classifier.

The package is importable both as ``osai.federated.digits_fedavg`` (tests, the notebook) and,
inside a Flower App Bundle built from ``osai/federated``, as ``digits_fedavg``; it therefore uses
relative imports only.
"""
