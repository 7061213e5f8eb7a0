#ifndef CHECKPOINTD_CFFMPEG_SHIM_H
#define CHECKPOINTD_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/error.h>
#include <libavutil/dict.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

// AVERROR(e) and the FFERRTAG constants are macros Swift cannot import.
static inline int cpd_averror(int posix) { return AVERROR(posix); }
static inline int cpd_averror_eof(void) { return AVERROR_EOF; }
static inline int cpd_averror_exit(void) { return AVERROR_EXIT; }
static inline int cpd_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int cpd_averror_http_unauthorized(void) { return AVERROR_HTTP_UNAUTHORIZED; }
static inline int cpd_averror_http_forbidden(void) { return AVERROR_HTTP_FORBIDDEN; }
static inline int cpd_averror_http_not_found(void) { return AVERROR_HTTP_NOT_FOUND; }
static inline int cpd_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int cpd_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int cpd_averror_protocol_not_found(void) { return AVERROR_PROTOCOL_NOT_FOUND; }
#endif
