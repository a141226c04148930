/*
 * media/h264/pixel_int.h - the variants behind media/h264/pixel.h's
 * dispatcher, exposed so tests and benchmarks can run and compare each one.
 * Not installed.
 */
#ifndef AVILA_MEDIA_H264_PIXEL_INT_H
#define AVILA_MEDIA_H264_PIXEL_INT_H

#include "media/h264/pixel.h"

#if AVILA_X86_64
/* Needs AVILA_CPU_SSE42 (the code uses SSSE3 and SSE4.1 instructions). */
extern const avila_h264_pixel_ops avila_h264_pixel_sse4;
/* Needs AVILA_CPU_AVX2 (and uses the SSE4 functions for 8- and 4-wide blocks). */
extern const avila_h264_pixel_ops avila_h264_pixel_avx2;
#endif

#endif
