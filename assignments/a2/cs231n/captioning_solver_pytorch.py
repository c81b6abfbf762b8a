"""CaptioningSolverPytorch: trains a CaptioningRNN with Adam on COCO minibatches.

The model is any object with ``params`` (dict name -> torch tensor) and
``loss(features, captions)`` returning a scalar tensor. ``data`` is the dict that
cs231n.coco_utils.load_coco_data returns.

Usage::

    solver = CaptioningSolverPytorch(model, data, learning_rate=5e-3, batch_size=25,
                                     num_epochs=50, print_every=10)
    solver.train()
    solver.loss_history  # one numpy 0-d array per iteration
"""

import torch

from .coco_utils import sample_coco_minibatch


class CaptioningSolverPytorch:
    """Minibatch training of a captioning model with torch.optim.Adam.

    Keyword arguments (any other raises ValueError):
    - learning_rate: Adam's step size (default 1e-3)
    - batch_size: captions per minibatch (default 100)
    - num_epochs: epochs; an epoch is max(num_train // batch_size, 1) iterations (10)
    - print_every: print the loss every this many iterations (default 10)
    - verbose: print at all (default True)
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.data = data

        self.learning_rate = kwargs.pop("learning_rate", 0.001)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)

        if kwargs:
            unknown = ", ".join(f'"{name}"' for name in kwargs)
            raise ValueError(f"Unrecognized arguments {unknown}")

        self._reset()

    def _reset(self):
        """Set up the bookkeeping and the optimizer; called by __init__."""
        self.epoch = 0
        self.loss_history = []
        self.optim = torch.optim.Adam(self.model.params.values(), self.learning_rate)

    def _step(self):
        """One Adam update on a minibatch of training captions (drawn with replacement)."""
        captions, features, _ = sample_coco_minibatch(
            self.data, batch_size=self.batch_size, split="train"
        )
        captions = torch.from_numpy(captions).long()
        features = torch.from_numpy(features)

        loss = self.model.loss(features, captions)
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()
        self.loss_history.append(loss.detach().cpu().numpy())

    def train(self):
        """Run the optimisation. The parameters track gradients only while it runs."""
        num_train = self.data["train_captions"].shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for param in self.model.params.values():
            param.requires_grad_()
        try:
            for t in range(num_iterations):
                self._step()
                if self.verbose and t % self.print_every == 0:
                    print(
                        f"(Iteration {t + 1} / {num_iterations}) "
                        f"loss: {self.loss_history[-1]:f}"
                    )
                if (t + 1) % iterations_per_epoch == 0:
                    self.epoch += 1
        finally:
            for param in self.model.params.values():
                param.requires_grad_(False)
