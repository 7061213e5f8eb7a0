#ifndef CHECKPOINTD_CJPEG_SHIM_H
#define CHECKPOINTD_CJPEG_SHIM_H
// jpeglib.h needs FILE and size_t declared before it.
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
// The TurboJPEG API of libjpeg-turbo: the same codec, but errors come back as
// return codes instead of longjmp, which Swift cannot catch.
#include <turbojpeg.h>
#endif
