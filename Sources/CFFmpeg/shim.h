#ifndef CHECKPOINTD_CFFMPEG_SHIM_H
#define CHECKPOINTD_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/error.h>
#endif
