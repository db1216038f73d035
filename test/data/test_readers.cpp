// TextLineDataset, TFRecordDataset and list_files: file order, line endings,
// parallel reads, glob patterns, and errors that name the file.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "eager/data/readers.hpp"
#include "data/temp_dir.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::MessageContains;

namespace {

using Strings = std::vector<std::string>;

using eager::test::TempDir;

}  // namespace

TEST_CASE("TextLineDataset strips \\n and \\r\\n and reads files in order", "[pipeline][readers]") {
  TempDir dir;
  const auto a = dir.file("a.txt", "first\r\nsecond\n\nfourth");
  const auto b = dir.file("b.txt", "b1\nb2\n");
  const auto empty = dir.file("empty.txt", "");
  CHECK(data::TextLineDataset(a).to_vector() == Strings{"first", "second", "", "fourth"});
  CHECK(data::TextLineDataset({a, empty, b}).to_vector() == Strings{"first", "second", "", "fourth", "b1", "b2"});
  // Parallel reads interleave the files line by line, as TF does.
  CHECK(data::TextLineDataset({a, b}, 2).to_vector() == Strings{"first", "b1", "second", "b2", "", "fourth"});

  std::string big;
  for (int i = 0; i < 300000; ++i) big.append("line ").append(std::to_string(i)).append("\n");  // several read blocks
  auto lines = data::TextLineDataset(dir.file("big.txt", big)).to_vector();
  REQUIRE(lines.size() == 300000);
  CHECK(lines[123456] == "line 123456");

  CHECK_THROWS_MATCHES(data::TextLineDataset(dir / "missing.txt").to_vector(), NotFound,
                       MessageContains("missing.txt"));
  CHECK_THROWS_MATCHES(data::TextLineDataset(dir.path().string()).to_vector(), InvalidArgument, MessageContains("directory"));
}

TEST_CASE("list_files and glob match *, ?, [...] and **, sorted", "[pipeline][readers]") {
  TempDir dir;
  for (const char* name : {"data-1.txt", "data-2.txt", "data-10.txt", "datb.txt", "notes.md", "sub/data-3.txt",
                           "sub/deeper/data-4.txt"})
    dir.file(name, "x");
  const std::string p = dir.path().string() + "/";
  CHECK(data::glob(p + "data-*.txt") == Strings{p + "data-1.txt", p + "data-10.txt", p + "data-2.txt"});
  CHECK(data::glob(p + "data-?.txt") == Strings{p + "data-1.txt", p + "data-2.txt"});
  CHECK(data::glob(p + "dat[ab]*") == Strings{p + "data-1.txt", p + "data-10.txt", p + "data-2.txt", p + "datb.txt"});
  CHECK(data::glob(p + "dat[!a]*") == Strings{p + "datb.txt"});
  CHECK(data::glob(p + "data-[0-1]*") == Strings{p + "data-1.txt", p + "data-10.txt"});
  CHECK(data::glob(p + "**/data-*.txt") == Strings{p + "data-1.txt", p + "data-10.txt", p + "data-2.txt",
                                                   p + "sub/data-3.txt", p + "sub/deeper/data-4.txt"});
  CHECK(data::glob(p + "sub/*/*.txt") == Strings{p + "sub/deeper/data-4.txt"});
  CHECK(data::glob(p + "notes.md") == Strings{p + "notes.md"});
  CHECK(data::glob(p + "*.csv").empty());
  CHECK(data::glob(p + "sub").empty());  // directories are not files

  CHECK(data::list_files(p + "data-?.txt").to_vector() == Strings{p + "data-1.txt", p + "data-2.txt"});
  CHECK_THROWS_MATCHES(data::list_files(p + "*.csv"), NotFound, MessageContains("no files match the pattern"));
  auto shuffled = data::list_files(p + "**/*.txt", true, 5);
  auto once = shuffled.to_vector();
  const auto sorted = data::glob(p + "**/*.txt");
  CHECK(once != sorted);
  CHECK(std::is_permutation(once.begin(), once.end(), sorted.begin(), sorted.end()));
  CHECK(shuffled.to_vector() != once);  // every pass reshuffles
  CHECK(data::list_files(p + "**/*.txt", true, 5).to_vector() == once);

  // A trailing ** matches every file below; links to directories are not
  // followed (a link to an ancestor would loop).
  CHECK(data::glob(p + "sub/**") == Strings{p + "sub/data-3.txt", p + "sub/deeper/data-4.txt"});
  std::filesystem::create_directory_symlink(".", p + "sub/self");
  std::filesystem::create_directory_symlink("..", p + "sub/parent");
  CHECK(data::glob(p + "sub/**/*.txt") == Strings{p + "sub/data-3.txt", p + "sub/deeper/data-4.txt"});
}

TEST_CASE("TFRecordDataset reads files in order, in parallel with the same interleaving as TF", "[pipeline][readers]") {
  TempDir dir;
  Strings files;
  for (int f = 0; f < 3; ++f) {
    files.push_back(dir.path().string() + "/part-" + std::to_string(f) + ".tfrecord");
    data::TFRecordWriter writer(files.back());
    for (int r = 0; r < 3; ++r) writer.write(fmt::format("f{}r{}", f, r));
    writer.close();
  }
  CHECK(data::TFRecordDataset(files).to_vector() ==
        Strings{"f0r0", "f0r1", "f0r2", "f1r0", "f1r1", "f1r2", "f2r0", "f2r1", "f2r2"});
  // Two files at a time, one record from each in turn; the third file takes
  // the first free place in the cycle.
  CHECK(data::TFRecordDataset(files, {}, 2).to_vector() ==
        Strings{"f0r0", "f1r0", "f0r1", "f1r1", "f0r2", "f1r2", "f2r0", "f2r1", "f2r2"});

  const std::string fixtures = std::string(EAGER_TEST_SOURCE_DIR) + "/data/fixtures/tfrecord/";
  auto plain = data::TFRecordDataset(fixtures + "records.tfrecord").to_vector();
  REQUIRE(plain.size() >= 2);
  CHECK(plain[0].empty());
  CHECK(plain[1] == "hello");
  CHECK(data::TFRecordDataset(fixtures + "records.tfrecord.gz", {data::Compression::Gzip}).to_vector() == plain);
  CHECK(data::TFRecordDataset(fixtures + "records.tfrecord.zlib", {data::Compression::Zlib}).to_vector() == plain);

  const std::string corrupt = dir.file("corrupt.tfrecord", "not a tfrecord file at all, just text");
  CHECK_THROWS_MATCHES(data::TFRecordDataset({files[0], corrupt}).to_vector(), DataLoss,
                       MessageContains("corrupt.tfrecord"));
}
