"""Image captioning with a vanilla RNN or an LSTM (PyTorch; autograd gives the gradients)."""

import torch

from ..rnn_layers_pytorch import *  # noqa: F403
from ..rnn_layers_pytorch import (
    affine_forward,
    lstm_forward,
    lstm_step_forward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_forward,
)


class CaptioningRNN:
    """Generates captions from image features with a recurrent network.

    An image feature vector (D,) is projected to the initial hidden state (H,); each
    word is embedded as a vector (W,) and fed to the RNN/LSTM; the hidden states are
    mapped to scores over the V words of the vocabulary. Sequences have T steps.

    No regularisation. Parameters are torch tensors in ``self.params``, created in this
    order from the global torch RNG (k = 4 for 'lstm', 1 for 'rnn'):
    W_embed (V, W), W_proj (D, H), b_proj (H,), Wx (W, kH), Wh (H, kH), b (kH,),
    W_vocab (H, V), b_vocab (V,).
    """

    def __init__(
        self,
        word_to_idx,
        input_dim=512,
        wordvec_dim=128,
        hidden_dim=128,
        cell_type="rnn",
        dtype=torch.float32,
    ):
        """
        Inputs:
        - word_to_idx: dict word -> index in [0, V); must hold '<NULL>'
        - input_dim: D, size of the image features
        - wordvec_dim: W, size of the word vectors
        - hidden_dim: H, size of the hidden state
        - cell_type: 'rnn' or 'lstm' (anything else raises ValueError)
        - dtype: torch dtype of every parameter (float64 for gradient checks)
        """
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError(f'Invalid cell_type "{cell_type}": use "rnn" or "lstm"')

        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        vocab_size = len(word_to_idx)

        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        # Word vectors
        self.params["W_embed"] = torch.randn(vocab_size, wordvec_dim)
        self.params["W_embed"] /= 100

        # Image features -> initial hidden state
        self.params["W_proj"] = torch.randn(input_dim, hidden_dim)
        self.params["W_proj"] /= input_dim**0.5
        self.params["b_proj"] = torch.zeros(hidden_dim)

        # Recurrent weights
        dim_mul = {"lstm": 4, "rnn": 1}[cell_type]
        self.params["Wx"] = torch.randn(wordvec_dim, dim_mul * hidden_dim)
        self.params["Wx"] /= wordvec_dim**0.5
        self.params["Wh"] = torch.randn(hidden_dim, dim_mul * hidden_dim)
        self.params["Wh"] /= hidden_dim**0.5
        self.params["b"] = torch.zeros(dim_mul * hidden_dim)

        # Hidden state -> vocabulary scores
        self.params["W_vocab"] = torch.randn(hidden_dim, vocab_size)
        self.params["W_vocab"] /= hidden_dim**0.5
        self.params["b_vocab"] = torch.zeros(vocab_size)

        for name, value in self.params.items():
            self.params[name] = value.to(self.dtype)

    def loss(self, features, captions):
        """Training loss of the model on ground-truth captions (teacher forcing).

        The input at step t is captions[:, t] and the target is captions[:, t + 1];
        targets equal to <NULL> do not count.

        Inputs:
        - features: (N, D) image features
        - captions: (N, T + 1) integer word indices

        Returns loss: a scalar tensor (summed over steps, averaged over N).
        """
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        loss = 0.0
        # TODO: Write your code here, following the instructions above.
        raise NotImplementedError("write your code here, then delete this line")

        return loss

    def sample(self, features, max_length=30):
        """Greedy decoding: start from <START>, feed back the highest-scoring word.

        Inputs:
        - features: (N, D) image features
        - max_length: number of words to generate

        Returns captions: (N, max_length) LongTensor; column t is the word chosen at
        step t (the first column is the first generated word, not <START>). The tensor
        starts out filled with <NULL>.
        """
        N = features.shape[0]
        captions = self._null * torch.ones((N, max_length), dtype=torch.long)

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        # TODO: Write your code here, following the instructions above.
        raise NotImplementedError("write your code here, then delete this line")

        return captions
