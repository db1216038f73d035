#pragma once
// Opt-in {fmt} support: fmt::format("{}", tensor) gives the same text as
// operator<< (eager.Tensor([36 25], shape=(2,), dtype=int32)).
#include <fmt/format.h>

#include "eager/tensor.hpp"

template <> struct fmt::formatter<eager::Tensor> : fmt::formatter<std::string_view> {
  template <class FormatContext> auto format(const eager::Tensor& t, FormatContext& ctx) const {
    const std::string text = t.to_string();
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};
