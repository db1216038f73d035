#pragma once
// Everything in eager's core API. Opt-in interop headers (eager/xtensor.hpp,
// eager/format.hpp) are not included here because they pull in third-party
// headers.
#include "eager/array_ops.hpp"
#include "eager/autograd.hpp"
#include "eager/creation.hpp"
#include "eager/device.hpp"
#include "eager/dtype.hpp"
#include "eager/error.hpp"
#include "eager/gradient_check.hpp"
#include "eager/linalg.hpp"
#include "eager/math.hpp"
#include "eager/memory.hpp"
#include "eager/nn.hpp"
#include "eager/random.hpp"
#include "eager/reduce.hpp"
#include "eager/scalar.hpp"
#include "eager/shape.hpp"
#include "eager/tensor.hpp"
#include "eager/variable.hpp"
