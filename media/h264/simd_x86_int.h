/*
 * media/h264/simd_x86_int.h - what the encoder's x86 kernels (pixel_x86.c,
 * transform_x86.c, mc_x86.c, deblock_x86.c) share: the target attributes
 * of their SSE and AVX2 functions, and unaligned loads and stores of 4, 8
 * and 16 bytes into and out of the low lanes of a vector. x86-64 only; not
 * installed. Pure.
 */
#ifndef AVILA_MEDIA_H264_SIMD_X86_INT_H
#define AVILA_MEDIA_H264_SIMD_X86_INT_H

#include "core/platform.h"

#if AVILA_X86_64
#include <immintrin.h>

#define SSE  AVILA_TARGET("sse4.2")
#define AVX2 AVILA_TARGET("avx2")

static inline SSE __m128i load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return _mm_cvtsi32_si128((int)v);
}

static inline SSE void store32(uint8_t *p, int v)
{
    memcpy(p, &v, 4);
}

static inline SSE __m128i load64(const uint8_t *p)
{
    return _mm_loadl_epi64((const __m128i *)(const void *)p);
}

static inline SSE __m128i loadu128(const void *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

static inline SSE void storeu128(void *p, __m128i v)
{
    _mm_storeu_si128((__m128i *)p, v);
}
#endif

#endif
