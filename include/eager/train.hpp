#pragma once
// Saving and restoring training state: Checkpoint, CheckpointManager,
// latest_checkpoint (the file format is eager/io/safetensors.hpp).
#include "eager/train/checkpoint.hpp"
#include "eager/train/checkpoint_manager.hpp"
