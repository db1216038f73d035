#pragma once
// Text output shared by the subcommands: aligned tables, byte counts and
// byte strings shown safely on a terminal.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eager::cli {

// Columns padded to their widest cell and separated by two spaces; numeric
// columns right-aligned. Rows shorter than the header leave cells empty.
class Table {
 public:
  struct Column {
    std::string header;
    bool right_aligned = false;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // The header, then the rows, each line ending in '\n' without trailing spaces.
  std::string render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "1 record", "3 records": the count and the noun, plural unless the count is 1.
std::string counted(std::uint64_t count, std::string_view noun);

// "512 bytes", or with a binary-unit rounding for the eye: "31400 bytes (30.7 KiB)".
std::string byte_count(std::uint64_t bytes);

// The first `max_bytes` bytes in double quotes, C-escaped: printable ASCII as
// is, \" \\ \n \r \t, every other byte as \xHH. A longer string ends in
// "..." after the closing quote, so the cut is visible.
std::string quoted_bytes(std::string_view bytes, std::size_t max_bytes);

// `text` as is when it is plain (printable ASCII, not empty, no space at
// either end), quoted_bytes of all of it otherwise: names and metadata values
// stay readable and an odd one cannot garble the terminal or hide in blanks.
std::string shown_text(std::string_view text);

// `text` with `prefix` in front of every non-empty line.
std::string indented(std::string_view text, std::string_view prefix);

}  // namespace eager::cli
