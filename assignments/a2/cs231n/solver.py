"""Solver: trains a classification model by minibatch gradient descent.

The model is any object with

- ``params``: dict name -> ndarray, the parameters the Solver updates;
- ``loss(X, y=None)``: with labels, returns ``(loss, grads)`` where grads has the keys
  of params; without labels (test time), returns class scores of shape (N, C).

Usage::

    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100, print_every=100)
    solver.train()

``data`` holds X_train (N_train, ...), y_train (N_train,), X_val (N_val, ...) and
y_val (N_val,). After ``train()``, ``model.params`` holds the parameters that scored the
best validation accuracy, and the Solver keeps loss_history (one entry per iteration)
and train_acc_history / val_acc_history (one entry at the first iteration, at the end
of every epoch and at the last iteration).
"""

import pickle

import numpy as np

from . import optim


class Solver:
    """Minibatch training loop with accuracy checks, learning-rate decay and checkpoints.

    Keyword arguments (any other raises ValueError):
    - update_rule: name of a rule in cs231n.optim (default 'sgd')
    - optim_config: hyperparameters for the rule; every parameter gets its own copy
    - lr_decay: multiplies each learning rate at the end of every epoch (default 1.0)
    - batch_size: minibatch size for training and accuracy checks (default 100)
    - num_epochs: number of epochs (default 10)
    - num_train_samples: training points used for the train accuracy (default 1000;
      None for all)
    - num_val_samples: validation points used for the val accuracy (default None: all)
    - checkpoint_name: if set, the state is pickled to
      '<checkpoint_name>_epoch_<epoch>.pkl' at every accuracy check
    - print_every: print the loss every this many iterations (default 10)
    - verbose: print progress at all (default True)
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)

        if kwargs:
            unknown = ", ".join(f'"{name}"' for name in kwargs)
            raise ValueError(f"Unrecognized arguments {unknown}")
        if not hasattr(optim, self.update_rule):
            raise ValueError(f'Invalid update_rule "{self.update_rule}"')
        self.update_rule = getattr(optim, self.update_rule)

        self._reset()

    def _reset(self):
        """Set up the bookkeeping; called by __init__, not meant to be called by hand."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        # Each parameter keeps its own optimizer state (velocity, moments, ...).
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _step(self):
        """One gradient update on a minibatch drawn with replacement."""
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(loss)

        for name, value in self.model.params.items():
            next_value, next_config = self.update_rule(
                value, grads[name], self.optim_configs[name]
            )
            self.model.params[name] = next_value
            self.optim_configs[name] = next_config

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of X classified as y (argmax of the model's scores).

        Inputs:
        - X: (N, ...) data; y: (N,) labels
        - num_samples: if set and smaller than N, score a random subsample of this size
        - batch_size: points per forward pass

        Returns the accuracy, a float in [0, 1].
        """
        num = X.shape[0]
        if num_samples is not None and num > num_samples:
            mask = np.random.choice(num, num_samples)
            num = num_samples
            X = X[mask]
            y = y[mask]

        predictions = []
        for start in range(0, num, batch_size):
            scores = self.model.loss(X[start:start + batch_size])
            predictions.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(predictions)
        return np.mean(y_pred == y)

    def train(self):
        """Run the optimisation, then load the best-validation parameters into the model."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()

            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] *= self.lr_decay

            first_it = t == 0
            last_it = t == num_iterations - 1
            if first_it or last_it or epoch_end:
                train_acc = self.check_accuracy(
                    self.X_train, self.y_train, num_samples=self.num_train_samples
                )
                val_acc = self.check_accuracy(
                    self.X_val, self.y_val, num_samples=self.num_val_samples
                )
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self._save_checkpoint()

                if self.verbose:
                    print(
                        f"(Epoch {self.epoch} / {self.num_epochs}) "
                        f"train acc: {train_acc:f}; val_acc: {val_acc:f}"
                    )

                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}

        self.model.params = self.best_params
