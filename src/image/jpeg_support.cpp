#include "image/jpeg_support.hpp"

#include <cstring>
#include <string>

#include "eager/error.hpp"

namespace eager::image::detail {
namespace {

JpegErrorManager& manager(j_common_ptr cinfo) { return *reinterpret_cast<JpegErrorManager*>(cinfo->err); }

void set_message(JpegErrorManager& err, const char* prefix, const char* text) {
  std::snprintf(err.message, sizeof err.message, "%s%s", prefix, text);
}

// libjpeg's fatal errors. The message is libjpeg's own, classified by code.
void on_error_exit(j_common_ptr cinfo) {
  JpegErrorManager& err = manager(cinfo);
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  if (cinfo->err->msg_code == JERR_OUT_OF_MEMORY) {
    err.failure = JpegFailure::OutOfMemory;
    set_message(err, "libjpeg could not allocate memory: ", text);
  } else if (cinfo->err->msg_code == JERR_INPUT_EOF || err.data_ran_out) {
    // After a recovered truncation, whatever libjpeg trips over next (no
    // image, no frame) is still the missing data's fault.
    err.failure = JpegFailure::Truncated;
    set_message(err, "truncated JPEG data: ", text);
  } else {
    err.failure = JpegFailure::Corrupt;
    set_message(err, cinfo->is_decompressor ? "invalid JPEG data: " : "libjpeg could not encode the image: ", text);
  }
  std::longjmp(err.jump, 1);
}

// Warnings (level -1) flag corrupt but decodable data, as TensorFlow and
// libjpeg's own tools treat them: counted, not printed, unless the caller
// asked for them to be errors. Trace messages (level >= 0) are dropped.
void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  JpegErrorManager& err = manager(cinfo);
  ++cinfo->err->num_warnings;
  if (!err.stop_on_warning || err.data_ran_out) return;
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  err.failure = JpegFailure::Corrupt;
  set_message(err, "corrupt JPEG data (a warning, and stop_on_warning is set): ", text);
  std::longjmp(err.jump, 1);
}

void silent_output(j_common_ptr) {}

}  // namespace

jpeg_error_mgr* init_error_manager(JpegErrorManager& err, bool stop_on_warning) {
  std::memset(&err, 0, sizeof err);
  jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error_exit;
  err.pub.emit_message = on_emit_message;
  err.pub.output_message = silent_output;
  err.failure = JpegFailure::None;
  err.stop_on_warning = stop_on_warning;
  return &err.pub;
}

void jpeg_fail(j_common_ptr cinfo, JpegFailure failure, const char* message) {
  JpegErrorManager& err = manager(cinfo);
  err.failure = failure;
  set_message(err, "", message);
  std::longjmp(err.jump, 1);
}

// The only function that calls setjmp. Its locals are its two parameters,
// never modified, so nothing here is clobbered by the jump back.
bool run_guarded(JpegErrorManager& err, void (*body)(void*), void* context) {
  if (setjmp(err.jump) != 0) return false;
  body(context);
  return true;
}

void throw_jpeg_error(const char* op, const JpegErrorManager& err, std::size_t input_size) {
  std::string what = std::string(op) + ": " + err.message;
  if (input_size > 0) what += " (input of " + std::to_string(input_size) + " bytes)";
  switch (err.failure) {
    case JpegFailure::Truncated: throw DataLoss(what);
    case JpegFailure::Limit:
    case JpegFailure::OutOfMemory: throw ResourceExhausted(what);
    case JpegFailure::None:
    case JpegFailure::Corrupt: break;
  }
  throw InvalidArgument(what);
}

}  // namespace eager::image::detail
