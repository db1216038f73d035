#pragma once
// What the JPEG decoder and encoder share: libjpeg's error handling turned
// into eager exceptions.
//
// libjpeg reports a fatal error by calling error_exit, which must not return.
// libjpeg-turbo is C compiled without unwind tables, so throwing a C++
// exception through its frames is undefined; the only safe exit is longjmp.
// longjmp in turn must not skip a C++ destructor. So every libjpeg call runs
// inside run_guarded(), whose body keeps only trivially destructible objects
// alive (pointers, ints, libjpeg's own structs); everything that owns memory
// (the output tensor, row-pointer vectors, the libjpeg object's destroy call)
// lives in the caller, outside the jump, and is set up before or inspected
// after the guarded call.
#include <csetjmp>
#include <cstddef>
#include <cstdio>  // jpeglib.h uses FILE without including stdio.h

#include <jpeglib.h>
// After jpeglib.h, which it needs: the message codes and WARNMS.
#include <jerror.h>

namespace eager::image::detail {

// Why a guarded call stopped; chooses the exception type.
enum class JpegFailure {
  None,
  Corrupt,      // not a JPEG, corrupt or unsupported data: InvalidArgument
  Truncated,    // the data ends before the image does: DataLoss
  Limit,        // max_pixels / max_scans: ResourceExhausted
  OutOfMemory,  // libjpeg could not allocate: ResourceExhausted
};

// libjpeg's error manager with a jump buffer and the reason for the jump.
// Standard layout with `pub` first: the jpeg_error_mgr* that libjpeg holds is
// also a pointer to this struct.
struct JpegErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  JpegFailure failure;
  // Corrupt-data warnings become errors (DecodeJpegOptions::stop_on_warning).
  bool stop_on_warning;
  // Set once the data has run out under try_recover_truncated: the warnings
  // that follow are the expected consequence, not new corruption.
  bool data_ran_out;
  char message[JMSG_LENGTH_MAX + 160];
};

// Fills `err` (libjpeg's standard manager, silenced, with error_exit and
// emit_message replaced) and returns the pointer to store in cinfo.err.
jpeg_error_mgr* init_error_manager(JpegErrorManager& err, bool stop_on_warning = false);

// Leaves the guarded call with our own reason and message. Only for code that
// libjpeg calls back (source and destination managers, progress monitor).
[[noreturn]] void jpeg_fail(j_common_ptr cinfo, JpegFailure failure, const char* message);

// Runs body(context) with err.jump armed; false when libjpeg or a callback
// jumped out (err.failure and err.message say why).
bool run_guarded(JpegErrorManager& err, void (*body)(void*), void* context);

// run_guarded for a lambda. The lambda's body is skipped by the jump: it must
// hold no object with a destructor.
template <class F> bool guarded(JpegErrorManager& err, F& body) {
  return run_guarded(err, [](void* f) { (*static_cast<F*>(f))(); }, &body);
}

// The exception for a failed guarded call: "<op>: <what> (<libjpeg's
// message>), <size> bytes".
[[noreturn]] void throw_jpeg_error(const char* op, const JpegErrorManager& err, std::size_t input_size);

}  // namespace eager::image::detail
