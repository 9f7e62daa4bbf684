"""Settings for the shared-compute tests."""

import torch

# Other test processes share the two cores; one intra-op thread is 4x faster
# for MiniLM than two oversubscribed ones.
torch.set_num_threads(1)
