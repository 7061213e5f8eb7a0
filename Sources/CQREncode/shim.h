#ifndef CHECKPOINTD_CQRENCODE_SHIM_H
#define CHECKPOINTD_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
