#include "text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace eager::cli {

std::string Table::render() const {
  std::vector<std::size_t> widths(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = columns_[c].header.size();
    for (const auto& row : rows_)
      if (c < row.size()) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  const auto append_line = [&](auto cell_at) {
    std::string line;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      const std::string& cell = cell_at(c);
      const std::string padding(widths[c] - cell.size(), ' ');
      if (c > 0) line += "  ";
      line += columns_[c].right_aligned ? padding + cell : cell + padding;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  };
  append_line([&](std::size_t c) -> const std::string& { return columns_[c].header; });
  static const std::string kEmpty;
  for (const auto& row : rows_)
    append_line([&](std::size_t c) -> const std::string& { return c < row.size() ? row[c] : kEmpty; });
  return out;
}

std::string counted(std::uint64_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

std::string byte_count(std::uint64_t bytes) {
  const std::string exact = counted(bytes, "byte");
  if (bytes < 1024) return exact;
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double scaled = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (scaled >= 1024 && unit + 1 < std::size(kUnits)) {
    scaled /= 1024;
    ++unit;
  }
  return fmt::format("{} ({:.1f} {})", exact, scaled, kUnits[unit]);
}

std::string quoted_bytes(std::string_view bytes, std::size_t max_bytes) {
  std::string out = "\"";
  for (const char ch : bytes.substr(0, max_bytes)) {
    const auto byte = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte >= 0x20 && byte < 0x7f) out += ch;
        else out += fmt::format("\\x{:02x}", byte);
    }
  }
  out += '"';
  if (bytes.size() > max_bytes) out += "...";
  return out;
}

std::string shown_text(std::string_view text) {
  const bool plain = !text.empty() && text.front() != ' ' && text.back() != ' ' &&
                     std::all_of(text.begin(), text.end(), [](char ch) { return ch >= 0x20 && ch < 0x7f; });
  return plain ? std::string(text) : quoted_bytes(text, text.size());
}

std::string indented(std::string_view text, std::string_view prefix) {
  std::string out;
  bool line_start = true;
  for (const char ch : text) {
    if (line_start && ch != '\n') out += prefix;
    out += ch;
    line_start = ch == '\n';
  }
  return out;
}

}  // namespace eager::cli
