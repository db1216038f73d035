#!/usr/bin/env bash
# Tests of the `eager` command-line tool (ctest label "cli"):
#   bash tools/eager/test_cli.sh path/to/eager path/to/source/tree
# Runs the tool on the committed TFRecord and NumPy fixtures, on the test
# photos and on small files written here into a temporary directory (a
# safetensors checkpoint and a .npy file spelled out byte by byte, damaged
# copies made with head and dd),
# and checks exit statuses and what is printed. Prints every failed check and
# exits 1 if there was one.
set -u

eager=$1
source_dir=$2
tfrecords=$source_dir/test/data/fixtures/tfrecord
npy_fixtures=$source_dir/test/serialize/fixtures/npy
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
checks=0
command_line=""

# run WANTED_STATUS ARGS...: runs the tool, keeps stdout and stderr for the
# expect_* checks that follow and checks the exit status.
run() {
  local wanted=$1
  shift
  command_line="eager $*"
  "$eager" "$@" >"$work/out" 2>"$work/err"
  local status=$?
  checks=$((checks + 1))
  if [[ $status -ne $wanted ]]; then
    fail "exit status $status, expected $wanted"
  fi
}

fail() {
  failures=$((failures + 1))
  echo "FAILED: $command_line: $1"
  echo "--- stdout:"
  cat "$work/out"
  echo "--- stderr:"
  cat "$work/err"
  echo "---"
}

# expect_out REGEX / expect_err REGEX: an extended regular expression that
# must match a line of stdout / stderr. expect_no_out REGEX: must match none.
expect_out() {
  checks=$((checks + 1))
  grep -Eq -- "$1" "$work/out" || fail "stdout lacks /$1/"
}
expect_err() {
  checks=$((checks + 1))
  grep -Eq -- "$1" "$work/err" || fail "stderr lacks /$1/"
}
expect_no_out() {
  checks=$((checks + 1))
  if grep -Eq -- "$1" "$work/out"; then fail "stdout has /$1/"; fi
}

# le N BYTES: N as BYTES little-endian bytes, in printf's \x notation.
le() {
  local value=$1 count=$2 text="" i
  for ((i = 0; i < count; i++)); do
    text+=$(printf '\\x%02x' $(((value >> (8 * i)) & 255)))
  done
  printf '%s' "$text"
}

# ---- the tool itself -------------------------------------------------------
run 2
expect_err "usage: eager <command>"
run 0 --help
expect_out "^  inspect "
expect_out "^  tfrecord "
expect_out "^  image "
run 2 frobnicate
expect_err "unknown command 'frobnicate'"
run 0 help tfrecord
expect_out "usage: eager tfrecord FILE"
run 0 inspect --help
expect_out "usage: eager inspect FILE"

# ---- tfrecord --------------------------------------------------------------
run 0 tfrecord "$tfrecords/records.tfrecord" "$tfrecords/records.tfrecord.gz" "$tfrecords/records.tfrecord.zlib"
expect_out "records\.tfrecord +none +6 +4263$"
expect_out "records\.tfrecord\.gz +gzip +6 +4263$"
expect_out "records\.tfrecord\.zlib +zlib +6 +4263$"
expect_out "^total +18 +12789$"

run 0 tfrecord --count "$tfrecords/examples.tfrecord"
checks=$((checks + 1))
[[ $(cat "$work/out") == "4" ]] || fail "expected exactly '4'"

run 0 tfrecord --validate --compression=zlib "$tfrecords/records.tfrecord.zlib"
expect_out "records\.tfrecord\.zlib: OK, 6 records, 4263 bytes \(4\.2 KiB\), compression zlib"

run 0 tfrecord "$tfrecords/examples.tfrecord" --print 2
expect_out "^record 0: offset 0, 138 bytes, tf.train.Example with 7 features$"
expect_out "^  label +int64 +1 +\[3\]$"
expect_out "^  pixels +float +4 +\[0, 0\.25, 0\.5, 0\.75\]$"
expect_out "^  name +bytes +1 +\[\"zero\" \(4 bytes\)\]$"
expect_out "^record 1: offset 154, 156 bytes"
expect_out "^  ragged +int64 +2 +\[-9223372036854775808, 9223372036854775807\]$"
expect_no_out "^record 2"

run 0 tfrecord "$tfrecords/records.tfrecord.gz" --print 2 --skip 1
expect_no_out "^record 0"
expect_out "^record 1: offset 16, 5 bytes$"
expect_out "^  \"hello\"$"
expect_out "^record 2: offset 37, 256 bytes$"
expect_out '^  "\\x00\\x01\\x02\\x03.*"\.\.\.$'
expect_no_out "^record 3"

run 0 tfrecord --print 1 "$tfrecords/records.tfrecord.zlib" "$tfrecords/examples.tfrecord"
expect_out "^==> .*records\.tfrecord\.zlib <==$"
expect_out "^==> .*examples\.tfrecord <==$"
expect_out "^  id +int64 +1 +\[0\]$"
checks=$((checks + 1))
[[ $(grep -c "^record 0:" "$work/out") -eq 2 ]] || fail "expected one record of each file"

# One byte of the third record's data changed: its CRC no longer matches.
cp "$tfrecords/records.tfrecord" "$work/flipped.tfrecord"
printf 'Z' | dd of="$work/flipped.tfrecord" bs=1 seek=100 conv=notrunc 2>/dev/null
run 1 tfrecord --validate "$work/flipped.tfrecord"
expect_out "flipped\.tfrecord: FAILED after 2 valid records"
expect_err "^eager tfrecord: .*corrupt record at offset 37 .*data CRC mismatch"
run 1 tfrecord "$work/flipped.tfrecord" --print 10
expect_out "^record 1: offset 16, 5 bytes$"
expect_err "^eager tfrecord: .*offset 37"

head -c 2000 "$tfrecords/records.tfrecord" >"$work/cut.tfrecord"
run 1 tfrecord "$work/cut.tfrecord"
expect_err "^eager tfrecord: .*truncated record at offset 1343"
head -c 300 "$tfrecords/records.tfrecord.gz" >"$work/cut.tfrecord.gz"
run 1 tfrecord --count "$work/cut.tfrecord.gz"
expect_err "^eager tfrecord: .*truncated record"
run 1 tfrecord --validate "$tfrecords/absurd_length.tfrecord.gz"
expect_err "^eager tfrecord: .*truncated record at offset 0"
run 1 tfrecord --compression gzip "$tfrecords/records.tfrecord"
expect_err "^eager tfrecord: .*gzip"
run 1 tfrecord "$work/missing.tfrecord"
expect_err "^eager tfrecord: .*missing\.tfrecord"
# A failure in one file does not stop the others.
run 1 tfrecord --count "$work/cut.tfrecord" "$tfrecords/examples.tfrecord"
expect_out "^4 .*examples\.tfrecord$"

run 2 tfrecord
expect_err "^eager tfrecord: no input file"
run 2 tfrecord "$tfrecords/records.tfrecord" --print many
expect_err "^eager tfrecord: --print: expected a non-negative integer, got 'many'"
run 2 tfrecord "$tfrecords/records.tfrecord" --count --validate
run 2 tfrecord "$tfrecords/records.tfrecord" --skip 1
run 2 tfrecord "$tfrecords/records.tfrecord" --compression lzma
run 2 tfrecord "$tfrecords/records.tfrecord" --bogus
expect_err "unknown option '--bogus'"

# ---- inspect: safetensors --------------------------------------------------
# A checkpoint spelled out: w = [[1, 2], [3, 4]] float32, b = [7, -1] int64,
# mask = [True, False, True].
header='{"__metadata__":{"eager.global_step":"42","note":"hi there"},'
header+='"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},'
header+='"b":{"dtype":"I64","shape":[2],"data_offsets":[16,32]},'
header+='"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[32,35]}}'
{
  printf "$(le ${#header} 8)"
  printf '%s' "$header"
  printf '\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\x40'
  printf "$(le 7 8)\xff\xff\xff\xff\xff\xff\xff\xff"
  printf '\x01\x00\x01'
} >"$work/model.safetensors"

run 0 inspect "$work/model.safetensors"
expect_out "^name +dtype +shape +elements +bytes$"
expect_out "^w +float32 +\(2, 2\) +4 +16$"
expect_out "^b +int64 +\(2,\) +2 +16$"
expect_out "^  eager\.global_step +42$"
expect_out "^  note +hi there$"
expect_out "^mask +bool +\(3,\) +3 +3$"
expect_out "^total: 3 tensors, 9 parameters, 35 bytes$"
expect_no_out "eager\.Tensor"

run 0 inspect "$work/model.safetensors" --tensor w
expect_out "^tensor_name: w$"
expect_out "^\[\[1\. 2\.\]$"
expect_out "^ \[3\. 4\.\]\], shape=\(2, 2\), dtype=float32\)$"
expect_out "^min 1  max 4  mean 2\.5$"
expect_no_out "tensor_name: b"

run 0 inspect "$work/model.safetensors" --all --summarize 3
expect_out "^total: 3 tensors"
expect_out "^shape=\(2, 2\), dtype=float32, first 3 of 4 values: \[1\. 2\. 3\. \.\.\.\]$"
expect_out "^eager\.Tensor\(\[ 7 -1\], shape=\(2,\), dtype=int64\)$"
expect_out "^min -1  max 7  mean 3$"
expect_out "^true 2 of 3$"

# Told by its first bytes, not by its name.
cp "$work/model.safetensors" "$work/model.bin"
run 0 inspect "$work/model.bin"
expect_out "^total: 3 tensors, 9 parameters, 35 bytes$"

run 1 inspect "$work/model.safetensors" --tensor missing
expect_err "^eager inspect: .*has no tensor \"missing\" \(it holds \"w\", \"b\", \"mask\"\)"
head -c 60 "$work/model.safetensors" >"$work/truncated.safetensors"
run 1 inspect "$work/truncated.safetensors"
expect_err "^eager inspect: safetensors '.*truncated\.safetensors': "
head -c $((8 + ${#header} + 20)) "$work/model.safetensors" >"$work/short_data.safetensors"
run 1 inspect "$work/short_data.safetensors"
expect_err "^eager inspect: .*truncated"
cp "$work/model.safetensors" "$work/bad_header.safetensors"
printf 'X' | dd of="$work/bad_header.safetensors" bs=1 seek=12 conv=notrunc 2>/dev/null
run 1 inspect "$work/bad_header.safetensors"
expect_err "^eager inspect: safetensors '.*bad_header\.safetensors': "
printf 'not a tensor file' >"$work/notes.txt"
run 1 inspect "$work/notes.txt"
expect_err "^eager inspect: cannot tell what '.*notes\.txt' holds"
run 1 inspect "$work/missing.safetensors"
expect_err "^eager inspect: cannot open '.*missing\.safetensors': No such file"

run 2 inspect
expect_err "^eager inspect: no input file"
run 2 inspect "$work/model.safetensors" "$work/model.bin"
run 2 inspect "$work/model.safetensors" --summarize 3
expect_err "--summarize needs --tensor or --all"
run 2 inspect "$work/model.safetensors" --all --tensor w
run 2 inspect "$work/model.safetensors" --all --summarize -1

# ---- inspect: NumPy --------------------------------------------------------
# np.save of np.arange(6, dtype='<i2').reshape(2, 3): version 1.0, the header
# padded with spaces and a newline to a 64-byte boundary.
npy_header="{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }"
npy_header+=$(printf '%*s' $((64 - 10 - ${#npy_header} - 1)) '')
{
  printf '\x93NUMPY\x01\x00'
  printf "$(le $((${#npy_header} + 1)) 2)"
  printf '%s\n' "$npy_header"
  printf '\x00\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00'
} >"$work/array.npy"
run 0 inspect "$work/array.npy" --all
expect_out "^dtype +shape +elements +bytes$"
expect_out "^int32 +\(2, 3\) +6 +24$"
expect_out "^ \[3 4 5\]\], shape=\(2, 3\), dtype=int32\)$"
expect_out "^min 0  max 5  mean 2\.5$"
run 2 inspect "$work/array.npy" --tensor x
head -c 70 "$work/array.npy" >"$work/truncated.npy"
run 1 inspect "$work/truncated.npy"
expect_err "^eager inspect: .*truncated\.npy"

if [[ -f $npy_fixtures/arrays.npz ]]; then
  run 0 inspect "$npy_fixtures/arrays.npz"
  expect_out "^name +dtype +shape +elements +bytes$"
  expect_out "^total: [0-9]+ arrays?, "
  head -c 300 "$npy_fixtures/arrays.npz" >"$work/truncated.npz"
  run 1 inspect "$work/truncated.npz"
  expect_err "^eager inspect: .*truncated\.npz"
else
  echo "skipped: the .npz checks ($npy_fixtures/arrays.npz is missing)"
fi

# ---- image -----------------------------------------------------------------
photos=$source_dir/test/image/photos
run 0 image "$photos/chelsea.jpg" "$photos/coffee.jpg"
expect_out "chelsea\.jpg: 300x451x3$"
expect_out "coffee\.jpg: 400x600x3$"

run 0 image "$photos/chelsea.jpg" --resize 224x224 --method bicubic --adjust-hue 0.1 -o "$work/out.jpg"
expect_out "chelsea\.jpg -> .*out\.jpg \(224x224x3\)$"
run 0 image "$work/out.jpg"
expect_out "out\.jpg: 224x224x3$"

# Steps apply in command-line order: crop then transpose, not the reverse.
run 0 image "$photos/chelsea.jpg" --crop 0,0,100,200 --transpose
expect_out "chelsea\.jpg: 300x451x3 -> 200x100x3$"
run 0 image "$photos/chelsea.jpg" --central-crop 0.5 --rot90 1 --grayscale --resize-with-pad 64x64
expect_out "-> 64x64x1$"
run 0 image "$photos/chelsea.jpg" --resize 100x100 --preserve-aspect-ratio --ratio 2
expect_out "150x226x3 -> 66x100x3$"

# Seeded random steps repeat; the .npy output keeps the float values.
run 0 image "$photos/coffee.jpg" --seed 7 --distorted-crop 0.3 --random-hue 0.2 --standardize -o "$work/a.npy"
run 0 image "$photos/coffee.jpg" --seed 7 --distorted-crop 0.3 --random-hue 0.2 --standardize -o "$work/b.npy"
checks=$((checks + 1))
cmp -s "$work/a.npy" "$work/b.npy" || fail "the same --seed gave different results"
run 0 inspect "$work/a.npy"
expect_out "^float32 "

mkdir "$work/outdir"
run 0 image "$photos/chelsea.jpg" "$photos/coffee.jpg" --flip-left-right -o "$work/outdir"
checks=$((checks + 1))
[[ -f $work/outdir/chelsea.jpg && -f $work/outdir/coffee.jpg ]] || fail "expected both outputs in the directory"

cp "$photos/chelsea.jpg" "$work/outdir/again.jpg"
run 2 image "$work/outdir/chelsea.jpg" "$work/outdir/again.jpg" --flip-up-down -o "$work/outdir"
expect_err "is the input .* itself"
run 2 image "$photos/chelsea.jpg" "$work/outdir/chelsea.jpg" --flip-up-down -o "$work"
expect_err "two inputs would both be written to"

run 2 image
expect_err "expected at least one JPEG file"
run 2 image "$photos/chelsea.jpg" --resize 224
expect_err "--resize: expected HEIGHTxWIDTH, got '224'"
run 2 image "$photos/chelsea.jpg" --resize 2x2 --method fancy
expect_err "--method: "
run 2 image "$photos/chelsea.jpg" "$photos/coffee.jpg" --flip-up-down -o "$work/one.jpg"
expect_err "must be an existing directory"
run 2 image "$photos/chelsea.jpg" --flip-up-down -o "$work/out.png"
expect_err "must end in \.jpg, \.jpeg or \.npy"
run 1 image "$photos/chelsea.jpg" --crop 0,0,1000,10
expect_err "^eager image: .*chelsea\.jpg: --crop 0,0,1000,10: "
head -c 5000 "$photos/chelsea.jpg" >"$work/truncated.jpg"
run 1 image "$work/truncated.jpg" --flip-up-down
expect_err "^eager image: .*truncated\.jpg: image::decode_jpeg: "
printf 'not a jpeg' >"$work/text.jpg"
run 1 image "$work/text.jpg"
expect_err "^eager image: .*text\.jpg"
run 1 image "$work/missing.jpg"
expect_err "^eager image: .*missing\.jpg"

echo "$checks checks, $failures failed"
[[ $failures -eq 0 ]]
