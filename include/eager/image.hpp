#pragma once
// tf.image and JPEG I/O. Images are tensors: HWC for one image, NHWC for a
// batch, uint8 or floating point. See docs/image.md.
#include "eager/image/boxes.hpp"
#include "eager/image/color.hpp"
#include "eager/image/geometry.hpp"
#include "eager/image/jpeg.hpp"
#include "eager/image/resize.hpp"
#include "eager/io.hpp"
