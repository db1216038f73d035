// The "checkpoint" state file in TensorFlow's protobuf text format
// (tensorflow/core/protobuf/saver.proto CheckpointState), written and parsed
// by hand: four fields do not justify a protobuf text-format dependency.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "eager/error.hpp"
#include "eager/train/checkpoint_manager.hpp"

namespace eager::train {
namespace {

// protobuf's CEscape: the escapes TensorFlow's writer produces.
std::string quote(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += fmt::format("\\{:03o}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

class LineParser {
 public:
  LineParser(std::string_view line, const std::string& source, int line_number)
      : line_(line), source_(source), line_number_(line_number) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw DataLoss(fmt::format("checkpoint state '{}', line {}: {}", source_, line_number_, what));
  }

  std::string_view field() {
    skip_spaces();
    const std::size_t start = pos_;
    while (pos_ < line_.size() && (std::isalnum(static_cast<unsigned char>(line_[pos_])) || line_[pos_] == '_')) ++pos_;
    if (pos_ == start) fail("expected a field name");
    const std::string_view name = line_.substr(start, pos_ - start);
    skip_spaces();
    if (pos_ >= line_.size() || line_[pos_] != ':') fail("expected ':' after '" + std::string(name) + "'");
    ++pos_;
    return name;
  }

  std::string string_value() {
    skip_spaces();
    if (pos_ >= line_.size() || (line_[pos_] != '"' && line_[pos_] != '\'')) fail("expected a quoted string");
    const char quote_char = line_[pos_++];
    std::string out;
    while (true) {
      if (pos_ >= line_.size()) fail("unterminated string");
      const char c = line_[pos_++];
      if (c == quote_char) break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= line_.size()) fail("unterminated escape");
      out += unescape();
    }
    expect_end();
    return out;
  }

  double number_value() {
    skip_spaces();
    const std::string text(line_.substr(pos_));
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str()) fail("expected a number");
    pos_ += static_cast<std::size_t>(end - text.c_str());
    expect_end();
    return value;
  }

 private:
  char unescape() {
    const char c = line_[pos_++];
    switch (c) {
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case '"': return '"';
      case '\'': return '\'';
      case '\\': return '\\';
      case 'x': return static_cast<char>(digits(16, 2));
      default:
        if (c >= '0' && c <= '7') {
          --pos_;
          return static_cast<char>(digits(8, 3));
        }
        fail(fmt::format("unknown escape '\\{}'", c));
    }
  }

  int digits(int base, int max_count) {
    int value = 0, count = 0;
    while (count < max_count && pos_ < line_.size()) {
      int digit = 0;
      const auto [ptr, ec] = std::from_chars(line_.data() + pos_, line_.data() + pos_ + 1, digit, base);
      if (ec != std::errc() || ptr != line_.data() + pos_ + 1) break;
      value = value * base + digit;
      ++pos_;
      ++count;
    }
    if (count == 0 || value > 255) fail("bad escape");
    return value;
  }

  void skip_spaces() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
  }
  void expect_end() {
    skip_spaces();
    if (pos_ != line_.size()) fail("unexpected text after the value");
  }

  std::string_view line_;
  const std::string& source_;
  int line_number_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string format_checkpoint_state(const CheckpointState& state) {
  std::string text = "model_checkpoint_path: " + quote(state.model_checkpoint_path) + "\n";
  for (const std::string& path : state.all_model_checkpoint_paths)
    text += "all_model_checkpoint_paths: " + quote(path) + "\n";
  for (const double timestamp : state.all_model_checkpoint_timestamps)
    text += fmt::format("all_model_checkpoint_timestamps: {}\n", timestamp);
  if (state.last_preserved_timestamp)
    text += fmt::format("last_preserved_timestamp: {}\n", *state.last_preserved_timestamp);
  return text;
}

CheckpointState parse_checkpoint_state(const std::string& text, const std::string& source) {
  CheckpointState state;
  std::size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    LineParser parser(line, source, line_number);
    const std::string_view field = parser.field();
    if (field == "model_checkpoint_path") {
      state.model_checkpoint_path = parser.string_value();
    } else if (field == "all_model_checkpoint_paths") {
      state.all_model_checkpoint_paths.push_back(parser.string_value());
    } else if (field == "all_model_checkpoint_timestamps") {
      state.all_model_checkpoint_timestamps.push_back(parser.number_value());
    } else if (field == "last_preserved_timestamp") {
      state.last_preserved_timestamp = parser.number_value();
    } else {
      parser.fail("unknown field '" + std::string(field) + "'");
    }
  }
  return state;
}

}  // namespace eager::train
