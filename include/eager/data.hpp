#pragma once
// Everything for input pipelines: Dataset and its sources and stages, file
// readers, TFRecord and tf.train.Example, the IDX (MNIST) reader, and the TF1
// queues with Coordinator and QueueRunner. Kept out of eager/eager.hpp because
// the pipeline is template code that programs without input pipelines need
// not compile.
#include "eager/data/coordinator.hpp"
#include "eager/data/dataset.hpp"
#include "eager/data/example.hpp"
#include "eager/data/idx.hpp"
#include "eager/data/queue.hpp"
#include "eager/data/readers.hpp"
#include "eager/data/tfrecord.hpp"
