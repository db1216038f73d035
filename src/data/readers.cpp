// TextLineDataset, TFRecordDataset, list_files and glob.
#include "eager/data/readers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

namespace eager::data {
namespace {

namespace fs = std::filesystem;

// The lines of one file, read in large blocks.
class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "rb")) {
    if (!file_) {
      const int error = errno;
      if (error == ENOENT) throw NotFound(fmt::format("TextLineDataset: file '{}' does not exist", path));
      throw FailedPrecondition(fmt::format("TextLineDataset: cannot open '{}': {}", path, std::strerror(error)));
    }
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::fclose(file_);
      throw InvalidArgument(fmt::format("TextLineDataset: '{}' is a directory, not a file", path));
    }
  }
  ~LineReader() { std::fclose(file_); }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  bool read(std::string& line) {
    line.clear();
    while (true) {
      const char* begin = buffer_.data() + pos_;
      const char* end = buffer_.data() + buffer_.size();
      if (const char* newline = static_cast<const char*>(std::memchr(begin, '\n', std::size_t(end - begin)))) {
        line.append(begin, newline);
        pos_ = std::size_t(newline - buffer_.data()) + 1;
        strip_carriage_return(line);
        return true;
      }
      line.append(begin, end);
      if (!refill()) {
        if (line.empty()) return false;
        strip_carriage_return(line);
        return true;
      }
    }
  }

 private:
  static void strip_carriage_return(std::string& line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }
  bool refill() {
    buffer_.resize(kBlock);
    const std::size_t n = std::fread(buffer_.data(), 1, kBlock, file_);
    if (n == 0 && std::ferror(file_))
      throw DataLoss(fmt::format("TextLineDataset: read error in '{}': {}", path_, std::strerror(errno)));
    buffer_.resize(n);
    pos_ = 0;
    return n > 0;
  }

  static constexpr std::size_t kBlock = 1 << 20;
  std::string path_;
  std::FILE* file_;
  std::string buffer_;
  std::size_t pos_ = 0;
};

// One file's records as a dataset stage: Reader has bool read(std::string&).
template <class Reader, class... Args> class FileRecordsNode final : public detail::Node<std::string> {
 public:
  FileRecordsNode(const char* name, std::string path, Args... args)
      : name_(name), path_(std::move(path)), args_(std::move(args)...) {}
  detail::IterPtr<std::string> make_iterator(const detail::IterContext& ctx) const override {
    return std::make_unique<Iter>(ctx.enter(name_), this);
  }

 private:
  class Iter final : public detail::IteratorImpl<std::string> {
   public:
    Iter(const detail::IterContext& ctx, const FileRecordsNode* node)
        : IteratorImpl(ctx, false),
          reader_(std::apply([&](const Args&... args) { return std::make_unique<Reader>(node->path_, args...); },
                             node->args_)) {}
    std::optional<std::string> produce() override {
      std::string record;
      if (!reader_->read(record)) return std::nullopt;
      return record;
    }

   private:
    std::unique_ptr<Reader> reader_;
  };
  const char* name_;
  std::string path_;
  std::tuple<Args...> args_;
};

// The records of several files: one after the other, or interleaved one by
// one over num_parallel_reads files read on background threads.
template <class Reader, class... Args>
detail::NodePtr<std::string> files_node(const char* name, std::vector<std::string> filenames, int num_parallel_reads,
                                        Args... args) {
  const int parallel = detail::resolve_threads(num_parallel_reads, name);
  auto make_inner = [name, args...](const std::string& path) {
    return Dataset<std::string>(std::make_shared<FileRecordsNode<Reader, Args...>>(name, path, args...));
  };
  return from_tensor_slices(std::move(filenames)).interleave(make_inner, parallel, 1, parallel).node();
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// fnmatch-style matching of one path component.
bool match_component(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0, star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      bool matched = false;
      std::size_t next_p = p + 1;
      if (pattern[p] == '?') {
        matched = true;
      } else if (pattern[p] == '[') {
        std::size_t q = p + 1;
        const bool negate = q < pattern.size() && (pattern[q] == '!' || pattern[q] == '^');
        if (negate) ++q;
        bool in_set = false;
        bool first = true;
        while (q < pattern.size() && (first || pattern[q] != ']')) {
          first = false;
          if (q + 2 < pattern.size() && pattern[q + 1] == '-' && pattern[q + 2] != ']') {
            in_set = in_set || (pattern[q] <= name[n] && name[n] <= pattern[q + 2]);
            q += 3;
          } else {
            in_set = in_set || pattern[q] == name[n];
            ++q;
          }
        }
        if (q >= pattern.size()) {
          matched = pattern[p] == name[n];  // an unclosed '[' is a literal
        } else {
          matched = in_set != negate;
          next_p = q + 1;
        }
      } else if (pattern[p] == '\\' && p + 1 < pattern.size()) {
        matched = pattern[p + 1] == name[n];
        next_p = p + 2;
      } else {
        matched = pattern[p] == name[n];
      }
      if (matched) {
        p = next_p;
        ++n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

void glob_from(const std::string& dir, const std::vector<std::string>& parts, std::size_t i,
               std::set<std::string>& out) {
  std::error_code ec;
  const fs::path here = dir.empty() ? fs::path(".") : fs::path(dir);
  if (i == parts.size()) {
    if (!dir.empty() && fs::exists(here, ec) && !fs::is_directory(here, ec)) out.insert(dir);
    return;
  }
  const std::string& part = parts[i];
  if (part == "**") {
    // Zero directories, then one more level. Symbolic links to directories
    // are not followed: a link to an ancestor would loop forever. A trailing
    // "**" matches every file below.
    glob_from(dir, parts, i + 1, out);
    const bool last = i + 1 == parts.size();
    for (fs::directory_iterator it(here, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string child = join(dir, it->path().filename().string());
      std::error_code entry_ec;
      if (it->is_directory(entry_ec) && !it->is_symlink(entry_ec)) {
        glob_from(child, parts, i, out);
      } else if (last && !it->is_directory(entry_ec)) {
        out.insert(child);
      }
    }
    return;
  }
  if (!has_wildcard(part)) {
    const std::string next = join(dir, part);
    if (fs::exists(next, ec)) glob_from(next, parts, i + 1, out);
    return;
  }
  for (fs::directory_iterator it(here, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (match_component(part, name)) glob_from(join(dir, name), parts, i + 1, out);
  }
}

}  // namespace

std::vector<std::string> glob(const std::string& pattern) {
  std::vector<std::string> parts;
  std::string root;
  std::size_t start = 0;
  if (!pattern.empty() && pattern[0] == '/') {
    root = "/";
    start = 1;
  }
  while (start <= pattern.size()) {
    const std::size_t slash = std::min(pattern.find('/', start), pattern.size());
    if (slash > start) parts.push_back(pattern.substr(start, slash - start));
    start = slash + 1;
  }
  std::set<std::string> found;
  if (!parts.empty()) glob_from(root, parts, 0, found);
  return {found.begin(), found.end()};
}

Dataset<std::string> list_files(const std::vector<std::string>& patterns, bool shuffle,
                                std::optional<std::int64_t> seed) {
  std::set<std::string> files;
  for (const auto& pattern : patterns) {
    auto matches = glob(pattern);
    if (matches.empty()) throw NotFound(fmt::format("list_files: no files match the pattern '{}'", pattern));
    files.insert(matches.begin(), matches.end());
  }
  auto ds = from_tensor_slices(std::vector<std::string>(files.begin(), files.end()));
  return shuffle ? ds.shuffle(std::int64_t(files.size()), seed) : ds;
}

Dataset<std::string> list_files(const std::string& pattern, bool shuffle, std::optional<std::int64_t> seed) {
  return list_files(std::vector<std::string>{pattern}, shuffle, seed);
}

TextLineDataset::TextLineDataset(std::vector<std::string> filenames, int num_parallel_reads)
    : Dataset<std::string>(files_node<LineReader>("text_lines", std::move(filenames), num_parallel_reads)) {}

TFRecordDataset::TFRecordDataset(std::vector<std::string> filenames, TFRecordOptions options, int num_parallel_reads)
    : Dataset<std::string>(files_node<TFRecordReader>("tfrecord", std::move(filenames), num_parallel_reads, options)) {}

}  // namespace eager::data
